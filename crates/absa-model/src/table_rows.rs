//! A scored comment as rows of the prediction table (crate `tables`):
//! training's reference and the transform step both build their rows here.

use tables::{NO_ASPECT, PredictionRow};

use crate::CommentAnalysis;

/// What the table needs of a comment besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentFacts {
    pub comment_id: u64,
    pub created_at: i64,
    pub digg_count: u64,
    pub reply_count: u64,
    pub is_reply: bool,
}

/// The rows of one comment: one per aspect, or one `none` row (aspect and
/// sentiment `none`, confidence null) so text drift in comments without an
/// aspect is still seen. Comment features, the comment-level sentiment
/// included, repeat on each row.
pub fn prediction_rows(facts: CommentFacts, analysis: &CommentAnalysis) -> Vec<PredictionRow> {
    let row = |aspect: &str, sentiment: &str, confidence: Option<f64>| PredictionRow {
        comment_id: facts.comment_id,
        created_at: facts.created_at,
        aspect: aspect.to_owned(),
        sentiment: sentiment.to_owned(),
        confidence,
        comment_sentiment: analysis.sentiment.polarity.name().to_owned(),
        comment_confidence: f64::from(analysis.sentiment.confidence()),
        language: analysis.language.to_owned(),
        text_length: analysis.chars as i64,
        word_count: analysis.words as i64,
        emoji_count: analysis.emoji as i64,
        unseen_word_share: analysis.unseen_word_share.map(f64::from),
        digg_count: i64::try_from(facts.digg_count).unwrap_or(i64::MAX),
        reply_count: i64::try_from(facts.reply_count).unwrap_or(i64::MAX),
        is_reply: facts.is_reply,
    };
    if analysis.aspects.is_empty() {
        return vec![row(NO_ASPECT, NO_ASPECT, None)];
    }
    analysis.aspects.iter().map(|a| row(&a.aspect, a.polarity.name(), Some(f64::from(a.confidence())))).collect()
}
