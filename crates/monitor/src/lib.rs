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
//! - model quality: estimated from the calibrated probabilities, and
//!   realised from labels when they came back ([`quality`]);
//! - a severity (`ok`, `warning`, `alarm`) by the rules of [`assess`].
//!
//! [`Monitor::run`] loads the inputs, [`assess`]es them (pure), and writes
//! the report as JSON and as a self-contained HTML page and a line to the
//! drift history (and, on alarm, a labelling queue), and
//! returns a small verdict; [`emf_lines`] gives the
//! CloudWatch metrics. [`Monitor::handle`] also does the jobs on past
//! batches ([`MonitorJob`]): backfills and baselines.

mod assess;
mod emf;
mod html;
mod jobs;
mod labels;
pub mod quality;
mod report;
mod significance;

use std::collections::BTreeMap;

use drift_core::DriftOptions;
use pipeline_events::{
    BackfillPlan, BaselineSummary, BatchHour, MonitorJob, MonitorRequest, Severity, StepError, TransformOutput,
    Verdict, keys,
};
use pipeline_store::{ModelRegistry, ObjectStore, RegistryError, StoreError};
use tables::profile::Profile;

pub use assess::{
    ASPECT_SENTIMENT_THRESHOLD, Inputs, MIN_ASPECT_ROWS, QUARANTINE_ERROR, QUARANTINE_WARNING, SuggestedConstraint,
    VOCABULARY_ALARM, VOCABULARY_MIN_WORDS, VOCABULARY_WARNING, aspect_sentiment_threshold, assess, rows_needed,
    suggested_constraints,
};
pub use emf::{MetricDetail, NAMESPACE, emf_lines};
pub use jobs::{baseline_from, build_baseline};
pub use report::{
    ConstraintSeverity, ConstraintViolation, InsufficientData, LanguageMix, MonitorReport, PredictionDrift, TextDrift,
};
pub use significance::Significance;

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
    #[error("the batch's ingestion dt '{dt}' and hour '{hour}' are not a UTC hour")]
    Hour { dt: String, hour: String },
    #[error("drift: {0}")]
    Drift(#[from] drift_core::DriftError),
    #[error("{0}")]
    Range(String),
    #[error("no batch of {0}: run the pipeline on those hours first")]
    NoBatch(String),
}

impl StepError for MonitorError {
    fn error_type(&self) -> &'static str {
        "MonitorError"
    }
}

/// Comments in an alarmed batch's labelling queue, unless set.
pub const LABELLING_QUEUE_COMMENTS: usize = 60;

/// The monitor, with the data-drift options (Evidently's defaults unless
/// set) and the size of a labelling queue.
pub struct Monitor {
    pub options: DriftOptions,
    pub labelling_queue_comments: usize,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor { options: DriftOptions::default(), labelling_queue_comments: LABELLING_QUEUE_COMMENTS }
    }
}

impl Monitor {
    /// Compares the batch in `store` with the reference profile of its
    /// model in `models` (the model registry's store; the same store will
    /// do), writes the report, the page and the history line, and returns
    /// the report and the verdict.
    pub async fn run<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        batch: &TransformOutput,
    ) -> Result<(MonitorReport, Verdict), MonitorError> {
        let (hour, inputs) = load(store, models, batch).await?;
        let report = assess(batch, hour, &inputs, &self.options)?;
        let verdict = write(store, hour, &report, &inputs, batch, self.labelling_queue_comments).await?;
        Ok((report, verdict))
    }
}

/// What [`Monitor::handle`] answers.
pub enum Answer {
    /// A batch monitored, fresh or again: its report (for the metrics) and verdict.
    Monitored(Box<MonitorReport>, Verdict),
    Plan(BackfillPlan),
    Baseline(BaselineSummary),
}

impl Answer {
    /// What the function returns to the workflow.
    pub fn output(&self) -> serde_json::Value {
        match self {
            Answer::Monitored(_, verdict) => serde_json::to_value(verdict),
            Answer::Plan(plan) => serde_json::to_value(plan),
            Answer::Baseline(summary) => serde_json::to_value(summary),
        }
        .expect("serialisable")
    }
}

impl Monitor {
    /// Does what `request` asks: monitors a batch, or does a job on past
    /// batches (their data in `store`, baselines in the registry in `models`).
    pub async fn handle<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        request: &MonitorRequest,
    ) -> Result<Answer, MonitorError> {
        let monitored = |(report, verdict)| Answer::Monitored(Box::new(report), verdict);
        Ok(match request {
            MonitorRequest::Batch(batch) => monitored(self.run(store, models, batch).await?),
            MonitorRequest::Job(MonitorJob::Remonitor { history_key }) => {
                let batch = jobs::recorded_input(store, history_key).await?;
                monitored(self.run(store, models, &batch).await?)
            }
            MonitorRequest::Job(MonitorJob::PlanBackfill(range)) => {
                Answer::Plan(jobs::plan_backfill(store, range).await?)
            }
            MonitorRequest::Job(MonitorJob::Baseline(range)) => {
                Answer::Baseline(jobs::build_baseline(store, models, range).await?)
            }
        })
    }
}

/// The batch's hour (its ingestion hour) and everything it is compared with.
async fn load<S: ObjectStore, M: ObjectStore>(
    store: &S,
    models: &M,
    batch: &TransformOutput,
) -> Result<(BatchHour, Inputs), MonitorError> {
    if batch.partitions.is_empty() {
        return Err(MonitorError::Empty);
    }
    let hour = batch
        .ingestion
        .batch_hour()
        .ok_or_else(|| MonitorError::Hour { dt: batch.ingestion.dt.clone(), hour: batch.ingestion.hour.clone() })?;
    let registry = ModelRegistry::new(models);
    let (model, version) = (&batch.model, batch.model_version);
    // The stream's active baseline for this model version, else the
    // model's own reference (its training data's test split).
    let baseline = keys::baseline_name(model, version, &batch.ingestion.stream);
    let (name, at, reference_source) = match registry.resolve(&baseline, keys::BASELINE_ALIAS).await {
        Ok(v) => (baseline.clone(), v, format!("baseline {baseline} version {v}")),
        Err(RegistryError::NoAlias { .. }) => {
            (model.clone(), version, format!("training reference of {model} version {version}"))
        }
        Err(e) => return Err(e.into()),
    };
    let reference = registry.parsed_file(&name, at, "reference.parquet", tables::predictions::from_parquet).await?;
    let profile: Profile = registry.parsed_file(&name, at, "profile.json", |b| serde_json::from_slice(b)).await?;
    let read_err =
        |key: &str, e: &dyn std::fmt::Display| MonitorError::Read { key: key.to_owned(), message: e.to_string() };
    let mut current = Vec::new();
    for p in &batch.partitions {
        let rows = tables::predictions::from_parquet(&store.get(&p.key).await?).map_err(|e| read_err(&p.key, &e))?;
        current.extend(rows);
    }
    let words: BTreeMap<String, u64> =
        serde_json::from_slice(&store.get(&batch.words_key).await?).map_err(|e| read_err(&batch.words_key, &e))?;
    let labels = returned_labels(store, hour, &batch.batch_id).await?;
    Ok((hour, Inputs { reference, reference_source, profile, current, words, labels }))
}

/// The labels that came back for the batch, without the comments its
/// labelling queue chose for the model's uncertainty (not a random sample).
async fn returned_labels<S: ObjectStore>(
    store: &S,
    hour: BatchHour,
    batch_id: &str,
) -> Result<Vec<tables::labels::Label>, MonitorError> {
    let Some(bytes) = get_if_present(store, &keys::labels(hour, batch_id)).await? else {
        return Ok(vec![]);
    };
    let key = keys::labels(hour, batch_id);
    let parsed = tables::labels::parse(&bytes).map_err(|message| MonitorError::Read { key, message })?;
    let uncertain = match get_if_present(store, &keys::labelling_queue(hour, batch_id)).await? {
        Some(queue) => tables::labels::chosen_as_uncertain(&queue),
        None => Default::default(),
    };
    Ok(parsed.labels.into_iter().filter(|l| !uncertain.contains(&l.comment_id)).collect())
}

async fn get_if_present<S: ObjectStore>(store: &S, key: &str) -> Result<Option<Vec<u8>>, MonitorError> {
    match store.get(key).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The batch's comment texts (already pseudonymised by extract), for the
/// labelling queue.
async fn texts<S: ObjectStore>(store: &S, batch: &TransformOutput) -> Result<BTreeMap<u64, String>, MonitorError> {
    let mut texts = BTreeMap::new();
    for p in &batch.partitions {
        let Some(hour) = BatchHour::from_partition(&p.dt, &p.hour) else { continue };
        let key = keys::clean_partition(hour, &batch.batch_id);
        let Some(bytes) = get_if_present(store, &key).await? else { continue };
        let rows = tables::clean::from_parquet(&bytes)
            .map_err(|e| MonitorError::Read { key: key.clone(), message: e.to_string() })?;
        texts.extend(rows.into_iter().map(|c| (c.comment_id, c.text)));
    }
    Ok(texts)
}

/// Writes the report, its page and the history line; returns the verdict.
async fn write<S: ObjectStore>(
    store: &S,
    hour: BatchHour,
    report: &MonitorReport,
    inputs: &Inputs,
    batch: &TransformOutput,
    queue_comments: usize,
) -> Result<Verdict, MonitorError> {
    let (report_key, html_key) = keys::report(hour, &report.batch_id);
    // A queue people may be filling in is never replaced.
    let labelling_queue = if report.severity == Severity::Alarm && queue_comments > 0 {
        let key = keys::labelling_queue(hour, &report.batch_id);
        let queue = labels::queue(
            &inputs.current,
            &texts(store, batch).await?,
            queue_comments,
            assess::seed_of(&report.batch_id),
        );
        store.put_if_absent(&key, queue).await?;
        Some(key)
    } else {
        None
    };
    store.put(&report_key, serde_json::to_vec_pretty(report).expect("serialisable")).await?;
    store.put(&html_key, html::render(report, &inputs.reference, &inputs.current).into_bytes()).await?;
    let drifted_columns: Vec<String> = report
        .data_drift
        .columns
        .iter()
        .filter(|(n, _)| significance::drifted(&report.significance, n))
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
        stream: report.stream.clone(),
        drift_detected: report.severity != Severity::Ok,
        severity: report.severity,
        share_of_drifted_columns: report.data_drift.share_of_drifted_columns,
        drifted_columns,
        rows: report.current_rows,
        untested: report.insufficient_data.iter().map(|i| i.test.clone()).collect(),
        report_key,
        html_key,
        labelling_queue,
    };
    let history = serde_json::json!({
        "batch_id": verdict.batch_id, "dt": verdict.dt, "hour": verdict.hour, "stream": verdict.stream,
        "severity": verdict.severity,
        "share_of_drifted_columns": verdict.share_of_drifted_columns, "drifted_columns": verdict.drifted_columns,
        "rows": report.current_rows, "model_version": report.model_version, "reference": report.reference,
        "report_key": verdict.report_key,
        "quality": report.quality, "labelling_queue": verdict.labelling_queue,
        // What a backfill or a baseline needs to find the batch again.
        "input": batch,
    });
    store.put(&keys::history(hour, &report.batch_id), format!("{history}\n").into_bytes()).await?;
    Ok(verdict)
}
