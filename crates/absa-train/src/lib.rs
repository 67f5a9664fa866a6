//! `absa-drift train`: featurises the labelled comments with absa-model's
//! one featuriser, boosts an XGBoost softprob model with early stopping,
//! scores it and the lexicon baseline on the held-out split, trains the
//! comment-level model on the human-rated sets, and writes the model's
//! files and its reference profile.

mod booster;
mod comment_model;
mod data;
mod human_rated;
mod linear;
mod metrics;
pub mod mlflow;
mod profile;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use absa_model::{Featurizer, LABELS, ModelMetadata, SentimentModel, XgbModel, argmax, count_words, write_vocabulary};
use pipeline_store::{ModelRegistry, ObjectStore, RegistryError};
use serde::Serialize;
use tables::labels::TextLabel;
use taxonomy::Polarity;

pub use booster::{Boosted, Matrix, Round, boost, boost_rounds, dmatrix, mlogloss, predict_with_xgboost};
pub use comment_model::{
    CommentMetrics, CommentTrained, FEEDBACK_SET, SetMetrics, domain_of, expected_calibration_error,
    train_comment_model,
};
pub use data::{COMMENTS_FILE, LABELS_FILE, LabelledComments, Split, load, split};
pub use human_rated::{Part, RatedSentence, SETS, label_of, load_human_rated};
pub use linear::{Example, LinearOptions, train_linear};
pub use metrics::{ClassMetrics, Evaluation, evaluate};

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}, row {row}: {message}")]
    Data { path: PathBuf, row: usize, message: String },
    #[error("XGBoost: {0}")]
    Xgboost(#[from] xgboost_rs::XGBError),
    #[error("the model XGBoost wrote cannot be read back: {0}")]
    Reload(#[from] absa_model::LoadError),
    #[error("no boosting round ran (max rounds is 0)")]
    NoRounds,
    #[error("no labelled aspect mention in the {0} split: more data is needed")]
    EmptySplit(&'static str),
    #[error("writing the reference profile: {0}")]
    Table(#[from] tables::TableError),
}

#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub data_dir: PathBuf,
    /// The human-rated sets the comment-level model learns from.
    pub human_rated_dir: PathBuf,
    pub name: String,
    pub seed: u64,
    pub max_rounds: u32,
    pub patience: u32,
    pub threads: usize,
}

impl TrainOptions {
    /// The recipe of the bundled model (data/model, `make model`): seed 7,
    /// at most 600 rounds with early stopping after 30, two XGBoost threads.
    /// The thread count is fixed because it is recorded in metadata.json and
    /// the model's bytes must not depend on the machine.
    pub fn bundled(data_dir: impl Into<PathBuf>, human_rated_dir: impl Into<PathBuf>) -> Self {
        TrainOptions {
            data_dir: data_dir.into(),
            human_rated_dir: human_rated_dir.into(),
            name: "absa-sentiment".into(),
            seed: 7,
            max_rounds: 600,
            patience: 30,
            threads: 2,
        }
    }
}

/// What training is doing, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Featurized { pairs: usize },
    Round(Round),
    CommentRound(Round),
    Scoring,
}

/// `metrics.json`.
#[derive(Debug, Serialize)]
pub struct Metrics {
    pub macro_f1: f64,
    pub baseline_macro_f1: f64,
    pub model: Evaluation,
    pub baseline: Evaluation,
    pub split: SplitSizes,
    pub rounds: u32,
    pub best_valid_mlogloss: f64,
    /// Expected calibration error of the aspect-level probabilities on the
    /// synthetic test pairs (the monitor estimates quality from them).
    pub ece: f64,
    /// The comment-level model on the human-rated sets' test rows.
    pub comment_level: CommentMetrics,
    /// The aspect-level model on real weak labels ([`weak_aspect_pairs`]).
    pub real_aspects: RealAspectMetrics,
}

#[derive(Debug, Serialize)]
pub struct RealAspectMetrics {
    pub set: &'static str,
    pub train_pairs: usize,
    pub valid_pairs: usize,
    pub test_pairs: usize,
    pub model: Evaluation,
    pub baseline: Evaluation,
    pub ece: f64,
}

#[derive(Debug, Serialize)]
pub struct SplitSizes {
    pub train_comments: usize,
    pub valid_comments: usize,
    pub test_comments: usize,
    pub train_pairs: usize,
    pub valid_pairs: usize,
    pub test_pairs: usize,
}

/// Everything training produced, ready to be written or published.
pub struct Trained {
    pub metadata: ModelMetadata,
    pub metrics: Metrics,
    pub curve: Vec<Round>,
    /// (file name, contents), in [`absa_model::MODEL_FILES`] order.
    pub files: Vec<(&'static str, Vec<u8>)>,
}

/// The XGBoost parameters, passed to XGBoost as they are and recorded in
/// metadata.json. Column sampling stays at 1 so training is reproducible.
pub fn xgboost_params(seed: u64, threads: usize) -> BTreeMap<String, String> {
    [
        ("objective", "multi:softprob".to_owned()),
        ("num_class", "3".to_owned()),
        ("eval_metric", "mlogloss".to_owned()),
        ("tree_method", "hist".to_owned()),
        ("max_depth", "6".to_owned()),
        ("eta", "0.15".to_owned()),
        ("min_child_weight", "1".to_owned()),
        ("lambda", "1".to_owned()),
        ("max_bin", "256".to_owned()),
        ("seed", seed.to_string()),
        ("nthread", threads.to_string()),
        ("verbosity", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The labelled (comment, aspect) pairs of the given comments.
pub fn labelled_pairs(featurizer: &Featurizer, data: &LabelledComments, comments: &[usize]) -> Matrix {
    let mut m = Matrix::new(featurizer.spec().len());
    for &i in comments {
        let c = &data.comments[i];
        let Some(labels) = data.labels.get(&c.comment_id) else { continue };
        for f in featurizer.featurize(&c.text) {
            if let Some((_, polarity)) = labels.iter().find(|(a, _)| *a == f.mention.aspect) {
                m.push(&f.values, *polarity as usize);
            }
        }
    }
    m
}

/// Weak aspect labels from real text: the product-review sentences of
/// `part` that mention exactly one aspect, labelled with the sentence's
/// rating (with one aspect, the sentence's feeling is the aspect's).
pub fn weak_aspect_pairs(featurizer: &Featurizer, sentences: &[RatedSentence], part: Part) -> Matrix {
    let mut m = Matrix::new(featurizer.spec().len());
    for s in sentences.iter().filter(|s| s.set == WEAK_LABEL_SET && s.part == part) {
        if let [only] = featurizer.featurize(&s.text).as_slice() {
            m.push(&only.values, s.label as usize);
        }
    }
    m
}

/// The aspect pairs of the labels that came back.
fn feedback_pairs(featurizer: &Featurizer, feedback: &[TextLabel]) -> Matrix {
    let mut m = Matrix::new(featurizer.spec().len());
    for f in feedback {
        let Some(aspect) = &f.label.aspect else { continue };
        if let Some(mention) = featurizer.featurize(&f.text).into_iter().find(|m| &m.mention.aspect == aspect) {
            m.push(&mention.values, f.label.polarity as usize);
        }
    }
    m
}

/// The human-rated set whose sentences give weak aspect labels.
pub const WEAK_LABEL_SET: &str = "product_reviews";

pub fn train(options: &TrainOptions, progress: &mut dyn FnMut(Progress)) -> Result<Trained, TrainError> {
    let data = data::load(&options.data_dir)?;
    let parts = data::split(&data, options.seed);
    let featurizer = Featurizer::bundled();
    let (mut train_m, mut valid_m, test_m) = (
        labelled_pairs(&featurizer, &data, &parts.train),
        labelled_pairs(&featurizer, &data, &parts.valid),
        labelled_pairs(&featurizer, &data, &parts.test),
    );
    for (m, name) in [(&train_m, "train"), (&valid_m, "validation"), (&test_m, "test")] {
        if m.rows() == 0 {
            return Err(TrainError::EmptySplit(name));
        }
    }
    let mut sentences = load_human_rated(&options.human_rated_dir)?;
    let weak = |part| weak_aspect_pairs(&featurizer, &sentences, part);
    let (weak_train, weak_valid, weak_test) = (weak(Part::Train), weak(Part::Validation), weak(Part::Test));
    train_m.append(&weak_train);
    // Labels that came back: aspect labels join the aspect model's training
    // pairs, comment labels the comment model's training rows (social text).
    train_m.append(&feedback_pairs(&featurizer, &data.feedback));
    sentences.extend(data.feedback.iter().filter(|f| f.label.aspect.is_none()).map(|f| RatedSentence {
        set: FEEDBACK_SET,
        id: f.label.comment_id.to_string(),
        rating: match f.label.polarity {
            Polarity::Negative => -2.0,
            Polarity::Neutral => 0.0,
            Polarity::Positive => 2.0,
        },
        label: f.label.polarity,
        part: Part::Train,
        text: f.text.clone(),
    }));
    valid_m.append(&weak_valid);
    progress(Progress::Featurized { pairs: train_m.rows() + valid_m.rows() + test_m.rows() });

    let params = xgboost_params(options.seed, options.threads);
    let boosted = booster::boost(&params, &train_m, &valid_m, options.max_rounds, options.patience, &mut |r| {
        progress(Progress::Round(r))
    })?;
    let comment = train_comment_model(
        &options.human_rated_dir,
        &sentences,
        &featurizer,
        options.seed,
        options.threads,
        &mut |r| progress(Progress::CommentRound(r)),
    )?;
    progress(Progress::Scoring);

    let mut vocabulary = BTreeMap::new();
    for &i in &parts.train {
        count_words(&data.comments[i].text, &mut vocabulary);
    }
    let metadata = ModelMetadata {
        name: options.name.clone(),
        feature_spec: featurizer.spec().into(),
        labels: LABELS.map(|p| p.name().to_owned()).to_vec(),
        xgboost_params: params,
        rounds: boosted.rounds,
        data_hash: data.data_hash.clone(),
        trainer: "xgboost-rs 0.3.0 (XGBoost 1.6.2)".to_owned(),
        comment_model: comment.metadata,
        feedback_labels: data.feedback.len(),
    };
    let metadata_json = serde_json::to_string_pretty(&metadata).expect("serialisable") + "\n";
    let vocabulary_txt = write_vocabulary(&vocabulary);

    // Scored as the pipeline will score: the pure-Rust predictor on the saved JSON.
    let predictor = XgbModel::from_json(&boosted.model_json).map_err(absa_model::LoadError::Model)?;
    let probabilities = |m: &Matrix| -> Vec<[f32; 3]> {
        (0..m.rows()).map(|i| predictor.predict(m.row(i)).try_into().expect("three classes")).collect()
    };
    let (test_p, weak_p) = (probabilities(&test_m), probabilities(&weak_test));
    let truth: Vec<usize> = test_m.labels.iter().map(|&y| y as usize).collect();
    let predicted: Vec<usize> = test_p.iter().map(|p| argmax(p)).collect();
    let baseline: Vec<usize> =
        (0..test_m.rows()).map(|i| featurizer.lexicon_baseline(test_m.row(i)) as usize).collect();
    let (model_eval, baseline_eval) = (evaluate(&truth, &predicted), evaluate(&truth, &baseline));
    let weak_truth: Vec<usize> = weak_test.labels.iter().map(|&y| y as usize).collect();
    let weak_predicted: Vec<usize> = weak_p.iter().map(|p| argmax(p)).collect();
    let weak_baseline: Vec<usize> =
        (0..weak_test.rows()).map(|i| featurizer.lexicon_baseline(weak_test.row(i)) as usize).collect();
    let real_aspects = RealAspectMetrics {
        set: WEAK_LABEL_SET,
        train_pairs: weak_train.rows(),
        valid_pairs: weak_valid.rows(),
        test_pairs: weak_test.rows(),
        model: evaluate(&weak_truth, &weak_predicted),
        baseline: evaluate(&weak_truth, &weak_baseline),
        ece: expected_calibration_error(&weak_p, &weak_truth),
    };
    let metrics = Metrics {
        macro_f1: model_eval.macro_f1,
        baseline_macro_f1: baseline_eval.macro_f1,
        model: model_eval,
        baseline: baseline_eval,
        split: SplitSizes {
            train_comments: parts.train.len(),
            valid_comments: parts.valid.len(),
            test_comments: parts.test.len(),
            train_pairs: train_m.rows(),
            valid_pairs: valid_m.rows(),
            test_pairs: test_m.rows(),
        },
        rounds: boosted.rounds,
        best_valid_mlogloss: boosted.curve[boosted.rounds as usize - 1].valid_mlogloss,
        ece: expected_calibration_error(&test_p, &truth),
        comment_level: comment.metrics,
        real_aspects,
    };

    let mut files = vec![
        ("model.json", boosted.model_json.into_bytes()),
        ("comment-model.json", comment.trees_json.into_bytes()),
        ("comment-text.bin", comment.text.to_bytes()),
        ("metadata.json", metadata_json.into_bytes()),
        ("metrics.json", (serde_json::to_string_pretty(&metrics).expect("serialisable") + "\n").into_bytes()),
        ("vocabulary.txt", vocabulary_txt.into_bytes()),
    ];
    let model = SentimentModel::load(&files)?;
    let test_comments: Vec<_> = parts.test.iter().map(|&i| &data.comments[i]).collect();
    let rows = profile::prediction_rows(&model, &test_comments);
    let profile = profile::build(&model, &data.data_hash, &test_comments, &rows);

    files.extend([
        ("reference.parquet", tables::predictions::to_parquet(&rows)?),
        ("profile.json", (serde_json::to_string_pretty(&profile).expect("serialisable") + "\n").into_bytes()),
    ]);
    Ok(Trained { metadata, metrics, curve: boosted.curve, files })
}

/// Publishes a trained model's files as the next version of its name and
/// points `alias` at it; returns the version.
pub async fn publish<S: ObjectStore>(store: &S, trained: &Trained, alias: &str) -> Result<u32, RegistryError> {
    let registry = ModelRegistry::new(store);
    let files: Vec<(&str, Vec<u8>)> = trained.files.iter().map(|(n, b)| (*n, b.clone())).collect();
    let version = registry.publish(&trained.metadata.name, &files).await?;
    registry.set_alias(&trained.metadata.name, alias, version).await?;
    Ok(version)
}

/// Writes the files into `dir` (created if needed).
pub fn write_files(dir: &Path, files: &[(&'static str, Vec<u8>)]) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|source| TrainError::Io { path: dir.to_owned(), source })?;
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| TrainError::Io { path, source })?;
    }
    Ok(())
}

/// The bundled recipe ([`TrainOptions::bundled`]) as the retrain step's
/// trainer: a challenger is trained as the bundled model was, on the data
/// directory the step prepares (with its `feedback.csv`).
pub struct RecipeTrainer;

impl retrain::Trainer for RecipeTrainer {
    fn train(&self, data_dir: &Path, human_rated_dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
        let trained =
            train(&TrainOptions::bundled(data_dir, human_rated_dir), &mut |_| {}).map_err(|e| e.to_string())?;
        Ok(trained.files.into_iter().map(|(name, bytes)| (name.to_owned(), bytes)).collect())
    }
}
