//! The monitor's jobs on past batches, found through their history lines
//! (each holds the transform output the batch was monitored with):
//! planning a backfill, monitoring one batch again, and building a
//! stream's baseline from its batches, after SageMaker Model Monitor's
//! suggest-baseline.

use std::collections::{BTreeMap, BTreeSet};

use drift_core::DriftOptions;
use pipeline_events::{BackfillPlan, BaselineSummary, BatchHour, HourRange, TransformOutput, keys};
use pipeline_store::{ModelRegistry, ObjectStore};
use serde::Deserialize;
use tables::profile::Profile;

use crate::MonitorError;

/// The fields of a history line the jobs need.
#[derive(Deserialize)]
struct HistoryLine {
    /// What the batch was monitored with; absent from lines written before
    /// backfills existed.
    input: Option<TransformOutput>,
}

fn read_err(key: &str, e: impl std::fmt::Display) -> MonitorError {
    MonitorError::Read { key: key.to_owned(), message: e.to_string() }
}

fn range_hours(range: &HourRange) -> Result<(BatchHour, BatchHour), MonitorError> {
    range.hours().map_err(MonitorError::Range)
}

/// The transform output a history line recorded.
pub(crate) async fn recorded_input<S: ObjectStore>(store: &S, key: &str) -> Result<TransformOutput, MonitorError> {
    let line: HistoryLine = serde_json::from_slice(&store.get(key).await?).map_err(|e| read_err(key, e))?;
    line.input.ok_or_else(|| read_err(key, "the line predates backfills and does not record the batch's input"))
}

/// The history keys of `range`'s stream, oldest first, with their inputs.
/// Only the days of the range are listed, and a line is read only when its
/// key's hour is in the range.
async fn batches_in<S: ObjectStore>(
    store: &S,
    range: &HourRange,
) -> Result<Vec<(String, TransformOutput)>, MonitorError> {
    let (from, to) = range_hours(range)?;
    let mut found = Vec::new();
    for day in range.days().map_err(MonitorError::Range)? {
        let mut day_keys = store.list(&keys::history_day(day)).await?;
        day_keys.sort();
        for key in day_keys {
            if keys::history_hour(&key).is_some_and(|h| h >= from && h <= to) {
                let input = recorded_input(store, &key).await?;
                if input.ingestion.stream == range.stream {
                    found.push((key, input));
                }
            }
        }
    }
    Ok(found)
}

/// The batches a backfill of `range` monitors again.
pub(crate) async fn plan_backfill<S: ObjectStore>(store: &S, range: &HourRange) -> Result<BackfillPlan, MonitorError> {
    let history_keys = batches_in(store, range).await?.into_iter().map(|(key, _)| key).collect();
    Ok(BackfillPlan { history_keys, alert: range.alert })
}

/// Builds a baseline from the stream's batches of `range` (in `store`) and
/// makes it the stream's active one in the registry (in `models`). The
/// batches scored by the newest model version among them make it: a
/// baseline belongs to one model version, as the monitor looks it up.
pub async fn build_baseline<S: ObjectStore, M: ObjectStore>(
    store: &S,
    models: &M,
    range: &HourRange,
) -> Result<BaselineSummary, MonitorError> {
    let (from, to) = range_hours(range)?;
    let batches: Vec<TransformOutput> = batches_in(store, range).await?.into_iter().map(|(_, input)| input).collect();
    let shown = |h: BatchHour| format!("{} {}:00", h.dt(), h.hour());
    if batches.is_empty() {
        let range = format!("stream '{}' between {} and {}", range.stream, shown(from), shown(to));
        return Err(MonitorError::NoBatch(range));
    }
    let source = format!("stream {} from {} to {}", range.stream, shown(from), shown(to));
    baseline_from(store, models, &batches, &source).await
}

/// Builds and activates a baseline from `batches` of one stream, described
/// as `source` in the reports that use it; the batches scored by the
/// newest model version among them make it.
pub async fn baseline_from<S: ObjectStore, M: ObjectStore>(
    store: &S,
    models: &M,
    batches: &[TransformOutput],
    source: &str,
) -> Result<BaselineSummary, MonitorError> {
    let newest = batches.iter().max_by_key(|b| b.model_version).ok_or_else(|| MonitorError::NoBatch(source.into()))?;
    let (model, version, stream) = (&newest.model, newest.model_version, &newest.ingestion.stream);
    let used: Vec<&TransformOutput> =
        batches.iter().filter(|b| &b.model == model && b.model_version == version).collect();

    let mut rows = Vec::new();
    let mut words: BTreeMap<String, u64> = BTreeMap::new();
    for b in &used {
        for p in &b.partitions {
            rows.extend(tables::predictions::from_parquet(&store.get(&p.key).await?).map_err(|e| read_err(&p.key, e))?);
        }
        let counts: BTreeMap<String, u64> =
            serde_json::from_slice(&store.get(&b.words_key).await?).map_err(|e| read_err(&b.words_key, e))?;
        for (w, n) in counts {
            *words.entry(w).or_default() += n;
        }
    }
    let registry = ModelRegistry::new(models);
    let model_profile: Profile =
        registry.parsed_file(model, version, "profile.json", |b| serde_json::from_slice(b)).await?;
    let comments = rows.iter().map(|r| r.comment_id).collect::<BTreeSet<_>>().len();
    let languages: Vec<&str> = model_profile.trained_languages.iter().map(String::as_str).collect();
    let source = format!("{} batches of {source}", used.len());
    let profile =
        tables::profile::build(model, &languages, &model_profile.feature_spec_hash, &source, comments, &rows, words);
    let constraints = serde_json::json!({
        "source": source,
        "rows": rows.len(),
        "columns": crate::suggested_constraints(&rows, &DriftOptions::default()),
    });
    let files = [
        ("reference.parquet", tables::predictions::to_parquet(&rows).map_err(|e| read_err("reference.parquet", e))?),
        ("profile.json", serde_json::to_vec_pretty(&profile).expect("serialisable")),
        ("constraints.json", serde_json::to_vec_pretty(&constraints).expect("serialisable")),
    ];
    let name = keys::baseline_name(model, version, stream);
    let baseline_version = registry.publish(&name, &files).await?;
    registry.set_alias(&name, keys::BASELINE_ALIAS, baseline_version).await?;
    Ok(BaselineSummary { name, version: baseline_version, batches: used.len(), rows: rows.len(), comments, source })
}
