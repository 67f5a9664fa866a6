//! The object store on a local directory: keys are relative paths.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{ObjectStore, StoreError, check_key};

#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDirStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file an object lives in.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    fn io(key: &str) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Io { key: key.to_owned(), source }
    }

    /// Writes through a temporary file and a rename, so a reader never sees
    /// half an object.
    fn write_atomically(&self, key: &str, bytes: &[u8], replace: bool) -> Result<bool, StoreError> {
        let path = self.path_of(key)?;
        let dir = path.parent().expect("a key has a file name");
        fs::create_dir_all(dir).map_err(Self::io(key))?;
        // Unique per process and per write, so concurrent writers of one key
        // never share a temporary file.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let tmp = dir.join(format!(
            ".{}.tmp-{}-{}",
            path.file_name().unwrap().to_string_lossy(),
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        let mut file = fs::File::create(&tmp).map_err(Self::io(key))?;
        file.write_all(bytes).and_then(|()| file.sync_all()).map_err(Self::io(key))?;
        if replace {
            fs::rename(&tmp, &path).map_err(Self::io(key))?;
            return Ok(true);
        }
        // hard_link fails if the target exists: an atomic create-if-absent.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(Self::io(key)(e)),
        }
    }
}

impl ObjectStore for LocalDirStore {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        match fs::read(self.path_of(key)?) {
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StoreError::NotFound { key: key.to_owned() }),
            other => other.map_err(Self::io(key)),
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.write_atomically(key, &bytes, true).map(drop)
    }

    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
        self.write_atomically(key, &bytes, false)
    }

    async fn size(&self, key: &str) -> Result<u64, StoreError> {
        match fs::metadata(self.path_of(key)?) {
            Err(e) if e.kind() == ErrorKind::NotFound => Err(StoreError::NotFound { key: key.to_owned() }),
            other => other.map(|m| m.len()).map_err(Self::io(key)),
        }
    }

    async fn get_versioned(&self, key: &str) -> Result<(Vec<u8>, String), StoreError> {
        let bytes = self.get(key).await?;
        let version = version_of(&bytes);
        Ok((bytes, version))
    }

    /// Under an exclusive lock on `<root>/.store.lock`, which every
    /// process sharing the directory takes for its compare-and-swaps.
    async fn put_if_version(&self, key: &str, bytes: Vec<u8>, version: &str) -> Result<bool, StoreError> {
        fs::create_dir_all(&self.root).map_err(Self::io(key))?;
        let lock = fs::File::create(self.root.join(".store.lock")).map_err(Self::io(key))?;
        lock.lock().map_err(Self::io(key))?;
        let current = match self.get(key).await {
            Ok(current) => current,
            Err(StoreError::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e),
        };
        if version_of(&current) != version {
            return Ok(false);
        }
        self.write_atomically(key, &bytes, true)
        // The lock is released when `lock` is dropped.
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        walk(&self.root, &self.root, &mut keys).map_err(Self::io(prefix))?;
        keys.retain(|k| k.starts_with(prefix));
        keys.sort();
        Ok(keys)
    }
}

/// A version token for local objects: a hash of the content. Writing the
/// same bytes again keeps the version, which a compare-and-swap of the same
/// state may treat as no change.
fn version_of(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016x}-{}", hasher.finish(), bytes.len())
}

/// Every file under `dir` as a key, skipping in-flight temporary files.
fn walk(root: &Path, dir: &Path, keys: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, keys)?;
        } else if !entry.file_name().to_string_lossy().starts_with('.') {
            let relative = path.strip_prefix(root).expect("under root");
            keys.push(relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
        }
    }
    Ok(())
}
