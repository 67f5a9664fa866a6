//! The reference profile: what the monitor compares every batch with.
//! Documented in docs/reference-profile.md. Training writes it; the
//! monitor reads it.
//!
//! - `reference.parquet`: the prediction table of the held-out test
//!   comments, scored by the trained model exactly as the transform step
//!   scores a batch;
//! - `profile.json` ([`Profile`]): column kinds, the sentiment mix per
//!   aspect, the aspect mix, numeric summaries, and the word counts of the
//!   held-out comments (for vocabulary drift).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::predictions::{ID_COLUMNS, PROBABILITY_COLUMNS, PredictionRow};

/// The profile format; bumped on any incompatible change.
pub const PROFILE_FORMAT: &str = "absa-drift-reference-profile/2";
/// Word counts kept for vocabulary drift; the rest are summed as `other`.
const TOP_WORDS: usize = 5000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub format: String,
    pub model: String,
    pub feature_spec_hash: String,
    pub data_hash: String,
    pub comments: usize,
    pub rows: usize,
    /// Column → `id`, `categorical`, `numerical` or `probability`.
    pub columns: BTreeMap<String, String>,
    /// Share of rows per aspect (`none` for comments without one).
    pub aspect_mix: BTreeMap<String, f64>,
    /// Aspect → polarity → share of that aspect's rows.
    pub sentiment_by_aspect: BTreeMap<String, BTreeMap<String, f64>>,
    pub numeric: BTreeMap<String, NumericSummary>,
    /// The most frequent words of the held-out comments, and the count of
    /// all the others.
    pub word_counts: BTreeMap<String, u64>,
    pub other_words: u64,
    /// The languages (ISO 639-3) the model was trained on; the monitor
    /// counts comments in any other.
    pub trained_languages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSummary {
    pub count: usize,
    pub missing: usize,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

/// Column kinds as the monitor tests them.
pub fn column_kinds() -> BTreeMap<String, String> {
    let mut kinds = BTreeMap::new();
    for id in ID_COLUMNS {
        kinds.insert(id.to_owned(), "id".to_owned());
    }
    for cat in CATEGORICAL {
        kinds.insert(cat.to_owned(), "categorical".to_owned());
    }
    for num in NUMERIC {
        kinds.insert(num.0.to_owned(), "numerical".to_owned());
    }
    for p in PROBABILITY_COLUMNS {
        kinds.insert(p.to_owned(), "probability".to_owned());
    }
    kinds
}

/// The categorical columns of the table.
pub const CATEGORICAL: [&str; 5] = ["aspect", "sentiment", "comment_sentiment", "language", "is_reply"];

pub type Numeric = (&'static str, fn(&PredictionRow) -> Option<f64>);
/// The numerical columns of the table and how to read them from a row.
pub const NUMERIC: [Numeric; 8] = [
    ("confidence", |r| r.confidence),
    ("comment_confidence", |r| Some(r.comment_confidence)),
    ("text_length", |r| Some(r.text_length as f64)),
    ("word_count", |r| Some(r.word_count as f64)),
    ("emoji_count", |r| Some(r.emoji_count as f64)),
    ("unseen_word_share", |r| r.unseen_word_share),
    ("digg_count", |r| Some(r.digg_count as f64)),
    ("reply_count", |r| Some(r.reply_count as f64)),
];

/// The profile of reference `rows`, whose comments' words are `word_counts`.
pub fn build(
    model: &str,
    trained_languages: &[&str],
    feature_spec_hash: &str,
    data_hash: &str,
    comments: usize,
    rows: &[PredictionRow],
    word_counts: BTreeMap<String, u64>,
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
    let numeric = NUMERIC.iter().map(|(name, get)| ((*name).to_owned(), summarize(rows.iter().map(get)))).collect();
    let mut by_count: Vec<(String, u64)> = word_counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let other_words = by_count.iter().skip(TOP_WORDS).map(|(_, n)| n).sum();
    by_count.truncate(TOP_WORDS);
    Profile {
        format: PROFILE_FORMAT.to_owned(),
        model: model.to_owned(),
        feature_spec_hash: feature_spec_hash.to_owned(),
        data_hash: data_hash.to_owned(),
        comments,
        rows: rows.len(),
        columns: column_kinds(),
        aspect_mix,
        sentiment_by_aspect,
        numeric,
        word_counts: by_count.into_iter().collect(),
        other_words,
        trained_languages: trained_languages.iter().map(|l| (*l).to_owned()).collect(),
    }
}

fn summarize(values: impl Iterator<Item = Option<f64>>) -> NumericSummary {
    let all: Vec<Option<f64>> = values.collect();
    let mut present: Vec<f64> = all.iter().flatten().copied().filter(|v| !v.is_nan()).collect();
    present.sort_by(f64::total_cmp);
    // numpy's default (linear) quantile.
    let quantile = |q: f64| {
        let pos = q * (present.len().checked_sub(1)?) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        Some(present[lo] + (present[hi] - present[lo]) * (pos - lo as f64))
    };
    NumericSummary {
        count: present.len(),
        missing: all.len() - present.len(),
        mean: (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64),
        min: present.first().copied(),
        p50: quantile(0.5),
        p95: quantile(0.95),
        max: present.last().copied(),
    }
}
