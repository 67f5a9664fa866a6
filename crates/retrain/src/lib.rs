//! Pipeline step 5, **retrain**: the branch an alarm with enough labels
//! (or a person) starts. Three jobs ([`RetrainJob`]), run by the state
//! machine in order:
//!
//! 1. **train**: gathers the labels that came back (`labels/…`) with their
//!    comments' texts (the batch's clean partitions), keeps one labelled
//!    comment in five aside to judge with, and, when at least
//!    `min_new_labels` more than the production model learnt from are
//!    there, trains a challenger on the training data (`training/…`) plus
//!    the rest, through a [`Trainer`] (XGBoost's C++ lives in the binary
//!    that provides one), and registers it under the `challenger` alias;
//! 2. **evaluate**: both models on the held-out labels (aspect and comment
//!    level) and on the human-rated test sets (their `metrics.json`), and
//!    whether the challenger may be promoted without a person;
//! 3. **promote**: points `production` at the challenger, once approved.
//!
//! The approval itself is the state machine's callback task: the alert
//! function sends its token to a person (docs/retraining.md).

use std::collections::BTreeMap;
use std::path::Path;

use absa_model::{RUNTIME_FILES, SentimentModel};
use drift_core::scores::{Confusion, Scores};
use pipeline_events::{
    BatchHour, Challenger, Comparison, Evaluation, Promotion, RetrainJob, RetrainRequest, StepError, Training,
    TransformOutput, keys,
};
use pipeline_store::{ModelRegistry, ObjectStore, RegistryError, StoreError, env_number};
use serde_json::Value;
use tables::labels::{Label, TextLabel, text_labels_from_csv, text_labels_to_csv};

/// The alias of the model the pipeline scores with, and of the one
/// waiting to replace it.
pub const PRODUCTION: &str = "production";
pub const CHALLENGER: &str = "challenger";
/// The labels a challenger did not learn from, kept with it.
pub const HELD_OUT_FILE: &str = "held-out.csv";
/// The file of labels a trainer finds in its data directory.
pub const FEEDBACK_FILE: &str = "feedback.csv";
/// One labelled comment in this many is held out (by a hash of its id, so
/// a comment stays on its side as labels grow).
const HELD_OUT_EVERY: u64 = 5;
/// Held-out labels below which no comparison is trusted for promotion.
pub const MIN_HELD_OUT: usize = 20;

/// Trains a model from a data directory (the training comments, their
/// labels and `feedback.csv`) and the human-rated sets; returns its files.
pub trait Trainer: Send + Sync {
    fn train(&self, data_dir: &Path, human_rated_dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String>;
}

/// The trainer of a build without XGBoost's C++: the step still counts
/// labels and says whether a retrain is due, and fails with `why` when one is.
pub struct Untrained(pub &'static str);

impl Trainer for Untrained {
    fn train(&self, _: &Path, _: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
        Err(self.0.to_owned())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RetrainError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{key}: {message}")]
    Read { key: String, message: String },
    #[error("no training data under training/ in the store: upload data/train and data/human-rated there")]
    NoTrainingData,
    #[error("training: {0}")]
    Training(String),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error("version {version} of {model}: {message}")]
    Model { model: String, version: u32, message: String },
}

impl StepError for RetrainError {
    fn error_type(&self) -> &'static str {
        "RetrainError"
    }
}

/// The retrain step, with its thresholds.
pub struct Retrainer<T> {
    pub model: String,
    /// Labels beyond those the production model learnt from that make a
    /// retrain worth it.
    pub min_new_labels: usize,
    /// The macro-F1 gain on the held-out labels that promotes without a person.
    pub margin: f64,
    /// The most a human-rated test set may lose for an automatic promotion.
    pub tolerance: f64,
    pub auto_promote: bool,
    pub trainer: T,
}

impl<T> Retrainer<T> {
    /// The retrain step as configured by the environment, as the Lambda and
    /// the local runner both read it: `ABSA_RETRAIN_MIN_LABELS` (default
    /// 200), `ABSA_PROMOTION_MARGIN` (0.02), `ABSA_PROMOTION_TOLERANCE`
    /// (0.01), `ABSA_AUTO_PROMOTE` (`false`).
    pub fn from_env(model: &str, trainer: T) -> Result<Self, String> {
        Ok(Retrainer {
            model: model.to_owned(),
            min_new_labels: env_number("ABSA_RETRAIN_MIN_LABELS", 200)?,
            margin: env_number("ABSA_PROMOTION_MARGIN", 0.02)?,
            tolerance: env_number("ABSA_PROMOTION_TOLERANCE", 0.01)?,
            auto_promote: env_number("ABSA_AUTO_PROMOTE", false)?,
            trainer,
        })
    }
}

impl<T: Trainer> Retrainer<T> {
    /// Does `job`; the answer is the job's output as the workflow sees it.
    pub async fn handle<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        job: &RetrainJob,
    ) -> Result<Value, RetrainError> {
        let value = match job {
            RetrainJob::Train(request) => serde_json::to_value(self.train(store, models, request).await?),
            RetrainJob::Evaluate(challenger) => serde_json::to_value(self.evaluate(models, challenger).await?),
            RetrainJob::Promote(challenger) => serde_json::to_value(promote(models, challenger).await?),
        };
        Ok(value.expect("serialisable"))
    }

    pub async fn train<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        request: &RetrainRequest,
    ) -> Result<Training, RetrainError> {
        let registry = ModelRegistry::new(models);
        let champion = registry.resolve(&self.model, PRODUCTION).await?;
        let learnt = json_file(&registry, &self.model, champion, "metadata.json").await?["feedback_labels"]
            .as_u64()
            .unwrap_or(0);
        let (held_out, learn): (Vec<TextLabel>, Vec<TextLabel>) =
            returned_labels(store).await?.into_iter().partition(|l| is_held_out(&l.label));
        let new = learn.len().saturating_sub(learnt as usize);
        let not = |reason: String| Training { trained: false, reason, challenger: None };
        if new < self.min_new_labels {
            return Ok(not(format!(
                "{new} new labels since version {champion} learnt from {learnt}; a retrain needs {}",
                self.min_new_labels
            )));
        }
        let claim = keys::retrain_claim(&self.model, champion, learn.len());
        let record = serde_json::json!({ "reason": request.reason, "batch_id": request.batch_id });
        if !store.put_if_absent(&claim, record.to_string().into_bytes()).await? {
            return Ok(not(format!("a challenger from version {champion} with {} labels exists already", learn.len())));
        }

        let dir = tempfile::tempdir().map_err(|source| RetrainError::Io { path: "/tmp".into(), source })?;
        copy_training_data(store, dir.path()).await?;
        write(&dir.path().join(FEEDBACK_FILE), &text_labels_to_csv(&learn))?;
        let mut files =
            self.trainer.train(dir.path(), &dir.path().join("human-rated")).map_err(RetrainError::Training)?;
        files.push((HELD_OUT_FILE.to_owned(), text_labels_to_csv(&held_out)));
        let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let version = registry.publish(&self.model, &named).await?;
        registry.set_alias(&self.model, CHALLENGER, version).await?;
        let challenger = Challenger {
            model: self.model.clone(),
            version,
            champion_version: champion,
            trained_labels: learn.len(),
            held_out_labels: held_out.len(),
        };
        Ok(Training {
            trained: true,
            reason: format!("{new} new labels ({}); challenger version {version}", request.reason),
            challenger: Some(challenger),
        })
    }

    pub async fn evaluate<M: ObjectStore>(
        &self,
        models: &M,
        challenger: &Challenger,
    ) -> Result<Evaluation, RetrainError> {
        let registry = ModelRegistry::new(models);
        let (name, new, old) = (&challenger.model, challenger.version, challenger.champion_version);
        let held_out = registry.parsed_file(name, new, HELD_OUT_FILE, text_labels_from_csv).await?;
        let (challenger_model, champion_model) = (load(&registry, name, new).await?, load(&registry, name, old).await?);
        let mut scores = BTreeMap::new();
        for (test, aspect_level) in [("held_out_aspect", true), ("held_out_comment", false)] {
            let labels: Vec<&TextLabel> =
                held_out.iter().filter(|l| l.label.aspect.is_some() == aspect_level).collect();
            if let (Some(c), Some(p)) = (score(&challenger_model, &labels), score(&champion_model, &labels)) {
                scores.insert(test.to_owned(), Comparison { challenger: c.0, champion: p.0, rows: c.1 });
            }
        }
        let (new_metrics, old_metrics) = (
            json_file(&registry, name, new, "metrics.json").await?,
            json_file(&registry, name, old, "metrics.json").await?,
        );
        for (test, f1, rows) in human_rated_tests(&new_metrics) {
            if let Some((_, champion, _)) = human_rated_tests(&old_metrics).into_iter().find(|t| t.0 == test) {
                scores.insert(test, Comparison { challenger: f1, champion, rows });
            }
        }
        let held_out_gain = ["held_out_aspect", "held_out_comment"]
            .iter()
            .filter_map(|t| scores.get(*t))
            .find(|c| c.rows >= MIN_HELD_OUT)
            .map(|c| c.challenger - c.champion);
        let worst_real = scores
            .iter()
            .filter(|(t, _)| !t.starts_with("held_out"))
            .map(|(_, c)| c.challenger - c.champion)
            .fold(0.0, f64::min);
        let promote_automatically =
            self.auto_promote && held_out_gain.is_some_and(|g| g >= self.margin) && worst_real >= -self.tolerance;
        let summary = match held_out_gain {
            Some(gain) => format!(
                "version {new} against {old}: {gain:+.3} macro-F1 on held-out labels, {worst_real:+.3} on its worst human-rated set; {}",
                if promote_automatically {
                    "promoted automatically".to_owned()
                } else if self.auto_promote {
                    format!(
                        "short of the automatic margin ({:+.3}, tolerance {:.3}): needs a person",
                        self.margin, self.tolerance
                    )
                } else {
                    "needs a person's approval".to_owned()
                }
            ),
            None => format!(
                "version {new} against {old}: fewer than {MIN_HELD_OUT} held-out labels to compare on; {worst_real:+.3} on its worst human-rated set; needs a person's approval"
            ),
        };
        Ok(Evaluation { challenger: challenger.clone(), scores, promote_automatically, summary })
    }
}

/// Points `production` at the challenger.
pub async fn promote<M: ObjectStore>(models: &M, challenger: &Challenger) -> Result<Promotion, RetrainError> {
    let registry = ModelRegistry::new(models);
    let previous = registry.resolve(&challenger.model, PRODUCTION).await?;
    registry.set_alias(&challenger.model, PRODUCTION, challenger.version).await?;
    Ok(Promotion {
        model: challenger.model.clone(),
        alias: PRODUCTION.to_owned(),
        version: challenger.version,
        previous_version: previous,
    })
}

fn is_held_out(label: &Label) -> bool {
    // splitmix64's finaliser: ids that are close still spread.
    let mut z = label.comment_id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).is_multiple_of(HELD_OUT_EVERY)
}

/// Every label in the store with its comment's text; a label whose comment
/// is not in its batch's clean partitions is skipped (no text to learn from).
async fn returned_labels<S: ObjectStore>(store: &S) -> Result<Vec<TextLabel>, RetrainError> {
    let mut out = Vec::new();
    for key in store.list(keys::LABELS_PREFIX).await? {
        let Some((hour, batch)) = labels_key_parts(&key) else { continue };
        let read_error = |key: &str, message: String| RetrainError::Read { key: key.to_owned(), message };
        let labels = tables::labels::parse(&store.get(&key).await?).map_err(|m| read_error(&key, m))?.labels;
        let history_key = keys::history(hour, &batch);
        let line: Value = serde_json::from_slice(&store.get(&history_key).await?)
            .map_err(|e| read_error(&history_key, e.to_string()))?;
        let input: TransformOutput =
            serde_json::from_value(line["input"].clone()).map_err(|e| read_error(&history_key, e.to_string()))?;
        let mut texts = BTreeMap::new();
        for p in &input.partitions {
            let Some(partition_hour) = BatchHour::from_partition(&p.dt, &p.hour) else { continue };
            let clean_key = keys::clean_partition(partition_hour, &batch);
            let rows = tables::clean::from_parquet(&store.get(&clean_key).await?)
                .map_err(|e| read_error(&clean_key, e.to_string()))?;
            texts.extend(rows.into_iter().map(|c| (c.comment_id, c.text)));
        }
        out.extend(
            labels
                .into_iter()
                .filter_map(|label| Some(TextLabel { text: texts.get(&label.comment_id)?.clone(), label })),
        );
    }
    Ok(out)
}

/// The batch hour and id of a `labels/dt=…/hour=…/<batch>.csv` key.
fn labels_key_parts(key: &str) -> Option<(BatchHour, String)> {
    let mut parts = key.strip_prefix(keys::LABELS_PREFIX)?.split('/');
    let (dt, hour, file) = (parts.next()?.strip_prefix("dt=")?, parts.next()?.strip_prefix("hour=")?, parts.next()?);
    let (batch, hour) = (file.strip_suffix(".csv")?, BatchHour::from_partition(dt, hour)?);
    (keys::labels(hour, batch) == key).then(|| (hour, batch.to_owned()))
}

/// The training data under `training/` into `dir`, keeping sub-paths.
async fn copy_training_data<S: ObjectStore>(store: &S, dir: &Path) -> Result<(), RetrainError> {
    let keys = store.list(keys::TRAINING_PREFIX).await?;
    if keys.is_empty() {
        return Err(RetrainError::NoTrainingData);
    }
    for key in keys {
        let relative = key.strip_prefix(keys::TRAINING_PREFIX).expect("listed under it");
        write(&dir.join(relative), &store.get(&key).await?)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), RetrainError> {
    let io = |source| RetrainError::Io { path: path.to_owned(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// A version's JSON file (`metadata.json`, `metrics.json`).
async fn json_file<M: ObjectStore>(
    registry: &ModelRegistry<'_, M>,
    model: &str,
    version: u32,
    file: &str,
) -> Result<Value, RetrainError> {
    Ok(registry.parsed_file(model, version, file, |b| serde_json::from_slice::<Value>(b)).await?)
}

async fn load<M: ObjectStore>(
    registry: &ModelRegistry<'_, M>,
    model: &str,
    version: u32,
) -> Result<SentimentModel, RetrainError> {
    let mut files = Vec::new();
    for file in RUNTIME_FILES {
        files.push((file, registry.file(model, version, file).await?));
    }
    SentimentModel::load(&files).map_err(|e| RetrainError::Model {
        model: model.to_owned(),
        version,
        message: e.to_string(),
    })
}

/// The model's macro-F1 on `labels` and the labels it could score (an
/// aspect label whose aspect the model did not find is left out).
fn score(model: &SentimentModel, labels: &[&TextLabel]) -> Option<(f64, usize)> {
    let mut confusion: Confusion = [[0.0; 3]; 3];
    let mut rows = 0;
    for l in labels {
        let analysis = model.analyze(&l.text);
        let predicted = match &l.label.aspect {
            None => Some(analysis.sentiment.polarity),
            Some(aspect) => analysis.aspects.iter().find(|a| &a.aspect == aspect).map(|a| a.polarity),
        };
        if let Some(p) = predicted {
            confusion[l.label.polarity as usize][p as usize] += 1.0;
            rows += 1;
        }
    }
    Scores::of(&confusion).map(|s| (s.macro_f1, rows))
}

/// (test, macro-F1, rows) of a model's human-rated tests in its metrics.json.
fn human_rated_tests(metrics: &Value) -> Vec<(String, f64, usize)> {
    let mut out: Vec<(String, f64, usize)> = metrics["comment_level"]["sets"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(set, m)| {
            Some((format!("comment_{set}"), m["model"]["macro_f1"].as_f64()?, m["test_rows"].as_u64()? as usize))
        })
        .collect();
    let real = &metrics["real_aspects"];
    if let (Some(f1), Some(rows)) = (real["model"]["macro_f1"].as_f64(), real["test_pairs"].as_u64()) {
        out.push(("aspect_product_reviews".to_owned(), f1, rows as usize));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labels_key_names_its_batch_and_hour() {
        let hour = BatchHour::from_partition("2026-11-02", "07").unwrap();
        assert_eq!(labels_key_parts(&keys::labels(hour, "b1")), Some((hour, "b1".to_owned())));
        assert_eq!(labels_key_parts("labels/dt=2026-11-02/b1.csv"), None);
        assert_eq!(labels_key_parts("labels/dt=2026-11-02/hour=07/b1.json"), None);
    }

    #[test]
    fn about_one_labelled_comment_in_five_is_held_out() {
        let label = |comment_id| Label { comment_id, aspect: None, polarity: taxonomy::Polarity::Neutral };
        let held = (7_226_000_000_000_000u64..7_226_000_000_010_000).filter(|&id| is_held_out(&label(id))).count();
        assert!((1800..2200).contains(&held), "{held}");
    }
}
