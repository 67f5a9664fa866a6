//! Boosting with the real XGBoost (xgboost-rs 0.3, XGBoost 1.6.2), one
//! round at a time with early stopping on the validation log-loss
//! (`Booster::train` hard-codes 16 rounds).
//!
//! Never clone a `Booster`: it derives `Clone` over a raw handle, and a
//! dropped clone frees the model under the original.

use std::collections::{BTreeMap, HashMap};

use xgboost_rs::{Booster, DMatrix};

use crate::TrainError;

/// Row-major features with a class label per row.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub cols: usize,
    pub values: Vec<f32>,
    pub labels: Vec<f32>,
}

impl Matrix {
    pub fn new(cols: usize) -> Self {
        Matrix { cols, ..Default::default() }
    }

    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    pub fn push(&mut self, row: &[f32], label: usize) {
        assert_eq!(row.len(), self.cols, "every row has the feature spec's width");
        self.values.extend_from_slice(row);
        self.labels.push(label as f32);
    }

    pub fn append(&mut self, other: &Matrix) {
        assert_eq!(other.cols, self.cols, "every row has the feature spec's width");
        self.values.extend_from_slice(&other.values);
        self.labels.extend_from_slice(&other.labels);
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }
}

/// An XGBoost matrix holding every value, zeros included: xgboost-rs's
/// `from_dense` treats 0.0 as missing, which would send zeros down each
/// split's default branch in training but not in the pure-Rust predictor.
pub fn dmatrix(m: &Matrix) -> Result<DMatrix, TrainError> {
    let indptr: Vec<usize> = (0..=m.rows()).map(|r| r * m.cols).collect();
    let indices: Vec<usize> = (0..m.values.len()).map(|i| i % m.cols).collect();
    let mut d = DMatrix::from_csr(&indptr, &indices, &m.values, Some(m.cols))?;
    d.set_labels(&m.labels)?;
    Ok(d)
}

/// One boosting round's validation score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    pub round: u32,
    pub valid_mlogloss: f64,
    pub best_round: u32,
}

pub struct Boosted {
    /// The best round's model in XGBoost's JSON format.
    pub model_json: String,
    /// Rounds kept: best round + 1.
    pub rounds: u32,
    pub curve: Vec<Round>,
}

/// Boosts until the validation log-loss has not improved for `patience`
/// rounds or `max_rounds` is reached, and keeps the best round's model.
pub fn boost(
    params: &BTreeMap<String, String>,
    train: &Matrix,
    valid: &Matrix,
    max_rounds: u32,
    patience: u32,
    on_round: &mut dyn FnMut(Round),
) -> Result<Boosted, TrainError> {
    let (dtrain, dvalid) = (dmatrix(train)?, dmatrix(valid)?);
    let config: HashMap<String, String> = params.clone().into_iter().collect();
    // Both matrices cached: XGBoost then predicts the validation set
    // incrementally, one new tree per round.
    let mut booster = Booster::new_with_json_config(&[&dtrain, &dvalid], config)?;
    let mut best: Option<(f64, u32, String)> = None;
    let mut curve = Vec::new();
    for round in 0..max_rounds {
        booster.update(&dtrain, round as i32)?;
        let loss = mlogloss(&booster.predict(&dvalid)?, &valid.labels);
        if best.as_ref().is_none_or(|(b, _, _)| loss < *b) {
            best = Some((loss, round, booster.save_to_buffer("json".into())?));
        }
        let best_round = best.as_ref().map_or(0, |b| b.1);
        let r = Round { round, valid_mlogloss: loss, best_round };
        curve.push(r);
        on_round(r);
        if round - best_round >= patience {
            break;
        }
    }
    let (_, best_round, model_json) = best.ok_or(TrainError::NoRounds)?;
    Ok(Boosted { model_json, rounds: best_round + 1, curve })
}

/// Boosts exactly `rounds` rounds, without validation; the model as JSON.
pub fn boost_rounds(params: &BTreeMap<String, String>, train: &Matrix, rounds: u32) -> Result<String, TrainError> {
    let dtrain = dmatrix(train)?;
    let mut booster = Booster::new_with_json_config(&[&dtrain], params.clone().into_iter().collect())?;
    for round in 0..rounds {
        booster.update(&dtrain, round as i32)?;
    }
    Ok(booster.save_to_buffer("json".into())?)
}

/// Multi-class log-loss of softprob outputs (rows × classes, row-major),
/// with XGBoost's clipping at 1e-15.
pub fn mlogloss(probabilities: &[f32], labels: &[f32]) -> f64 {
    let classes = probabilities.len() / labels.len().max(1);
    let total: f64 = labels
        .iter()
        .enumerate()
        .map(|(i, &y)| -f64::from(probabilities[i * classes + y as usize]).clamp(1e-15, 1.0 - 1e-15).ln())
        .sum();
    total / labels.len().max(1) as f64
}

/// Predictions of a saved model through XGBoost itself (for agreement
/// checks with the pure-Rust predictor).
pub fn predict_with_xgboost(model_json: &str, m: &Matrix) -> Result<Vec<f32>, TrainError> {
    let booster = Booster::load_buffer(model_json.as_bytes())?;
    Ok(booster.predict(&dmatrix(m)?)?)
}
