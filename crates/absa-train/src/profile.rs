//! Scoring held-out comments for the reference profile (the profile's
//! format lives in `tables::profile`).

use std::collections::BTreeMap;

use absa_model::{CommentFacts, SentimentModel, TRAINED_LANGUAGES, count_words};
use tables::PredictionRow;
use tables::profile::{self, Profile};
use tiktok_export::ExportedComment;

/// Scores `comments` with `model` into prediction rows.
pub fn prediction_rows(model: &SentimentModel, comments: &[&ExportedComment]) -> Vec<PredictionRow> {
    let pseudonym = tiktok_export::mention_pseudonym(&"0".repeat(12));
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
            // As extract hands the text on: mentions pseudonymised, which
            // changes its length.
            let text = tiktok_export::replace_mentions(&c.text, |_| pseudonym.clone());
            absa_model::prediction_rows(facts, &model.analyze(&text))
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
    profile::build(
        &metadata.name,
        &TRAINED_LANGUAGES,
        &metadata.feature_spec.hash,
        data_hash,
        comments.len(),
        rows,
        words,
    )
}
