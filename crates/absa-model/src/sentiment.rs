//! A trained sentiment model as the pipeline uses it: the aspect-level
//! XGBoost trees, the comment-level model, the metadata that says which
//! features they expect, and the training vocabulary. [`SentimentModel::analyze`] is the one place a comment turns
//! into aspects, sentiment and the text features the monitor watches, for
//! training's reference profile and for the transform step alike.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use taxonomy::Polarity;

use crate::comment_sentiment::{CommentModelError, CommentSentiment};
use crate::comment_text::{LinearText, LinearTextError, TextDomain};
use crate::features::{FeatureSpec, Featurizer};
use crate::language::language_of;
use crate::tokens::{TokenKind, tokenize};
use crate::xgboost_json::{ModelError, XgbModel};

/// The files of a trained model, as training writes them, the registry
/// keeps them and data/model holds the bundled one: the aspect-level trees,
/// the comment-level trees and text scorer, what they expect, how they
/// scored, the training vocabulary, and the reference the monitor compares
/// batches with.
pub const MODEL_FILES: [&str; 8] = [
    "model.json",
    "comment-model.json",
    "comment-text.bin",
    "metadata.json",
    "metrics.json",
    "vocabulary.txt",
    "reference.parquet",
    "profile.json",
];

/// The files [`SentimentModel::load`] reads; the others describe the model.
pub const RUNTIME_FILES: [&str; 5] =
    ["model.json", "comment-model.json", "comment-text.bin", "metadata.json", "vocabulary.txt"];

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
    pub comment_model: CommentModelMetadata,
    /// Labels that came back from the pipeline and were trained on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub feedback_labels: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The comment-level model's part of `metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentModelMetadata {
    /// Hash buckets of the text scorer (`comment-text.bin`).
    pub text_buckets: u32,
    /// Text scorer training: passes over the data, AdaGrad rate, L2.
    pub text_epochs: u32,
    pub text_learning_rate: f32,
    pub text_l2: f32,
    /// The trees' XGBoost parameters and rounds kept.
    pub xgboost_params: BTreeMap<String, String>,
    pub rounds: u32,
    /// Divides the trees' margins before the softmax (fitted on validation rows).
    pub temperature: f32,
    /// SHA-256 of the human-rated files and their split.
    pub data_hash: String,
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
    #[error("{file}: {problem}")]
    File { file: String, problem: &'static str },
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error("comment-model.json: {0}")]
    CommentTrees(ModelError),
    #[error(transparent)]
    CommentText(#[from] LinearTextError),
    #[error(transparent)]
    CommentModel(#[from] CommentModelError),
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

/// The whole comment's sentiment: calibrated probabilities in [`LABELS`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommentSentimentScore {
    pub polarity: Polarity,
    pub probabilities: [f32; 3],
}

impl CommentSentimentScore {
    pub fn of(probabilities: [f32; 3]) -> Self {
        CommentSentimentScore { polarity: LABELS[argmax(&probabilities)], probabilities }
    }

    pub fn confidence(&self) -> f32 {
        top(&self.probabilities)
    }
}

impl AspectSentiment {
    /// The probability of the predicted polarity.
    pub fn confidence(&self) -> f32 {
        top(&self.probabilities)
    }
}

pub(crate) fn top(probabilities: &[f32; 3]) -> f32 {
    probabilities.iter().copied().fold(0f32, f32::max)
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
    /// ISO 639-3 code ([`crate::language_of`]).
    pub language: &'static str,
    pub sentiment: CommentSentimentScore,
    pub aspects: Vec<AspectSentiment>,
}

pub struct SentimentModel {
    featurizer: Featurizer,
    model: XgbModel,
    comment: CommentSentiment,
    metadata: ModelMetadata,
    vocabulary: HashSet<String>,
}

impl SentimentModel {
    /// Loads a model from its three files' contents and refuses it when its
    /// features are not the ones this code computes.
    /// `files` are (name, contents) and must hold the [`RUNTIME_FILES`].
    pub fn load(files: &[(&str, Vec<u8>)]) -> Result<Self, LoadError> {
        let bytes = |name: &str| {
            files
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.as_slice())
                .ok_or_else(|| LoadError::File { file: name.to_owned(), problem: "missing" })
        };
        let text = |name: &str| {
            std::str::from_utf8(bytes(name)?)
                .map_err(|_| LoadError::File { file: name.to_owned(), problem: "not UTF-8" })
        };
        let metadata: ModelMetadata = serde_json::from_str(text("metadata.json")?).map_err(LoadError::Metadata)?;
        let featurizer = Featurizer::bundled();
        let code = featurizer.spec().hash();
        if metadata.feature_spec.hash != code {
            return Err(LoadError::FeatureSpecMismatch { model: metadata.feature_spec.hash.clone(), code });
        }
        if metadata.labels != LABELS.map(|p| p.name().to_owned()) {
            return Err(LoadError::Labels(metadata.labels));
        }
        let model = XgbModel::from_json(text("model.json")?)?;
        if model.num_feature() != featurizer.spec().len() || model.num_class() != 3 {
            return Err(LoadError::Shape {
                model: model.num_feature(),
                classes: model.num_class(),
                metadata: metadata.feature_spec.features,
            });
        }
        let scorer = LinearText::from_bytes(bytes("comment-text.bin")?)?;
        if scorer.buckets != metadata.comment_model.text_buckets {
            return Err(CommentModelError::Buckets {
                found: scorer.buckets,
                expected: metadata.comment_model.text_buckets,
            }
            .into());
        }
        let trees = XgbModel::from_json(text("comment-model.json")?).map_err(LoadError::CommentTrees)?;
        let comment = CommentSentiment::new(scorer, trees, metadata.comment_model.temperature)?;
        let vocabulary = parse_vocabulary(text("vocabulary.txt")?);
        Ok(SentimentModel { featurizer, model, comment, metadata, vocabulary })
    }

    /// Loads the model whose files are in `dir` (data/model, or what
    /// `absa-drift train --out` wrote).
    pub fn load_dir(dir: &std::path::Path) -> Result<Self, LoadError> {
        let mut files = Vec::new();
        for file in RUNTIME_FILES {
            let path = dir.join(file);
            files.push((file, std::fs::read(&path).map_err(|source| LoadError::Io { path, source })?));
        }
        Self::load(&files)
    }

    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// The whole comment's sentiment, read as a social-media comment.
    pub fn comment_sentiment(&self, text: &str) -> CommentSentimentScore {
        self.text_sentiment(text, TextDomain::Social)
    }

    /// The sentiment of a text from `domain` (the human-rated sets' test
    /// rows are scored in their own domain).
    pub fn text_sentiment(&self, text: &str, domain: TextDomain) -> CommentSentimentScore {
        self.text_sentiments(&[text], domain).pop().expect("one text in, one out")
    }

    /// [`SentimentModel::text_sentiment`] of many texts, faster than one by one.
    pub fn text_sentiments(&self, texts: &[&str], domain: TextDomain) -> Vec<CommentSentimentScore> {
        self.comment.probabilities(&self.featurizer, texts, domain).into_iter().map(CommentSentimentScore::of).collect()
    }

    pub fn analyze(&self, text: &str) -> CommentAnalysis {
        self.analyze_many(&[text]).pop().expect("one text in, one out")
    }

    /// [`SentimentModel::analyze`] of many comments: each model predicts
    /// all their rows in one call (measured end to end on the bundled hours:
    /// 14 % faster than one comment at a time).
    pub fn analyze_many(&self, texts: &[&str]) -> Vec<CommentAnalysis> {
        let sentiments = self.text_sentiments(texts, TextDomain::Social);
        let tokens: Vec<_> = texts.iter().map(|text| tokenize(text)).collect();
        let mentions: Vec<_> =
            texts.iter().zip(&tokens).map(|(text, tokens)| self.featurizer.featurize_tokens(text, tokens)).collect();
        let rows: Vec<&[f32]> = mentions.iter().flatten().map(|f| &f.values[..]).collect();
        let mut predictions = self.model.predict_rows(&rows).into_iter();
        let comments = texts.iter().zip(&tokens).zip(mentions).zip(sentiments);
        comments
            .map(|(((text, tokens), mentions), sentiment)| {
                let words: Vec<&str> =
                    tokens.iter().filter(|t| t.kind == TokenKind::Word).map(|t| t.text.as_str()).collect();
                let unseen = words.iter().filter(|w| !self.vocabulary.contains(**w)).count();
                let aspects = mentions
                    .into_iter()
                    .map(|f| {
                        let p = predictions.next().expect("a prediction per mention");
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
                    language: language_of(text),
                    sentiment,
                    aspects,
                }
            })
            .collect()
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
