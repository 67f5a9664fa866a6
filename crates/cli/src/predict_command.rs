//! `absa-drift predict`: scores comments from a file with the sentiment
//! model, outside the pipeline. Reads what extract reads (exporter CSV,
//! JSON Lines, Parquet), writes one JSON object per comment to stdout and
//! one line per unreadable row to stderr.

use std::io::Write;
use std::path::{Path, PathBuf};

use absa_model::{LABELS, RUNTIME_FILES, SentimentModel};
use clap::Args;
use pipeline_store::{LocalDirStore, ModelRegistry, RegistryError};
use serde::Serialize;

use crate::publish_command::{ALIAS, MODEL};

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The comments: an exporter CSV, a JSON Lines file or a Parquet file.
    #[arg(long, value_name = "PATH")]
    input: PathBuf,
    /// A model directory (what `absa-drift train --out` writes)
    /// [default: data/model, the bundled model].
    #[arg(long, value_name = "DIR", conflicts_with = "store")]
    model: Option<PathBuf>,
    /// A local store whose registry's production model scores the comments.
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("{path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Format { path: PathBuf, source: extract::FormatError },
    #[error("model registry: {0}")]
    Registry(#[from] RegistryError),
    #[error("the model: {0}")]
    Model(#[from] absa_model::LoadError),
    #[error("writing the output: {0}")]
    Output(std::io::Error),
}

/// One comment's line of output.
#[derive(Debug, Serialize)]
struct Prediction<'a> {
    /// A string: TikTok ids do not fit in a JSON number without loss.
    comment_id: String,
    sentiment: &'static str,
    probabilities: Probabilities,
    language: &'a str,
    aspects: Vec<AspectPrediction>,
}

#[derive(Debug, Serialize)]
struct Probabilities {
    negative: f32,
    neutral: f32,
    positive: f32,
}

impl From<[f32; 3]> for Probabilities {
    fn from(p: [f32; 3]) -> Self {
        debug_assert_eq!(LABELS.map(|l| l.name()), ["negative", "neutral", "positive"]);
        Probabilities { negative: p[0], neutral: p[1], positive: p[2] }
    }
}

#[derive(Debug, Serialize)]
struct AspectPrediction {
    aspect: String,
    term: String,
    sentiment: &'static str,
    /// Probability of `sentiment`.
    probability: f32,
}

/// What was read: comments scored and rows skipped.
pub struct Predicted {
    pub comments: usize,
    pub skipped: usize,
}

pub fn run(args: &PredictArgs) -> Result<Predicted, PredictError> {
    let model = load_model(args)?;
    let bytes = std::fs::read(&args.input).map_err(|source| PredictError::File { path: args.input.clone(), source })?;
    let (_, rows) = extract::read_file(&bytes, pipeline_events::time::unix_now() + extract::FUTURE_TOLERANCE_SECS)
        .map_err(|source| PredictError::Format { path: args.input.clone(), source })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut done = Predicted { comments: 0, skipped: 0 };
    for row in rows {
        match row {
            Ok(comment) => {
                let analysis = model.analyze(&comment.text);
                let prediction = Prediction {
                    comment_id: comment.comment_id.to_string(),
                    sentiment: analysis.sentiment.polarity.name(),
                    probabilities: analysis.sentiment.probabilities.into(),
                    language: analysis.language,
                    aspects: analysis
                        .aspects
                        .iter()
                        .map(|a| AspectPrediction {
                            aspect: a.aspect.clone(),
                            term: a.term.clone(),
                            sentiment: a.polarity.name(),
                            probability: a.confidence(),
                        })
                        .collect(),
                };
                serde_json::to_writer(&mut out, &prediction).map_err(|e| PredictError::Output(e.into()))?;
                out.write_all(b"\n").map_err(PredictError::Output)?;
                done.comments += 1;
            }
            Err(rejected) => {
                eprintln!(
                    "absa-drift: skipped {}: {} ({})",
                    args.input.display(),
                    crate::printable(&rejected.message),
                    rejected.reason
                );
                done.skipped += 1;
            }
        }
    }
    out.flush().map_err(PredictError::Output)?;
    Ok(done)
}

fn load_model(args: &PredictArgs) -> Result<SentimentModel, PredictError> {
    if let Some(store) = &args.store {
        let mut files = Vec::new();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        let store = LocalDirStore::new(store);
        let registry = ModelRegistry::new(&store);
        let version = runtime.block_on(registry.resolve(MODEL, ALIAS))?;
        for file in RUNTIME_FILES {
            files.push((file, runtime.block_on(registry.file(MODEL, version, file))?));
        }
        return Ok(SentimentModel::load(&files)?);
    }
    Ok(SentimentModel::load_dir(args.model.as_deref().unwrap_or(Path::new("data/model")))?)
}
