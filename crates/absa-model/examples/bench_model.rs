//! The Rust side of `make bench-model` (scripts/bench/bench_model.py):
//! throughput on one core of featurisation alone, of XGBoost prediction
//! alone (pure-Rust reader) and of the whole path the transform step runs
//! (`analyze_many`: tokenise, extract aspects, featurise, both models'
//! predictions, language), on the bundled hourly
//! comments. Also writes the feature matrix for Python XGBoost to predict,
//! and our predictions of it for the script to compare.
//!
//! usage: bench_model MODEL_DIR OUT_DIR

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use absa_model::{Featurizer, SentimentModel, XgbModel};

/// Best of `runs` timings: the least disturbed by the rest of the machine.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let [model_dir, out] = args.as_slice() else { panic!("usage: bench_model MODEL_DIR OUT_DIR") };
    let read = |name: &str| std::fs::read_to_string(model_dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let model = SentimentModel::load_dir(model_dir).unwrap();
    let xgb = XgbModel::from_json(&read("model.json")).unwrap();
    let hourly = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly"));
    let mut texts = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&hourly).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files.iter().filter(|p| {
        let name = p.to_string_lossy();
        name.ends_with(".csv") && !name.ends_with(".labels.csv")
    }) {
        for row in tiktok_export::read(&std::fs::read(path).unwrap()).unwrap().into_iter().flatten() {
            texts.push(row.text);
        }
    }
    let featurizer = Featurizer::bundled();
    let rows: Vec<Vec<f32>> = texts.iter().flat_map(|t| featurizer.featurize(t)).map(|f| f.values).collect();

    let runs = 3;
    let featurize = best_of(runs, || {
        std::hint::black_box(texts.iter().map(|t| featurizer.featurize(t).len()).sum::<usize>());
    });
    let predict = best_of(runs, || {
        std::hint::black_box(xgb.predict_rows(&rows).iter().map(|p| p[0]).sum::<f32>());
    });
    let end_to_end = best_of(runs, || {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        std::hint::black_box(model.analyze_many(&texts).iter().map(|a| a.aspects.len()).sum::<usize>());
    });

    std::fs::create_dir_all(out).unwrap();
    let mut libsvm = String::new();
    for r in &rows {
        libsvm.push('0');
        for (j, v) in r.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            write!(libsvm, " {j}:{v:?}").unwrap();
        }
        libsvm.push('\n');
    }
    std::fs::write(out.join("features.libsvm"), libsvm).unwrap();
    // Our probabilities, for the script to compare with Python's.
    let predictions: Vec<Vec<f32>> = xgb.predict_rows(&rows);
    std::fs::write(out.join("predictions.json"), serde_json::to_string(&predictions).unwrap()).unwrap();
    let per_sec = |d: Duration| texts.len() as f64 / d.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "comments": texts.len(),
            "aspect_rows": rows.len(),
            "features": featurizer.spec().len(),
            "featurize_comments_per_s": per_sec(featurize),
            "predict_comments_per_s": per_sec(predict),
            "end_to_end_comments_per_s": per_sec(end_to_end),
        })
    );
}
