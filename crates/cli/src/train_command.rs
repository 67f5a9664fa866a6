//! `absa-drift train`: trains the sentiment model, writes its files to
//! `--out`, optionally publishes them to a model registry and logs the run
//! to MLflow when `MLFLOW_TRACKING_URI` is set.

use std::path::PathBuf;

use absa_train::{Progress, TrainOptions, mlflow};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pipeline_store::LocalDirStore;

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Directory with comments.csv (exporter format) and comments.labels.csv.
    #[arg(long, value_name = "DIR", default_value = "data/train")]
    data: PathBuf,
    /// Directory with the human-rated sentence sets and their split.csv,
    /// for the comment-level model.
    #[arg(long, value_name = "DIR", default_value = "data/human-rated")]
    human_rated: PathBuf,
    /// Directory to write the model's files into (model.json,
    /// comment-model.json, comment-text.bin, metadata.json, metrics.json,
    /// vocabulary.txt, reference.parquet, profile.json).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Model name (in metadata, the registry and MLflow) [default: the bundled model's].
    #[arg(long)]
    name: Option<String>,
    /// Seed of the train/validation/test split and of XGBoost [default: the bundled model's].
    #[arg(long)]
    seed: Option<u64>,
    /// Most boosting rounds [default: the bundled model's].
    #[arg(long)]
    max_rounds: Option<u32>,
    /// Stop after this many rounds without a better validation log-loss
    /// [default: the bundled model's].
    #[arg(long)]
    patience: Option<u32>,
    /// XGBoost threads [default: the bundled model's, 2: the thread count is
    /// in metadata.json, so the same data gives the same bytes on any machine].
    #[arg(long)]
    threads: Option<usize>,
    /// Also publish the model to this local registry directory as the next
    /// version (models/<name>/<version>/) and point --alias at it.
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Alias the published version gets.
    #[arg(long, default_value = "production")]
    alias: String,
    /// MLflow experiment (used when MLFLOW_TRACKING_URI is set).
    #[arg(long, default_value = "absa-drift")]
    experiment: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainCommandError {
    #[error(transparent)]
    Train(#[from] absa_train::TrainError),
    #[error("model registry: {0}")]
    Registry(#[from] pipeline_store::RegistryError),
    #[error(transparent)]
    Mlflow(#[from] mlflow::MlflowError),
}

pub fn run(args: &TrainArgs) -> Result<(), TrainCommandError> {
    let bundled = TrainOptions::bundled(&args.data, &args.human_rated);
    let options = TrainOptions {
        name: args.name.clone().unwrap_or(bundled.name.clone()),
        seed: args.seed.unwrap_or(bundled.seed),
        max_rounds: args.max_rounds.unwrap_or(bundled.max_rounds),
        patience: args.patience.unwrap_or(bundled.patience),
        threads: args.threads.unwrap_or(bundled.threads),
        ..bundled
    };
    let bar = ProgressBar::new(u64::from(options.max_rounds));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} rounds ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message("featurising");
    let trained = absa_train::train(&options, &mut |p| match p {
        Progress::Featurized { pairs } => bar.set_message(format!("{pairs} labelled aspect mentions; boosting")),
        Progress::Round(r) => {
            bar.set_position(u64::from(r.round) + 1);
            bar.set_message(format!("valid mlogloss {:.4} (best round {})", r.valid_mlogloss, r.best_round + 1));
        }
        Progress::CommentRound(r) => bar.set_message(format!(
            "comment-level model: round {}, valid mlogloss {:.4}",
            r.round + 1,
            r.valid_mlogloss
        )),
        Progress::Scoring => bar.set_message("scoring and profiling the test split"),
    })?;
    bar.finish_and_clear();
    absa_train::write_files(&args.out, &trained.files)?;
    let m = &trained.metrics;
    println!(
        "trained {} rounds on {} aspect mentions: test macro-F1 {:.3} (lexicon baseline {:.3}, {} test mentions); wrote {}",
        m.rounds,
        m.split.train_pairs,
        m.macro_f1,
        m.baseline_macro_f1,
        m.split.test_pairs,
        args.out.display()
    );

    let mut published = None;
    if let Some(dir) = &args.registry {
        let version = block_on(absa_train::publish(&LocalDirStore::new(dir), &trained, &args.alias))?;
        println!("published {} version {version} to {} as '{}'", options.name, dir.display(), args.alias);
        published = Some(version);
    }

    if let Ok(uri) = std::env::var("MLFLOW_TRACKING_URI")
        && !uri.is_empty()
    {
        let mut params: Vec<(String, String)> =
            trained.metadata.xgboost_params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        params.extend([
            ("feature_spec_hash".to_owned(), trained.metadata.feature_spec.hash.clone()),
            ("data_hash".to_owned(), trained.metadata.data_hash.clone()),
            ("split_seed".to_owned(), options.seed.to_string()),
            ("max_rounds".to_owned(), options.max_rounds.to_string()),
            ("patience".to_owned(), options.patience.to_string()),
        ]);
        let mut metrics = vec![
            ("macro_f1".to_owned(), m.macro_f1, 0),
            ("baseline_macro_f1".to_owned(), m.baseline_macro_f1, 0),
            ("accuracy".to_owned(), m.model.accuracy, 0),
            ("rounds".to_owned(), f64::from(m.rounds), 0),
        ];
        for (class, c) in &m.model.per_class {
            metrics.extend([
                (format!("{class}_precision"), c.precision, 0),
                (format!("{class}_recall"), c.recall, 0),
                (format!("{class}_f1"), c.f1, 0),
            ]);
        }
        for (set, s) in &m.comment_level.sets {
            metrics.extend([
                (format!("comment_{set}_macro_f1"), s.model.macro_f1, 0),
                (format!("comment_{set}_lexicon_macro_f1"), s.lexicon.macro_f1, 0),
                (format!("comment_{set}_ece"), s.ece, 0),
            ]);
        }
        metrics.extend(trained.curve.iter().map(|r| ("valid_mlogloss".to_owned(), r.valid_mlogloss, r.round)));
        let record = mlflow::RunRecord {
            experiment: &args.experiment,
            run_name: &options.name,
            params,
            metrics,
            artifacts: trained.files.iter().map(|(n, b)| (format!("model/{n}"), b.as_slice())).collect(),
            registered_model: &options.name,
            version_tags: published
                .map(|v| (mlflow::REGISTRY_VERSION_TAG.to_owned(), v.to_string()))
                .into_iter()
                .collect(),
            aliases: vec![&args.alias],
        };
        let logged = mlflow::Client::new(&uri).log_run(&record)?;
        println!(
            "logged MLflow run {} (experiment {}) and registered {} version {}",
            logged.run_id, logged.experiment_id, options.name, logged.model_version
        );
    }
    Ok(())
}

/// Runs a future to completion on a small runtime: the CLI is synchronous,
/// the store port is async (its S3 adapter is).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime").block_on(future)
}
