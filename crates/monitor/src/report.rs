//! The monitor's report, as written to `reports/…/<batch>.json` and read
//! by the HTML page and the metrics.

use std::collections::BTreeMap;

use drift_core::{ColumnDrift, DriftReport};
use pipeline_events::{Counts, Severity};
use serde::{Deserialize, Serialize};

use crate::quality::Quality;
use crate::significance::Significance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintViolation {
    pub constraint_check_type: String,
    pub feature_name: String,
    pub description: String,
    pub severity: ConstraintSeverity,
}

/// How much a violated constraint counts: an `error` is an alarm, a
/// `warning` a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConstraintSeverity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextDrift {
    /// drift-core's Jensen-Shannon distance between word distributions
    /// (never `drift_detected` on fewer words than the test needs).
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
    /// The ingestion hour, the batch's label.
    pub dt: String,
    pub hour: String,
    pub stream: String,
    /// The span of comment times the batch covers (ISO 8601 UTC).
    pub first_comment: Option<String>,
    pub last_comment: Option<String>,
    pub model: String,
    pub model_version: u32,
    /// What the batch was compared with: the stream's active baseline or
    /// the model's training reference.
    pub reference: String,
    pub reference_rows: usize,
    pub current_rows: usize,
    pub severity: Severity,
    pub severity_reasons: Vec<String>,
    /// Per-column results with Evidently's `DataDriftTable` field names.
    pub data_drift: DriftReport,
    /// The false-discovery rate controlled across the tested columns.
    pub false_discovery_rate: f64,
    /// Every column Evidently flags: its p-value and whether the drift is
    /// significant (only those count for the severity).
    pub significance: BTreeMap<String, Significance>,
    pub prediction_drift: PredictionDrift,
    pub text_drift: TextDrift,
    pub constraint_violations: Vec<ConstraintViolation>,
    /// The model's quality per level (`comment`, `aspect`): estimated,
    /// its band, and realised from labels when they came back.
    pub quality: Quality,
    pub languages: LanguageMix,
    /// The tests the batch had too few rows (or words) for: not run, or
    /// for the vocabulary run but never counted as drift.
    pub insufficient_data: Vec<InsufficientData>,
    /// extract's counts, as transform passed them on.
    pub extract_counts: Counts,
}

/// The batch's comments per language (ISO 639-3, `und` when it cannot be
/// told), and how many are in a language the model was not trained on:
/// their sentiment is a guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageMix {
    pub comments: BTreeMap<String, usize>,
    pub trained_languages: Vec<String>,
    pub untrained_comments: usize,
}

/// A test skipped for want of rows: what it needs, from its power
/// (`monitor::rows_needed`, docs/pipeline.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsufficientData {
    /// A column, `sentiment[<aspect>]` or `vocabulary`.
    pub test: String,
    /// Rows in the batch (words, for the vocabulary).
    pub rows: usize,
    pub needed: usize,
}
