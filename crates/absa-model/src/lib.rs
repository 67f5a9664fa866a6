//! Aspect-based sentiment for absa-drift: what a comment talks about and
//! how it feels about it. Tokenisation, aspect extraction, the features the
//! sentiment model is trained and run on, a pure-Rust predictor for
//! XGBoost's JSON models, the loaded model the pipeline runs, and its
//! output as rows of the prediction table.

mod aspects;
mod comment_sentiment;
mod comment_text;
mod features;
mod language;
mod sentiment;
mod table_rows;
mod tokens;
mod xgboost_json;

pub use aspects::{AspectExtractor, AspectMention};
pub use comment_sentiment::{CommentModelError, CommentSentiment, STACK_FEATURES, calibrated, stack_row};
pub use comment_text::{LinearText, LinearTextError, TextDomain, TextFeatures};
pub use features::{AspectFeatures, COMMENT_DENSE, FeatureSpec, Featurizer, polarity_of_score};
pub use language::{TRAINED_LANGUAGES, language_of};
pub use sentiment::{
    AspectSentiment, CommentAnalysis, CommentModelMetadata, CommentSentimentScore, FeatureSpecSummary, LABELS,
    LoadError, MODEL_FILES, ModelMetadata, RUNTIME_FILES, SentimentModel, argmax, count_words, write_vocabulary,
};
pub use table_rows::{CommentFacts, prediction_rows};
pub use tokens::{MENTION, Token, TokenKind, tokenize};
pub use xgboost_json::{ModelError, XgbModel};
