//! extract on the bundled exporter files: personal data never leaves it,
//! counts add up, reruns are byte-identical, duplicates across files are
//! dropped, and CSV, JSON Lines and typed Parquet inputs of the same comments
//! give the same clean rows.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray, TimestampSecondArray, UInt64Array};

use extract::{ExtractError, Extractor};
use pipeline_events::{ExtractInput, ExtractOutput, StepError};
use pipeline_store::{LocalDirStore, ObjectStore};
use tables::clean;

const KEY: &[u8] = b"a test key of enough bytes";

fn hourly(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly")).join(name)).unwrap()
}

fn key(k: &str) -> ExtractInput {
    ExtractInput { key: Some(k.into()), ..Default::default() }
}

async fn snapshot(store: &LocalDirStore) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for k in store.list("").await.unwrap() {
        out.push((k.clone(), store.get(&k).await.unwrap()));
    }
    out
}

#[test]
fn pseudonyms_are_hmac_sha256_of_the_user_id() {
    // python3 -c "import hmac,hashlib; print(hmac.new(b'a test key of enough bytes',
    //             b'6800000000124715863', hashlib.sha256).hexdigest())"
    let e = Extractor::new(KEY).unwrap();
    assert_eq!(
        e.pseudonym(6_800_000_000_124_715_863),
        "209405a89e30eded11ac784089774e6a9a19a939e74eed0de4914ba8c50ed458"
    );
    assert!(matches!(Extractor::new(b"short"), Err(ExtractError::Key)));
}

#[test]
fn mentions_become_stable_pseudonyms_and_nothing_else_changes() {
    let e = Extractor::new(KEY).unwrap();
    let once = e.pseudonymise_mentions("@Mia love it");
    assert!(once.starts_with("@u_") && once.ends_with(" love it") && once.len() == "@u_".len() + 12 + 8, "{once}");
    assert!(!once.to_lowercase().contains("mia"));
    let token = &once[..15];
    assert_eq!(&e.pseudonymise_mentions("thanks @mia!")[7..22], token, "the same handle, any case, the same token");
    assert_ne!(&e.pseudonymise_mentions("@Max hi")[..15], token);
    assert_eq!(
        e.pseudonymise_mentions("@rl.user_1125.").len(),
        16,
        "a final period ends the sentence: {}",
        e.pseudonymise_mentions("@rl.user_1125.")
    );
    for unchanged in ["mail a@b.com", "@ home", "no mention", "email@", ""] {
        assert_eq!(e.pseudonymise_mentions(unchanged), unchanged);
    }
    // A different key, different pseudonyms.
    assert_ne!(Extractor::new(b"another key of enough bytes").unwrap().pseudonymise_mentions("@Mia"), &once[..15]);
}

#[tokio::test]
async fn a_bundled_hour_is_cleaned_without_personal_data_and_reruns_identically() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    let raw = hourly("2026-11-01T00.csv");
    store.put("raw/2026-11-01T00.csv", raw.clone()).await.unwrap();
    let extractor = Extractor::new(KEY).unwrap();
    let out = extractor.run(&store, &key("raw/2026-11-01T00.csv")).await.unwrap();
    let c = out.counts;
    assert_eq!((c.input_rows, c.clean_rows, c.quarantined_rows, c.duplicate_rows), (400, 400, 0, 0));
    assert_eq!(out.partitions.len(), 1);
    assert_eq!(out.partitions[0].key, format!("clean/dt=2026-11-01/hour=00/{}.parquet", out.batch_id));

    let parquet = store.get(&out.partitions[0].key).await.unwrap();
    let rows = clean::from_parquet(&parquet).unwrap();
    assert_eq!(rows.len(), 400);
    let exported = tiktok_export_rows(&raw);
    for (clean, original) in rows.iter().zip(&exported) {
        assert_eq!(
            (clean.comment_id, &clean.text, clean.created_at),
            (original.comment_id, &extractor.pseudonymise_mentions(&original.text), original.time)
        );
        assert_eq!(clean.user, extractor.pseudonym(original.user_id));
        // Neither the username, the nickname, the homepage nor the raw user id is in
        // the output (replies start "@<parent's nickname>").
        for secret in [&original.username, &original.nickname, &original.homepage, &original.user_id.to_string()] {
            assert!(!contains(&parquet, secret.as_bytes()), "'{secret}' leaked into the clean Parquet");
        }
    }
    let manifest: serde_json::Value = serde_json::from_slice(&store.get(&out.manifest_key).await.unwrap()).unwrap();
    assert_eq!(manifest["counts"]["input_rows"], 400);

    let before = snapshot(&store).await;
    let again = extractor.run(&store, &key("raw/2026-11-01T00.csv")).await.unwrap();
    assert_eq!(again, out);
    assert_eq!(snapshot(&store).await, before, "a rerun writes the same objects with the same bytes");
    assert_eq!(store.get("raw/2026-11-01T00.csv").await.unwrap(), raw);
}

fn tiktok_export_rows(raw: &[u8]) -> Vec<tiktok_export::ExportedComment> {
    tiktok_export::read(raw).unwrap().into_iter().map(Result::unwrap).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_prefix_reads_every_file_and_drops_ids_seen_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    store.put("raw/day/a.csv", hourly("2026-11-01T00.csv")).await.unwrap();
    store.put("raw/day/b.csv", hourly("2026-11-01T00.csv")).await.unwrap();
    store.put("raw/day/c.csv", hourly("2026-11-01T01.csv")).await.unwrap();
    let out = Extractor::new(KEY)
        .unwrap()
        .run(&store, &ExtractInput { prefix: Some("raw/day/".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(out.inputs, ["raw/day/a.csv", "raw/day/b.csv", "raw/day/c.csv"]);
    let c = out.counts;
    assert_eq!((c.input_rows, c.clean_rows, c.duplicate_rows), (1200, 800, 400));
    let hours: Vec<&str> = out.partitions.iter().map(|p| p.hour.as_str()).collect();
    assert_eq!(hours, ["00", "01"]);

    let none = Extractor::new(KEY)
        .unwrap()
        .run(&store, &ExtractInput { prefix: Some("raw/none/".into()), ..Default::default() })
        .await;
    assert!(matches!(none, Err(ExtractError::NoInput { .. })));
    assert_eq!(none.unwrap_err().error_type(), "ExtractNoInput", "the workflow ends an empty hour as a success");
    let both = ExtractInput { key: Some("raw/day/a.csv".into()), prefix: Some("raw/".into()), ..Default::default() };
    assert!(matches!(Extractor::new(KEY).unwrap().run(&store, &both).await, Err(ExtractError::BadInput)));
}

#[tokio::test]
async fn a_scheduled_run_reads_the_files_dropped_in_the_hour_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    store.put("raw/dt=2026-11-01/hour=23/a.csv", hourly("2026-11-01T00.csv")).await.unwrap();
    store.put("raw/dt=2026-11-02/hour=00/b.csv", hourly("2026-11-01T01.csv")).await.unwrap();
    let scheduled = |t: &str| ExtractInput { scheduled_time: Some(t.into()), ..Default::default() };
    // Midnight reads 23:00–24:00 of the day before; a late start (00:00:41) the same.
    for time in ["2026-11-02T00:00:00Z", "2026-11-02T00:00:41Z"] {
        let out = Extractor::new(KEY).unwrap().run(&store, &scheduled(time)).await.unwrap();
        assert_eq!(out.inputs, ["raw/dt=2026-11-01/hour=23/a.csv"], "{time}");
        // Labelled by the hour it was ingested in, whatever its comments' times.
        assert_eq!((out.ingestion.dt.as_str(), out.ingestion.hour.as_str()), ("2026-11-01", "23"));
        assert_eq!(out.ingestion.first_comment.as_deref(), Some("2026-11-01T00:00:00Z"));
    }
    let out = Extractor::new(KEY).unwrap().run(&store, &scheduled("2026-11-02T01:00:00Z")).await.unwrap();
    assert_eq!(out.inputs, ["raw/dt=2026-11-02/hour=00/b.csv"]);
    let empty = Extractor::new(KEY).unwrap().run(&store, &scheduled("2026-11-02T05:00:00Z")).await;
    assert!(matches!(empty, Err(ExtractError::NoInput { ref prefix }) if prefix == "raw/dt=2026-11-02/hour=04/"));
    let bad = Extractor::new(KEY).unwrap().run(&store, &scheduled("02/11/2026 05:00")).await;
    assert!(matches!(bad, Err(ExtractError::BadTime { field: "scheduled_time", .. })));
    let leap = Extractor::new(KEY).unwrap().run(&store, &scheduled("2024-03-01T00:10:00Z")).await;
    assert!(matches!(leap, Err(ExtractError::NoInput { ref prefix }) if prefix == "raw/dt=2024-02-29/hour=23/"));
    let hour_24 = Extractor::new(KEY).unwrap().run(&store, &scheduled("2026-11-02T24:00:00Z")).await;
    assert!(matches!(hour_24, Err(ExtractError::BadTime { .. })));
    let both = ExtractInput { ingested_at: Some("2026-11-02T00:00:00Z".into()), ..scheduled("2026-11-02T01:00:00Z") };
    assert!(matches!(Extractor::new(KEY).unwrap().run(&store, &both).await, Err(ExtractError::IngestedAtWithSchedule)));
}

#[tokio::test]
async fn comments_later_than_their_ingestion_are_quarantined_and_the_batch_keeps_its_ingestion_label() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    let raw = String::from_utf8(hourly("2026-11-01T00.csv")).unwrap();
    // Three weeks of comments, one a day into the future, one in year 0.
    let mut lines: Vec<String> = raw.lines().map(str::to_owned).collect();
    lines[1] = lines[1].replace("01/11/2026, 00:", "11/10/2026, 09:");
    lines[2] = lines[2].replace("01/11/2026, 00:", "02/11/2026, 01:");
    lines[3] = lines[3].replace("01/11/2026, 00:", "01/01/0000, 00:");
    store.put("raw/video.csv", lines.join("\n").into_bytes()).await.unwrap();
    let input = ExtractInput {
        key: Some("raw/video.csv".into()),
        ingested_at: Some("2026-11-01T00:59:59Z".into()),
        ..Default::default()
    };
    let out = Extractor::new(KEY).unwrap().run(&store, &input).await.unwrap();
    assert_eq!(out.reasons.get("bad_time"), Some(&2), "{:?}", out.reasons);
    assert_eq!((out.ingestion.dt.as_str(), out.ingestion.hour.as_str()), ("2026-11-01", "00"));
    assert!(out.ingestion.first_comment.as_deref().unwrap().starts_with("2026-10-11T09:"), "{:?}", out.ingestion);
    assert!(out.ingestion.last_comment.as_deref().unwrap().starts_with("2026-11-01T00:"), "{:?}", out.ingestion);
    let quarantine = String::from_utf8(store.get(out.quarantine_key.as_ref().unwrap()).await.unwrap()).unwrap();
    assert!(quarantine.contains("later than the file arrived"), "{quarantine}");
    assert!(quarantine.contains("before TikTok existed"), "{quarantine}");

    let bad = ExtractInput { ingested_at: Some("yesterday".into()), ..input };
    let err = Extractor::new(KEY).unwrap().run(&store, &bad).await.unwrap_err();
    assert_eq!(err.to_string(), "ingested_at 'yesterday' is not YYYY-MM-DDTHH:MM:SSZ");
}

#[tokio::test]
async fn json_lines_and_parquet_inputs_give_the_same_clean_rows_as_csv() {
    let raw = hourly("2026-11-01T02.csv");
    let exported = tiktok_export_rows(&raw);
    let header = tiktok_export::HEADER;
    // JSON Lines with numbers and booleans where the exporter writes text.
    let jsonl: String = exported
        .iter()
        .map(|c| {
            let mut o = serde_json::Map::new();
            o.insert(header[0].into(), c.comment_id.to_string().into());
            o.insert(header[1].into(), c.reply_to.map_or(serde_json::Value::Null, |p| p.to_string().into()));
            o.insert(header[2].into(), c.user_id.into());
            o.insert(header[3].into(), c.username.clone().into());
            o.insert(header[4].into(), c.nickname.clone().into());
            o.insert(header[5].into(), c.text.clone().into());
            o.insert(header[6].into(), tiktok_export::format_time(c.time).into());
            o.insert(header[7].into(), c.digg_count.into());
            o.insert(header[8].into(), c.author_digged.into());
            o.insert(header[9].into(), c.reply_count.into());
            o.insert(header[10].into(), if c.pinned { "Yes" } else { "No" }.into());
            o.insert(header[11].into(), c.homepage.clone().into());
            serde_json::Value::Object(o).to_string() + "\n"
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    store.put("raw/h.csv", raw).await.unwrap();
    store.put("raw/h.jsonl", jsonl.into_bytes()).await.unwrap();
    let e = Extractor::new(KEY).unwrap();
    let from_csv = e.run(&store, &key("raw/h.csv")).await.unwrap();
    let from_jsonl = e.run(&store, &key("raw/h.jsonl")).await.unwrap();
    assert_ne!(from_csv.batch_id, from_jsonl.batch_id);
    let rows = |out: &ExtractOutput| {
        let store = &store;
        let key = out.partitions[0].key.clone();
        async move {
            clean::from_parquet(&store.get(&key).await.unwrap())
                .unwrap()
                .into_iter()
                .map(|mut r| {
                    r.source_key.clear();
                    r
                })
                .collect::<Vec<_>>()
        }
    };
    let csv_rows = rows(&from_csv).await;
    assert_eq!(csv_rows.len(), 400);
    assert_eq!(rows(&from_jsonl).await, csv_rows);

    // Parquet with typed columns: integers, booleans, a timestamp, null parents.
    let ids = |f: fn(&tiktok_export::ExportedComment) -> Option<u64>| -> ArrayRef {
        Arc::new(UInt64Array::from(exported.iter().map(f).collect::<Vec<_>>()))
    };
    let texts = |f: fn(&tiktok_export::ExportedComment) -> String| -> ArrayRef {
        Arc::new(StringArray::from(exported.iter().map(f).collect::<Vec<_>>()))
    };
    let flags = |f: fn(&tiktok_export::ExportedComment) -> bool| -> ArrayRef {
        Arc::new(BooleanArray::from(exported.iter().map(f).collect::<Vec<_>>()))
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        (header[0], ids(|c| Some(c.comment_id))),
        (header[1], ids(|c| c.reply_to)),
        (header[2], ids(|c| Some(c.user_id))),
        (header[3], texts(|c| c.username.clone())),
        (header[4], texts(|c| c.nickname.clone())),
        (header[5], texts(|c| c.text.clone())),
        (header[6], Arc::new(TimestampSecondArray::from(exported.iter().map(|c| c.time).collect::<Vec<_>>()))),
        (header[7], ids(|c| Some(c.digg_count))),
        (header[8], flags(|c| c.author_digged)),
        (header[9], ids(|c| Some(c.reply_count))),
        (header[10], flags(|c| c.pinned)),
        (header[11], texts(|c| c.homepage.clone())),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    // Uncompressed, and with each codec exporters and pandas write.
    use parquet::basic::{Compression, GzipLevel, ZstdLevel};
    for (name, compression) in [
        ("plain", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4_RAW),
    ] {
        let props = parquet::file::properties::WriterProperties::builder().set_compression(compression).build();
        let mut parquet = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut parquet, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let key_name = format!("raw/h-{name}.parquet");
        store.put(&key_name, parquet).await.unwrap();
        let from_parquet = e.run(&store, &key(&key_name)).await.unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(from_parquet.counts.clean_rows, 400, "{name}");
        assert_eq!(rows(&from_parquet).await, csv_rows, "{name}");
    }
}

#[tokio::test]
async fn a_file_over_the_size_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    let raw = hourly("2026-11-01T00.csv");
    store.put("raw/big.csv", raw.clone()).await.unwrap();
    let input = ExtractInput { key: Some("raw/big.csv".into()), ..Default::default() };
    let small = Extractor::new(KEY).unwrap().with_max_object_bytes(1000);
    let err = small.run(&store, &input).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "raw/big.csv: {} bytes, more than the 1000 an input file may have: split the export, or raise ABSA_MAX_OBJECT_MB (and the function's memory)",
            raw.len()
        )
    );
    assert_eq!(store.list("").await.unwrap(), ["raw/big.csv"], "nothing written");
    let fits = Extractor::new(KEY).unwrap().with_max_object_bytes(raw.len() as u64);
    assert_eq!(fits.run(&store, &input).await.unwrap().counts.clean_rows, 400);
}

#[tokio::test]
async fn a_batch_is_of_its_named_stream_or_of_its_exporter_files_video() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    let raw = hourly("2026-11-01T00.csv");
    for key in ["raw/v/TTCommentExporter-123-400-comments.csv", "raw/w/TTCommentExporter-123-400-comments.csv"] {
        store.put(key, raw.clone()).await.unwrap();
    }
    store.put("raw/x/TTCommentExporter-456-400-comments.csv", raw.clone()).await.unwrap();
    store.put("raw/x/hour.csv", raw.clone()).await.unwrap();
    let stream_of = |input: ExtractInput| {
        let store = &store;
        async move { Extractor::new(KEY).unwrap().run(store, &input).await.map(|o| o.ingestion.stream) }
    };
    let key = |k: &str| ExtractInput { key: Some(k.into()), ..Default::default() };
    assert_eq!(stream_of(key("raw/v/TTCommentExporter-123-400-comments.csv")).await.unwrap(), "video-123");
    let prefix = |p: &str| ExtractInput { prefix: Some(p.into()), ..Default::default() };
    assert_eq!(stream_of(prefix("raw/v/")).await.unwrap(), "video-123");
    assert_eq!(stream_of(prefix("raw/x/")).await.unwrap(), "default", "files of more than one stream");
    let named = ExtractInput { stream: Some("shop_eu-1".into()), ..key("raw/x/hour.csv") };
    assert_eq!(stream_of(named).await.unwrap(), "shop_eu-1");
    for bad in ["", "a/b", "../x", &"s".repeat(65)] {
        let input = ExtractInput { stream: Some(bad.into()), ..key("raw/x/hour.csv") };
        assert!(matches!(stream_of(input).await, Err(ExtractError::BadStream(_))), "'{bad}'");
    }
}
