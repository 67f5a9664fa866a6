//! Training end to end on freshly simulated comments: the model beats the
//! lexicon baseline clearly, its files load back into the pipeline's model,
//! xgboost-rs and the pure-Rust predictor agree on it, training is
//! reproducible, and bad training data is refused with file and row.

use std::path::Path;

use absa_model::{LoadError, SentimentModel, XgbModel};
use absa_train::{Progress, TrainError, TrainOptions, Trained, labelled_pairs, load, predict_with_xgboost, split};
use comment_sim::{Generator, write_batch_files};
use taxonomy::Taxonomy;

fn simulate(dir: &Path, comments: usize) {
    let taxonomy = Taxonomy::bundled();
    write_batch_files(dir, "comments", &Generator::new(&taxonomy, 99).training_set(comments)).unwrap();
}

fn options(dir: &Path) -> TrainOptions {
    TrainOptions {
        data_dir: dir.to_owned(),
        human_rated_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/human-rated").into(),
        name: "test-model".into(),
        seed: 7,
        max_rounds: 60,
        patience: 10,
        threads: 2,
    }
}

fn file<'a>(trained: &'a Trained, name: &str) -> &'a [u8] {
    &trained.files.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name} is written")).1
}

#[test]
fn trains_a_model_that_beats_the_baseline_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 2500);
    let mut rounds_seen = 0;
    let trained = absa_train::train(&options(dir.path()), &mut |p| {
        if let Progress::Round(_) = p {
            rounds_seen += 1
        }
    })
    .unwrap();
    let m = &trained.metrics;
    eprintln!("macro-F1 {:.3}, baseline {:.3}, rounds {}", m.macro_f1, m.baseline_macro_f1, m.rounds);
    assert!(m.macro_f1 >= m.baseline_macro_f1 + 0.1, "{} vs baseline {}", m.macro_f1, m.baseline_macro_f1);
    assert!(rounds_seen >= m.rounds as usize && m.rounds >= 1);
    let names: Vec<&str> = trained.files.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, absa_model::MODEL_FILES);
    let text = |name| std::str::from_utf8(file(&trained, name)).unwrap();
    let model = SentimentModel::load(&trained.files).unwrap();
    assert_eq!(model.metadata().rounds, m.rounds);

    // The reference table holds the scored test split, as profile.json says.
    let rows = tables::predictions::from_parquet(file(&trained, "reference.parquet")).unwrap();
    let profile: serde_json::Value = serde_json::from_slice(file(&trained, "profile.json")).unwrap();
    assert_eq!(profile["rows"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(profile["comments"].as_u64().unwrap() as usize, m.split.test_comments);
    let schema = tables::predictions::schema();
    let kinds = profile["columns"].as_object().unwrap();
    assert_eq!(kinds.len(), schema.fields().len());
    assert!(schema.fields().iter().all(|f| kinds.contains_key(f.name())));
    let mix: f64 = profile["aspect_mix"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
    assert!((mix - 1.0).abs() < 1e-9);

    // XGBoost itself and the pure-Rust reader agree on the saved model.
    let data = load(dir.path()).unwrap();
    let test = labelled_pairs(&absa_model::Featurizer::bundled(), &data, &split(&data, 7).test);
    let predictor = XgbModel::from_json(text("model.json")).unwrap();
    let xgboost = predict_with_xgboost(text("model.json"), &test).unwrap();
    for i in 0..test.rows() {
        let ours = predictor.predict(test.row(i));
        for k in 0..3 {
            assert!(
                (ours[k] - xgboost[i * 3 + k]).abs() <= 1e-6,
                "row {i}: {ours:?} vs {:?}",
                &xgboost[i * 3..i * 3 + 3]
            );
        }
    }

    // The same data and seed give the same bytes.
    let again = absa_train::train(&options(dir.path()), &mut |_| {}).unwrap();
    for (name, bytes) in &trained.files {
        assert!(file(&again, name) == bytes.as_slice(), "{name} differs between two trainings");
    }
}

#[test]
fn a_model_for_other_features_is_refused() {
    let files = |metadata_json: &str| [("metadata.json", metadata_json.as_bytes().to_vec())];
    assert!(matches!(SentimentModel::load(&files("{\"name\": 1}")), Err(LoadError::Metadata(_))));
    let err = SentimentModel::load(&[("model.json", b"{}".to_vec())]).err().unwrap();
    assert_eq!(err.to_string(), "metadata.json: missing");
    let bundled =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/model/metadata.json")).unwrap();
    let mut meta: absa_model::ModelMetadata = serde_json::from_str(&bundled).unwrap();
    meta.feature_spec.hash = "0000000000000000".into();
    let err = SentimentModel::load(&files(&serde_json::to_string(&meta).unwrap())).err().unwrap();
    assert!(matches!(err, LoadError::FeatureSpecMismatch { .. }), "{err}");
    assert!(err.to_string().contains("0000000000000000"), "{err}");
}

#[test]
fn bad_training_data_names_the_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 50);
    let labels = dir.path().join("comments.labels.csv");
    let text = std::fs::read_to_string(&labels).unwrap();
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                l.replace("positive", "great").replace("negative", "great").replace("neutral", "great")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&labels, broken.join("\n")).unwrap();
    let err = absa_train::train(&options(dir.path()), &mut |_| {}).err().unwrap();
    assert!(matches!(err, TrainError::Data { row: 3, .. }), "{err}");
    assert!(err.to_string().contains("comments.labels.csv") && err.to_string().contains("great"), "{err}");

    std::fs::remove_file(&labels).unwrap();
    let err = absa_train::train(&options(dir.path()), &mut |_| {}).err().unwrap();
    assert!(matches!(err, TrainError::Io { .. }) && err.to_string().contains("comments.labels.csv"), "{err}");
}
