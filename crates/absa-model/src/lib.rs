//! Aspect-based sentiment for absa-drift: what a comment talks about and
//! how it feels about it. So far: tokenisation, aspect extraction and the
//! features the sentiment model is trained and run on.

mod aspects;
mod features;
mod tokens;

pub use aspects::{AspectExtractor, AspectMention};
pub use features::{AspectFeatures, FeatureSpec, Featurizer};
pub use tokens::{Token, TokenKind, tokenize};
