//! Sample-size gates: a batch too small for a test gets `insufficient data`
//! for it, never drift. Five comments from a drifted hour (aspect_mix,
//! which alarms at 400 comments) raise no alarm, and the report says which
//! tests were not run, with how many rows there were and how many each
//! needs.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn five_comments_of_a_drifted_hour_are_insufficient_data_not_an_alarm() {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dir = tempfile::tempdir().unwrap();
    let hour = std::fs::read_to_string(repo.join("data/hourly/2026-11-02T00.csv")).unwrap();
    let five: Vec<&str> = hour.lines().take(6).collect();
    let input = dir.path().join("five.csv");
    std::fs::write(&input, five.join("\n") + "\n").unwrap();
    let store = dir.path().join("store");
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .current_dir(repo)
        .args(["run", "--store", store.to_str().unwrap(), "--input", input.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let reports: Vec<_> =
        walk(&store.join("reports")).into_iter().filter(|p| p.extension() == Some("json".as_ref())).collect();
    assert_eq!(reports.len(), 1);
    let report: Value = serde_json::from_slice(&std::fs::read(&reports[0]).unwrap()).unwrap();
    assert_eq!(report["severity"], "ok", "{:#}", report["severity_reasons"]);
    assert_eq!(report["data_drift"]["number_of_columns"], 0, "no column has enough rows for its test");
    let untested: Vec<(&str, u64, u64)> = report["insufficient_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["test"].as_str().unwrap(), i["rows"].as_u64().unwrap(), i["needed"].as_u64().unwrap()))
        .collect();
    for column in tables::profile::CATEGORICAL.into_iter().chain(tables::profile::NUMERIC.map(|(n, _)| n)) {
        assert!(untested.iter().any(|(t, _, _)| *t == column), "{column} is listed: {untested:?}");
    }
    assert!(untested.iter().any(|(t, _, _)| *t == "vocabulary"));
    assert!(untested.iter().all(|(_, rows, needed)| rows < needed), "{untested:?}");
    let skipped = report["data_drift"]["skipped_columns"]["aspect"].as_str().unwrap();
    assert!(skipped.starts_with("insufficient data:"), "{skipped}");
    let alerts = std::fs::read_to_string(store.join("alerts.jsonl")).unwrap_or_default();
    assert!(alerts.is_empty(), "{alerts}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
