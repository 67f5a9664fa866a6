//! Pipeline step 3, **monitor**: compares a scored batch (transform's
//! prediction table) with the model's reference profile and decides how
//! worried to be.
//!
//! - data drift: every monitored column with drift-core (Evidently's tests
//!   and thresholds, chosen automatically unless configured);
//! - prediction drift: the sentiment mix per aspect, and the aspect mix;
//! - text drift: the vocabulary's Jensen-Shannon distance to the held-out
//!   comments', and the share of words unseen in training;
//! - data quality: constraint violations in the manner of SageMaker Model
//!   Monitor's `constraint_violations.json`;
//! - a severity (`ok`, `warning`, `alarm`) by the rules in [`Severity`].
//!
//! Writes the report as JSON and as a self-contained HTML page, a line to
//! the drift history, and returns a small verdict; [`emf_lines`] gives the
//! CloudWatch metrics.

mod emf;
mod html;

use std::collections::{BTreeMap, BTreeSet};

use drift_core::{
    CategoricalSample, CategoricalSampleBuilder, Category, ColumnDrift, ColumnInput, ColumnType, DriftOptions,
    DriftReport, NumericSampleBuilder, Sample, StatTest, column_drift, dataset_drift,
};
use extract::Counts;
use pipeline_store::{ModelRegistry, ObjectStore, RegistryError, StoreError};
use prediction_table::profile::{CATEGORICAL, NUMERIC, Profile};
use prediction_table::{NO_ASPECT, PredictionRow};
use serde::{Deserialize, Serialize};
use transform::TransformOutput;

pub use emf::{MetricDetail, NAMESPACE, emf_lines};

/// How worried to be. The rules, in order (the first that holds wins):
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Alarm,
}

pub const MIN_ASPECT_ROWS: usize = 50;
/// The smallest Jensen-Shannon distance that is an aspect's sentiment
/// drift. The shipping complaints of the aspect_mix scenario move their
/// aspect by 0.22–0.29.
pub const ASPECT_SENTIMENT_THRESHOLD: f64 = 0.15;
/// χ² with 2 degrees of freedom (three sentiments) at its 99.9th percentile.
const CHI2_2DF_999: f64 = 13.815_510_557_964_274;

/// The JS distance above which an aspect's sentiment drifts, for `current`
/// rows of it in the batch against `reference` rows in the profile.
///
/// Sampling alone moves a mix of n rows by a JS divergence of about
/// χ²(k−1) · (1/n + 1/m) / 8, so the threshold is the 99.9th percentile of
/// that distance, never below [`ASPECT_SENTIMENT_THRESHOLD`]. A rare aspect
/// with 55 rows against 200 then needs 0.20, not 0.15: the bundled hour 8
/// had customer service at 0.155 from noise alone.
pub fn aspect_sentiment_threshold(current: usize, reference: usize) -> f64 {
    let noise = (CHI2_2DF_999 * (1.0 / current as f64 + 1.0 / reference as f64) / 8.0).sqrt();
    noise.max(ASPECT_SENTIMENT_THRESHOLD)
}
/// Calibrated on the bundled hours: hourly batches of 400 comments sit
/// at 0.13–0.17 against the bundled profile from sampling alone.
pub const VOCABULARY_WARNING: f64 = 0.22;
pub const VOCABULARY_ALARM: f64 = 0.3;
/// Quarantined share of extract's input rows that is a warning, an error.
pub const QUARANTINE_WARNING: f64 = 0.05;
pub const QUARANTINE_ERROR: f64 = 0.2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintViolation {
    pub constraint_check_type: String,
    pub feature_name: String,
    pub description: String,
    /// `warning` or `error`.
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextDrift {
    /// drift-core's Jensen-Shannon distance between word distributions.
    pub vocabulary: ColumnDrift,
    pub unseen_word_share_reference: Option<f64>,
    pub unseen_word_share_current: Option<f64>,
    /// The most frequent words of the batch that the reference never used.
    pub new_words: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionDrift {
    /// Aspect → drift of its sentiment mix (aspects with enough rows).
    pub sentiment_by_aspect: BTreeMap<String, ColumnDrift>,
    /// Aspect → current sentiment shares.
    pub current_sentiment_by_aspect: BTreeMap<String, BTreeMap<String, f64>>,
    pub reference_sentiment_by_aspect: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The report, as written to `reports/…/<batch>.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorReport {
    pub batch_id: String,
    pub dt: String,
    pub hour: String,
    pub model: String,
    pub model_version: u32,
    pub reference_rows: usize,
    pub current_rows: usize,
    pub severity: Severity,
    pub severity_reasons: Vec<String>,
    /// Per-column results with Evidently's `DataDriftTable` field names.
    pub data_drift: DriftReport,
    pub prediction_drift: PredictionDrift,
    pub text_drift: TextDrift,
    pub constraint_violations: Vec<ConstraintViolation>,
    /// extract's counts, as transform passed them on.
    pub extract_counts: Counts,
}

/// What the workflow branches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub batch_id: String,
    pub dt: String,
    pub hour: String,
    pub drift_detected: bool,
    pub severity: Severity,
    pub share_of_drifted_columns: f64,
    pub drifted_columns: Vec<String>,
    pub report_key: String,
    pub html_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{key}: {message}")]
    Read { key: String, message: String },
    #[error("the batch has no prediction partition")]
    Empty,
    #[error("drift: {0}")]
    Drift(#[from] drift_core::DriftError),
}

/// The monitor, with the data-drift options (Evidently's defaults unless set).
#[derive(Default)]
pub struct Monitor {
    pub options: DriftOptions,
}

fn sample(rows: &[PredictionRow], column: &str) -> (ColumnType, Sample) {
    if let Some((_, get)) = NUMERIC.iter().find(|(n, _)| *n == column) {
        let integer = !matches!(column, "confidence" | "unseen_word_share");
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

impl Monitor {
    /// Compares the batch in `store` with the reference profile of its
    /// model in `models` (the model registry's store; the same store will do).
    pub async fn run<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        input: &TransformOutput,
    ) -> Result<(MonitorReport, Verdict), MonitorError> {
        let first = input.partitions.first().ok_or(MonitorError::Empty)?;
        let registry = ModelRegistry::new(models);
        let read_err = |key: String| move |message: String| MonitorError::Read { key, message };
        let reference_key = format!("models/{}/{}/reference.parquet", input.model, input.model_version);
        let reference = prediction_table::from_parquet(
            &registry.file(&input.model, input.model_version, "reference.parquet").await?,
        )
        .map_err(|e| read_err(reference_key)(e.to_string()))?;
        let profile_key = format!("models/{}/{}/profile.json", input.model, input.model_version);
        let profile: Profile =
            serde_json::from_slice(&registry.file(&input.model, input.model_version, "profile.json").await?)
                .map_err(|e| read_err(profile_key)(e.to_string()))?;
        let mut current = Vec::new();
        for p in &input.partitions {
            current.extend(
                prediction_table::from_parquet(&store.get(&p.key).await?)
                    .map_err(|e| read_err(p.key.clone())(e.to_string()))?,
            );
        }
        let words: BTreeMap<String, u64> = serde_json::from_slice(&store.get(&input.words_key).await?)
            .map_err(|e| read_err(input.words_key.clone())(e.to_string()))?;

        // Data drift over every monitored column.
        let columns: Vec<&str> = NUMERIC.iter().map(|(n, _)| *n).chain(CATEGORICAL).collect();
        let inputs = columns.iter().map(|c| {
            let (column_type, reference) = sample(&reference, c);
            let (_, current) = sample(&current, c);
            ColumnInput { name: (*c).to_owned(), column_type, reference, current }
        });
        let data_drift = dataset_drift(inputs, &self.options)?;

        // Prediction drift: the sentiment mix of each aspect.
        let mut sentiment_by_aspect = BTreeMap::new();
        let mut current_shares = BTreeMap::new();
        for aspect in profile.sentiment_by_aspect.keys().filter(|a| *a != NO_ASPECT) {
            let of = |rows: &[PredictionRow]| -> Vec<PredictionRow> {
                rows.iter().filter(|r| &r.aspect == aspect).cloned().collect()
            };
            let (ref_rows, cur_rows) = (of(&reference), of(&current));
            current_shares.insert(aspect.clone(), shares(&cur_rows.iter().collect::<Vec<_>>()));
            if cur_rows.len() < MIN_ASPECT_ROWS || ref_rows.is_empty() {
                continue;
            }
            let (t, r) = sample(&ref_rows, "sentiment");
            let (_, c) = sample(&cur_rows, "sentiment");
            let name = format!("sentiment[{aspect}]");
            // A distance, not a p-value: with ~100 rows per aspect and hour, a
            // chi-square flags sampling noise in one hour out of three.
            let options = DriftOptions {
                stattest: Some(StatTest::JensenShannon),
                stattest_threshold: Some(aspect_sentiment_threshold(cur_rows.len(), ref_rows.len())),
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
        for (w, n) in &words {
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

        let constraint_violations = constraints(&profile, &reference, &current, &input.extract_counts);
        let (severity, severity_reasons) =
            severity(&data_drift, &prediction_drift, &text_drift, &constraint_violations);

        let report = MonitorReport {
            batch_id: input.batch_id.clone(),
            dt: first.dt.clone(),
            hour: first.hour.clone(),
            model: input.model.clone(),
            model_version: input.model_version,
            reference_rows: reference.len(),
            current_rows: current.len(),
            severity,
            severity_reasons,
            data_drift,
            prediction_drift,
            text_drift,
            constraint_violations,
            extract_counts: input.extract_counts,
        };
        let base = format!("reports/dt={}/hour={}/{}", report.dt, report.hour, report.batch_id);
        let (report_key, html_key) = (format!("{base}.json"), format!("{base}.html"));
        store.put(&report_key, serde_json::to_vec_pretty(&report).expect("serialisable")).await?;
        store.put(&html_key, html::render(&report, &reference, &current).into_bytes()).await?;
        let drifted_columns: Vec<String> = report
            .data_drift
            .columns
            .iter()
            .filter(|(_, d)| d.drift_detected)
            .map(|(n, _)| n.clone())
            .chain(
                report
                    .prediction_drift
                    .sentiment_by_aspect
                    .iter()
                    .filter(|(_, d)| d.drift_detected)
                    .map(|(a, _)| format!("sentiment[{a}]")),
            )
            .collect();
        let verdict = Verdict {
            batch_id: report.batch_id.clone(),
            dt: report.dt.clone(),
            hour: report.hour.clone(),
            drift_detected: severity != Severity::Ok,
            severity,
            share_of_drifted_columns: report.data_drift.share_of_drifted_columns,
            drifted_columns,
            report_key,
            html_key,
        };
        let history = serde_json::json!({
            "batch_id": verdict.batch_id, "dt": verdict.dt, "hour": verdict.hour, "severity": verdict.severity,
            "share_of_drifted_columns": verdict.share_of_drifted_columns, "drifted_columns": verdict.drifted_columns,
            "rows": report.current_rows, "model_version": report.model_version,
        });
        store
            .put(
                &format!("history/dt={}/{}-{}.jsonl", report.dt, report.hour, report.batch_id),
                format!("{history}\n").into_bytes(),
            )
            .await?;
        Ok((report, verdict))
    }
}

fn constraints(
    profile: &Profile,
    reference: &[PredictionRow],
    current: &[PredictionRow],
    counts: &Counts,
) -> Vec<ConstraintViolation> {
    let mut out = Vec::new();
    let mut violation = |check: &str, feature: &str, description: String, severity: &str| {
        out.push(ConstraintViolation {
            constraint_check_type: check.to_owned(),
            feature_name: feature.to_owned(),
            description,
            severity: severity.to_owned(),
        })
    };
    // Categories the reference never had.
    for (column, get) in [
        ("aspect", (|r: &PredictionRow| r.aspect.clone()) as fn(&PredictionRow) -> String),
        ("sentiment", |r| r.sentiment.clone()),
    ] {
        let known: BTreeSet<String> = reference.iter().map(get).collect();
        let new: BTreeSet<String> = current.iter().map(get).filter(|v| !known.contains(v)).collect();
        if !new.is_empty() {
            violation("categorical_values_check", column, format!("values not in the reference: {new:?}"), "warning");
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
                "warning",
            );
        }
    }
    // Rows extract had to quarantine.
    if counts.input_rows > 0 {
        let share = counts.quarantined_rows as f64 / counts.input_rows as f64;
        let level = if share >= QUARANTINE_ERROR {
            Some("error")
        } else if share >= QUARANTINE_WARNING {
            Some("warning")
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
    let schema = prediction_table::schema();
    let actual: BTreeSet<&String> = schema.fields().iter().map(|f| f.name()).collect();
    for missing in expected.difference(&actual) {
        violation("missing_column_check", missing, "in the reference profile but not in the batch".into(), "error");
    }
    for extra in actual.difference(&expected) {
        violation("extra_column_check", extra, "in the batch but not in the reference profile".into(), "warning");
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
        if v.severity == "error" { alarms.push(reason) } else { warnings.push(reason) }
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
