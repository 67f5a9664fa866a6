//! Versioned models in an object store:
//!
//! ```text
//! models/<name>/<version>/model.json, metadata.json, …   (version = 1, 2, …)
//! models/<name>/<alias>.json                             ({"version": 3})
//! ```
//!
//! A version number is claimed with a conditional write before any file is
//! written, so two trainings never share one; an alias is moved only after
//! every file of its version is stored.

use serde::{Deserialize, Serialize};

use pipeline_events::keys;

use crate::{ObjectStore, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("model '{name}' has no alias '{alias}': publish a version and point the alias at it")]
    NoAlias { name: String, alias: String },
    #[error("{key}: not a valid alias object: {source}")]
    BadAlias { key: String, source: serde_json::Error },
    #[error("{key}: {message}")]
    BadFile { key: String, message: String },
    #[error("'{0}' is not a valid model or alias name (letters, digits, '-', '_')")]
    BadName(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Alias {
    version: u32,
}

pub struct ModelRegistry<'s, S: ObjectStore> {
    store: &'s S,
}

impl<'s, S: ObjectStore> ModelRegistry<'s, S> {
    pub fn new(store: &'s S) -> Self {
        ModelRegistry { store }
    }

    /// Stores the files as the next version of `name` and returns it.
    pub async fn publish(&self, name: &str, files: &[(&str, Vec<u8>)]) -> Result<u32, RegistryError> {
        check_name(name)?;
        let mut version = self.versions(name).await?.last().copied().unwrap_or(0) + 1;
        let listing: Vec<&str> = files.iter().map(|(f, _)| *f).collect();
        loop {
            let claim = serde_json::to_vec(&serde_json::json!({ "name": name, "version": version, "files": listing }))
                .expect("serialisable");
            if self.store.put_if_absent(&keys::model_file(name, version, "version.json"), claim).await? {
                break;
            }
            version += 1;
        }
        for (file, bytes) in files {
            self.store.put(&keys::model_file(name, version, file), bytes.clone()).await?;
        }
        Ok(version)
    }

    /// The versions of `name`, in increasing order.
    pub async fn versions(&self, name: &str) -> Result<Vec<u32>, RegistryError> {
        check_name(name)?;
        let prefix = keys::model_versions(name);
        let mut versions: Vec<u32> = self
            .store
            .list(&prefix)
            .await?
            .iter()
            .filter_map(|k| k[prefix.len()..].split_once('/').and_then(|(v, _)| v.parse().ok()))
            .collect();
        versions.dedup();
        Ok(versions)
    }

    pub async fn set_alias(&self, name: &str, alias: &str, version: u32) -> Result<(), RegistryError> {
        check_name(name)?;
        check_name(alias)?;
        let bytes = serde_json::to_vec(&Alias { version }).expect("serialisable");
        Ok(self.store.put(&keys::model_alias(name, alias), bytes).await?)
    }

    pub async fn resolve(&self, name: &str, alias: &str) -> Result<u32, RegistryError> {
        check_name(name)?;
        check_name(alias)?;
        let key = keys::model_alias(name, alias);
        let bytes = self.store.get(&key).await.map_err(|e| match e {
            StoreError::NotFound { .. } => RegistryError::NoAlias { name: name.to_owned(), alias: alias.to_owned() },
            other => other.into(),
        })?;
        let alias: Alias = serde_json::from_slice(&bytes).map_err(|source| RegistryError::BadAlias { key, source })?;
        Ok(alias.version)
    }

    pub async fn file(&self, name: &str, version: u32, file: &str) -> Result<Vec<u8>, RegistryError> {
        check_name(name)?;
        Ok(self.store.get(&keys::model_file(name, version, file)).await?)
    }

    /// A version's file, parsed by `parse`; a file that does not parse is
    /// [`RegistryError::BadFile`] naming its key.
    pub async fn parsed_file<T, E: std::fmt::Display>(
        &self,
        name: &str,
        version: u32,
        file: &str,
        parse: impl FnOnce(&[u8]) -> Result<T, E>,
    ) -> Result<T, RegistryError> {
        let bytes = self.file(name, version, file).await?;
        parse(&bytes)
            .map_err(|e| RegistryError::BadFile { key: keys::model_file(name, version, file), message: e.to_string() })
    }
}

fn check_name(name: &str) -> Result<(), RegistryError> {
    let ok = !name.is_empty()
        && !name.chars().all(|c| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(RegistryError::BadName(name.to_owned())) }
}
