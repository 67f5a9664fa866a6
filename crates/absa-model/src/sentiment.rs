//! A trained sentiment model as the pipeline uses it: the XGBoost trees,
//! the metadata that says which features they expect, and the training
//! vocabulary. [`SentimentModel::analyze`] is the one place a comment turns
//! into aspects, sentiment and the text features the monitor watches, for
//! training's reference profile and for the transform step alike.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use taxonomy::Polarity;

use crate::features::{FeatureSpec, Featurizer};
use crate::tokens::{TokenKind, tokenize};
use crate::xgboost_json::{ModelError, XgbModel};

/// The files of a trained model, as training writes them, the registry
/// keeps them and data/model holds the bundled one: the trees, what they
/// expect, how they scored, the training vocabulary, and the reference the
/// monitor compares batches with.
pub const MODEL_FILES: [&str; 6] =
    ["model.json", "metadata.json", "metrics.json", "vocabulary.txt", "reference.parquet", "profile.json"];

/// Class index → label, as the model's outputs are ordered.
pub const LABELS: [Polarity; 3] = [Polarity::Negative, Polarity::Neutral, Polarity::Positive];

/// `metadata.json`, written by training next to `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    pub name: String,
    pub feature_spec: FeatureSpecSummary,
    /// Output index → polarity name.
    pub labels: Vec<String>,
    /// XGBoost's training parameters, as passed to it.
    pub xgboost_params: BTreeMap<String, String>,
    /// Boosting rounds kept (the best validation round + 1).
    pub rounds: u32,
    /// SHA-256 of the training comments and labels files.
    pub data_hash: String,
    /// What trained the model, e.g. `xgboost-rs 0.3.0 (XGBoost 1.6.2)`.
    pub trainer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpecSummary {
    pub version: u32,
    pub buckets: usize,
    pub window: usize,
    pub features: usize,
    pub hash: String,
}

impl From<&FeatureSpec> for FeatureSpecSummary {
    fn from(spec: &FeatureSpec) -> Self {
        FeatureSpecSummary {
            version: spec.version,
            buckets: spec.buckets,
            window: spec.window,
            features: spec.len(),
            hash: spec.hash(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("model.json: {0}")]
    Model(#[from] ModelError),
    #[error("metadata.json: {0}")]
    Metadata(serde_json::Error),
    #[error(
        "the model was trained on features {model} but this code computes {code}: retrain it or deploy the code it was trained with"
    )]
    FeatureSpecMismatch { model: String, code: String },
    #[error(
        "model.json expects {model} features and {classes} classes; metadata.json says {metadata} features and 3 classes"
    )]
    Shape { model: usize, classes: usize, metadata: usize },
    #[error("metadata.json: labels must be negative, neutral, positive in that order, found {0:?}")]
    Labels(Vec<String>),
}

/// The sentiment for one aspect a comment mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct AspectSentiment {
    pub aspect: String,
    pub term: String,
    pub start: usize,
    pub end: usize,
    pub polarity: Polarity,
    /// Probabilities in [`LABELS`] order.
    pub probabilities: [f32; 3],
}

/// What the pipeline knows about one comment's text.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentAnalysis {
    pub chars: usize,
    /// Word tokens (emoji and punctuation excluded).
    pub words: usize,
    pub emoji: usize,
    /// Share of word tokens never seen in training; `None` without words.
    pub unseen_word_share: Option<f32>,
    pub aspects: Vec<AspectSentiment>,
}

pub struct SentimentModel {
    featurizer: Featurizer,
    model: XgbModel,
    metadata: ModelMetadata,
    vocabulary: HashSet<String>,
}

impl SentimentModel {
    /// Loads a model from its three files' contents and refuses it when its
    /// features are not the ones this code computes.
    pub fn load(model_json: &str, metadata_json: &str, vocabulary: &str) -> Result<Self, LoadError> {
        let metadata: ModelMetadata = serde_json::from_str(metadata_json).map_err(LoadError::Metadata)?;
        let featurizer = Featurizer::bundled();
        let code = featurizer.spec().hash();
        if metadata.feature_spec.hash != code {
            return Err(LoadError::FeatureSpecMismatch { model: metadata.feature_spec.hash.clone(), code });
        }
        if metadata.labels != LABELS.map(|p| p.name().to_owned()) {
            return Err(LoadError::Labels(metadata.labels));
        }
        let model = XgbModel::from_json(model_json)?;
        if model.num_feature() != featurizer.spec().len() || model.num_class() != 3 {
            return Err(LoadError::Shape {
                model: model.num_feature(),
                classes: model.num_class(),
                metadata: metadata.feature_spec.features,
            });
        }
        Ok(SentimentModel { featurizer, model, metadata, vocabulary: parse_vocabulary(vocabulary) })
    }

    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    pub fn analyze(&self, text: &str) -> CommentAnalysis {
        let tokens = tokenize(text);
        let words: Vec<&str> = tokens.iter().filter(|t| t.kind == TokenKind::Word).map(|t| t.text.as_str()).collect();
        let unseen = words.iter().filter(|w| !self.vocabulary.contains(**w)).count();
        let aspects = self
            .featurizer
            .featurize_tokens(text, &tokens)
            .into_iter()
            .map(|f| {
                let p = self.model.predict(&f.values);
                let probabilities = [p[0], p[1], p[2]];
                AspectSentiment {
                    aspect: f.mention.aspect,
                    term: f.mention.term,
                    start: f.mention.start,
                    end: f.mention.end,
                    polarity: LABELS[argmax(&probabilities)],
                    probabilities,
                }
            })
            .collect();
        CommentAnalysis {
            chars: text.chars().count(),
            words: words.len(),
            emoji: tokens.iter().filter(|t| t.kind == TokenKind::Emoji).count(),
            unseen_word_share: (!words.is_empty()).then(|| unseen as f32 / words.len() as f32),
            aspects,
        }
    }
}

/// The index of the largest value; the first on ties, as numpy's argmax.
pub fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, v)| if *v > values[best] { i } else { best })
}

/// `vocabulary.txt`: one `word<TAB>count` per line, most frequent first.
pub fn write_vocabulary(counts: &BTreeMap<String, u64>) -> String {
    let mut sorted: Vec<(&String, &u64)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    sorted.iter().map(|(w, n)| format!("{w}\t{n}\n")).collect()
}

fn parse_vocabulary(text: &str) -> HashSet<String> {
    text.lines().filter_map(|l| l.split('\t').next()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// Counts the word tokens of `text` into `counts` (the training vocabulary).
pub fn count_words(text: &str, counts: &mut BTreeMap<String, u64>) {
    for t in tokenize(text).into_iter().filter(|t| t.kind == TokenKind::Word) {
        *counts.entry(t.text).or_default() += 1;
    }
}
