//! `absa-drift run`: the whole pipeline on this machine. The state machine
//! the cloud runs (statemachine/absa_drift_pipeline.asl.json) is executed
//! by the local interpreter (`asl`), its functions are the steps'
//! libraries, the object store is a local directory and alerts go to
//! `<store>/alerts.jsonl`. One execution per hourly batch.

use std::path::{Path, PathBuf};

use asl::{Outcome, execute};
use clap::Args;
use comment_sim::{Generator, HOURLY_START, Scenario, iso_hour, write_exporter_csv};
use pipeline_events::{ExtractInput, keys};
use pipeline_store::{LocalDirStore, ModelRegistry, ObjectStore, RegistryError};
use serde_json::Value;
use taxonomy::Taxonomy;

use crate::local_functions::LocalFunctions;
use crate::publish_command::{ALIAS, MODEL};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The local object store (raw/, clean/, predictions/, reports/, models/ …).
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    /// Hourly batches to replay.
    #[arg(long, default_value_t = 48)]
    hours: u32,
    /// Simulate fresh hours with this drift scenario instead of replaying
    /// data/hourly (none, aspect_mix, sentiment_flip, new_slang, spam_bots,
    /// language_mix, length_shift).
    #[arg(long)]
    scenario: Option<Scenario>,
    /// First hour of --scenario.
    #[arg(long, default_value_t = 24)]
    from_hour: u32,
    /// Your own exporter files (CSV, JSON Lines or Parquet): a file or a
    /// directory; each file is one batch.
    #[arg(long, value_name = "PATH", conflicts_with = "scenario")]
    input: Option<PathBuf>,
    /// When the --input files arrived (YYYY-MM-DDTHH:MM:SSZ), which labels
    /// their batches; now by default. Replayed hours are ingested at the
    /// end of the hour their file is named after.
    #[arg(long, value_name = "TIME", requires = "input", value_parser = iso_time)]
    ingested_at: Option<String>,
    /// The stream the --input files belong to: batches of one stream share a
    /// cooldown. By default, each exporter file's video (from its name,
    /// `TTCommentExporter-<video id>-…`); other files are stream `default`.
    #[arg(long, value_name = "NAME", requires = "input")]
    stream: Option<String>,
    /// The model published as production when the store has none yet:
    /// the bundled one (`make model` rebuilds it from data/train).
    #[arg(long, value_name = "DIR", default_value = "data/model")]
    model: PathBuf,
    /// The bundled hourly batches.
    #[arg(long, value_name = "DIR", default_value = "data/hourly")]
    hourly: PathBuf,
    #[arg(long, value_name = "FILE", default_value = "statemachine/absa_drift_pipeline.asl.json")]
    state_machine: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Workflow(#[from] asl::WorkflowError),
    #[error("model registry: {0}")]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Publish(#[from] crate::publish_command::PublishError),
    #[error("store: {0}")]
    Store(#[from] pipeline_store::StoreError),
}

fn iso_time(time: &str) -> Result<String, String> {
    match pipeline_events::time::parse_iso_time(time) {
        Some(_) => Ok(time.to_owned()),
        None => Err("not a UTC time like 2026-11-02T06:00:00Z".to_owned()),
    }
}

/// One file to run as one execution.
struct Batch {
    name: String,
    bytes: Vec<u8>,
    /// `YYYY-MM-DDTHH:MM:SSZ`; extract's clock when absent.
    ingested_at: Option<String>,
}

/// The last second of an hour named `YYYY-MM-DDTHH` (a bundled or simulated file).
fn end_of_hour(name: &str) -> Option<String> {
    let end = format!("{}:59:59Z", name.strip_suffix(".csv")?);
    pipeline_events::time::parse_iso_time(&end).map(|_| end)
}

/// `path` itself, or the regular files in it when it is a directory.
pub fn input_files(path: &Path) -> Result<Vec<PathBuf>, RunError> {
    if path.is_dir() { files_in(path) } else { Ok(vec![path.to_owned()]) }
}

/// The regular files in `dir`, sorted: a symbolic link is not followed (it
/// could lead to any file on the machine), and every entry left out is said.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, RunError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| RunError::File { path: dir.to_owned(), message: e.to_string() })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| RunError::File { path: dir.to_owned(), message: e.to_string() })?;
        let skipped = match entry.file_type() {
            Ok(t) if t.is_file() => {
                files.push(entry.path());
                continue;
            }
            Ok(t) if t.is_symlink() => "a symbolic link, not followed",
            Ok(_) => "not a regular file",
            Err(_) => "its type cannot be read",
        };
        eprintln!("absa-drift: skipping {}: {skipped}", crate::printable(&entry.path().display().to_string()));
    }
    files.sort();
    Ok(files)
}

/// A state-machine document, checked to be one the local runner can run.
pub fn read_state_machine(path: &Path) -> Result<Value, RunError> {
    let doc: Value = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|message| RunError::File { path: path.to_owned(), message })?;
    asl::validate(&doc)?;
    Ok(doc)
}

/// Publishes `model_dir` as the production model when `store` has none yet.
pub fn publish_if_missing(
    runtime: &tokio::runtime::Runtime,
    store: &LocalDirStore,
    model_dir: &Path,
) -> Result<(), RunError> {
    match runtime.block_on(ModelRegistry::new(store).resolve(MODEL, ALIAS)) {
        Ok(version) => println!("model {MODEL} version {version} ('{ALIAS}' in {})", store.root().display()),
        Err(RegistryError::NoAlias { .. }) => {
            let version = runtime.block_on(crate::publish_command::publish(store, model_dir, MODEL, ALIAS))?;
            println!(
                "no '{ALIAS}' model in {} yet: published {} as version {version}",
                store.root().display(),
                model_dir.display()
            );
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The bundled training data a retrain starts from.
const TRAINING_DIR: &str = "data/train";
const HUMAN_RATED_DIR: &str = "data/human-rated";

/// Puts the bundled training data under `training/` in the store, unless
/// something is there already (what a deployment uploads to the bucket) or
/// it is not here (run from outside the repository).
pub fn upload_training_data_if_missing(
    runtime: &tokio::runtime::Runtime,
    store: &LocalDirStore,
) -> Result<(), RunError> {
    if !runtime.block_on(store.list(keys::TRAINING_PREFIX))?.is_empty() {
        return Ok(());
    }
    for (dir, prefix) in [(TRAINING_DIR, keys::TRAINING_PREFIX), (HUMAN_RATED_DIR, keys::HUMAN_RATED_PREFIX)] {
        // Run from elsewhere than the repository: no bundled data to offer; a
        // retrain then says there is no training data.
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten().filter(|e| e.path().is_file()) {
            let path = entry.path();
            let bytes =
                std::fs::read(&path).map_err(|e| RunError::File { path: path.clone(), message: e.to_string() })?;
            runtime.block_on(store.put(&format!("{prefix}{}", entry.file_name().to_string_lossy()), bytes))?;
        }
    }
    Ok(())
}

/// Every batch to run, in order.
fn batches(args: &RunArgs) -> Result<Vec<Batch>, RunError> {
    let read =
        |path: &Path| std::fs::read(path).map_err(|e| RunError::File { path: path.to_owned(), message: e.to_string() });
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(input) = &args.input {
        let files = input_files(input)?;
        let batch = |p: &PathBuf| Ok(Batch { name: name(p), bytes: read(p)?, ingested_at: args.ingested_at.clone() });
        return files.iter().map(batch).collect();
    }
    if let Some(scenario) = args.scenario {
        let taxonomy = Taxonomy::bundled();
        let mut generator = Generator::new(&taxonomy, 20_261_126);
        return Ok((0..args.hours)
            .map(|hour| {
                let mut bytes = Vec::new();
                write_exporter_csv(&generator.hour(hour, 400, scenario, args.from_hour), &mut bytes)
                    .expect("in memory");
                let name = format!("{}.csv", iso_hour(HOURLY_START + i64::from(hour) * 3600));
                Batch { ingested_at: end_of_hour(&name), name, bytes }
            })
            .collect());
    }
    let files = files_in(&args.hourly)?;
    files
        .iter()
        .filter(|p| name(p).ends_with(".csv") && !name(p).ends_with(".labels.csv"))
        .take(args.hours as usize)
        .map(|p| Ok(Batch { name: name(p), bytes: read(p)?, ingested_at: end_of_hour(&name(p)) }))
        .collect()
}

/// How many executions ran and how many of them failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub executions: usize,
    pub failed: usize,
}

/// Runs every batch, each as one execution; a failed execution does not
/// stop the others, and is counted in the summary.
pub fn run(args: &RunArgs) -> Result<RunSummary, RunError> {
    let doc = read_state_machine(&args.state_machine)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let store = LocalDirStore::new(&args.store);

    publish_if_missing(&runtime, &store, &args.model)?;
    upload_training_data_if_missing(&runtime, &store)?;

    let mut functions = LocalFunctions::new(&runtime, &store)?;
    let run_token = format!("{}-{}", std::process::id(), pipeline_events::time::unix_now());
    let mut latest_report = None;
    let mut queues = Vec::new();
    let mut summary = RunSummary { executions: 0, failed: 0 };
    println!("{:<22} {:>5} {:>5} {:>6}  {:<8} alert", "batch", "rows", "bad", "drift", "severity");
    for Batch { name, bytes, ingested_at } in batches(args)? {
        let key = keys::raw(&name);
        runtime.block_on(store.put(&key, bytes))?;
        let input =
            ExtractInput { key: Some(key), ingested_at, stream: args.stream.clone(), ..ExtractInput::default() };
        // Unique, as Step Functions requires: two runs over the same files
        // are two executions each, and alert claims tell them apart.
        let execution =
            format!("local-{}-{}", name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-"), run_token);
        let shown = crate::printable(&name);
        let mut visited = Vec::new();
        let input = serde_json::to_value(input).expect("serialisable");
        let outcome = execute(&doc, input, &execution, &mut functions, &mut visited)?;
        summary.executions += 1;
        // A paused execution (a challenger awaiting approval) has run the
        // hour's steps: its data is the hour's output so far.
        let (out, paused) = match outcome {
            Outcome::Succeeded(out) => (Some(out), None),
            Outcome::Waiting(paused) => (Some(paused.data.clone()), Some(paused)),
            Outcome::Failed(f) => {
                summary.failed += 1;
                // The state before the first `…Failed` one is the step that failed.
                let step = visited.iter().position(|s| s.ends_with("Failed")).and_then(|i| i.checked_sub(1));
                println!(
                    "{shown:<22} FAILED at {}: {}: {}",
                    step.map_or("?", |i| visited[i].as_str()),
                    f.error,
                    crate::printable(&alert::readable_cause(&f.cause))
                );
                (None, None)
            }
        };
        if let Some(out) = out {
            let counts = &out["extract"]["counts"];
            let alert = match out.get("alert") {
                Some(a) if a["sent"] == true => "sent".to_owned(),
                Some(a) => format!("not sent: {}", a["reason"].as_str().unwrap_or_default()),
                None => "-".to_owned(),
            };
            println!(
                "{shown:<22} {:>5} {:>5} {:>6.2}  {:<8} {alert}",
                counts["clean_rows"].as_u64().unwrap_or(0),
                counts["quarantined_rows"].as_u64().unwrap_or(0),
                out["verdict"]["share_of_drifted_columns"].as_f64().unwrap_or(f64::NAN),
                out["verdict"]["severity"].as_str().unwrap_or("?"),
            );
            latest_report = out["verdict"]["html_key"].as_str().map(|k| args.store.join(k));
            queues.extend(out["verdict"]["labelling_queue"].as_str().map(str::to_owned));
            if paused.is_none() && out.get("evaluation").is_some() {
                println!("{:<22} {}", "", crate::approval_command::ended(&out));
            }
        }
        if let Some(paused) = paused {
            crate::approval_command::keep_waiting(&args.store, &args.state_machine, &paused)
                .map_err(|e| RunError::File { path: args.store.clone(), message: e.to_string() })?;
            println!("{:<22} {}", "", crate::approval_command::waiting_line(&paused));
        }
    }
    if let Some(report) = latest_report {
        println!("latest report: {} (alerts: {})", report.display(), args.store.join("alerts.jsonl").display());
    }
    if let Some(last) = queues.last() {
        println!(
            "labelling queues: {} alarmed batches ask for labels, the last {} (absa-drift labels takes them back)",
            queues.len(),
            args.store.join(last).display()
        );
    }
    Ok(summary)
}
