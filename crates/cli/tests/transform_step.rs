//! transform on extract's output: every clean comment is scored by the
//! registry's production model, the table matches what the model says,
//! the model is loaded once per version, and a rerun writes the same bytes.

mod common;

use std::sync::Arc;

use absa_train::publish;
use extract::Extractor;
use pipeline_events::ExtractInput;
use pipeline_store::{LocalDirStore, ObjectStore};
use transform::{TransformError, Transformer};

#[tokio::test]
async fn scores_a_bundled_hour_with_the_production_model() {
    let dir = tempfile::tempdir().unwrap();
    let trained = common::train_simulated(dir.path(), 1500, 30);
    let store = LocalDirStore::new(dir.path().join("store"));

    let transformer = Transformer::new("absa-sentiment", "production");
    assert!(matches!(transformer.model(&store).await, Err(TransformError::Registry(_))), "no model published yet");
    assert_eq!(publish(&store, &trained, "production").await.unwrap(), 1);

    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly/2026-11-01T05.csv")).unwrap();
    store.put("raw/h.csv", raw).await.unwrap();
    let extracted = Extractor::new(b"a test key of enough bytes")
        .unwrap()
        .run(&store, &ExtractInput { key: Some("raw/h.csv".into()), ..Default::default() })
        .await
        .unwrap();
    let out = transformer.run(&store, &store, &extracted).await.unwrap();
    assert_eq!((out.model_version, out.partitions.len()), (1, 1));
    let p = &out.partitions[0];
    assert_eq!(p.key, format!("predictions/dt=2026-11-01/hour=05/{}.parquet", extracted.batch_id));
    assert_eq!(p.comments, 400);
    let rows = tables::predictions::from_parquet(&store.get(&p.key).await.unwrap()).unwrap();
    assert_eq!(rows.len() as u64, p.rows);
    assert!(rows.len() > 400, "comments with several aspects give several rows");

    // Each row is what the model itself says about that comment.
    let (_, model) = transformer.model(&store).await.unwrap();
    let clean = tables::clean::from_parquet(&store.get(&extracted.partitions[0].key).await.unwrap()).unwrap();
    let first = &clean[0];
    let analysis = model.analyze(&first.text);
    let mine: Vec<_> = rows.iter().filter(|r| r.comment_id == first.comment_id).collect();
    assert_eq!(mine.len(), analysis.aspects.len().max(1));
    for (row, aspect) in mine.iter().zip(&analysis.aspects) {
        assert_eq!((row.aspect.as_str(), row.sentiment.as_str()), (aspect.aspect.as_str(), aspect.polarity.name()));
    }
    let words: std::collections::BTreeMap<String, u64> =
        serde_json::from_slice(&store.get(&out.words_key).await.unwrap()).unwrap();
    assert!(words.values().sum::<u64>() > 1000);

    // Loaded once: the same Arc comes back while the alias does not move.
    let (_, again) = transformer.model(&store).await.unwrap();
    assert!(Arc::ptr_eq(&model, &again));
    let before = store.get(&p.key).await.unwrap();
    assert_eq!(transformer.run(&store, &store, &extracted).await.unwrap(), out);
    assert_eq!(store.get(&p.key).await.unwrap(), before, "a rerun writes the same bytes");
}
