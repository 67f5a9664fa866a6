//! `make bench-monitor`: one monitor invocation on a 100 000-row batch,
//! on one core (the Lambda's), with its wall time and peak memory.
//!
//! usage: bench_monitor MODEL_DIR [ROWS]
//!
//! MODEL_DIR is a trained model (`absa-drift train --out`). The batch is
//! built from its reference rows, shifted so that some columns drift, and
//! written to a temporary local store with the model registered in it.

use std::time::Instant;

use monitor::Monitor;
use pipeline_events::{Counts, Ingestion, PredictionPartition, TransformOutput};
use pipeline_store::{LocalDirStore, ModelRegistry, ObjectStore};

/// Peak resident memory of this process so far (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model_dir = std::path::PathBuf::from(args.first().expect("usage: bench_monitor MODEL_DIR [ROWS]"));
    let rows: usize = args.get(1).map_or(100_000, |r| r.parse().expect("ROWS is a number"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDirStore::new(dir.path());
        let files: Vec<(&str, Vec<u8>)> = ["model.json", "metadata.json", "vocabulary.txt", "reference.parquet", "profile.json"]
            .into_iter()
            .map(|f| (f, std::fs::read(model_dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))))
            .collect();
        let registry = ModelRegistry::new(&store);
        let version = registry.publish("absa-sentiment", &files).await.unwrap();
        let reference = tables::predictions::from_parquet(&files[3].1).unwrap();
        let batch: Vec<_> = (0..rows)
            .map(|i| {
                let mut r = reference[i % reference.len()].clone();
                r.comment_id = i as u64;
                if i % 3 == 0 {
                    r.text_length += 40;
                    r.word_count += 8;
                }
                r
            })
            .collect();
        store.put("predictions/dt=2026-11-02/hour=00/bench.parquet", tables::predictions::to_parquet(&batch).unwrap()).await.unwrap();
        let profile: tables::profile::Profile = serde_json::from_slice(&files[4].1).unwrap();
        store.put("predictions/words/bench.json", serde_json::to_vec(&profile.word_counts).unwrap()).await.unwrap();
        drop(batch);
        let input = TransformOutput {
            batch_id: "bench".into(),
            ingestion: Ingestion {
                dt: "2026-11-02".into(),
                hour: "00".into(),
                stream: "bench".into(),
                first_comment: Some("2026-11-02T00:00:00Z".into()),
                last_comment: Some("2026-11-02T00:59:59Z".into()),
            },
            model: "absa-sentiment".into(),
            model_version: version,
            partitions: vec![PredictionPartition {
                dt: "2026-11-02".into(),
                hour: "00".into(),
                key: "predictions/dt=2026-11-02/hour=00/bench.parquet".into(),
                comments: rows as u64,
                rows: rows as u64,
            }],
            words_key: "predictions/words/bench.json".into(),
            extract_counts: Counts { input_rows: rows as u64, clean_rows: rows as u64, ..Counts::default() },
        };
        let before = peak_rss_mb();
        let start = Instant::now();
        let (report, verdict) = Monitor::default().run(&store, &store, &input).await.unwrap();
        let elapsed = start.elapsed();
        println!(
            "monitor on {rows} rows against {} reference rows: {:.0} ms, peak RSS {:.1} MB (before the run {:.1} MB); severity {:?}, {} drifted columns",
            report.reference_rows,
            elapsed.as_secs_f64() * 1000.0,
            peak_rss_mb(),
            before,
            verdict.severity,
            verdict.drifted_columns.len()
        );
    });
}
