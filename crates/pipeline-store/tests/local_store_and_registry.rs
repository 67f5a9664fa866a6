//! The local-directory store and the model registry on it.

use pipeline_store::{LocalDirStore, ModelRegistry, ObjectStore, RegistryError, StoreError};

#[tokio::test]
async fn objects_round_trip_and_list_by_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    store.put("clean/dt=2026-11-01/hour=00/part.parquet", b"abc".to_vec()).await.unwrap();
    store.put("clean/dt=2026-11-01/hour=01/part.parquet", b"def".to_vec()).await.unwrap();
    store.put("raw/x.csv", b"raw".to_vec()).await.unwrap();
    assert_eq!(store.get("raw/x.csv").await.unwrap(), b"raw");
    assert_eq!(
        store.list("clean/").await.unwrap(),
        ["clean/dt=2026-11-01/hour=00/part.parquet", "clean/dt=2026-11-01/hour=01/part.parquet"]
    );
    assert!(matches!(store.get("raw/missing.csv").await, Err(StoreError::NotFound { .. })));
}

#[tokio::test]
async fn put_if_absent_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    assert!(store.put_if_absent("alerts/run-1", b"first".to_vec()).await.unwrap());
    assert!(!store.put_if_absent("alerts/run-1", b"second".to_vec()).await.unwrap());
    assert_eq!(store.get("alerts/run-1").await.unwrap(), b"first");
    // No temporary file is left behind or listed.
    assert_eq!(store.list("").await.unwrap(), ["alerts/run-1"]);
    assert_eq!(std::fs::read_dir(dir.path().join("alerts")).unwrap().count(), 1);
}

#[tokio::test]
async fn keys_cannot_escape_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path().join("root"));
    for key in ["../outside", "a/../../b", "/etc/passwd", "a//b", "", "a\\b"] {
        assert!(matches!(store.put(key, vec![1]).await, Err(StoreError::InvalidKey { .. })), "{key}");
    }
    assert!(!dir.path().join("outside").exists());
}

#[tokio::test]
async fn the_registry_numbers_versions_and_resolves_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    let registry = ModelRegistry::new(&store);
    assert!(matches!(registry.resolve("absa", "production").await, Err(RegistryError::NoAlias { .. })));
    let v1 = registry.publish("absa", &[("model.json", b"one".to_vec())]).await.unwrap();
    let v2 = registry.publish("absa", &[("model.json", b"two".to_vec())]).await.unwrap();
    assert_eq!((v1, v2), (1, 2));
    assert_eq!(registry.versions("absa").await.unwrap(), [1, 2]);
    registry.set_alias("absa", "production", v1).await.unwrap();
    let live = registry.resolve("absa", "production").await.unwrap();
    assert_eq!(registry.file("absa", live, "model.json").await.unwrap(), b"one");
    registry.set_alias("absa", "production", v2).await.unwrap();
    assert_eq!(registry.resolve("absa", "production").await.unwrap(), 2);
    assert!(matches!(registry.publish("../x", &[]).await, Err(RegistryError::BadName(_))));
}

#[tokio::test]
async fn a_claimed_version_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDirStore::new(dir.path());
    // Another training claimed version 1 but has not written its files yet.
    store.put_if_absent("models/absa/1/version.json", b"{}".to_vec()).await.unwrap();
    let registry = ModelRegistry::new(&store);
    assert_eq!(registry.publish("absa", &[("model.json", b"mine".to_vec())]).await.unwrap(), 2);
}
