//! The pipeline's ports: where it keeps its objects ([`ObjectStore`]) and
//! how it tells people ([`Notifier`]). The steps see only these traits;
//! the local adapters are here, the AWS ones (S3, SNS) in the `lambdas`
//! crate, so nothing but a Lambda binary links the AWS SDK.
//! [`ModelRegistry`] keeps versioned models and their aliases in any store.

mod local_dir;
mod notifier;
mod registry;

use std::future::Future;

pub use local_dir::LocalDirStore;
pub use notifier::{LocalNotifier, Notifier, NotifyError};
pub use registry::{ModelRegistry, RegistryError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{key}: no such object")]
    NotFound { key: String },
    #[error("'{key}' is not a valid object key: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("{key}: {source}")]
    Io { key: String, source: std::io::Error },
    #[error("{key}: {message}")]
    Backend { key: String, message: String },
}

/// A flat key → bytes store with `/`-separated keys, like S3.
pub trait ObjectStore: Send + Sync {
    fn get(&self, key: &str) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;
    fn put(&self, key: &str, bytes: Vec<u8>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes only if nothing is stored under `key`; `Ok(false)` when
    /// something is. What makes reruns and concurrent runs safe.
    fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The object and its version: a token that changes whenever the
    /// object is written (S3's ETag).
    fn get_versioned(&self, key: &str) -> impl Future<Output = Result<(Vec<u8>, String), StoreError>> + Send;
    /// Replaces the object only if it is still at `version`; `Ok(false)`
    /// when another write came first (or the object is gone). With
    /// [`ObjectStore::get_versioned`], a compare-and-swap.
    fn put_if_version(
        &self,
        key: &str,
        bytes: Vec<u8>,
        version: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The object's size in bytes, without reading it.
    fn size(&self, key: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Every key that starts with `prefix`, sorted.
    fn list(&self, prefix: &str) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// A required environment variable, or an error naming it.
pub fn required_env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

/// An optional environment variable, or `default` when it is not set.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// An optional numeric environment variable, `default` when it is not
/// set, or an error naming it when it is not a number.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| format!("{name} '{v}' is not a number")),
        Err(_) => Ok(default),
    }
}

/// Keys are relative, `/`-separated, without empty, `.` or `..` parts, so
/// that no adapter can be led outside its root.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    let invalid = |reason| Err(StoreError::InvalidKey { key: key.to_owned(), reason });
    if key.is_empty() {
        return invalid("empty");
    }
    if key.contains('\\') || key.contains('\0') {
        return invalid("contains a backslash or NUL");
    }
    if key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return invalid("has an empty, '.' or '..' part");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_variables_fall_back_and_bad_numbers_are_named() {
        // Names no other test or tool sets.
        assert_eq!(env_or("ABSA_TEST_UNSET_NAME", "absa-sentiment"), "absa-sentiment");
        assert_eq!(env_number("ABSA_TEST_UNSET_HOURS", 6), Ok(6));
        // SAFETY: this test alone touches these variables, and sets them before reading.
        unsafe {
            std::env::set_var("ABSA_TEST_HOURS", "12");
            std::env::set_var("ABSA_TEST_SHARE", "half");
        }
        assert_eq!(env_number("ABSA_TEST_HOURS", 6), Ok(12));
        assert_eq!(env_number("ABSA_TEST_SHARE", 0.5), Err("ABSA_TEST_SHARE 'half' is not a number".to_owned()));
    }
}
