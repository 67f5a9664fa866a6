//! Aspect-based sentiment for absa-drift: what a comment talks about and
//! how it feels about it. So far: tokenisation, aspect extraction and the
//! features the sentiment model is trained and run on, and a pure-Rust
//! predictor for XGBoost's JSON models.

mod aspects;
mod features;
mod tokens;
mod xgboost_json;

pub use aspects::{AspectExtractor, AspectMention};
pub use features::{AspectFeatures, FeatureSpec, Featurizer};
pub use tokens::{Token, TokenKind, tokenize};
pub use xgboost_json::{ModelError, XgbModel};
