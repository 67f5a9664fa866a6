//! The reference profile: what the monitor compares every batch with.
//! Documented in docs/reference-profile.md.
//!
//! - `reference.parquet`: the prediction table (crate `prediction-table`)
//!   of the held-out test comments, scored by the trained model exactly as
//!   the transform step scores a batch;
//! - `profile.json`: column kinds, the sentiment mix per aspect, the aspect
//!   mix, numeric summaries, and the word counts of the held-out comments
//!   (for vocabulary drift).

use std::collections::BTreeMap;

use absa_model::{SentimentModel, count_words};
use prediction_table::{CommentFacts, ID_COLUMNS, PredictionRow, rows_for};
use serde::Serialize;
use tiktok_export::ExportedComment;

/// The profile format; bumped on any incompatible change.
pub const PROFILE_FORMAT: &str = "absa-drift-reference-profile/1";
/// Word counts kept for vocabulary drift; the rest are summed as `other`.
const TOP_WORDS: usize = 5000;

#[derive(Debug, Serialize)]
pub struct Profile {
    pub format: &'static str,
    pub model: String,
    pub feature_spec_hash: String,
    pub data_hash: String,
    pub comments: usize,
    pub rows: usize,
    /// Column → `id`, `categorical` or `numerical`.
    pub columns: BTreeMap<&'static str, &'static str>,
    /// Share of rows per aspect (`none` for comments without one).
    pub aspect_mix: BTreeMap<String, f64>,
    /// Aspect → polarity → share of that aspect's rows.
    pub sentiment_by_aspect: BTreeMap<String, BTreeMap<String, f64>>,
    pub numeric: BTreeMap<&'static str, NumericSummary>,
    /// The most frequent words of the held-out comments, and the count of
    /// all the others.
    pub word_counts: BTreeMap<String, u64>,
    pub other_words: u64,
}

#[derive(Debug, Serialize)]
pub struct NumericSummary {
    pub count: usize,
    pub missing: usize,
    pub mean: f64,
    pub min: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

/// Column kinds as the monitor tests them (the prediction-table schema).
pub fn column_kinds() -> BTreeMap<&'static str, &'static str> {
    let mut kinds = BTreeMap::new();
    for id in ID_COLUMNS {
        kinds.insert(id, "id");
    }
    for cat in ["aspect", "sentiment", "is_reply"] {
        kinds.insert(cat, "categorical");
    }
    for num in NUMERIC {
        kinds.insert(num.0, "numerical");
    }
    kinds
}

type Numeric = (&'static str, fn(&PredictionRow) -> Option<f64>);
const NUMERIC: [Numeric; 7] = [
    ("confidence", |r| r.confidence),
    ("text_length", |r| Some(r.text_length as f64)),
    ("word_count", |r| Some(r.word_count as f64)),
    ("emoji_count", |r| Some(r.emoji_count as f64)),
    ("unseen_word_share", |r| r.unseen_word_share),
    ("digg_count", |r| Some(r.digg_count as f64)),
    ("reply_count", |r| Some(r.reply_count as f64)),
];

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

pub fn build(
    model: &SentimentModel,
    data_hash: &str,
    comments: &[&ExportedComment],
    rows: &[PredictionRow],
) -> Profile {
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let mut per_aspect: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for r in rows {
        *per_aspect.entry(r.aspect.clone()).or_default().entry(r.sentiment.clone()).or_default() += 1;
    }
    let aspect_mix = per_aspect.iter().map(|(a, by)| (a.clone(), share(by.values().sum(), rows.len()))).collect();
    let sentiment_by_aspect = per_aspect
        .iter()
        .map(|(a, by)| {
            let total = by.values().sum();
            (a.clone(), by.iter().map(|(p, n)| (p.clone(), share(*n, total))).collect())
        })
        .collect();
    let numeric = NUMERIC.iter().map(|(name, get)| (*name, summarize(rows.iter().map(get)))).collect();

    let mut counts = BTreeMap::new();
    for c in comments {
        count_words(&c.text, &mut counts);
    }
    let mut by_count: Vec<(String, u64)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let other_words = by_count.iter().skip(TOP_WORDS).map(|(_, n)| n).sum();
    by_count.truncate(TOP_WORDS);

    let metadata = model.metadata();
    Profile {
        format: PROFILE_FORMAT,
        model: metadata.name.clone(),
        feature_spec_hash: metadata.feature_spec.hash.clone(),
        data_hash: data_hash.to_owned(),
        comments: comments.len(),
        rows: rows.len(),
        columns: column_kinds(),
        aspect_mix,
        sentiment_by_aspect,
        numeric,
        word_counts: by_count.into_iter().collect(),
        other_words,
    }
}

fn summarize(values: impl Iterator<Item = Option<f64>>) -> NumericSummary {
    let all: Vec<Option<f64>> = values.collect();
    let mut present: Vec<f64> = all.iter().flatten().copied().filter(|v| !v.is_nan()).collect();
    present.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        if present.is_empty() {
            f64::NAN
        } else {
            // numpy's default (linear) quantile.
            let pos = q * (present.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            present[lo] + (present[hi] - present[lo]) * (pos - lo as f64)
        }
    };
    NumericSummary {
        count: present.len(),
        missing: all.len() - present.len(),
        mean: present.iter().sum::<f64>() / present.len().max(1) as f64,
        min: present.first().copied().unwrap_or(f64::NAN),
        p50: quantile(0.5),
        p95: quantile(0.95),
        max: present.last().copied().unwrap_or(f64::NAN),
    }
}
