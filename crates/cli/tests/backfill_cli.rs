//! `absa-drift backfill` after a baseline change: the 48 bundled hours are
//! monitored again, through the backfill state machine, against a baseline
//! built from their first twelve; every report and history line is
//! rewritten and names the baseline, no alert is sent (muted), the quiet
//! hours stay without alarm and the scenario's hours still alarm.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn absa_drift(args: &[&str]) -> Output {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift")).current_dir(repo).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Every JSON file under `dir`, by path.
fn json_files(dir: &Path, extension: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension() == Some(extension.as_ref()) {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), serde_json::from_str(&text).unwrap()));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_backfill_after_a_baseline_change_rewrites_every_report_and_history_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let store = store.to_str().unwrap();
    absa_drift(&["run", "--store", store]);
    let alerts_before = std::fs::read_to_string(dir.path().join("store/alerts.jsonl")).unwrap();
    let said = absa_drift(&["baseline", "--store", store, "--from", "2026-11-01T00", "--to", "2026-11-01T11"]);
    let said = String::from_utf8(said.stdout).unwrap();
    assert!(said.contains("12 batches of stream default"), "{said}");

    let out = absa_drift(&["backfill", "--store", store, "--from", "2026-11-01", "--to", "2026-11-02"]);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains("48 batches of stream default monitored again"), "{printed}");

    let history = json_files(&dir.path().join("store/history"), "jsonl");
    assert_eq!(history.len(), 48);
    let baseline = "baseline absa-sentiment-v1-baseline-default version 1";
    for (path, line) in &history {
        assert_eq!(line["reference"], baseline, "{path}");
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("store").join(line["report_key"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(report["reference"], baseline, "{path}: the report is rewritten");
        assert_eq!(report["severity"], line["severity"]);
        let scenario = line["dt"] == "2026-11-02";
        if scenario {
            assert_eq!(line["severity"], "alarm", "{path}: aspect_mix still alarms against the baseline");
        } else {
            assert_ne!(line["severity"], "alarm", "{path}: a quiet hour does not alarm");
        }
    }
    let alerts_after = std::fs::read_to_string(dir.path().join("store/alerts.jsonl")).unwrap();
    assert_eq!(alerts_before, alerts_after, "muted: no alert sent");
}
