//! Aspect-based sentiment for absa-drift: what a comment talks about and
//! how it feels about it. So far: tokenisation and aspect extraction.

mod aspects;
mod tokens;

pub use aspects::{AspectExtractor, AspectMention};
pub use tokens::{Token, TokenKind, tokenize};
