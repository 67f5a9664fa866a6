//! Every `extract-input` and `extract-output` example in docs/events.md
//! parses into the step's types and serialises back to the same JSON.

use extract::{ExtractInput, ExtractOutput};
use serde_json::Value;

fn examples(tag: &str) -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/events.md")).unwrap();
    let fence = format!("```json {tag}\n");
    doc.split(&fence).skip(1).map(|rest| rest.split("```").next().unwrap().to_owned()).collect()
}

fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) {
    let parsed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(text).unwrap(), "{text}");
}

#[test]
fn the_documented_extract_events_parse() {
    let inputs = examples("extract-input");
    let outputs = examples("extract-output");
    assert_eq!((inputs.len(), outputs.len()), (2, 1));
    inputs.iter().for_each(|t| round_trips::<ExtractInput>(t));
    outputs.iter().for_each(|t| round_trips::<ExtractOutput>(t));
    let counts = &serde_json::from_str::<ExtractOutput>(&outputs[0]).unwrap().counts;
    assert_eq!(counts.input_rows, counts.clean_rows + counts.quarantined_rows + counts.duplicate_rows);
    assert!(
        serde_json::from_str::<ExtractInput>(r#"{"key": "a", "bucket": "b"}"#).is_err(),
        "unknown fields are refused"
    );
}
