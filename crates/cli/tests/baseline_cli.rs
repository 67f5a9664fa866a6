//! `absa-drift baseline`: a reference from the stream's own hours. Built
//! from twelve no-drift bundled hours, it is what the monitor compares the
//! next hours with (the report says so); it warns no more than the training
//! reference on the next twelve no-drift hours, and the scenario's hours
//! still alarm.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn absa_drift(args: &[&str]) -> Output {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    Command::new(env!("CARGO_BIN_EXE_absa-drift")).current_dir(repo).args(args).output().expect("the binary runs")
}

/// Copies bundled hours into a fresh input directory.
fn hours(dir: &Path, names: &[String]) -> String {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly"));
    std::fs::create_dir_all(dir).unwrap();
    for name in names {
        std::fs::copy(repo.join(name), dir.join(name)).unwrap();
    }
    dir.to_str().unwrap().to_owned()
}

/// Runs `input` into `store`, ingested at one hour; the severities by file.
fn run(store: &Path, input: &str, ingested_at: &str) -> Vec<(String, String)> {
    let out = absa_drift(&["run", "--store", store.to_str().unwrap(), "--input", input, "--ingested-at", ingested_at]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .filter(|l| l.starts_with("2026-11-0") || l.starts_with("TTCommentExporter"))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields[0].to_owned(), fields[4].to_owned())
        })
        .collect()
}

#[test]
fn a_baseline_from_the_streams_own_hours_replaces_the_training_reference() {
    let dir = tempfile::tempdir().unwrap();
    let name = |day: u32, h: u32| format!("2026-11-{day:02}T{h:02}.csv");
    let first = hours(&dir.path().join("first"), &(0..12).map(|h| name(1, h)).collect::<Vec<_>>());
    let mut next: Vec<String> = (12..24).map(|h| name(1, h)).collect();
    next.extend((0..2).map(|h| name(2, h)));
    let next = hours(&dir.path().join("next"), &next);

    let (with_baseline, without) = (dir.path().join("with"), dir.path().join("without"));
    for store in [&with_baseline, &without] {
        run(store, &first, "2026-11-30T08:10:00Z");
    }
    let out = absa_drift(&[
        "baseline",
        "--store",
        with_baseline.to_str().unwrap(),
        "--from",
        "2026-11-30",
        "--to",
        "2026-11-30T08",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains("absa-sentiment-v1-baseline-default version 1") && said.contains("12 batches"), "{said}");
    // Its suggested constraints, from the same rows: 4 800 comments, so every test can run.
    let constraints = with_baseline.join("models/absa-sentiment-v1-baseline-default/1/constraints.json");
    let constraints: Value = serde_json::from_slice(&std::fs::read(constraints).unwrap()).unwrap();
    let aspect = &constraints["columns"]["aspect"];
    assert_eq!((&aspect["stattest"], aspect["completeness"].as_f64()), (&"jensenshannon".into(), Some(1.0)));
    assert!(aspect["domain"].as_array().unwrap().iter().any(|d| d == "shipping"), "{aspect}");
    let likes = &constraints["columns"]["digg_count"];
    assert_eq!((&likes["stattest"], likes["rows_needed"].as_u64()), (&"ks".into(), Some(21)));
    assert!(likes["min"].as_f64() == Some(0.0) && likes["max"].as_f64() > Some(1000.0), "{likes}");

    let (ours, theirs) =
        (run(&with_baseline, &next, "2026-11-30T09:10:00Z"), run(&without, &next, "2026-11-30T09:10:00Z"));
    let count = |runs: &[(String, String)], severity: &str, drifted: bool| {
        runs.iter().filter(|(f, s)| f.starts_with("2026-11-02") == drifted && s == severity).count()
    };
    assert_eq!(count(&ours, "alarm", false), 0, "{ours:?}");
    assert_eq!(count(&ours, "alarm", true), 2, "the scenario's hours still alarm: {ours:?}");
    assert!(count(&ours, "warning", false) <= count(&theirs, "warning", false), "{ours:?} vs {theirs:?}");

    let report = std::fs::read_dir(with_baseline.join("reports/dt=2026-11-30/hour=09"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some("json".as_ref()))
        .unwrap();
    let report: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    assert_eq!(report["reference"], "baseline absa-sentiment-v1-baseline-default version 1");
}

#[test]
fn a_baseline_needs_processed_hours_of_its_stream() {
    let dir = tempfile::tempdir().unwrap();
    let input = hours(&dir.path().join("in"), &["2026-11-01T00.csv".to_owned()]);
    let store = dir.path().join("store");
    run(&store, &input, "2026-11-30T08:10:00Z");
    let store = store.to_str().unwrap();
    let out =
        absa_drift(&["baseline", "--store", store, "--from", "2026-11-30", "--to", "2026-11-30", "--stream", "other"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no batch of stream 'other'"));
    let out = absa_drift(&["baseline", "--store", store, "--from", "2026-11-30T09", "--to", "2026-11-30T08"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is after"));
    let out = absa_drift(&["baseline", "--store", store, "--from", "yesterday", "--to", "2026-11-30"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("'yesterday' is not an hour"));
}

/// The real export split in two halves (every other comment): a baseline
/// from one half, then the other half, gives no alarm. (A 34-row reference
/// misses rare categories; χ² on a category it never had is gated by
/// Cochran's rule on the pooled counts, not read as drift.)
#[test]
fn a_baseline_from_half_of_a_real_export_keeps_the_other_half_quiet() {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let export = repo.join("tests/fixtures/real-export/TTCommentExporter-7352578392337829166-68-comments.csv");
    let mut reader = csv::Reader::from_path(&export).unwrap();
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let half = |name: &str, parity: usize| {
        let inbox = dir.path().join(name);
        std::fs::create_dir_all(&inbox).unwrap();
        let mut w =
            csv::Writer::from_path(inbox.join("TTCommentExporter-7352578392337829166-34-comments.csv")).unwrap();
        w.write_record(&header).unwrap();
        for r in rows.iter().skip(parity).step_by(2) {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        inbox.to_str().unwrap().to_owned()
    };
    let (first, second) = (half("first", 0), half("second", 1));
    let store = dir.path().join("store");
    run(&store, &first, "2026-11-30T08:10:00Z");
    let stream = "video-7352578392337829166";
    let out = absa_drift(&[
        "baseline",
        "--store",
        store.to_str().unwrap(),
        "--from",
        "2026-11-30",
        "--to",
        "2026-11-30",
        "--stream",
        stream,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let severities = run(&store, &second, "2026-11-30T09:10:00Z");
    assert!(severities.iter().all(|(_, s)| s != "alarm"), "{severities:?}");

    // The same from the new files directly (--input): extract and transform
    // run on them, and their batch makes the baseline.
    let fresh = dir.path().join("fresh");
    let out = absa_drift(&["baseline", "--store", fresh.to_str().unwrap(), "--input", &first, "--stream", stream]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains(&format!("1 batches of stream {stream} from")), "{said}");
    let severities = run(&fresh, &second, "2026-11-30T09:10:00Z");
    assert!(severities.iter().all(|(_, s)| s != "alarm"), "{severities:?}");
    let history = std::fs::read_dir(fresh.join("history/dt=2026-11-30")).unwrap().next().unwrap().unwrap().path();
    let line: Value = serde_json::from_str(&std::fs::read_to_string(history).unwrap()).unwrap();
    assert_eq!(line["reference"], format!("baseline absa-sentiment-v1-baseline-{stream} version 1"));
}
