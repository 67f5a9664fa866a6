//! Every tagged example in docs/events.md parses into its step's type and
//! serialises back to the same JSON.

use pipeline_events::{
    AlertInput, AlertOutput, Approval, BackfillPlan, BaselineSummary, ExtractInput, ExtractOutput, MonitorJob,
    MonitorRequest, Promotion, RetrainJob, Training, TransformOutput, Verdict,
};
use serde_json::Value;

fn examples(tag: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/events.md")).unwrap();
    let fence = format!("```json {tag}\n");
    doc.split(&fence).skip(1).map(|rest| rest.split("```").next().unwrap().to_owned()).collect()
}

fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(tag: &str, count: usize) -> Vec<T> {
    let texts = examples(tag);
    assert_eq!(texts.len(), count, "{tag} examples");
    texts
        .iter()
        .map(|text| {
            let parsed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{tag}: {e}:\n{text}"));
            let back = serde_json::to_value(&parsed).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(text).unwrap(), "{tag}: {text}");
            parsed
        })
        .collect()
}

#[test]
fn every_documented_event_parses() {
    round_trips::<ExtractInput>("extract-input", 3);
    let extracted = round_trips::<ExtractOutput>("extract-output", 1);
    let c = extracted[0].counts;
    assert_eq!(c.input_rows, c.clean_rows + c.quarantined_rows + c.duplicate_rows);
    let transformed = round_trips::<TransformOutput>("transform-output", 1);
    assert_eq!(transformed[0].extract_counts, c, "transform passes extract's counts on");
    round_trips::<Verdict>("monitor-verdict", 1);
    let jobs = round_trips::<MonitorJob>("monitor-job", 3);
    assert!(matches!(&jobs[1], MonitorJob::Remonitor { .. }));
    round_trips::<BackfillPlan>("backfill-plan", 1);
    round_trips::<BaselineSummary>("baseline-summary", 1);
    // The monitor function tells a job from a batch by its one field.
    for (text, job) in examples("monitor-job").iter().zip(&jobs) {
        assert_eq!(serde_json::from_str::<MonitorRequest>(text).unwrap(), MonitorRequest::Job(job.clone()));
    }
    let batch = &examples("transform-output")[0];
    assert_eq!(serde_json::from_str::<MonitorRequest>(batch).unwrap(), MonitorRequest::Batch(transformed[0].clone()));
    // A malformed batch gets the batch's own error, not "no variant matched".
    let err = serde_json::from_str::<MonitorRequest>(r#"{"batch_id": "b"}"#).unwrap_err().to_string();
    assert!(err.contains("missing field"), "{err}");
    let alerts = round_trips::<AlertInput>("alert-input", 3);
    assert!(alerts[2].approval.is_some());
    let jobs = round_trips::<RetrainJob>("retrain-job", 3);
    assert!(matches!(&jobs[0], RetrainJob::Train(r) if r.reason == "alarm"));
    let trainings = round_trips::<Training>("retrain-training", 2);
    assert_eq!(trainings[0].challenger.as_ref().map(|c| c.version), Some(2));
    round_trips::<Promotion>("retrain-promotion", 1);
    round_trips::<Approval>("approval", 1);
    round_trips::<AlertOutput>("alert-output", 2);
    assert!(
        serde_json::from_str::<ExtractInput>(r#"{"key": "a", "bucket": "b"}"#).is_err(),
        "unknown fields are refused"
    );
}
