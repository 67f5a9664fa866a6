//! The de-identified real export (tests/fixtures/real-export) through
//! `absa-drift run --input`: nothing quarantined, the counts add up, and no
//! identity value of the file (user id, username, nickname, homepage, the
//! handles of @mentions) appears anywhere in the store outside raw/: not
//! in the bytes of any object, nor in the decoded clean text.

use std::path::Path;
use std::process::Command;

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

const FIXTURE: &str = "tests/fixtures/real-export/TTCommentExporter-7352578392337829166-68-comments.csv";

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files(&path, out) } else { out.push(path) }
    }
}

#[test]
fn a_real_export_keeps_every_row_and_no_identity_leaves_raw() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .args(["run", "--store", store.to_str().unwrap(), "--input", &repo(FIXTURE)])
        .args(["--ingested-at", "2026-11-30T10:20:00Z"])
        .args(["--model", &repo("data/model"), "--state-machine", &repo("statemachine/absa_drift_pipeline.asl.json")])
        .env_remove("ABSA_PSEUDONYM_KEY")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let manifests: Vec<_> = std::fs::read_dir(store.join("manifests/extract")).unwrap().collect();
    assert_eq!(manifests.len(), 1);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(manifests[0].as_ref().unwrap().path()).unwrap()).unwrap();
    let c = &manifest["counts"];
    assert_eq!(
        (
            c["input_rows"].as_u64(),
            c["clean_rows"].as_u64(),
            c["quarantined_rows"].as_u64(),
            c["duplicate_rows"].as_u64()
        ),
        (Some(68), Some(67), Some(0), Some(1)),
        "one comment is in the file twice"
    );
    // Labelled by its ingestion hour; its comments span the video's life.
    let ingestion = &manifest["ingestion"];
    assert_eq!((ingestion["dt"].as_str(), ingestion["hour"].as_str()), (Some("2026-11-30"), Some("10")));
    let report = std::fs::read_dir(store.join("reports/dt=2026-11-30/hour=10")).unwrap().count();
    assert_eq!(report, 2, "the report and its page, under the ingestion hour");

    // Every identity value of the file, from the file itself.
    let raw = std::fs::read(repo(FIXTURE)).unwrap();
    let mut personal = vec!["rluser_".to_owned(), "Real User".to_owned()];
    for row in tiktok_export::read(&raw).unwrap() {
        let c = row.unwrap();
        personal.extend([c.user_id.to_string(), c.username, c.nickname, c.homepage]);
    }
    assert!(stdout.lines().all(|l| personal.iter().all(|p| !l.contains(p.as_str()))), "printed: {stdout}");

    let mut all = Vec::new();
    files(&store, &mut all);
    let outside_raw: Vec<_> = all.iter().filter(|p| !p.starts_with(store.join("raw"))).collect();
    assert!(outside_raw.len() > 10, "{outside_raw:?}");
    for path in outside_raw {
        let bytes = std::fs::read(path).unwrap();
        let mut texts = vec![String::from_utf8_lossy(&bytes).into_owned()];
        // Parquet pages are compressed: read the clean text back too.
        if path.starts_with(store.join("clean")) {
            texts.extend(tables::clean::from_parquet(&bytes).unwrap().into_iter().map(|r| r.text));
        }
        for p in &personal {
            assert!(texts.iter().all(|t| !t.contains(p.as_str())), "{} holds an identity value", path.display());
        }
    }
}

#[test]
fn an_input_directory_yields_its_regular_files_and_says_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(inbox.join("a-directory")).unwrap();
    std::fs::copy(repo(FIXTURE), inbox.join("export.csv")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", inbox.join("link.csv")).unwrap();
    std::os::unix::fs::symlink(inbox.join("nowhere"), inbox.join("dangling.csv")).unwrap();
    let store = dir.path().join("store");
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .args(["run", "--store", store.to_str().unwrap(), "--input", inbox.to_str().unwrap()])
        .args(["--model", &repo("data/model"), "--state-machine", &repo("statemachine/absa_drift_pipeline.asl.json")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for skipped in
        ["link.csv: a symbolic link, not followed", "dangling.csv: a symbolic link", "a-directory: not a regular file"]
    {
        assert!(stderr.contains(skipped), "'{skipped}' not said: {stderr}");
    }
    let raw: Vec<_> = std::fs::read_dir(store.join("raw")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(raw, ["export.csv"], "only the regular file was read");
}

/// `absa-drift run` on `inbox`, ingested at one time; its stdout.
fn run_inbox(store: &Path, inbox: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_absa-drift"))
        .args(["run", "--store", store.to_str().unwrap(), "--input", inbox.to_str().unwrap()])
        .args(["--model", &repo("data/model"), "--state-machine", &repo("statemachine/absa_drift_pipeline.asl.json")])
        .args(["--ingested-at", "2026-11-30T10:20:00Z"])
        .args(extra)
        .env_remove("ABSA_PSEUDONYM_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn two_videos_exported_in_one_hour_are_two_streams_with_their_own_cooldown() {
    // Two drifted hours of the bundled data under exporter names: the
    // alarm is the point, and 67 real comments are too few for most drift
    // tests (sample-size gates).
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    for (video, hour) in [("7352578392337829166", "2026-11-02T00"), ("7000000000000000001", "2026-11-02T01")] {
        let name = format!("TTCommentExporter-{video}-400-comments.csv");
        std::fs::copy(repo(&format!("data/hourly/{hour}.csv")), inbox.join(name)).unwrap();
    }
    let stdout = run_inbox(&dir.path().join("store"), &inbox, &[]);
    let sent = stdout.lines().filter(|l| l.contains(" alarm ") && l.ends_with(" sent")).count();
    assert_eq!(sent, 2, "one alert per video: {stdout}");
    let manifests = std::fs::read_dir(dir.path().join("store/manifests/extract")).unwrap();
    let mut streams: Vec<String> = manifests
        .map(|m| {
            let m: serde_json::Value = serde_json::from_slice(&std::fs::read(m.unwrap().path()).unwrap()).unwrap();
            m["ingestion"]["stream"].as_str().unwrap().to_owned()
        })
        .collect();
    streams.sort();
    assert_eq!(streams, ["video-7000000000000000001", "video-7352578392337829166"]);

    // Named as one stream, the second is held back by the first's cooldown.
    let stdout = run_inbox(&dir.path().join("one-stream"), &inbox, &["--stream", "campaign"]);
    assert_eq!(stdout.lines().filter(|l| l.ends_with(" sent")).count(), 1, "{stdout}");
    assert!(stdout.contains("not sent: cooldown: Alarm was sent for batch"), "{stdout}");
}
