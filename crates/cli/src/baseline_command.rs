//! `absa-drift baseline`: a reference built from a stream's own processed
//! hours, after SageMaker Model Monitor's suggest-baseline. The prediction
//! partitions of the stream's batches between two hours, scored by the
//! production model version, become a reference table and profile,
//! versioned in the registry under `pipeline_events::keys::baseline_name`
//! with the alias `active`; the monitor then compares that stream's batches
//! with it instead of the model's training reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clap::Args;
use pipeline_events::{BatchHour, DEFAULT_STREAM, keys};
use pipeline_store::{LocalDirStore, ModelRegistry, ObjectStore, RegistryError, StoreError};
use serde::Deserialize;
use tables::profile::Profile;

use crate::publish_command::{ALIAS, MODEL};

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// The local store the pipeline ran on (`absa-drift run --store`).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// First batch hour: YYYY-MM-DD (its 00:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR")]
    from: String,
    /// Last batch hour, included: YYYY-MM-DD (its 23:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR")]
    to: String,
    /// The stream whose batches make the baseline (and which it is for).
    #[arg(long, default_value = DEFAULT_STREAM)]
    stream: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("'{0}' is not an hour: use YYYY-MM-DD or YYYY-MM-DDTHH")]
    Hour(String),
    #[error("--from {from} is after --to {to}")]
    Range { from: String, to: String },
    #[error(
        "no batch of stream '{stream}' scored by {model} version {version} between {from} and {to}: run the pipeline on those hours first"
    )]
    NoBatch { stream: String, model: String, version: u32, from: String, to: String },
    #[error("{key}: {message}")]
    Read { key: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("model registry: {0}")]
    Registry(#[from] RegistryError),
}

/// The fields of a history line the baseline needs.
#[derive(Deserialize)]
struct HistoryLine {
    dt: String,
    hour: String,
    #[serde(default = "default_stream")]
    stream: String,
    model_version: u32,
    /// The batch's prediction partitions and word counts.
    partitions: Vec<String>,
    words_key: String,
}

fn default_stream() -> String {
    DEFAULT_STREAM.to_owned()
}

/// Parses `--from`/`--to`; a bare date is its first or last hour.
fn parse_hour(text: &str, last: bool) -> Result<BatchHour, BaselineError> {
    let (dt, hour) = match text.split_once('T') {
        Some((dt, hour)) => (dt, hour),
        None => (text, if last { "23" } else { "00" }),
    };
    BatchHour::from_partition(dt, hour).ok_or_else(|| BaselineError::Hour(text.to_owned()))
}

pub fn run(args: &BaselineArgs) -> Result<(), BaselineError> {
    let (from, to) = (parse_hour(&args.from, false)?, parse_hour(&args.to, true)?);
    let span = |h: BatchHour| (h.dt(), h.hour());
    if span(from) > span(to) {
        return Err(BaselineError::Range { from: args.from.clone(), to: args.to.clone() });
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let store = LocalDirStore::new(&args.store);
    let summary = runtime.block_on(build(&store, args, from, to))?;
    println!("{summary}");
    Ok(())
}

async fn build<S: ObjectStore>(
    store: &S,
    args: &BaselineArgs,
    from: BatchHour,
    to: BatchHour,
) -> Result<String, BaselineError> {
    let registry = ModelRegistry::new(store);
    let version = registry.resolve(MODEL, ALIAS).await?;
    let read =
        |key: &str, e: &dyn std::fmt::Display| BaselineError::Read { key: key.to_owned(), message: e.to_string() };

    let mut batches = Vec::new();
    for key in store.list(keys::HISTORY_PREFIX).await? {
        let bytes = store.get(&key).await?;
        let line: HistoryLine = serde_json::from_slice(&bytes).map_err(|e| read(&key, &e))?;
        let in_range = (line.dt.clone(), line.hour.clone()) >= (from.dt(), from.hour())
            && (line.dt.clone(), line.hour.clone()) <= (to.dt(), to.hour());
        if in_range && line.stream == args.stream && line.model_version == version {
            batches.push(line);
        }
    }
    if batches.is_empty() {
        return Err(BaselineError::NoBatch {
            stream: args.stream.clone(),
            model: MODEL.to_owned(),
            version,
            from: args.from.clone(),
            to: args.to.clone(),
        });
    }

    let mut rows = Vec::new();
    let mut words: BTreeMap<String, u64> = BTreeMap::new();
    for b in &batches {
        for key in &b.partitions {
            rows.extend(tables::predictions::from_parquet(&store.get(key).await?).map_err(|e| read(key, &e))?);
        }
        let key = &b.words_key;
        let counts: BTreeMap<String, u64> =
            serde_json::from_slice(&store.get(key).await?).map_err(|e| read(key, &e))?;
        for (w, n) in counts {
            *words.entry(w).or_default() += n;
        }
    }
    let model_profile: Profile =
        registry.parsed_file(MODEL, version, "profile.json", |b| serde_json::from_slice(b)).await?;
    let comments = rows.iter().map(|r| r.comment_id).collect::<BTreeSet<_>>().len();
    let languages: Vec<&str> = model_profile.trained_languages.iter().map(String::as_str).collect();
    let shown = |h: BatchHour| format!("{} {}:00", h.dt(), h.hour());
    let source = format!("{} batches of stream {} from {} to {}", batches.len(), args.stream, shown(from), shown(to));
    let profile =
        tables::profile::build(MODEL, &languages, &model_profile.feature_spec_hash, &source, comments, &rows, words);
    let files = [
        ("reference.parquet", tables::predictions::to_parquet(&rows).map_err(|e| read("reference.parquet", &e))?),
        ("profile.json", serde_json::to_vec_pretty(&profile).expect("serialisable")),
    ];
    let name = keys::baseline_name(MODEL, version, &args.stream);
    let baseline_version = registry.publish(&name, &files).await?;
    registry.set_alias(&name, keys::BASELINE_ALIAS, baseline_version).await?;
    Ok(format!(
        "baseline {name} version {baseline_version} ('{}'): {} rows, {comments} comments from {source}",
        keys::BASELINE_ALIAS,
        rows.len()
    ))
}
