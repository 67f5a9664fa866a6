//! `absa-drift run` end to end: the state machine document, the four steps
//! in-process, a local store. A simulated aspect_mix scenario from hour 2 is
//! caught at hour 2 with one alert and no alarm before; a broken file takes
//! the Catch path to a failure alert.

mod common;

use std::process::Command;

use absa_train::publish;
use pipeline_store::LocalDirStore;

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// `absa-drift run` with these arguments; its stdout, after checking its
/// exit code (0: every execution succeeded, 1: some failed).
fn run(store: &std::path::Path, extra: &[&str], exit_code: i32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .env_remove("ABSA_PSEUDONYM_KEY")
        .args([
            "run",
            "--store",
            store.to_str().unwrap(),
            "--state-machine",
            &repo("statemachine/absa_drift_pipeline.asl.json"),
        ])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(exit_code), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn the_pipeline_runs_locally_from_the_state_machine_document() {
    let dir = tempfile::tempdir().unwrap();
    let trained = common::train_simulated(dir.path(), 5000, 60);
    let store = dir.path().join("store");
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(publish(&LocalDirStore::new(&store), &trained, "production")).unwrap();

    let stdout = run(&store, &["--scenario", "aspect_mix", "--from-hour", "2", "--hours", "4"], 0);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("2026-11-01T")).collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (hour, line) in lines.iter().enumerate() {
        let alarm = line.contains(" alarm ");
        assert_eq!(alarm, hour >= 2, "hour {hour}: {line}");
        assert!(line.contains(" 400 "), "400 clean rows: {line}");
    }
    assert!(lines[2].ends_with("sent"), "the first alarm is sent: {}", lines[2]);
    assert!(lines[3].contains("not sent: cooldown"), "{}", lines[3]);
    let alerts = std::fs::read_to_string(store.join("alerts.jsonl")).unwrap();
    assert_eq!(alerts.lines().count(), 1);
    let report = stdout.lines().find_map(|l| l.strip_prefix("latest report: ")).unwrap().split(" (").next().unwrap();
    assert!(std::fs::read_to_string(report).unwrap().contains("<svg"), "{report}");

    // No ABSA_PSEUDONYM_KEY: the store got a random key of its own, owner-only,
    // never printed, and kept for the next run.
    let key_file = store.join(".pseudonym-key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()), "32 random bytes in hex");
    assert!(!stdout.contains(&key), "the key is never printed");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);

    // A file with a wrong header: Catch, failure alert, the execution
    // fails, and so does the command (exit code 1), for scripts and CI.
    let stdout = run(&store, &["--input", &repo("tests/fixtures/bad/wrong_header.csv")], 1);
    assert!(
        stdout.contains("wrong_header.csv       FAILED at Extract: ExtractError: raw/wrong_header.csv"),
        "{stdout}"
    );
    let alerts = std::fs::read_to_string(store.join("alerts.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(alerts.lines().last().unwrap()).unwrap();
    assert_eq!(last["subject"], "[absa-drift] pipeline FAILED at Extract: ExtractError");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key, "the store's key is reused");
}

/// The subjects of the alerts a store's local notifier wrote, sorted.
fn alert_subjects(store: &std::path::Path) -> Vec<String> {
    let alerts = std::fs::read_to_string(store.join("alerts.jsonl")).unwrap_or_default();
    let mut subjects: Vec<String> = alerts
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["subject"].as_str().unwrap().to_owned())
        .collect();
    subjects.sort();
    subjects
}

#[test]
fn four_concurrent_runs_of_the_same_hours_alert_as_one_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let day = ["--scenario", "aspect_mix", "--from-hour", "2", "--hours", "24", "--model", &repo("data/model")];
    let sequential = dir.path().join("sequential");
    run(&sequential, &day, 0);
    let one_run = alert_subjects(&sequential);
    assert_eq!(one_run.len(), 4, "alarms from hour 2, one per 6 h of cooldown: {one_run:#?}");

    let shared = dir.path().join("shared");
    let published = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .args(["publish", "--model", &repo("data/model"), "--store", shared.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(published.status.success(), "{}", String::from_utf8_lossy(&published.stderr));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (shared, day) = (shared.clone(), day.map(str::to_owned));
            std::thread::spawn(move || run(&shared, &day.each_ref().map(String::as_str), 0))
        })
        .collect();
    for r in runs {
        r.join().unwrap();
    }
    assert_eq!(alert_subjects(&shared), one_run, "four runs at once send what one run sends");
}
