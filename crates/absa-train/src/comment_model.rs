//! Trains the comment-level sentiment on the human-rated sets
//! (`data/human-rated`, split by its `split.csv`):
//! 1. the linear text scorer on the training rows, classes weighted
//!    inversely to their frequency so neutral is not drowned out;
//! 2. XGBoost trees on the scorer's margins, the lexicon figures and the
//!    domain. The margins of training rows come from scorers that did not
//!    see them (5 folds), so the trees learn how far to trust the scorer on
//!    unseen text;
//! 3. a temperature on the trees' margins, fitted on the validation rows
//!    by log-likelihood.
//!
//! Scored per set on its test rows: the model, the project's lexicon, and
//! the expected calibration error.

use std::collections::BTreeMap;
use std::path::Path;

use absa_model::{
    CommentModelMetadata, Featurizer, LinearText, STACK_FEATURES, TextDomain, TextFeatures, XgbModel, argmax,
    calibrated, polarity_of_score, stack_row,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::booster::{Matrix, boost};
use crate::human_rated::{Part, RatedSentence, SETS};
use crate::linear::{Example, LinearOptions, train_linear};
use crate::metrics::{Evaluation, evaluate};
use crate::{Round, TrainError, xgboost_params};

/// Folds for the training rows' out-of-fold margins.
const FOLDS: usize = 5;
/// Confidence bins of the expected calibration error.
const ECE_BINS: usize = 10;

/// The `set` of comment labels that came back from the pipeline (TikTok
/// comments: social text), trained on with the human-rated sets.
pub const FEEDBACK_SET: &str = "pipeline_feedback";

/// The human-rated set each domain was trained on.
pub fn domain_of(set: &str) -> TextDomain {
    match set {
        "tweets" | FEEDBACK_SET => TextDomain::Social,
        "product_reviews" => TextDomain::ProductReviews,
        "movie_reviews" => TextDomain::MovieReviews,
        _ => TextDomain::Editorials,
    }
}

/// The comment-level part of `metrics.json`.
#[derive(Debug, Serialize)]
pub struct CommentMetrics {
    pub temperature: f32,
    /// Per human-rated set, on its test rows.
    pub sets: BTreeMap<&'static str, SetMetrics>,
}

#[derive(Debug, Serialize)]
pub struct SetMetrics {
    pub test_rows: usize,
    pub model: Evaluation,
    /// The project's lexicon scorer (VADER's valences) on the same rows.
    pub lexicon: Evaluation,
    /// Expected calibration error of the calibrated probabilities.
    pub ece: f64,
    /// The same before the temperature, to show what calibration did.
    pub ece_uncalibrated: f64,
}

pub struct CommentTrained {
    pub text: LinearText,
    pub trees_json: String,
    pub metadata: CommentModelMetadata,
    pub metrics: CommentMetrics,
}

/// Trains on `sentences` (all of `load_human_rated`'s, from `dir`).
pub fn train_comment_model(
    dir: &Path,
    sentences: &[RatedSentence],
    featurizer: &Featurizer,
    seed: u64,
    threads: usize,
    on_round: &mut dyn FnMut(Round),
) -> Result<CommentTrained, TrainError> {
    let linear = LinearOptions { seed, ..LinearOptions::default() };
    let features: Vec<TextFeatures> =
        sentences.iter().map(|s| TextFeatures::of(&s.text, domain_of(s.set), linear.buckets)).collect();
    let train: Vec<usize> = (0..sentences.len()).filter(|&i| sentences[i].part == Part::Train).collect();
    let class = |i: usize| sentences[i].label as usize;
    let mut counts = [0f32; 3];
    for &i in &train {
        counts[class(i)] += 1.0;
    }
    let example = |i: usize| Example {
        features: &features[i],
        class: class(i),
        weight: train.len() as f32 / (3.0 * counts[class(i)]),
    };

    let mut margins = vec![[0f32; 3]; sentences.len()];
    for fold in 0..FOLDS {
        let examples: Vec<Example> =
            train.iter().enumerate().filter(|(k, _)| k % FOLDS != fold).map(|(_, &i)| example(i)).collect();
        let scorer = train_linear(&examples, &linear);
        for (_, &i) in train.iter().enumerate().filter(|(k, _)| k % FOLDS == fold) {
            margins[i] = scorer.margins(&features[i]);
        }
    }
    let text = train_linear(&train.iter().map(|&i| example(i)).collect::<Vec<_>>(), &linear);
    for (i, s) in sentences.iter().enumerate() {
        if s.part != Part::Train {
            margins[i] = text.margins(&features[i]);
        }
    }

    let rows: Vec<Vec<f32>> = sentences
        .iter()
        .enumerate()
        .map(|(i, s)| stack_row(margins[i], &featurizer.comment_dense(&s.text), domain_of(s.set)))
        .collect();
    let matrix = |part: Part| {
        let mut m = Matrix::new(STACK_FEATURES);
        for i in (0..sentences.len()).filter(|&i| sentences[i].part == part) {
            m.push(&rows[i], class(i));
        }
        m
    };
    let params = tree_params(seed, threads);
    let boosted = boost(&params, &matrix(Part::Train), &matrix(Part::Validation), 2000, 50, on_round)?;
    let trees = XgbModel::from_json(&boosted.model_json).map_err(absa_model::LoadError::Model)?;
    let tree_margins: Vec<Vec<f32>> = rows.iter().map(|r| trees.predict_margin(r)).collect();

    let validation: Vec<usize> = (0..sentences.len()).filter(|&i| sentences[i].part == Part::Validation).collect();
    let temperature =
        fit_temperature(&validation.iter().map(|&i| (&tree_margins[i][..], class(i))).collect::<Vec<_>>());

    let mut sets = BTreeMap::new();
    for (set, _) in SETS {
        let test: Vec<usize> =
            (0..sentences.len()).filter(|&i| sentences[i].set == set && sentences[i].part == Part::Test).collect();
        let truth: Vec<usize> = test.iter().map(|&i| class(i)).collect();
        let probabilities: Vec<[f32; 3]> = test.iter().map(|&i| calibrated(&tree_margins[i], temperature)).collect();
        let uncalibrated: Vec<[f32; 3]> = test.iter().map(|&i| calibrated(&tree_margins[i], 1.0)).collect();
        let predicted: Vec<usize> = probabilities.iter().map(|p| argmax(p)).collect();
        let lexicon: Vec<usize> = test
            .iter()
            .map(|&i| polarity_of_score(featurizer.comment_lexicon_score(&sentences[i].text)) as usize)
            .collect();
        sets.insert(
            set,
            SetMetrics {
                test_rows: test.len(),
                model: evaluate(&truth, &predicted),
                lexicon: evaluate(&truth, &lexicon),
                ece: expected_calibration_error(&probabilities, &truth),
                ece_uncalibrated: expected_calibration_error(&uncalibrated, &truth),
            },
        );
    }
    let metadata = CommentModelMetadata {
        text_buckets: linear.buckets,
        text_epochs: linear.epochs,
        text_learning_rate: linear.learning_rate,
        text_l2: linear.l2,
        xgboost_params: params,
        rounds: boosted.rounds,
        temperature,
        data_hash: human_rated_hash(dir)?,
    };
    Ok(CommentTrained { text, trees_json: boosted.model_json, metadata, metrics: CommentMetrics { temperature, sets } })
}

/// Shallow trees with a small step: they combine a few strong inputs.
fn tree_params(seed: u64, threads: usize) -> BTreeMap<String, String> {
    let mut params = xgboost_params(seed, threads);
    params.insert("max_depth".into(), "2".into());
    params.insert("eta".into(), "0.05".into());
    params
}

/// The temperature that maximises the likelihood of `rows` (margins,
/// class), by golden-section search on its logarithm over 0.1…10.
fn fit_temperature(rows: &[(&[f32], usize)]) -> f32 {
    let loss = |log_t: f64| -> f64 {
        let t = log_t.exp() as f32;
        rows.iter().map(|(m, c)| -f64::from(calibrated(m, t)[*c].max(1e-15)).ln()).sum()
    };
    let (mut lo, mut hi) = (0.1f64.ln(), 10f64.ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let (a, b) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo));
        if loss(a) < loss(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    ((lo + hi) / 2.0).exp() as f32
}

/// ECE: rows binned by their top probability into ten equal-width bins;
/// the mean gap between accuracy and confidence, weighted by bin size.
pub fn expected_calibration_error(probabilities: &[[f32; 3]], truth: &[usize]) -> f64 {
    let mut bins = [(0usize, 0f64, 0f64); ECE_BINS];
    for (p, &t) in probabilities.iter().zip(truth) {
        let predicted = argmax(p);
        let confidence = f64::from(p[predicted]);
        let bin = ((confidence * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += confidence;
        bins[bin].2 += f64::from(u8::from(predicted == t));
    }
    let n = probabilities.len().max(1) as f64;
    bins.iter().filter(|b| b.0 > 0).map(|(_, conf, correct)| (correct - conf).abs() / n).sum()
}

/// SHA-256 over the human-rated files and the split, hex.
fn human_rated_hash(dir: &Path) -> Result<String, TrainError> {
    let mut hash = Sha256::new();
    for file in SETS.map(|s| s.1).into_iter().chain(["split.csv"]) {
        let path = dir.join(file);
        hash.update(std::fs::read(&path).map_err(|source| TrainError::Io { path, source })?);
    }
    Ok(format!("{:x}", hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temperature_undoes_overconfidence() {
        // Margins three times too sharp for a 70 % accurate classifier.
        let sharp = [0.0f32, 0.0, 3.0 * (0.7f32 / 0.15).ln()];
        let rows: Vec<(&[f32], usize)> = (0..100).map(|i| (&sharp[..], if i < 70 { 2 } else { i % 2 })).collect();
        let t = fit_temperature(&rows);
        assert!((t - 3.0).abs() < 0.01, "{t}");
    }

    #[test]
    fn ece_is_the_gap_between_confidence_and_accuracy() {
        let p = [[0.1, 0.1, 0.8]; 10];
        let all_right = [2; 10];
        assert!((expected_calibration_error(&p, &all_right) - 0.2).abs() < 1e-6);
        let half_right = [2, 2, 2, 2, 2, 0, 0, 0, 0, 0];
        assert!((expected_calibration_error(&p, &half_right) - 0.3).abs() < 1e-6);
    }
}
