//! `absa-drift baseline`: a reference built from a stream's own comments,
//! after SageMaker Model Monitor's suggest-baseline: the stream's processed
//! batches between two hours, or new files run through extract and
//! transform. It is versioned in the registry under
//! `pipeline_events::keys::baseline_name` with the alias `active`; the
//! monitor then compares that stream's batches with it instead of the
//! model's training reference. The monitor's code builds it, as the
//! monitor function's `baseline` job does in the cloud.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use pipeline_events::{BaselineSummary, DEFAULT_STREAM, ExtractInput, HourRange, keys};
use pipeline_store::{LocalDirStore, ObjectStore};

use crate::local_functions::LocalFunctions;
use crate::run_command::{RunError, input_files, publish_if_missing};

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("source").required(true).args(["input", "from"])))]
pub struct BaselineArgs {
    /// The local store the pipeline runs on (`absa-drift run --store`).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// New files (exporter CSV, JSON Lines or Parquet; a file or a
    /// directory) run through extract and transform into the store, then
    /// made the baseline.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["from", "to"])]
    input: Option<PathBuf>,
    /// First batch hour of already-processed batches: YYYY-MM-DD (its
    /// 00:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR", requires = "to")]
    from: Option<String>,
    /// Last batch hour, included: YYYY-MM-DD (its 23:00) or YYYY-MM-DDTHH.
    #[arg(long, value_name = "HOUR", requires = "from")]
    to: Option<String>,
    /// The stream whose batches make the baseline (and which it is for).
    #[arg(long, default_value = DEFAULT_STREAM)]
    stream: String,
    /// With --input: the model published as production when the store has none yet.
    #[arg(long, value_name = "DIR", default_value = "data/model")]
    model: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{0}")]
    Step(String),
    #[error("store: {0}")]
    Store(#[from] pipeline_store::StoreError),
}

pub fn run(args: &BaselineArgs) -> Result<(), BaselineError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let store = LocalDirStore::new(&args.store);
    let functions = LocalFunctions::new(&runtime, &store)?;
    let step = |e: &dyn std::fmt::Display| BaselineError::Step(e.to_string());
    let summary: BaselineSummary = match (&args.input, &args.from, &args.to) {
        (Some(input), _, _) => {
            publish_if_missing(&runtime, &store, &args.model)?;
            let mut batches = Vec::new();
            for path in &input_files(input)? {
                let bytes =
                    std::fs::read(path).map_err(|e| RunError::File { path: path.clone(), message: e.to_string() })?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let key = keys::raw(&name);
                runtime.block_on(store.put(&key, bytes))?;
                let input = ExtractInput { key: Some(key), stream: Some(args.stream.clone()), ..Default::default() };
                let extracted = runtime.block_on(functions.extractor.run(&store, &input)).map_err(|e| step(&e))?;
                let scored =
                    runtime.block_on(functions.transformer.run(&store, &store, &extracted)).map_err(|e| step(&e))?;
                batches.push(scored);
            }
            let source = format!("stream {} from {}", args.stream, crate::printable(&input.display().to_string()));
            runtime.block_on(monitor::baseline_from(&store, &store, &batches, &source)).map_err(|e| step(&e))?
        }
        (None, Some(from), Some(to)) => {
            let range = HourRange { from: from.clone(), to: to.clone(), stream: args.stream.clone(), alert: false };
            runtime.block_on(monitor::build_baseline(&store, &store, &range)).map_err(|e| step(&e))?
        }
        _ => unreachable!("clap requires --input or --from with --to"),
    };
    println!(
        "baseline {} version {} ('{}'): {} rows, {} comments from {}",
        summary.name,
        summary.version,
        keys::BASELINE_ALIAS,
        summary.rows,
        summary.comments,
        summary.source
    );
    Ok(())
}
