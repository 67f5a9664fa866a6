//! `absa-drift publish`: a model directory (the bundled data/model, or what
//! `absa-drift train --out` wrote) as the next version in a local registry,
//! with an alias pointing at it. `absa-drift run` does the same when its
//! store has no model; `make deploy` uploads the registry it makes.

use std::path::{Path, PathBuf};

use absa_model::MODEL_FILES;
use clap::Args;
use pipeline_store::{LocalDirStore, ModelRegistry, ObjectStore, RegistryError};

pub const MODEL: &str = "absa-sentiment";
pub const ALIAS: &str = "production";

#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The model's files (`absa_model::MODEL_FILES`: what `train --out` writes).
    #[arg(long, value_name = "DIR", default_value = "data/model")]
    model: PathBuf,
    /// The registry: a local store directory (models/<name>/… inside).
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    #[arg(long, default_value = MODEL)]
    name: String,
    #[arg(long, default_value = ALIAS)]
    alias: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("model registry: {0}")]
    Registry(#[from] RegistryError),
}

/// Publishes the model files in `dir` as the next version of `name` and
/// points `alias` at it; returns the version.
pub async fn publish<S: ObjectStore>(store: &S, dir: &Path, name: &str, alias: &str) -> Result<u32, PublishError> {
    let files = MODEL_FILES
        .iter()
        .map(|file| {
            let path = dir.join(file);
            std::fs::read(&path).map(|bytes| (*file, bytes)).map_err(|source| PublishError::File { path, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let registry = ModelRegistry::new(store);
    let version = registry.publish(name, &files).await?;
    registry.set_alias(name, alias, version).await?;
    Ok(version)
}

pub fn run(args: &PublishArgs) -> Result<(), PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    let version = runtime.block_on(publish(&LocalDirStore::new(&args.store), &args.model, &args.name, &args.alias))?;
    println!(
        "published {} as {} version {version} ('{}') in {}",
        args.model.display(),
        args.name,
        args.alias,
        args.store.display()
    );
    Ok(())
}
