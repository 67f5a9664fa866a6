//! Scoring held-out comments for the reference profile (the profile's
//! format lives in `prediction_table::profile`).

use std::collections::BTreeMap;

use absa_model::{SentimentModel, count_words};
use prediction_table::profile::{self, Profile};
use prediction_table::{CommentFacts, PredictionRow, rows_for};
use tiktok_export::ExportedComment;

/// Scores `comments` with `model` into prediction rows.
pub fn prediction_rows(model: &SentimentModel, comments: &[&ExportedComment]) -> Vec<PredictionRow> {
    comments
        .iter()
        .flat_map(|c| {
            let facts = CommentFacts {
                comment_id: c.comment_id,
                created_at: c.time,
                digg_count: c.digg_count,
                reply_count: c.reply_count,
                is_reply: c.reply_to.is_some(),
            };
            rows_for(facts, &model.analyze(&c.text))
        })
        .collect()
}

/// The profile of the scored `comments`.
pub fn build(
    model: &SentimentModel,
    data_hash: &str,
    comments: &[&ExportedComment],
    rows: &[PredictionRow],
) -> Profile {
    let mut words = BTreeMap::new();
    for c in comments {
        count_words(&c.text, &mut words);
    }
    let metadata = model.metadata();
    profile::build(&metadata.name, &metadata.feature_spec.hash, data_hash, comments.len(), rows, words)
}
