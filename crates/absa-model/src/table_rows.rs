//! A scored comment as rows of the prediction table (crate `tables`):
//! training's reference and the transform step both build their rows here.

use tables::{NO_ASPECT, PredictionRow};

use crate::CommentAnalysis;
use crate::sentiment::top;

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
    let widen = |p: [f32; 3]| p.map(f64::from);
    let row = |aspect: &str, sentiment: &str, probabilities: Option<[f32; 3]>| PredictionRow {
        comment_id: facts.comment_id,
        created_at: facts.created_at,
        aspect: aspect.to_owned(),
        sentiment: sentiment.to_owned(),
        confidence: probabilities.map(|p| f64::from(top(&p))),
        probabilities: probabilities.map(widen),
        comment_sentiment: analysis.sentiment.polarity.name().to_owned(),
        comment_confidence: f64::from(analysis.sentiment.confidence()),
        comment_probabilities: widen(analysis.sentiment.probabilities),
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
    analysis.aspects.iter().map(|a| row(&a.aspect, a.polarity.name(), Some(a.probabilities))).collect()
}
