//! Step 1 of the Python-agreement fixtures (scripts/xgboost/make_agreement_fixtures.py
//! runs it): featurises bundled training comments with the one shared
//! featuriser, boosts a small model with xgboost-rs, and writes
//!
//! - `train.libsvm`: 2 000 labelled (comment, aspect) rows Python trains on;
//! - `rows.libsvm`: 300 held-out rows both models predict;
//! - `ours.model.json`: our model, trained on `train.libsvm`'s rows.
//!
//! libsvm lines list only non-zero features; every absent feature is 0.0,
//! not missing.

use std::fmt::Write as _;
use std::path::PathBuf;

use absa_model::Featurizer;
use absa_train::{Matrix, labelled_pairs, load, split, xgboost_params};

const TRAIN_ROWS: usize = 2000;
const PREDICT_ROWS: usize = 300;
const ROUNDS: u32 = 40;

fn libsvm(m: &Matrix, rows: usize) -> String {
    let mut out = String::new();
    for i in 0..rows.min(m.rows()) {
        write!(out, "{}", m.labels[i] as u32).unwrap();
        for (j, v) in m.row(i).iter().enumerate().filter(|(_, v)| **v != 0.0) {
            write!(out, " {j}:{v:?}").unwrap();
        }
        out.push('\n');
    }
    out
}

fn take(m: &Matrix, rows: usize) -> Matrix {
    let mut out = Matrix::new(m.cols);
    for i in 0..rows.min(m.rows()) {
        out.push(m.row(i), m.labels[i] as usize);
    }
    out
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: agreement_features OUT_DIR"));
    let data_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/train"));
    let data = load(&data_dir).expect("bundled training data");
    let parts = split(&data, 7);
    let featurizer = Featurizer::bundled();
    let train = take(&labelled_pairs(&featurizer, &data, &parts.train), TRAIN_ROWS);
    let rows = take(&labelled_pairs(&featurizer, &data, &parts.test), PREDICT_ROWS);
    let params = xgboost_params(0, 1);
    let boosted = absa_train::boost_rounds(&params, &train, ROUNDS).expect("xgboost-rs trains");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("train.libsvm"), libsvm(&train, TRAIN_ROWS)).unwrap();
    std::fs::write(out.join("rows.libsvm"), libsvm(&rows, PREDICT_ROWS)).unwrap();
    std::fs::write(out.join("ours.model.json"), boosted).unwrap();
    std::fs::write(
        out.join("params.json"),
        serde_json::to_string_pretty(&serde_json::json!({ "params": params, "rounds": ROUNDS })).unwrap() + "\n",
    )
    .unwrap();
    println!(
        "wrote {} training rows, {} rows to predict and ours.model.json to {}",
        train.rows(),
        rows.rows(),
        out.display()
    );
}
