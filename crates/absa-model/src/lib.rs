//! Aspect-based sentiment for absa-drift: what a comment talks about and
//! how it feels about it. Tokenisation, aspect extraction, the features the
//! sentiment model is trained and run on, a pure-Rust predictor for
//! XGBoost's JSON models, the loaded model the pipeline runs, and its
//! output as rows of the prediction table.

mod aspects;
mod features;
mod sentiment;
mod table_rows;
mod tokens;
mod xgboost_json;

pub use aspects::{AspectExtractor, AspectMention};
pub use features::{AspectFeatures, FeatureSpec, Featurizer, polarity_of_score};
pub use sentiment::{
    AspectSentiment, CommentAnalysis, FeatureSpecSummary, LABELS, LoadError, MODEL_FILES, ModelMetadata,
    SentimentModel, argmax, count_words, write_vocabulary,
};
pub use table_rows::{CommentFacts, prediction_rows};
pub use tokens::{MENTION, Token, TokenKind, tokenize};
pub use xgboost_json::{ModelError, XgbModel};
