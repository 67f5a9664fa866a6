//! alert with the local adapters: one message per batch, a cooldown that
//! a higher severity breaks through, nothing below the minimum severity,
//! failure alerts deduplicated per run, and subjects SNS accepts.

use alert::{Alerter, MAX_SUBJECT, verdict_message};
use pipeline_events::{AlertInput, AlertOutput, Failure, Severity, Verdict};
use pipeline_store::{LocalDirStore, LocalNotifier};

fn verdict(batch: &str, dt: &str, hour: &str, severity: Severity) -> Verdict {
    Verdict {
        batch_id: batch.into(),
        dt: dt.into(),
        hour: hour.into(),
        drift_detected: severity != Severity::Ok,
        severity,
        share_of_drifted_columns: 0.3,
        drifted_columns: vec!["aspect".into(), "sentiment".into(), "sentiment[shipping]".into()],
        report_key: format!("reports/dt={dt}/hour={hour}/{batch}.json"),
        html_key: format!("reports/dt={dt}/hour={hour}/{batch}.html"),
    }
}

fn alerter() -> Alerter {
    Alerter {
        model: "absa-sentiment".into(),
        min_severity: Severity::Warning,
        cooldown_hours: 6,
        report_location: "s3://absa-data/".into(),
    }
}

async fn send(store: &LocalDirStore, notifier: &LocalNotifier, v: Verdict) -> AlertOutput {
    alerter().run(store, notifier, &AlertInput { verdict: Some(v), failure: None, run_id: None }).await.unwrap()
}

fn sent_messages(notifier: &LocalNotifier) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&notifier.path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn one_message_per_batch_and_a_cooldown_unless_severity_rises() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path().join("store"));
    let notifier = LocalNotifier { path: dir.path().join("alerts.jsonl") };

    let ok = send(&store, &notifier, verdict("b00", "2026-11-02", "00", Severity::Ok)).await;
    assert!(!ok.sent && ok.reason.contains("below"), "{ok:?}");

    let first = send(&store, &notifier, verdict("b01", "2026-11-02", "01", Severity::Warning)).await;
    assert!(first.sent, "{first:?}");
    let again = send(&store, &notifier, verdict("b01", "2026-11-02", "01", Severity::Warning)).await;
    assert!(!again.sent && again.reason.contains("already sent"), "a rerun of the batch: {again:?}");

    let later = send(&store, &notifier, verdict("b02", "2026-11-02", "02", Severity::Warning)).await;
    assert!(!later.sent && later.reason.contains("cooldown"), "{later:?}");
    let worse = send(&store, &notifier, verdict("b03", "2026-11-02", "03", Severity::Alarm)).await;
    assert!(worse.sent, "a higher severity breaks the cooldown: {worse:?}");
    let same = send(&store, &notifier, verdict("b04", "2026-11-02", "08", Severity::Alarm)).await;
    assert!(!same.sent, "5 h after the alarm: {same:?}");
    let after = send(&store, &notifier, verdict("b05", "2026-11-02", "09", Severity::Alarm)).await;
    assert!(after.sent, "6 h after the alarm the cooldown is over: {after:?}");

    let messages = sent_messages(&notifier);
    assert_eq!(messages.len(), 3);
    let body = messages[1]["message"].as_str().unwrap();
    assert!(
        body.contains("sentiment[shipping]") && body.contains("s3://absa-data/reports/dt=2026-11-02/hour=03/b03.json"),
        "{body}"
    );
    assert!(messages.iter().all(|m| m["subject"].as_str().unwrap().chars().count() < 100));
}

#[tokio::test]
async fn failures_are_reported_once_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path().join("store"));
    let notifier = LocalNotifier { path: dir.path().join("alerts.jsonl") };
    let failure = Failure {
        error: "ExtractError".into(),
        // As Step Functions passes on a Lambda function's error.
        cause: r#"{"errorType":"ExtractError","errorMessage":"raw/bad.csv: exporter CSV: header column 3 is 'UserID', expected 'User ID'"}"#.into(),
        failed_step: "Extract".into(),
    };
    let input = AlertInput { verdict: None, failure: Some(failure), run_id: Some("run-2026-11-02T05".into()) };
    let first = alerter().run(&store, &notifier, &input).await.unwrap();
    assert!(first.sent);
    assert_eq!(first.subject.as_deref(), Some("[absa-drift] pipeline FAILED at Extract: ExtractError"));
    assert!(!alerter().run(&store, &notifier, &input).await.unwrap().sent, "the same run alerts once");
    let body = sent_messages(&notifier)[0]["message"].as_str().unwrap().to_owned();
    assert!(body.contains("header column 3") && body.contains("run-2026-11-02T05"), "{body}");
    assert!(body.contains("Cause:\nraw/bad.csv: exporter CSV: header column 3"), "the message, not its JSON: {body}");

    let neither = AlertInput { verdict: None, failure: None, run_id: None };
    assert!(alerter().run(&store, &notifier, &neither).await.is_err());
}

#[test]
fn a_cause_that_is_not_a_lambda_error_is_kept_as_it_is() {
    assert_eq!(alert::readable_cause("States.Timeout after 120 s"), "States.Timeout after 120 s");
    assert_eq!(alert::readable_cause(r#"{"errorType":"X"}"#), r#"{"errorType":"X"}"#);
    assert_eq!(alert::readable_cause(r#"{"errorType":"X","errorMessage":"m"}"#), "m");
}

#[test]
fn long_subjects_are_cut_below_sns_limit() {
    let mut v = verdict("b", "2026-11-02", "05", Severity::Alarm);
    v.drifted_columns = (0..500).map(|i| format!("column_{i}")).collect();
    v.dt = "2026-11-02-with-a-very-long-partition-name-that-goes-on-and-on-and-on".into();
    let (subject, body) = verdict_message(&v, "s3://b/r.json", "s3://b/");
    assert!(subject.chars().count() <= MAX_SUBJECT, "{subject}");
    assert!(body.contains("and 490 more"), "{body}");
}
