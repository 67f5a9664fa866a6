//! The bad-input corpus (tests/fixtures/bad/, expectations written by hand
//! in expected.json): every file gets either a typed error naming the file
//! or its bad rows quarantined with a reason, the counts add up, the raw
//! file is untouched, and nothing panics.

use std::collections::BTreeMap;
use std::path::Path;

use extract::Extractor;
use pipeline_events::ExtractInput;
use pipeline_store::{LocalDirStore, ObjectStore};
use serde_json::Value;

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/bad"))
}

#[tokio::test]
async fn every_bad_file_is_refused_or_quarantined_as_expected() {
    let expected: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(corpus().join("expected.json")).unwrap()).unwrap();
    let files: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.json" && n != "make_corpus.py")
        .collect();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    for name in &files {
        assert!(expected.contains_key(name), "{name} has no expectation in expected.json");
    }
    let extractor = Extractor::new(b"a test key of enough bytes").unwrap();
    let mut failures = Vec::new();
    for (name, want) in &expected {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDirStore::new(dir.path());
        let raw = std::fs::read(corpus().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let key = format!("raw/{name}");
        store.put(&key, raw.clone()).await.unwrap();
        let result = extractor.run(&store, &ExtractInput { key: Some(key.clone()), ..Default::default() }).await;
        assert_eq!(store.get(&key).await.unwrap(), raw, "{name}: the raw file is untouched");
        match (result, want.get("error")) {
            (Err(e), Some(fragment)) => {
                let (message, fragment) = (e.to_string(), fragment.as_str().unwrap());
                if !message.contains(&key) || !message.contains(fragment) {
                    failures.push(format!("{name}: error '{message}' should name the file and say '{fragment}'"));
                }
                // A refused file writes nothing.
                let written: Vec<String> = store.list("").await.unwrap().into_iter().filter(|k| k != &key).collect();
                assert!(written.is_empty(), "{name}: wrote {written:?}");
            }
            (Err(e), None) => failures.push(format!("{name}: unexpected error {e}")),
            (Ok(out), Some(_)) => failures.push(format!("{name}: expected an error, got {:?}", out.counts)),
            (Ok(out), None) => {
                let c = out.counts;
                assert_eq!(c.input_rows, c.clean_rows + c.quarantined_rows + c.duplicate_rows, "{name}: counts add up");
                let want_reasons: BTreeMap<String, u64> = want
                    .get("quarantined")
                    .map(|q| q.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect())
                    .unwrap_or_default();
                let got = (c.clean_rows, &out.reasons, c.duplicate_rows);
                let expect = (
                    want["clean"].as_u64().unwrap(),
                    &want_reasons,
                    want.get("duplicates").map_or(0, |d| d.as_u64().unwrap()),
                );
                if got != expect {
                    failures.push(format!("{name}: (clean, reasons, duplicates) = {got:?}, expected {expect:?}"));
                }
                if let Some(q) = &out.quarantine_key {
                    let text = String::from_utf8(store.get(q).await.unwrap()).unwrap();
                    for line in text.lines() {
                        let record: Value = serde_json::from_str(line).unwrap();
                        assert_eq!(record["source_key"], key.as_str(), "{name}: {line}");
                        assert!(record["row"].as_u64().unwrap() >= 1, "{name}: {line}");
                        assert!(record["message"].as_str().unwrap().contains("row"), "{name}: {line}");
                        // The corpus's commenter (make_corpus.py): no identity value is
                        // kept in clear, and the raw line is not copied.
                        for personal in ["6800000000124715863", "max_58", "\"Max\"", "tiktok.com/@"] {
                            assert!(!line.contains(personal), "{name}: quarantine keeps {personal}: {line}");
                        }
                        assert!(record.get("raw").is_none(), "{name}: {line}");
                        // What an operator needs to fix the row, when the row had its cells.
                        if let Some(cells) = record.get("cells") {
                            assert!(cells.get("Comment").is_some() && cells.get("Comment Time").is_some(), "{line}");
                            assert!(cells.get("Username").is_none() && cells.get("User ID").is_none(), "{line}");
                        }
                    }
                    assert_eq!(text.lines().count() as u64, c.quarantined_rows, "{name}");
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
