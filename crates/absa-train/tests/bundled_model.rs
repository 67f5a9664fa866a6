//! The bundled model in data/model is what `make model` makes: training
//! data/train with the bundled recipe reproduces every file byte for byte.
//! `absa-drift run` publishes those files when a store has no model, so
//! they can never drift from their source.

use absa_model::MODEL_FILES;
use absa_train::{TrainOptions, train};

#[test]
fn the_bundled_model_is_reproduced_from_its_training_data() {
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let trained =
        train(&TrainOptions::bundled(format!("{repo}/data/train"), format!("{repo}/data/human-rated")), &mut |_| {})
            .unwrap();
    let names: Vec<&str> = trained.files.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, MODEL_FILES, "training writes the files the registry and data/model hold");
    for (name, bytes) in &trained.files {
        let committed = std::fs::read(format!("{repo}/data/model/{name}")).unwrap();
        assert!(
            committed == *bytes,
            "data/model/{name} ({} bytes) differs from what training made ({} bytes): run `make model` and commit it",
            committed.len(),
            bytes.len()
        );
    }
}
