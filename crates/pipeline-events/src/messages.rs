//! Every step's input and output, as the state machine passes them on.
//! docs/events.md documents each with an example; its test parses them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::BatchHour;

/// What extract is asked to read: exactly one of `key` (one file),
/// `prefix` (every file under it, as one batch) or `scheduled_time` (the
/// schedule's run time, `2026-11-02T06:00:00Z`: the files dropped in the
/// hour before it, under [`crate::keys::raw_drop`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    /// With `key` or `prefix`: when the files arrived (`YYYY-MM-DDTHH:MM:SSZ`),
    /// for a replay or a backfill; the time extract runs when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingested_at: Option<String>,
    /// The stream the files belong to (see [`Ingestion::stream`]); when
    /// absent, the video of exporter-named files, else `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// The stream of a batch whose input names none.
pub const DEFAULT_STREAM: &str = "default";

fn default_stream() -> String {
    DEFAULT_STREAM.to_owned()
}

/// When a batch arrived, which labels it, and the comment times it covers.
/// A batch is labelled by its ingestion hour, never by its comments' times:
/// an export of a three-week-old video is one batch of the hour it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingestion {
    /// The ingestion hour (`YYYY-MM-DD`, `HH`): for a scheduled run, the
    /// hour before the scheduled time.
    pub dt: String,
    pub hour: String,
    /// Where the comments come from: batches of one stream share a
    /// cooldown, those of unrelated streams (two videos' exports) do not.
    /// Letters, digits, `-` and `_`.
    #[serde(default = "default_stream")]
    pub stream: String,
    /// The earliest and the latest comment time among the clean rows
    /// (`YYYY-MM-DDTHH:MM:SSZ`); absent when no row is clean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_comment: Option<String>,
}

impl Ingestion {
    /// The batch's label; `None` only for a hand-written message with a
    /// malformed `dt` or `hour`.
    pub fn batch_hour(&self) -> Option<BatchHour> {
        BatchHour::from_partition(&self.dt, &self.hour)
    }
}

/// One hour's clean comments, as extract wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub dt: String,
    pub hour: String,
    pub key: String,
    pub rows: u64,
}

/// `input_rows = clean_rows + quarantined_rows + duplicate_rows`, always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub input_rows: u64,
    pub clean_rows: u64,
    pub quarantined_rows: u64,
    pub duplicate_rows: u64,
}

/// What extract returns to the workflow (its manifest holds the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractOutput {
    pub batch_id: String,
    pub ingestion: Ingestion,
    pub inputs: Vec<String>,
    pub partitions: Vec<Partition>,
    pub quarantine_key: Option<String>,
    pub manifest_key: String,
    pub counts: Counts,
    /// Rejected rows per reason code.
    pub reasons: BTreeMap<String, u64>,
}

/// One hour's rows of the prediction table, as transform wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictionPartition {
    pub dt: String,
    pub hour: String,
    pub key: String,
    pub comments: u64,
    pub rows: u64,
}

/// What transform returns to the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformOutput {
    pub batch_id: String,
    /// extract's, carried for the monitor's label and report.
    pub ingestion: Ingestion,
    pub model: String,
    pub model_version: u32,
    pub partitions: Vec<PredictionPartition>,
    pub words_key: String,
    /// extract's counts, carried for the monitor's data-quality checks.
    pub extract_counts: Counts,
}

/// What the monitor function is asked to do: monitor a freshly scored
/// batch (the pipeline's `Monitor` state), or one of the jobs on past
/// batches, each an object with one field named after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MonitorRequest {
    Batch(TransformOutput),
    Job(MonitorJob),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum MonitorJob {
    /// List the batches of a stream in a range of hours, for a backfill to
    /// monitor again ([`BackfillPlan`]).
    PlanBackfill(HourRange),
    /// Monitor a past batch again, by its history line, against the
    /// stream's baseline and the thresholds of today; rewrites its report
    /// and history line ([`Verdict`]).
    Remonitor { history_key: String },
    /// Build a stream's baseline from its batches in a range of hours and
    /// make it the stream's active one ([`BaselineSummary`]).
    Baseline(HourRange),
}

/// Which variant is meant is told by the fields, so a malformed batch gets
/// the batch's own error message, not serde's "did not match any variant".
impl<'de> Deserialize<'de> for MonitorRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        let is_job = value.as_object().is_some_and(|o| {
            o.len() == 1 && ["plan_backfill", "remonitor", "baseline"].iter().any(|k| o.contains_key(*k))
        });
        if is_job {
            serde_json::from_value(value).map(MonitorRequest::Job).map_err(D::Error::custom)
        } else {
            serde_json::from_value(value).map(MonitorRequest::Batch).map_err(D::Error::custom)
        }
    }
}

/// A stream's batches whose ingestion hours are in `from..=to`, each bound
/// `YYYY-MM-DDTHH` or `YYYY-MM-DD` (a date: its first hour for `from`, its
/// last for `to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourRange {
    pub from: String,
    pub to: String,
    #[serde(default = "default_stream")]
    pub stream: String,
    /// For a backfill: whether its alarms and warnings go to the alert
    /// step (muted by default: the past is rarely news).
    #[serde(default)]
    pub alert: bool,
}

impl HourRange {
    /// The first and last hour; an error says which bound is wrong.
    pub fn hours(&self) -> Result<(BatchHour, BatchHour), String> {
        let bound = |text: &str, last| {
            BatchHour::from_bound(text, last)
                .ok_or_else(|| format!("'{text}' is not an hour: use YYYY-MM-DD or YYYY-MM-DDTHH"))
        };
        let (from, to) = (bound(&self.from, false)?, bound(&self.to, true)?);
        if from > to {
            return Err(format!("from {} is after to {}", self.from, self.to));
        }
        Ok((from, to))
    }

    /// The first hour of every day the range touches, in order.
    pub fn days(&self) -> Result<Vec<BatchHour>, String> {
        let (from, to) = self.hours()?;
        let first = from.hours_since_epoch().div_euclid(24);
        let last = to.hours_since_epoch().div_euclid(24);
        Ok((first..=last).map(|day| BatchHour::containing(day * 24 * 3600)).collect())
    }
}

/// The batches a backfill monitors again: their history keys, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillPlan {
    pub history_keys: Vec<String>,
    /// [`HourRange::alert`], carried to every item.
    pub alert: bool,
}

/// A baseline built and made active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// Its registry name ([`crate::keys::baseline_name`]) and version.
    pub name: String,
    pub version: u32,
    pub batches: usize,
    pub rows: usize,
    pub comments: usize,
    /// What it was built from, as reports name it.
    pub source: String,
}

/// How worried to be; the monitor's rules decide, the alert step and the
/// state machine's `Choice` act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Alarm,
}

/// What monitor returns and the workflow branches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub batch_id: String,
    pub dt: String,
    pub hour: String,
    /// The batch's stream ([`Ingestion::stream`]); its cooldown is its own.
    #[serde(default = "default_stream")]
    pub stream: String,
    pub drift_detected: bool,
    pub severity: Severity,
    pub share_of_drifted_columns: f64,
    pub drifted_columns: Vec<String>,
    /// Rows in the batch's prediction table.
    #[serde(default)]
    pub rows: usize,
    /// Tests the batch had too few rows for (the report says how many each needs).
    #[serde(default)]
    pub untested: Vec<String>,
    pub report_key: String,
    pub html_key: String,
    /// The comments the monitor asks a person to label (an alarmed batch's
    /// labelling queue, docs/labels.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labelling_queue: Option<String>,
}

impl Verdict {
    /// The batch's hour; `None` only for a hand-written verdict with a
    /// malformed `dt` or `hour`.
    pub fn batch_hour(&self) -> Option<BatchHour> {
        BatchHour::from_partition(&self.dt, &self.hour)
    }
}

/// A failure the workflow caught (Step Functions' `Error` and `Cause`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub error: String,
    pub cause: String,
    pub failed_step: String,
}

/// Exactly one of `verdict`, `failure` and `approval`; `run_id` names the
/// workflow run (the execution name) and dedups failure alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// A challenger waiting for a person's approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertOutput {
    pub sent: bool,
    /// Why it was or was not sent.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// What the retrain function is asked to do, an object with one field
/// named after the job (docs/events.md). The retraining branch of the
/// pipeline runs them in order: train, evaluate, then promote once the
/// challenger is approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RetrainJob {
    /// Train a challenger on the training data plus the labels that came
    /// back, when enough new ones did ([`Training`]).
    Train(RetrainRequest),
    /// Compare the challenger with the production model ([`Evaluation`]).
    Evaluate(Challenger),
    /// Point the production alias at the challenger ([`Promotion`]).
    Promote(Challenger),
}

/// Why a retrain was asked for: after an alarm (the batch) or on demand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrainRequest {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
}

/// What the train job did: a challenger, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Training {
    pub trained: bool,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenger: Option<Challenger>,
}

/// A model version trained to replace the production one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenger {
    pub model: String,
    pub version: u32,
    /// The production version when it was trained.
    pub champion_version: u32,
    /// Labels it learnt from, and labels kept aside to judge it.
    pub trained_labels: usize,
    pub held_out_labels: usize,
}

/// The challenger against the champion, test by test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub challenger: Challenger,
    /// Test → macro-F1 of both: `held_out_aspect`, `held_out_comment` (the
    /// held-out labels), and the human-rated test sets.
    pub scores: BTreeMap<String, Comparison>,
    /// The margin is met on the held-out labels, no human-rated set got
    /// worse by more than the tolerance, and auto-promotion is on.
    pub promote_automatically: bool,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub challenger: f64,
    pub champion: f64,
    pub rows: usize,
}

/// The approval request the alert function sends with the token that
/// resumes the workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub token: String,
    pub evaluation: Evaluation,
}

/// A person's answer to an [`ApprovalRequest`]: the token's output on
/// approval (a rejection is the token's failure, error `Rejected`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub approved_by: String,
    #[serde(default)]
    pub note: String,
}

/// The error a rejection sends with the token.
pub const REJECTED: &str = "Rejected";

/// What the promote job did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub model: String,
    pub alias: String,
    pub version: u32,
    pub previous_version: u32,
}
