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
        stream: "default".into(),
        drift_detected: severity != Severity::Ok,
        severity,
        share_of_drifted_columns: 0.3,
        drifted_columns: vec!["aspect".into(), "sentiment".into(), "sentiment[shipping]".into()],
        rows: 400,
        untested: vec![],
        report_key: format!("reports/dt={dt}/hour={hour}/{batch}.json"),
        html_key: format!("reports/dt={dt}/hour={hour}/{batch}.html"),
        labelling_queue: None,
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
    alerter().run(store, notifier, &AlertInput { verdict: Some(v), ..Default::default() }).await.unwrap()
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
    let input = AlertInput { failure: Some(failure), run_id: Some("run-2026-11-02T05".into()), ..Default::default() };
    let first = alerter().run(&store, &notifier, &input).await.unwrap();
    assert!(first.sent);
    assert_eq!(first.subject.as_deref(), Some("[absa-drift] pipeline FAILED at Extract: ExtractError"));
    assert!(!alerter().run(&store, &notifier, &input).await.unwrap().sent, "the same run alerts once");
    let body = sent_messages(&notifier)[0]["message"].as_str().unwrap().to_owned();
    assert!(body.contains("header column 3") && body.contains("run-2026-11-02T05"), "{body}");
    assert!(body.contains("Cause:\nraw/bad.csv: exporter CSV: header column 3"), "the message, not its JSON: {body}");

    let neither = AlertInput { verdict: None, ..Default::default() };
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

/// A claim `alerts/sent/<id>.json` as another execution left it.
fn pending_claim(store: &LocalDirStore, id: &str, owner: &str, lease_until: i64) {
    let path = store.path_of(&format!("alerts/sent/{id}.json")).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let claim = serde_json::json!({ "status": "pending", "owner": owner, "lease_until": lease_until });
    std::fs::write(path, claim.to_string()).unwrap();
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn a_claim_in_flight_is_left_to_its_owner_until_its_lease_ends() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path().join("store"));
    let notifier = LocalNotifier { path: dir.path().join("alerts.jsonl") };
    let input = |batch: &str, run: &str| AlertInput {
        verdict: Some(verdict(batch, "2026-11-02", &batch[1..], Severity::Alarm)),
        failure: None,
        run_id: Some(run.into()),
        ..Default::default()
    };

    pending_claim(&store, "batch-b01", "run-a", unix_now() + 600);
    let other = alerter().run(&store, &notifier, &input("b01", "run-b")).await.unwrap();
    assert!(!other.sent && other.reason.contains("being sent by run-a"), "{other:?}");
    let retry = alerter().run(&store, &notifier, &input("b01", "run-a")).await.unwrap();
    assert!(retry.sent, "the owner's retry sends it: {retry:?}");

    // A crash between claim and publish: after the lease, the next run sends it.
    pending_claim(&store, "batch-b09", "run-a", unix_now() - 1);
    let late = alerter().run(&store, &notifier, &input("b09", "run-c")).await.unwrap();
    assert!(late.sent, "{late:?}");
    assert_eq!(sent_messages(&notifier).len(), 2);
}

/// Verdicts for hours 0..24 of one day: warnings, and an alarm at hour 9.
fn day_of_verdicts() -> Vec<Verdict> {
    (0..24)
        .map(|h| {
            let severity = if h == 9 { Severity::Alarm } else { Severity::Warning };
            verdict(&format!("b{h:02}"), "2026-11-02", &format!("{h:02}"), severity)
        })
        .collect()
}

/// Every verdict of the day in order, as one execution per batch of one run.
async fn run_day(store: LocalDirStore, notifier: std::sync::Arc<LocalNotifier>, run: usize) {
    for v in day_of_verdicts() {
        let input =
            AlertInput { run_id: Some(format!("run{run}-{}", v.batch_id)), verdict: Some(v), ..Default::default() };
        alerter().run(&store, notifier.as_ref(), &input).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runs_of_the_same_hours_send_what_one_run_sends() {
    let dir = tempfile::tempdir().unwrap();
    let notifier = |name: &str| std::sync::Arc::new(LocalNotifier { path: dir.path().join(name) });
    let sequential = notifier("sequential.jsonl");
    run_day(LocalDirStore::new(dir.path().join("sequential")), sequential.clone(), 0).await;
    let expected: Vec<String> =
        sent_messages(&sequential).iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect();
    // Warnings at 0 and 6, the alarm at 9 breaking through, then warnings
    // at 15 and 21, 6 h after the alarm and after each other.
    assert_eq!(expected.len(), 5, "{expected:#?}");

    for trial in 0..5 {
        let store = LocalDirStore::new(dir.path().join(format!("concurrent-{trial}")));
        let concurrent = notifier(&format!("concurrent-{trial}.jsonl"));
        let runs: Vec<_> = (1..=4).map(|run| tokio::spawn(run_day(store.clone(), concurrent.clone(), run))).collect();
        for run in runs {
            run.await.unwrap();
        }
        let mut sent: Vec<String> =
            sent_messages(&concurrent).iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect();
        sent.sort();
        let mut expected = expected.clone();
        expected.sort();
        assert_eq!(sent, expected, "trial {trial}");
    }
}

#[tokio::test]
async fn each_stream_has_its_own_cooldown() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path().join("store"));
    let notifier = LocalNotifier { path: dir.path().join("alerts.jsonl") };
    let of_stream = |batch: &str, stream: &str| Verdict {
        stream: stream.into(),
        ..verdict(batch, "2026-11-02", "01", Severity::Alarm)
    };
    assert!(send(&store, &notifier, of_stream("a1", "video-1")).await.sent);
    assert!(send(&store, &notifier, of_stream("b1", "video-2")).await.sent, "another video's alarm goes out");
    let held = send(&store, &notifier, of_stream("a2", "video-1")).await;
    assert!(!held.sent && held.reason.contains("cooldown"), "{held:?}");
}
