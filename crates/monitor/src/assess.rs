//! The assessment: a batch against its reference, without any I/O. Data
//! drift per column, prediction drift per aspect, text drift, data-quality
//! constraints, and the severity they add up to.

use std::collections::{BTreeMap, BTreeSet};

use drift_core::{
    CategoricalSample, CategoricalSampleBuilder, Category, ColumnInput, ColumnType, DriftError, DriftOptions,
    DriftReport, NumericSampleBuilder, Sample, StatTest, column_drift, dataset_drift,
};
use pipeline_events::{BatchHour, Counts, Severity, TransformOutput};
use tables::profile::{CATEGORICAL, NUMERIC, Profile};
use tables::{NO_ASPECT, PredictionRow, UNDETERMINED_LANGUAGE};

use crate::report::{ConstraintSeverity, ConstraintViolation, LanguageMix, MonitorReport, PredictionDrift, TextDrift};

pub const MIN_ASPECT_ROWS: usize = 50;
/// The smallest Jensen-Shannon distance that is an aspect's sentiment
/// drift. The shipping complaints of the aspect_mix scenario move their
/// aspect by 0.22–0.29.
pub const ASPECT_SENTIMENT_THRESHOLD: f64 = 0.15;
/// The chance, per hour, that sampling noise alone makes some aspect's
/// sentiment drift.
const ASPECT_FAMILY_ALPHA: f64 = 0.001;

/// The JS distance above which an aspect's sentiment drifts, for `current`
/// rows of it in the batch against `reference` rows in the profile, when
/// `tested` aspects are tested in the hour.
///
/// Sampling alone moves a mix of n rows by a JS divergence of about
/// χ²(k−1) · (1/n + 1/m) / 8. The threshold is that distance at χ²(2)'s
/// 1 − 0.001/`tested` quantile (−2 ln α for two degrees of freedom: a
/// Bonferroni correction, so more aspects do not mean more false alarms),
/// never below [`ASPECT_SENTIMENT_THRESHOLD`]. A rare aspect with 55 rows
/// against 200 then needs 0.20, not 0.15: a bundled hour had customer
/// service at 0.155 from noise alone.
pub fn aspect_sentiment_threshold(current: usize, reference: usize, tested: usize) -> f64 {
    let quantile = -2.0 * (ASPECT_FAMILY_ALPHA / tested.max(1) as f64).ln();
    let noise = (quantile * (1.0 / current as f64 + 1.0 / reference as f64) / 8.0).sqrt();
    noise.max(ASPECT_SENTIMENT_THRESHOLD)
}
/// Calibrated on the bundled hours: hourly batches of 400 comments sit
/// at 0.13–0.17 against the bundled profile from sampling alone.
pub const VOCABULARY_WARNING: f64 = 0.22;
pub const VOCABULARY_ALARM: f64 = 0.3;
/// Quarantined share of extract's input rows that is a warning, an error.
pub const QUARANTINE_WARNING: f64 = 0.05;
pub const QUARANTINE_ERROR: f64 = 0.2;

/// What a batch is compared with: the reference rows and profile of the
/// batch's model, the batch's rows and its word counts.
pub struct Inputs {
    pub reference: Vec<PredictionRow>,
    pub profile: Profile,
    pub current: Vec<PredictionRow>,
    pub words: BTreeMap<String, u64>,
}

fn sample(rows: &[PredictionRow], column: &str) -> (ColumnType, Sample) {
    if let Some((_, get)) = NUMERIC.iter().find(|(n, _)| *n == column) {
        let integer = !matches!(column, "confidence" | "comment_confidence" | "unseen_word_share");
        let mut b = NumericSampleBuilder::new(integer);
        for v in rows.iter().filter_map(get) {
            b.push(v);
        }
        return (ColumnType::Numerical, Sample::Numeric(b.finish()));
    }
    let mut b = CategoricalSampleBuilder::default();
    for r in rows {
        match column {
            "aspect" => b.push_text(&r.aspect),
            "sentiment" => b.push_text(&r.sentiment),
            "comment_sentiment" => b.push_text(&r.comment_sentiment),
            "language" => b.push_text(&r.language),
            "is_reply" => b.push_bool(r.is_reply),
            other => unreachable!("'{other}' is not a monitored column"),
        }
    }
    (ColumnType::Categorical, Sample::Categorical(b.finish()))
}

fn shares(rows: &[&PredictionRow]) -> BTreeMap<String, f64> {
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.sentiment.clone()).or_default() += 1.0;
    }
    counts.values_mut().for_each(|v| *v /= rows.len().max(1) as f64);
    counts
}

fn mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The report on `batch` (labelled with `hour`) from its inputs.
///
/// Its severity ([`Severity`]) follows these rules, in order (the first
/// that holds wins):
///
/// - **alarm**: the dataset drifts (share of drifted columns ≥ the drift
///   share, 0.5 by default); or the predictions drift: the `sentiment` or
///   `aspect` column, or the sentiment of an aspect with at least
///   [`MIN_ASPECT_ROWS`] rows in the batch (Jensen-Shannon distance ≥
///   [`aspect_sentiment_threshold`]); or the vocabulary's JS distance
///   is ≥ [`VOCABULARY_ALARM`]; or an `error` constraint is violated.
/// - **warning**: any column drifts; or the vocabulary's JS distance is ≥
///   [`VOCABULARY_WARNING`]; or a `warning` constraint is violated.
/// - **ok**: none of these.
pub fn assess(
    batch: &TransformOutput,
    hour: BatchHour,
    inputs: &Inputs,
    options: &DriftOptions,
) -> Result<MonitorReport, DriftError> {
    let Inputs { reference, profile, current, words } = inputs;
    // Data drift over every monitored column.
    let columns: Vec<&str> = NUMERIC.iter().map(|(n, _)| *n).chain(CATEGORICAL).collect();
    let inputs = columns.iter().map(|c| {
        let (column_type, reference) = sample(reference, c);
        let (_, current) = sample(current, c);
        ColumnInput { name: (*c).to_owned(), column_type, reference, current }
    });
    let data_drift = dataset_drift(inputs, options)?;

    // Prediction drift: the sentiment mix of each aspect.
    let mut sentiment_by_aspect = BTreeMap::new();
    let mut current_shares = BTreeMap::new();
    let mut testable = Vec::new();
    for aspect in profile.sentiment_by_aspect.keys().filter(|a| *a != NO_ASPECT) {
        let of = |rows: &[PredictionRow]| -> Vec<PredictionRow> {
            rows.iter().filter(|r| &r.aspect == aspect).cloned().collect()
        };
        let (ref_rows, cur_rows) = (of(reference), of(current));
        current_shares.insert(aspect.clone(), shares(&cur_rows.iter().collect::<Vec<_>>()));
        if cur_rows.len() >= MIN_ASPECT_ROWS && !ref_rows.is_empty() {
            testable.push((aspect, ref_rows, cur_rows));
        }
    }
    let tested = testable.len();
    for (aspect, ref_rows, cur_rows) in testable {
        let (t, r) = sample(&ref_rows, "sentiment");
        let (_, c) = sample(&cur_rows, "sentiment");
        let name = format!("sentiment[{aspect}]");
        // A distance, not a p-value: with ~100 rows per aspect and hour, a
        // chi-square flags sampling noise in one hour out of three.
        let options = DriftOptions {
            stattest: Some(StatTest::JensenShannon),
            stattest_threshold: Some(aspect_sentiment_threshold(cur_rows.len(), ref_rows.len(), tested)),
            ..DriftOptions::default()
        };
        if let Ok(d) = column_drift(&name, t, &r, &c, &options) {
            sentiment_by_aspect.insert(aspect.clone(), d);
        }
    }
    let prediction_drift = PredictionDrift {
        sentiment_by_aspect,
        current_sentiment_by_aspect: current_shares,
        reference_sentiment_by_aspect: profile.sentiment_by_aspect.clone(),
    };

    // Text drift: the batch's words against the held-out comments'.
    // Words outside the reference's top list share one bin, on both sides.
    const OTHER: &str = "\u{0}other";
    let (mut current_words, mut new_words, mut other) = (Vec::new(), Vec::new(), 0);
    for (w, n) in words {
        if profile.word_counts.contains_key(w) {
            current_words.push((Category::Text(w.clone()), *n));
        } else {
            other += n;
            new_words.push((w.clone(), *n));
        }
    }
    current_words.push((Category::Text(OTHER.into()), other));
    let reference_words = profile
        .word_counts
        .iter()
        .map(|(w, n)| (Category::Text(w.clone()), *n))
        .chain([(Category::Text(OTHER.into()), profile.other_words)]);
    let vocabulary = column_drift(
        "vocabulary",
        ColumnType::Categorical,
        &Sample::Categorical(CategoricalSample::from_counts(reference_words)),
        &Sample::Categorical(CategoricalSample::from_counts(current_words)),
        &DriftOptions { stattest: Some(StatTest::JensenShannon), ..DriftOptions::default() },
    )
    .map_err(drift_core::DriftError::from)?;
    new_words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    new_words.truncate(20);
    let text_drift = TextDrift {
        vocabulary,
        unseen_word_share_reference: mean(reference.iter().map(|r| r.unseen_word_share)),
        unseen_word_share_current: mean(current.iter().map(|r| r.unseen_word_share)),
        new_words,
    };

    let constraint_violations = constraints(profile, reference, current, &batch.extract_counts);
    let (severity, severity_reasons) = severity(&data_drift, &prediction_drift, &text_drift, &constraint_violations);

    Ok(MonitorReport {
        batch_id: batch.batch_id.clone(),
        dt: hour.dt(),
        hour: hour.hour(),
        stream: batch.ingestion.stream.clone(),
        first_comment: batch.ingestion.first_comment.clone(),
        last_comment: batch.ingestion.last_comment.clone(),
        model: batch.model.clone(),
        model_version: batch.model_version,
        reference_rows: reference.len(),
        current_rows: current.len(),
        severity,
        severity_reasons,
        data_drift,
        prediction_drift,
        text_drift,
        constraint_violations,
        languages: language_mix(profile, current),
        extract_counts: batch.extract_counts,
    })
}

/// Comments (not rows: a comment with two aspects has two) per language.
fn language_mix(profile: &Profile, current: &[PredictionRow]) -> LanguageMix {
    let mut seen = BTreeSet::new();
    let mut comments: BTreeMap<String, usize> = BTreeMap::new();
    for r in current.iter().filter(|r| seen.insert(r.comment_id)) {
        *comments.entry(r.language.clone()).or_default() += 1;
    }
    let untrained_comments = comments
        .iter()
        .filter(|(l, _)| *l != UNDETERMINED_LANGUAGE && !profile.trained_languages.contains(l))
        .map(|(_, n)| n)
        .sum();
    LanguageMix { comments, trained_languages: profile.trained_languages.clone(), untrained_comments }
}

fn constraints(
    profile: &Profile,
    reference: &[PredictionRow],
    current: &[PredictionRow],
    counts: &Counts,
) -> Vec<ConstraintViolation> {
    let mut out = Vec::new();
    let mut violation = |check: &str, feature: &str, description: String, severity: ConstraintSeverity| {
        out.push(ConstraintViolation {
            constraint_check_type: check.to_owned(),
            feature_name: feature.to_owned(),
            description,
            severity,
        })
    };
    // Categories the reference never had.
    for (column, get) in [
        ("aspect", (|r: &PredictionRow| r.aspect.clone()) as fn(&PredictionRow) -> String),
        ("sentiment", |r| r.sentiment.clone()),
        ("comment_sentiment", |r| r.comment_sentiment.clone()),
    ] {
        let known: BTreeSet<String> = reference.iter().map(get).collect();
        let new: BTreeSet<String> = current.iter().map(get).filter(|v| !known.contains(v)).collect();
        if !new.is_empty() {
            violation(
                "categorical_values_check",
                column,
                format!("values not in the reference: {new:?}"),
                ConstraintSeverity::Warning,
            );
        }
    }
    // Completeness: a column far emptier than in the reference.
    for (name, get) in NUMERIC {
        let present =
            |rows: &[PredictionRow]| rows.iter().filter(|r| get(r).is_some()).count() as f64 / rows.len().max(1) as f64;
        let (r, c) = (present(reference), present(current));
        if c < r - 0.1 {
            violation(
                "completeness_check",
                name,
                format!("{:.1} % present, reference {:.1} %", c * 100.0, r * 100.0),
                ConstraintSeverity::Warning,
            );
        }
    }
    // Rows extract had to quarantine.
    if counts.input_rows > 0 {
        let share = counts.quarantined_rows as f64 / counts.input_rows as f64;
        let level = if share >= QUARANTINE_ERROR {
            Some(ConstraintSeverity::Error)
        } else if share >= QUARANTINE_WARNING {
            Some(ConstraintSeverity::Warning)
        } else {
            None
        };
        if let Some(level) = level {
            violation(
                "quarantine_check",
                "*",
                format!("{:.1} % of the input rows were quarantined", share * 100.0),
                level,
            );
        }
    }
    // Columns the profile expects.
    let expected: BTreeSet<&String> = profile.columns.keys().collect();
    let schema = tables::predictions::schema();
    let actual: BTreeSet<&String> = schema.fields().iter().map(|f| f.name()).collect();
    for missing in expected.difference(&actual) {
        violation(
            "missing_column_check",
            missing,
            "in the reference profile but not in the batch".into(),
            ConstraintSeverity::Error,
        );
    }
    for extra in actual.difference(&expected) {
        violation(
            "extra_column_check",
            extra,
            "in the batch but not in the reference profile".into(),
            ConstraintSeverity::Warning,
        );
    }
    out
}

fn severity(
    data: &DriftReport,
    predictions: &PredictionDrift,
    text: &TextDrift,
    violations: &[ConstraintViolation],
) -> (Severity, Vec<String>) {
    let mut alarms = Vec::new();
    let mut warnings = Vec::new();
    if data.dataset_drift {
        alarms.push(format!(
            "{} of {} columns drifted (share >= {})",
            data.number_of_drifted_columns, data.number_of_columns, data.drift_share
        ));
    }
    for (name, d) in &data.columns {
        if d.drift_detected {
            let reason = format!("{name} drifted ({} {:.3})", d.stattest.name(), d.drift_score);
            if name == "sentiment" || name == "aspect" { alarms.push(reason) } else { warnings.push(reason) }
        }
    }
    for (aspect, d) in &predictions.sentiment_by_aspect {
        if d.drift_detected {
            alarms.push(format!("sentiment about {aspect} drifted ({} {:.3})", d.stattest.name(), d.drift_score));
        }
    }
    let js = text.vocabulary.drift_score;
    if js >= VOCABULARY_ALARM {
        alarms.push(format!("vocabulary drifted (JS distance {js:.3})"));
    } else if js >= VOCABULARY_WARNING {
        warnings.push(format!("vocabulary shifting (JS distance {js:.3})"));
    }
    for v in violations {
        let reason = format!("{} on {}: {}", v.constraint_check_type, v.feature_name, v.description);
        match v.severity {
            ConstraintSeverity::Error => alarms.push(reason),
            ConstraintSeverity::Warning => warnings.push(reason),
        }
    }
    if !alarms.is_empty() {
        alarms.extend(warnings);
        (Severity::Alarm, alarms)
    } else if !warnings.is_empty() {
        (Severity::Warning, warnings)
    } else {
        (Severity::Ok, vec![])
    }
}
