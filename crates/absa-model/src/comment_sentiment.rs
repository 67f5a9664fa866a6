//! Comment-level sentiment: how a whole comment feels, whether or not it
//! names an aspect. Two stages, trained on human-rated text (absa-train):
//! a linear scorer over hashed n-grams ([`LinearText`]) gives three margins;
//! XGBoost trees read them with the comment's lexicon figures and its
//! [`TextDomain`]; a temperature fitted on validation rows calibrates the
//! trees' margins into probabilities.

use crate::comment_text::{LinearText, TextDomain, TextFeatures};
use crate::features::{COMMENT_DENSE, Featurizer};
use crate::xgboost_json::XgbModel;

/// The trees' features: the text scorer's margins, the lexicon figures, the domain.
pub const STACK_FEATURES: usize = 3 + COMMENT_DENSE + TextDomain::ALL.len();

pub struct CommentSentiment {
    text: LinearText,
    trees: XgbModel,
    temperature: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum CommentModelError {
    #[error(
        "comment-model.json expects {features} features and {classes} classes; the comment model has {STACK_FEATURES} and 3"
    )]
    Shape { features: usize, classes: usize },
    #[error("the comment model's temperature must be a positive number, found {0}")]
    Temperature(f32),
    #[error("comment-text.bin has {found} buckets, metadata.json says {expected}")]
    Buckets { found: u32, expected: u32 },
}

impl CommentSentiment {
    pub fn new(text: LinearText, trees: XgbModel, temperature: f32) -> Result<Self, CommentModelError> {
        if trees.num_feature() != STACK_FEATURES || trees.num_class() != 3 {
            return Err(CommentModelError::Shape { features: trees.num_feature(), classes: trees.num_class() });
        }
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(CommentModelError::Temperature(temperature));
        }
        Ok(CommentSentiment { text, trees, temperature })
    }

    /// Calibrated probabilities in [`crate::LABELS`] order, per text.
    pub fn probabilities(&self, featurizer: &Featurizer, texts: &[&str], domain: TextDomain) -> Vec<[f32; 3]> {
        let rows: Vec<Vec<f32>> = texts
            .iter()
            .map(|text| {
                let margins = self.text.margins(&TextFeatures::of(text, domain, self.text.buckets));
                stack_row(margins, &featurizer.comment_dense(text), domain)
            })
            .collect();
        self.trees.predict_margin_rows(&rows).iter().map(|m| calibrated(m, self.temperature)).collect()
    }
}

/// The trees' input row.
pub fn stack_row(margins: [f32; 3], dense: &[f32; COMMENT_DENSE], domain: TextDomain) -> Vec<f32> {
    let mut row = Vec::with_capacity(STACK_FEATURES);
    row.extend(margins);
    row.extend(dense);
    row.extend(TextDomain::ALL.map(|d| f32::from(u8::from(d == domain))));
    row
}

/// Softmax of `margins / temperature`.
pub fn calibrated(margins: &[f32], temperature: f32) -> [f32; 3] {
    let scaled = [margins[0] / temperature, margins[1] / temperature, margins[2] / temperature];
    let max = scaled.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e = scaled.map(|v| (v - max).exp());
    let sum: f32 = e.iter().sum();
    e.map(|v| v / sum)
}
