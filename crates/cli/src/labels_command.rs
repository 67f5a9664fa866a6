//! `absa-drift labels`: takes labels that came back for a batch (a filled-in
//! labelling queue, or any `comment_id,aspect,polarity` file), adds them to
//! the batch's labels in the store, and monitors the batch again so its
//! report and history line show the realised quality beside the estimate.

use std::path::PathBuf;

use clap::Args;
use monitor::{Answer, Monitor};
use pipeline_events::{BatchHour, MonitorJob, MonitorRequest, keys};
use pipeline_store::{LocalDirStore, ObjectStore, StoreError};
use tables::labels::{self, Label};

#[derive(Args, Debug)]
pub struct LabelsArgs {
    /// The local store the pipeline ran on (`absa-drift run --store`).
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    /// The batch the labels are for (its id, as in the report and the queue's name).
    #[arg(long)]
    batch: String,
    /// The labels: CSV with `comment_id`, `aspect` (empty for the whole
    /// comment) and `polarity` columns; a filled-in labelling queue will do.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("no batch '{0}' in the store's history: run the pipeline on it first")]
    NoBatch(String),
    #[error("{0}: no label in it")]
    Empty(PathBuf),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("monitor: {0}")]
    Monitor(#[from] monitor::MonitorError),
}

/// What was taken: labels added and rows refused.
pub struct Taken {
    pub rejected: usize,
}

pub fn run(args: &LabelsArgs) -> Result<Taken, LabelsError> {
    let bytes =
        std::fs::read(&args.file).map_err(|e| LabelsError::File { path: args.file.clone(), message: e.to_string() })?;
    let parsed = labels::parse(&bytes).map_err(|message| LabelsError::File { path: args.file.clone(), message })?;
    for (line, reason) in &parsed.rejected {
        eprintln!("absa-drift: {} line {line}: {}", args.file.display(), crate::printable(reason));
    }
    if parsed.labels.is_empty() {
        return Err(LabelsError::Empty(args.file.clone()));
    }
    if !args.store.is_dir() {
        return Err(LabelsError::NoBatch(args.batch.clone()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let store = LocalDirStore::new(&args.store);
    let suffix = format!("-{}.jsonl", args.batch);
    let history_key = runtime
        .block_on(store.list(keys::HISTORY_PREFIX))?
        .into_iter()
        .find(|k| k.ends_with(&suffix))
        .ok_or_else(|| LabelsError::NoBatch(args.batch.clone()))?;
    let hour: BatchHour = keys::history_hour(&history_key).ok_or_else(|| LabelsError::NoBatch(args.batch.clone()))?;

    // Labels arrive in pieces: a later label for the same prediction wins.
    let key = keys::labels(hour, &args.batch);
    let mut merged: Vec<Label> = match runtime.block_on(store.get(&key)) {
        Ok(existing) => labels::parse(&existing).map(|p| p.labels).unwrap_or_default(),
        Err(StoreError::NotFound { .. }) => vec![],
        Err(e) => return Err(e.into()),
    };
    let added = parsed.labels.len();
    merged.retain(|old| !parsed.labels.iter().any(|new| new.comment_id == old.comment_id && new.aspect == old.aspect));
    merged.extend(parsed.labels);
    runtime.block_on(store.put(&key, labels::to_csv(&merged)))?;

    let request = MonitorRequest::Job(MonitorJob::Remonitor { history_key });
    let Answer::Monitored(report, verdict) = runtime.block_on(Monitor::default().handle(&store, &store, &request))?
    else {
        unreachable!("a remonitor job answers with a report");
    };
    println!("{added} labels taken for batch {} ({} in all, {})", args.batch, merged.len(), key);
    println!("{:<8} {:>12} {:>15} {:>12} {:>9}", "level", "estimated F1", "band", "realised F1", "labelled");
    for (level, q) in &report.quality {
        let (realised, labelled) =
            q.realised.as_ref().map_or(("-".into(), 0), |r| (format!("{:.3}", r.scores.macro_f1), r.labelled));
        println!(
            "{level:<8} {:>12.3} {:>15} {realised:>12} {labelled:>9}",
            q.estimated.macro_f1,
            format!("{:.3}-{:.3}", q.band[0], q.band[1])
        );
    }
    println!("report: {}", args.store.join(&verdict.html_key).display());
    Ok(Taken { rejected: parsed.rejected.len() })
}
