//! Every tagged example in docs/events.md parses into its step's type and
//! serialises back to the same JSON.

use pipeline_events::{AlertInput, AlertOutput, ExtractInput, ExtractOutput, TransformOutput, Verdict};
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
    round_trips::<AlertInput>("alert-input", 2);
    round_trips::<AlertOutput>("alert-output", 2);
    assert!(
        serde_json::from_str::<ExtractInput>(r#"{"key": "a", "bucket": "b"}"#).is_err(),
        "unknown fields are refused"
    );
}
