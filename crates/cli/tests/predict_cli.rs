//! `absa-drift predict` on the de-identified real export and on JSON
//! Lines: one documented JSON object per comment on stdout, bad rows on
//! stderr with their reason, and an exit code that says whether any were
//! skipped.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/real-export/TTCommentExporter-7352578392337829166-68-comments.csv";

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Runs from the repository, where the bundled model is `data/model`.
fn predict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .current_dir(repo())
        .arg("predict")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Checks one output line against the documented shape; returns it.
fn documented(line: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let polarity = |p: &Value| matches!(p.as_str(), Some("negative" | "neutral" | "positive"));
    assert!(v["comment_id"].as_str().is_some_and(|id| id.parse::<u64>().is_ok()), "{line}");
    assert!(polarity(&v["sentiment"]), "{line}");
    let p = &v["probabilities"];
    let sum: f64 = ["negative", "neutral", "positive"].iter().map(|k| p[k].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{line}");
    let top = ["negative", "neutral", "positive"]
        .into_iter()
        .max_by(|a, b| p[a].as_f64().unwrap().total_cmp(&p[b].as_f64().unwrap()))
        .unwrap();
    assert_eq!(v["sentiment"], top, "the sentiment is the likeliest class: {line}");
    assert!(v["language"].as_str().is_some_and(|l| l.len() == 3), "{line}");
    for a in v["aspects"].as_array().unwrap() {
        assert!(a["aspect"].is_string() && a["term"].is_string() && polarity(&a["sentiment"]), "{line}");
        assert!(a["probability"].as_f64().is_some_and(|p| (1.0 / 3.0..=1.0).contains(&p)), "{line}");
    }
    assert_eq!(v.as_object().unwrap().len(), 5, "no undocumented field: {line}");
    v
}

#[test]
fn the_real_export_is_scored_comment_by_comment() {
    let out = predict(&["--input", FIXTURE]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(documented).collect();
    assert_eq!(lines.len(), 68, "every row of the export, its one duplicate included");
    // Real chat under an interview video: no single class takes it all.
    for class in ["negative", "neutral", "positive"] {
        let share = lines.iter().filter(|v| v["sentiment"] == class).count() as f64 / lines.len() as f64;
        assert!((0.05..0.8).contains(&share), "{class}: {share}");
    }
    // Comment ids are the export's, as strings (they do not fit a double).
    assert_eq!(lines[0]["comment_id"], "7352611485834019626");
}

#[test]
fn json_lines_with_a_bad_row_score_the_rest_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("comments.jsonl");
    let row = |id: &str, text: &str| {
        serde_json::json!({
            "Comment ID": id, "Reply to Which Comment": null, "User ID": "6800000000124715863",
            "Username": "max_58", "Nick Name": "Max", "Comment": text, "Comment Time": "26/04/2023, 01:13:07",
            "Digg Count": 3, "Author Digged": false, "Reply Count": 0, "Pinned to Top": false,
            "User Homepage": "https://www.tiktok.com/@max_58"
        })
        .to_string()
    };
    let text = [
        row("101", "I love this song so much, the best music on here"),
        row("not-an-id", "this one is broken"),
        row("103", "terrible video, the worst explanation I have ever heard"),
    ]
    .join("\n");
    std::fs::write(&path, text).unwrap();
    let out = predict(&["--input", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().map(documented).collect();
    assert_eq!(lines.iter().map(|v| v["comment_id"].as_str().unwrap()).collect::<Vec<_>>(), ["101", "103"]);
    assert_eq!((lines[0]["sentiment"].as_str(), lines[1]["sentiment"].as_str()), (Some("positive"), Some("negative")));
    assert_eq!(lines[0]["aspects"][0]["aspect"], "audio");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let skipped: Vec<&str> = stderr.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 2, "one line for the row, one summary: {stderr}");
    assert!(skipped[0].contains("row 2") && skipped[0].contains("bad_id"), "{stderr}");
}

#[test]
fn a_missing_model_or_file_is_an_error_not_an_empty_output() {
    let out = predict(&["--input", FIXTURE, "--model", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model.json"));
    assert!(out.stdout.is_empty());
    let out = predict(&["--input", "/nonexistent.csv"]);
    assert_eq!(out.status.code(), Some(2));
}
