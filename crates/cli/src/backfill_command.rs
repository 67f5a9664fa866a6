//! `absa-drift backfill`: monitors a range of past hours again, after a
//! baseline or a threshold changed, by running the backfill state machine
//! (statemachine/absa_drift_backfill.asl.json, a Distributed Map in the
//! cloud) through the local interpreter with the local functions. Each
//! batch's report and history line are rewritten; alerts stay muted unless
//! `--alert`.

use std::path::PathBuf;

use asl::{Outcome, execute};
use clap::Args;
use pipeline_events::{DEFAULT_STREAM, HourRange};
use pipeline_store::{LocalDirStore, ObjectStore};
use serde_json::Value;

use crate::local_functions::LocalFunctions;
use crate::run_command::{RunError, read_state_machine};

#[derive(Args, Debug)]
pub struct BackfillArgs {
    /// The local store the pipeline ran on (`absa-drift run --store`).
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    /// First batch hour: YYYY-MM-DD (its 00:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR")]
    from: String,
    /// Last batch hour, included: YYYY-MM-DD (its 23:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR")]
    to: String,
    /// The stream whose batches to monitor again.
    #[arg(long, default_value = DEFAULT_STREAM)]
    stream: String,
    /// Send the alarms the past hours now raise (each batch at most once,
    /// with the stream's cooldown), instead of only rewriting the reports.
    #[arg(long)]
    alert: bool,
    #[arg(long, value_name = "FILE", default_value = "statemachine/absa_drift_backfill.asl.json")]
    state_machine: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Workflow(#[from] asl::WorkflowError),
    #[error("the backfill failed: {error}: {cause}")]
    Failed { error: String, cause: String },
    #[error("store: {0}")]
    Store(#[from] pipeline_store::StoreError),
}

/// One batch's severity before and after.
struct Remonitored {
    batch: String,
    before: String,
    after: String,
}

pub fn run(args: &BackfillArgs) -> Result<(), BackfillError> {
    let doc = read_state_machine(&args.state_machine)?;
    let range =
        HourRange { from: args.from.clone(), to: args.to.clone(), stream: args.stream.clone(), alert: args.alert };
    // A bad range is said before anything runs.
    let days = range.days().map_err(|message| RunError::File { path: "--from/--to".into(), message })?;
    if !args.store.is_dir() {
        let message = "no store here: run the pipeline on it first".to_owned();
        return Err(RunError::File { path: args.store.clone(), message }.into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let store = LocalDirStore::new(&args.store);
    let mut functions = LocalFunctions::new(&runtime, &store)?;

    // The severities on record before, by report key (the range's days only).
    let mut before = std::collections::BTreeMap::new();
    let mut keys = Vec::new();
    for day in days {
        keys.extend(runtime.block_on(store.list(&pipeline_events::keys::history_day(day)))?);
    }
    for key in keys {
        let line: Value = serde_json::from_slice(&runtime.block_on(store.get(&key))?).unwrap_or_default();
        if let (Some(report), Some(severity)) = (line["report_key"].as_str(), line["severity"].as_str()) {
            before.insert(report.to_owned(), severity.to_owned());
        }
    }

    let execution = format!("backfill-{}-{}", std::process::id(), pipeline_events::time::unix_now());
    let input = serde_json::to_value(&range).expect("serialisable");
    let output = match execute(&doc, input, &execution, &mut functions, &mut Vec::new())? {
        Outcome::Succeeded(output) => output,
        Outcome::Failed(f) => {
            let cause = crate::printable(&alert::readable_cause(&f.cause));
            return Err(BackfillError::Failed { error: f.error, cause });
        }
        Outcome::Waiting(paused) => {
            let cause = format!("paused at '{}', a callback task the backfill has no use for", paused.state);
            return Err(BackfillError::Failed { error: "States.Runtime".into(), cause });
        }
    };
    let batches = output["batches"].as_array().cloned().unwrap_or_default();
    if batches.is_empty() {
        println!("no batch of stream {} between {} and {}: nothing to monitor again", args.stream, args.from, args.to);
        return Ok(());
    }
    let mut out = Vec::new();
    println!("{:<16} {:<8} {:<8} batch", "hour", "before", "after");
    for b in &batches {
        let text = |v: &Value| v.as_str().unwrap_or("?").to_owned();
        let Some(report_key) = b["report_key"].as_str() else {
            // A batch that failed; the Map tolerated it.
            println!("{:<16} failed: {} {}", "?", text(&b["Error"]), crate::printable(&text(&b["Cause"])));
            continue;
        };
        let row = Remonitored {
            batch: text(&b["batch_id"]),
            before: before.get(report_key).cloned().unwrap_or_else(|| "-".into()),
            after: text(&b["severity"]),
        };
        println!(
            "{:<16} {:<8} {:<8} {}",
            format!("{} {}:00", text(&b["dt"]), text(&b["hour"])),
            row.before,
            row.after,
            row.batch
        );
        out.push(row);
    }
    let changed = out.iter().filter(|r| r.before != r.after).count();
    println!("{} batches of stream {} monitored again, {changed} changed severity", out.len(), args.stream);
    Ok(())
}
