//! Pipeline step 2, **transform**: scores each clean partition extract
//! wrote with the model the registry's alias points at, and writes the
//! monitored prediction table (crate `tables`) and the batch's
//! word counts:
//!
//! ```text
//! predictions/dt=YYYY-MM-DD/hour=HH/<batch>.parquet
//! predictions/words/<batch>.json        word → count over the batch's comments
//! ```
//!
//! The model is loaded once per container and kept while the alias points
//! at the same version; moving the alias takes effect on the next batch.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use absa_model::{CommentFacts, RUNTIME_FILES, SentimentModel, count_words, prediction_rows};
use pipeline_events::{BatchHour, ExtractOutput, PredictionPartition, StepError, TransformOutput, keys};
use pipeline_store::{ModelRegistry, ObjectStore, RegistryError, StoreError};
use tables::TableError;

#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("model {name} version {version}: {message}")]
    Model { name: String, version: u32, message: String },
    #[error("{key}: not a clean partition: {source}")]
    Partition { key: String, source: TableError },
    #[error("{key}: dt '{dt}' and hour '{hour}' are not a UTC hour")]
    Hour { key: String, dt: String, hour: String },
    #[error("{key}: writing Parquet: {source}")]
    Write { key: String, source: TableError },
}

impl StepError for TransformError {
    fn error_type(&self) -> &'static str {
        "TransformError"
    }
}

pub struct Transformer {
    model_name: String,
    alias: String,
    loaded: Mutex<Option<(u32, Arc<SentimentModel>)>>,
}

impl Transformer {
    pub fn new(model_name: impl Into<String>, alias: impl Into<String>) -> Self {
        Transformer { model_name: model_name.into(), alias: alias.into(), loaded: Mutex::new(None) }
    }

    /// The model the alias points at in the registry's store, loaded at
    /// most once per version.
    pub async fn model<M: ObjectStore>(&self, models: &M) -> Result<(u32, Arc<SentimentModel>), TransformError> {
        let registry = ModelRegistry::new(models);
        let version = registry.resolve(&self.model_name, &self.alias).await?;
        if let Some((v, model)) = self.loaded.lock().expect("not poisoned").as_ref()
            && *v == version
        {
            return Ok((version, model.clone()));
        }
        let name = &self.model_name;
        let mut files = Vec::new();
        for file in RUNTIME_FILES {
            files.push((file, registry.file(name, version, file).await?));
        }
        let model = SentimentModel::load(&files).map_err(|e| TransformError::Model {
            name: name.clone(),
            version,
            message: e.to_string(),
        })?;
        let model = Arc::new(model);
        *self.loaded.lock().expect("not poisoned") = Some((version, model.clone()));
        Ok((version, model))
    }

    /// Scores the batch in `store` with the model from `models` (the model
    /// registry's store; the same store will do).
    pub async fn run<S: ObjectStore, M: ObjectStore>(
        &self,
        store: &S,
        models: &M,
        input: &ExtractOutput,
    ) -> Result<TransformOutput, TransformError> {
        let (version, model) = self.model(models).await?;
        let mut partitions = Vec::new();
        let mut words = BTreeMap::new();
        for p in &input.partitions {
            let hour = BatchHour::from_partition(&p.dt, &p.hour).ok_or_else(|| TransformError::Hour {
                key: p.key.clone(),
                dt: p.dt.clone(),
                hour: p.hour.clone(),
            })?;
            let comments = tables::clean::from_parquet(&store.get(&p.key).await?)
                .map_err(|source| TransformError::Partition { key: p.key.clone(), source })?;
            let mut rows = Vec::new();
            // Comments are analysed a thousand at a time: each model predicts a chunk's rows in one call.
            for chunk in comments.chunks(1024) {
                let analyses = model.analyze_many(&chunk.iter().map(|c| c.text.as_str()).collect::<Vec<_>>());
                for (c, analysis) in chunk.iter().zip(&analyses) {
                    count_words(&c.text, &mut words);
                    let facts = CommentFacts {
                        comment_id: c.comment_id,
                        created_at: c.created_at,
                        digg_count: c.digg_count,
                        reply_count: c.reply_count,
                        is_reply: c.reply_to.is_some(),
                    };
                    rows.extend(prediction_rows(facts, analysis));
                }
            }
            let key = keys::prediction_partition(hour, &input.batch_id);
            let bytes = tables::predictions::to_parquet(&rows)
                .map_err(|source| TransformError::Write { key: key.clone(), source })?;
            store.put(&key, bytes).await?;
            partitions.push(PredictionPartition {
                dt: p.dt.clone(),
                hour: p.hour.clone(),
                key,
                comments: comments.len() as u64,
                rows: rows.len() as u64,
            });
        }
        let words_key = keys::word_counts(&input.batch_id);
        store.put(&words_key, serde_json::to_vec(&words).expect("serialisable")).await?;
        Ok(TransformOutput {
            batch_id: input.batch_id.clone(),
            ingestion: input.ingestion.clone(),
            model: self.model_name.clone(),
            model_version: version,
            partitions,
            words_key,
            extract_counts: input.counts,
        })
    }
}
