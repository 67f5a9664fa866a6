//! The retraining branch, locally, end to end: an alarmed hour writes a
//! labelling queue; labels come back for it (`absa-drift labels`); the
//! next alarmed hour trains a challenger, evaluates it and pauses for a
//! person; a rejection leaves production as it was; new labels and an
//! on-demand retrain give another challenger, whose approval moves the
//! production alias, and the hour after is scored by it.
//!
//! The store's training data is a small simulated set and the first 300
//! sentences of each human-rated set, so that each challenger trains in
//! seconds: the test is about the workflow, not the model.

use std::path::Path;
use std::process::{Command, Output};

use comment_sim::{Generator, write_batch_files};
use serde_json::Value;
use taxonomy::Taxonomy;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn absa_drift(args: &[&str]) -> String {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .current_dir(repo())
        .env("ABSA_RETRAIN_MIN_LABELS", "100")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// A small training set under the store's `training/`.
fn small_training_data(store: &Path) {
    let training = store.join("training");
    let comments = Generator::new(&Taxonomy::bundled(), 11).training_set(1500);
    write_batch_files(&training, "comments", &comments).unwrap();
    let human_rated = repo().join("data/human-rated");
    std::fs::create_dir_all(training.join("human-rated")).unwrap();
    for entry in std::fs::read_dir(&human_rated).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let kept: String = if name.ends_with("_GroundTruth.txt") {
            text.lines().take(300).map(|l| format!("{l}\n")).collect()
        } else {
            text
        };
        std::fs::write(training.join("human-rated").join(name), kept).unwrap();
    }
}

fn token(out: &str) -> String {
    let start = out.find("--token '").expect("a token") + "--token '".len();
    out[start..].split('\'').next().unwrap().to_owned()
}

fn production(store: &Path) -> u64 {
    let alias: Value =
        serde_json::from_slice(&std::fs::read(store.join("models/absa-sentiment/production.json")).unwrap()).unwrap();
    alias["version"].as_u64().unwrap()
}

/// The batch id of the store's history line for `file` (the run's newest).
fn batch_of(out: &str) -> String {
    let report = out.lines().find_map(|l| l.strip_prefix("latest report: ")).unwrap();
    Path::new(report.split(' ').next().unwrap()).file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn an_alarm_with_labels_trains_a_challenger_that_only_a_person_promotes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    small_training_data(&store);
    let s = store.to_str().unwrap();
    let hour = |h: &str| format!("data/hourly/2026-11-02T{h}.csv");
    let ingested = |h: &str| format!("2026-11-03T{h}:30:00Z");

    // An alarmed hour: a labelling queue, and labels for it.
    let first = absa_drift(&["run", "--store", s, "--input", &hour("00"), "--ingested-at", &ingested("00")]);
    assert!(first.contains("labelling queues: 1"), "{first}");
    assert!(!first.contains("awaits approval"), "no labels yet, no retrain: {first}");
    let batch = batch_of(&first);
    let labels = repo().join("data/hourly/2026-11-02T00.labels.csv");
    let taken = absa_drift(&["labels", "--store", s, "--batch", &batch, "--file", labels.to_str().unwrap()]);
    assert!(taken.contains("labels taken") && taken.lines().any(|l| l.starts_with("aspect")), "{taken}");

    // The next alarm trains a challenger and asks a person, who rejects it.
    let second = absa_drift(&["run", "--store", s, "--input", &hour("01"), "--ingested-at", &ingested("01")]);
    assert!(second.contains("awaits approval"), "{second}");
    let alert = std::fs::read_to_string(store.join("alerts.jsonl")).unwrap();
    assert!(alert.contains("approve absa-sentiment version 2") && alert.contains(&token(&second)), "{alert}");
    let rejected = absa_drift(&["reject", "--store", s, "--token", &token(&second), "--why", "not better"]);
    assert!(rejected.contains("challenger rejected; production unchanged"), "{rejected}");
    assert_eq!(production(&store), 1);
    let again = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .current_dir(repo())
        .args(["approve", "--store", s, "--token", &token(&second)])
        .output()
        .unwrap();
    assert!(!again.status.success(), "an answered token cannot be answered twice");

    // New labels and a retrain on demand: approved, promoted, and used.
    let second_batch = batch_of(&second);
    let labels = repo().join("data/hourly/2026-11-02T01.labels.csv");
    absa_drift(&["labels", "--store", s, "--batch", &second_batch, "--file", labels.to_str().unwrap()]);
    let asked = absa_drift(&["retrain", "--store", s, "--reason", "labels for two hours"]);
    assert!(asked.contains("awaits approval"), "{asked}");
    let approved = absa_drift(&["approve", "--store", s, "--token", &token(&asked), "--by", "tester"]);
    assert!(approved.contains("production is now absa-sentiment version 3 (was 1)"), "{approved}");
    assert_eq!(production(&store), 3);
    let third = absa_drift(&["run", "--store", s, "--input", &hour("02"), "--ingested-at", &ingested("02")]);
    let line = std::fs::read_dir(store.join("history/dt=2026-11-03"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(&batch_of(&third)))
        .unwrap();
    let history: Value = serde_json::from_slice(&std::fs::read(line).unwrap()).unwrap();
    assert_eq!(history["model_version"], 3, "the hour after the promotion is scored by the new version");
}
