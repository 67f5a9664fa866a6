//! The assessment: a batch against its reference, without any I/O. Data
//! drift per column, prediction drift per aspect, text drift, data-quality
//! constraints, and the severity they add up to.

use std::collections::{BTreeMap, BTreeSet};

use drift_core::{
    CategoricalSample, CategoricalSampleBuilder, Category, ColumnInput, ColumnType, DriftError, DriftOptions,
    DriftReport, NumericSampleBuilder, Sample, StatTest, column_drift, dataset_drift, default_stattest,
};
use pipeline_events::{BatchHour, Counts, Severity, TransformOutput};
use tables::profile::{CATEGORICAL, NUMERIC, Profile};
use tables::{NO_ASPECT, PredictionRow, UNDETERMINED_LANGUAGE};

use crate::quality::{self, Quality};
use crate::report::{
    ConstraintSeverity, ConstraintViolation, InsufficientData, LanguageMix, MonitorReport, PredictionDrift, TextDrift,
};
use crate::significance::{self, FALSE_DISCOVERY_RATE, Significance};
use tables::labels::Label;

pub const MIN_ASPECT_ROWS: usize = 50;

/// Like and reply counts are heavy-tailed (most comments get none, a few
/// thousands): a Wasserstein distance, normed by the reference's spread, is
/// decided by the largest count of the hour, and an hour with one count
/// above the reference's largest (about one in eight, at 400 comments
/// against 3 000) drifted. They are tested with K-S, a rank test, at any
/// reference size, unless a test is configured for them.
pub const HEAVY_TAILED: [&str; 2] = ["digg_count", "reply_count"];
/// `options` with K-S for the [`HEAVY_TAILED`] columns unless configured.
fn with_heavy_tails(options: &DriftOptions) -> DriftOptions {
    let mut options = options.clone();
    for c in HEAVY_TAILED {
        options.per_column_stattest.entry(c.to_owned()).or_insert(StatTest::Ks);
    }
    options
}

/// A column's test and threshold: as configured, else Evidently's choice.
fn column_test(
    options: &DriftOptions,
    column: &str,
    column_type: ColumnType,
    reference: &Sample,
    current: &Sample,
) -> (StatTest, f64) {
    let test =
        options.stattest_for(column, column_type).unwrap_or_else(|| default_stattest(column_type, reference, current));
    (test, options.threshold_for(column, column_type).unwrap_or_else(|| test.default_threshold()))
}

/// What a baseline suggests for one column, after SageMaker Model
/// Monitor's `constraints.json`: its completeness, range or domain, and the
/// test the monitor will run against it with the rows a batch needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SuggestedConstraint {
    pub column_type: ColumnType,
    /// Share of rows with a value.
    pub completeness: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The categories seen (categorical columns).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domain: Vec<String>,
    pub stattest: String,
    pub stattest_threshold: f64,
    pub rows_needed: usize,
}

/// The suggested constraints of every monitored column of `rows` (a
/// reference), with the monitor's `options`.
pub fn suggested_constraints(rows: &[PredictionRow], options: &DriftOptions) -> BTreeMap<String, SuggestedConstraint> {
    let options = with_heavy_tails(options);
    let columns = NUMERIC.iter().map(|(n, _)| *n).chain(CATEGORICAL);
    columns
        .map(|c| {
            let (column_type, sample) = sample(rows, c);
            // Evidently picks by the reference's size and both sides' values:
            // the reference stands in for the batch here.
            let (test, threshold) = column_test(&options, c, column_type, &sample, &sample);
            let (min, max, domain) = match &sample {
                Sample::Numeric(n) if !n.is_empty() => (Some(n.min()), Some(n.max()), vec![]),
                Sample::Numeric(_) => (None, None, vec![]),
                Sample::Categorical(cats) => {
                    let domain = cats
                        .counts()
                        .keys()
                        .map(|k| match k {
                            Category::Text(t) => t.clone(),
                            Category::Number(x) => x.to_string(),
                        })
                        .collect();
                    (None, None, domain)
                }
            };
            let constraint = SuggestedConstraint {
                column_type,
                completeness: sample.len() as f64 / rows.len().max(1) as f64,
                min,
                max,
                domain,
                stattest: test.name().to_owned(),
                stattest_threshold: threshold,
                rows_needed: rows_needed(test, sample.n_unique(), threshold),
            };
            (c.to_owned(), constraint)
        })
        .collect()
}

/// The smallest Jensen-Shannon distance that is an aspect's sentiment
/// drift. The shipping complaints of the aspect_mix scenario move their
/// aspect by 0.22–0.29.
pub const ASPECT_SENTIMENT_THRESHOLD: f64 = 0.15;
/// The chance, per hour, that sampling noise alone makes some aspect's
/// sentiment drift.
const ASPECT_FAMILY_ALPHA: f64 = 0.001;

/// Words a batch needs for the vocabulary test: the bundled 400-comment
/// hours (about 3 600 words) sit at a JS distance of 0.13–0.17 from sampling
/// alone; the noise grows as 1/√words, so below 2 000 words it reaches
/// the warning threshold (0.22) by itself.
pub const VOCABULARY_MIN_WORDS: u64 = 2000;

/// χ²'s upper quantile: the x with `chi2_sf(x, df) = alpha`, by bisection.
fn chi2_quantile(alpha: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1000.0);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if drift_core::special::chi2_sf(mid, df) > alpha { lo = mid } else { hi = mid }
    }
    (lo + hi) / 2.0
}

/// The fewest current rows a drift test needs before its verdict means
/// something, from how far sampling noise alone moves it (docs/pipeline.md,
/// "Sample-size gates"); `categories` is the reference's distinct values.
///
/// - Jensen-Shannon distance: noise alone reaches the threshold t in 5 % of
///   batches at n = χ²₀.₉₅(k−1) / (8 t²) (the approximation of
///   [`aspect_sentiment_threshold`], reference ≫ batch): 98 rows for three
///   categories at 0.1, 212 for ten.
/// - Wasserstein distance (normed by the reference's deviation): about
///   1/√n from noise for light-tailed data, so n ≥ 1/t²: 100 rows at 0.1.
/// - Kolmogorov–Smirnov: its 5 % critical distance 1.36/√n is at most 0.3
///   (a third of the distribution moved) from 21 rows.
/// - χ² and Z on categories: Cochran's rule, five expected rows per
///   category if they were even: 5k.
/// - The others (PSI, KL divergence, Hellinger: never chosen by default):
///   as Jensen-Shannon.
pub fn rows_needed(test: StatTest, categories: usize, threshold: f64) -> usize {
    let k = categories.max(2) as f64;
    let rows = match test {
        StatTest::Wasserstein => 1.0 / (threshold * threshold),
        StatTest::Ks => (1.36f64 / 0.3).powi(2),
        StatTest::ChiSquare | StatTest::Z => 5.0 * k,
        StatTest::JensenShannon | StatTest::Psi | StatTest::KlDiv | StatTest::Hellinger => {
            chi2_quantile(0.05, k - 1.0) / (8.0 * threshold * threshold)
        }
    };
    rows.ceil() as usize
}

/// The reference rows a χ² test of `reference` against `current` needs by
/// Cochran's rule on their pooled shares: every category expected at least
/// once in the reference, and four in five at least five times. A small
/// reference (a baseline of a few dozen comments) that never saw a category
/// the batch has would otherwise make any batch "drift". `None` when every
/// category is in the reference.
fn cochran_rows(reference: &CategoricalSample, current: &CategoricalSample) -> Option<usize> {
    let total = (reference.len() + current.len()) as f64;
    let mut pooled: BTreeMap<&Category, u64> = BTreeMap::new();
    for (category, n) in reference.counts().iter().chain(current.counts()) {
        *pooled.entry(category).or_default() += n;
    }
    if pooled.keys().all(|c| reference.counts().contains_key(*c)) {
        return None;
    }
    let mut shares: Vec<f64> = pooled.values().map(|n| *n as f64 / total).collect();
    shares.sort_by(f64::total_cmp);
    let fifth = shares[shares.len() / 5];
    Some((1.0 / shares[0]).max(5.0 / fifth).ceil() as usize)
}

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
    /// What the reference is, in words, for the report.
    pub reference_source: String,
    pub profile: Profile,
    pub current: Vec<PredictionRow>,
    pub words: BTreeMap<String, u64>,
    /// Labels that came back for the batch (a random sample of it).
    pub labels: Vec<Label>,
}

fn sample<'a>(rows: impl IntoIterator<Item = &'a PredictionRow>, column: &str) -> (ColumnType, Sample) {
    if let Some((_, get)) = NUMERIC.iter().find(|(n, _)| *n == column) {
        let integer = !matches!(column, "confidence" | "comment_confidence" | "unseen_word_share");
        let mut b = NumericSampleBuilder::new(integer);
        for v in rows.into_iter().filter_map(get) {
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
///   `aspect` column (significantly, as below), or the sentiment of an
///   aspect with at least [`MIN_ASPECT_ROWS`] rows in the batch
///   (Jensen-Shannon distance ≥ [`aspect_sentiment_threshold`]); or the
///   vocabulary's JS distance is ≥ [`VOCABULARY_ALARM`]; or an `error`
///   constraint is violated.
/// - **alarm** too: the share of unseen words and the model's confidence
///   (aspect or comment level) both drift: text the model cannot read; or
///   the estimated quality at either level is below its band
///   ([`crate::quality`]).
/// - **warning**: any column drifts significantly ([`crate::significance`]:
///   Evidently flags it and it survives the false-discovery-rate control
///   across the hour's columns); or the vocabulary's JS distance is ≥
///   [`VOCABULARY_WARNING`]; or a `warning` constraint is violated.
/// - **ok**: none of these.
pub fn assess(
    batch: &TransformOutput,
    hour: BatchHour,
    inputs: &Inputs,
    options: &DriftOptions,
) -> Result<MonitorReport, DriftError> {
    let Inputs { reference, reference_source, profile, current, words, labels } = inputs;
    let mut insufficient_data = Vec::new();
    // Data drift over every monitored column with enough rows for its test.
    let columns: Vec<&str> = NUMERIC.iter().map(|(n, _)| *n).chain(CATEGORICAL).collect();
    let mut tested = Vec::new();
    let mut reference_samples = BTreeMap::new();
    let options = with_heavy_tails(options);
    for c in columns {
        let (column_type, reference) = sample(reference, c);
        let (_, current) = sample(current, c);
        let (test, threshold) = column_test(&options, c, column_type, &reference, &current);
        let needed = rows_needed(test, reference.n_unique(), threshold);
        let reference_needed = match (test, &reference, &current) {
            (StatTest::ChiSquare | StatTest::Z, Sample::Categorical(r), Sample::Categorical(c)) => {
                cochran_rows(r, c).filter(|n| reference.len() < *n)
            }
            _ => None,
        };
        if current.len() < needed {
            insufficient_data.push(InsufficientData { test: c.to_owned(), rows: current.len(), needed });
        } else if let Some(needed) = reference_needed {
            let test = format!("{c} (reference)");
            insufficient_data.push(InsufficientData { test, rows: reference.len(), needed });
        } else {
            reference_samples.insert(c.to_owned(), reference.clone());
            tested.push(ColumnInput { name: c.to_owned(), column_type, reference, current });
        }
    }
    let mut data_drift = dataset_drift(tested, &options)?;
    let comments = current.iter().map(|r| r.comment_id).collect::<BTreeSet<_>>().len();
    let significance = significance::assess(
        &data_drift.columns,
        reference,
        &reference_samples,
        comments,
        |rows, column| sample(rows.iter().copied(), column).1,
        seed_of(&batch.batch_id),
    );
    for i in &insufficient_data {
        let reason = format!("insufficient data: {} rows, its test needs {}", i.rows, i.needed);
        data_drift.skipped_columns.push((i.test.clone(), reason));
    }

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
        } else if !cur_rows.is_empty() {
            let test = format!("sentiment[{aspect}]");
            insufficient_data.push(InsufficientData { test, rows: cur_rows.len(), needed: MIN_ASPECT_ROWS });
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
    let mut vocabulary = column_drift(
        "vocabulary",
        ColumnType::Categorical,
        &Sample::Categorical(CategoricalSample::from_counts(reference_words)),
        &Sample::Categorical(CategoricalSample::from_counts(current_words)),
        &DriftOptions { stattest: Some(StatTest::JensenShannon), ..DriftOptions::default() },
    )
    .map_err(drift_core::DriftError::from)?;
    let batch_words: u64 = words.values().sum();
    let vocabulary_tested = batch_words >= VOCABULARY_MIN_WORDS;
    if !vocabulary_tested {
        vocabulary.drift_detected = false;
        insufficient_data.push(InsufficientData {
            test: "vocabulary".into(),
            rows: batch_words as usize,
            needed: VOCABULARY_MIN_WORDS as usize,
        });
    }
    new_words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    new_words.truncate(20);
    let text_drift = TextDrift {
        vocabulary,
        unseen_word_share_reference: mean(reference.iter().map(|r| r.unseen_word_share)),
        unseen_word_share_current: mean(current.iter().map(|r| r.unseen_word_share)),
        new_words,
    };

    let constraint_violations = constraints(profile, reference, current, &batch.extract_counts);
    let quality = quality::assess(reference, current, labels, seed_of(&batch.batch_id));
    // Too few predictions for the estimate to alarm (quality::enough).
    for (level, q) in &quality {
        let test = format!("quality[{level}]");
        if q.predictions < quality::MIN_BATCH_PREDICTIONS {
            let needed = quality::MIN_BATCH_PREDICTIONS;
            insufficient_data.push(InsufficientData { test, rows: q.predictions, needed });
        } else if q.reference_predictions < quality::MIN_REFERENCE_PREDICTIONS {
            let (rows, needed) = (q.reference_predictions, quality::MIN_REFERENCE_PREDICTIONS);
            insufficient_data.push(InsufficientData { test: format!("{test} (reference)"), rows, needed });
        }
    }
    let findings = Findings {
        data: &data_drift,
        significance: &significance,
        predictions: &prediction_drift,
        text: &text_drift,
        vocabulary_tested,
        violations: &constraint_violations,
        quality: &quality,
    };
    let (severity, severity_reasons) = severity(&findings);

    Ok(MonitorReport {
        batch_id: batch.batch_id.clone(),
        dt: hour.dt(),
        hour: hour.hour(),
        stream: batch.ingestion.stream.clone(),
        first_comment: batch.ingestion.first_comment.clone(),
        last_comment: batch.ingestion.last_comment.clone(),
        model: batch.model.clone(),
        model_version: batch.model_version,
        reference: reference_source.clone(),
        reference_rows: reference.len(),
        current_rows: current.len(),
        severity,
        severity_reasons,
        data_drift,
        false_discovery_rate: FALSE_DISCOVERY_RATE,
        significance,
        prediction_drift,
        text_drift,
        constraint_violations,
        quality,
        languages: language_mix(profile, current),
        insufficient_data,
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

/// A batch's own resampling seed: the same batch monitored again gets the
/// same p-values (FNV-1a of its id).
pub(crate) fn seed_of(batch_id: &str) -> u64 {
    batch_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Columns whose drift tells the model is reading words it does not know:
/// more unseen words, and the model less sure of itself.
const UNKNOWN_WORDS: &str = "unseen_word_share";
const MODEL_CERTAINTY: [&str; 2] = ["confidence", "comment_confidence"];

/// What the severity is decided from.
struct Findings<'a> {
    data: &'a DriftReport,
    significance: &'a BTreeMap<String, Significance>,
    predictions: &'a PredictionDrift,
    text: &'a TextDrift,
    vocabulary_tested: bool,
    violations: &'a [ConstraintViolation],
    quality: &'a Quality,
}

fn severity(findings: &Findings) -> (Severity, Vec<String>) {
    let Findings { data, significance, predictions, text, vocabulary_tested, violations, quality } = *findings;
    let mut alarms = Vec::new();
    let mut warnings = Vec::new();
    if data.dataset_drift {
        alarms.push(format!(
            "{} of {} columns drifted (share >= {})",
            data.number_of_drifted_columns, data.number_of_columns, data.drift_share
        ));
    }
    let drifted = |name: &str| significance::drifted(significance, name);
    for (name, d) in data.columns.iter().filter(|(name, _)| drifted(name)) {
        let p = significance[name].p_value;
        let reason = format!("{name} drifted ({} {:.3}, p {p:.3})", d.stattest.name(), d.drift_score);
        if name == "sentiment" || name == "aspect" { alarms.push(reason) } else { warnings.push(reason) }
    }
    if drifted(UNKNOWN_WORDS) && MODEL_CERTAINTY.iter().any(|c| drifted(c)) {
        alarms.push("the model reads words it does not know: unseen words and its confidence drifted".into());
    }
    for (aspect, d) in &predictions.sentiment_by_aspect {
        if d.drift_detected {
            alarms.push(format!("sentiment about {aspect} drifted ({} {:.3})", d.stattest.name(), d.drift_score));
        }
    }
    for (level, q) in quality.iter().filter(|(_, q)| q.below_band) {
        alarms.push(format!(
            "estimated {level}-level macro-F1 {:.3} is below its band ({:.3}-{:.3})",
            q.estimated.macro_f1, q.band[0], q.band[1]
        ));
    }
    let js = text.vocabulary.drift_score;
    if !vocabulary_tested {
        // Too few words: the distance is mostly noise (VOCABULARY_MIN_WORDS).
    } else if js >= VOCABULARY_ALARM {
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
