//! Our trained model against Python XGBoost 3.2 and xgboost-rs on features
//! from the shared featuriser (fixtures: scripts/xgboost/make_agreement_fixtures.py):
//!
//! - our model (xgboost-rs) predicted by the pure-Rust reader = Python's
//!   predictions of the same model.json;
//! - a model Python trained on the same rows, predicted by the pure-Rust
//!   reader = Python's predictions;
//! - our model predicted by xgboost-rs itself = Python's predictions.

use std::path::Path;

use absa_model::XgbModel;
use absa_train::{Matrix, predict_with_xgboost};
use serde_json::Value;

const FEATURES: usize = 1047;

fn fixture(name: &str) -> String {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/agreement"));
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Dense rows: features a libsvm line leaves out are 0.0.
fn rows() -> Matrix {
    let mut m = Matrix::new(FEATURES);
    for line in fixture("rows.libsvm").lines() {
        let mut fields = line.split(' ');
        let label: usize = fields.next().unwrap().parse().unwrap();
        let mut row = vec![0f32; FEATURES];
        for pair in fields {
            let (j, v) = pair.split_once(':').unwrap();
            row[j.parse::<usize>().unwrap()] = v.parse().unwrap();
        }
        m.push(&row, label);
    }
    m
}

fn expected(model: &str, what: &str) -> Vec<Vec<f64>> {
    let all: Value = serde_json::from_str(&fixture("predictions.json")).unwrap();
    all[model][what]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
        .collect()
}

fn assert_close(ours: &[f32], python: &[f64], context: &str) {
    assert_eq!(ours.len(), python.len(), "{context}");
    for (a, b) in ours.iter().zip(python) {
        let a = f64::from(*a);
        assert!((a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0), "{context}: {ours:?} vs Python {python:?}");
    }
}

fn check_pure_rust(model_file: &str, key: &str) {
    let model = XgbModel::from_json(&fixture(model_file)).unwrap();
    let m = rows();
    let (margins, probabilities) = (expected(key, "margins"), expected(key, "probabilities"));
    assert_eq!(margins.len(), m.rows());
    for i in 0..m.rows() {
        assert_close(&model.predict_margin(m.row(i)), &margins[i], &format!("{model_file} row {i} margins"));
        assert_close(&model.predict(m.row(i)), &probabilities[i], &format!("{model_file} row {i} probabilities"));
    }
}

#[test]
fn pure_rust_predicts_our_model_as_python_xgboost_does() {
    check_pure_rust("ours.model.json", "ours");
}

#[test]
fn pure_rust_predicts_a_python_trained_model_as_python_xgboost_does() {
    check_pure_rust("python.model.json", "python");
}

#[test]
fn xgboost_rs_predicts_our_model_as_python_xgboost_does() {
    let m = rows();
    let ours = predict_with_xgboost(&fixture("ours.model.json"), &m).unwrap();
    let probabilities = expected("ours", "probabilities");
    for i in 0..m.rows() {
        assert_close(&ours[i * 3..i * 3 + 3], &probabilities[i], &format!("xgboost-rs row {i}"));
    }
}

#[test]
fn the_rows_exercise_every_class_and_many_features() {
    // Guards the fixture itself: a degenerate sample would prove little.
    let m = rows();
    let predicted: Vec<usize> = (0..m.rows())
        .map(|i| absa_model::argmax(&XgbModel::from_json(&fixture("ours.model.json")).unwrap().predict(m.row(i))))
        .collect();
    for class in 0..3 {
        assert!(predicted.contains(&class), "class {class} is predicted for some row");
    }
    let used: std::collections::HashSet<usize> =
        (0..m.rows()).flat_map(|i| m.row(i).iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(j, _)| j)).collect();
    assert!(used.len() > 300, "{} distinct features are non-zero", used.len());
}
