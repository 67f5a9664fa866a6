//! The retraining branch's registry moves, mirrored to MLflow when
//! `MLFLOW_TRACKING_URI` is set: a challenger is logged as a run (what it
//! learnt from, its metrics, its files) and registered as a version tagged
//! with its number in the pipeline's registry, under the alias
//! `challenger`; a promotion of that version moves MLflow's `production`
//! alias to it. The pipeline's own registry stays the one transform reads,
//! so an MLflow that cannot be reached is a warning, not a failed step.

use absa_model::MODEL_FILES;
use absa_train::mlflow::{Client, MlflowError, REGISTRY_VERSION_TAG, RunRecord};
use pipeline_events::{Promotion, RetrainJob, Training};
use pipeline_store::{LocalDirStore, ModelRegistry};
use retrain::{CHALLENGER, HELD_OUT_FILE, PRODUCTION};
use serde::Deserialize;
use serde_json::Value;

const EXPERIMENT: &str = "absa-drift";

/// Mirrors a finished retrain job's outcome (`output`), if MLflow is configured.
pub fn mirror(runtime: &tokio::runtime::Runtime, store: &LocalDirStore, job: &RetrainJob, output: &Value) {
    let Some(uri) = std::env::var("MLFLOW_TRACKING_URI").ok().filter(|uri| !uri.is_empty()) else {
        return;
    };
    let client = Client::new(&uri);
    let mirrored = match job {
        RetrainJob::Train(_) => match Training::deserialize(output) {
            Ok(Training { challenger: Some(challenger), reason, .. }) => {
                log_challenger(runtime, store, &client, &challenger, &reason)
            }
            _ => Ok(()),
        },
        RetrainJob::Promote(_) => match Promotion::deserialize(output) {
            Ok(promotion) => promote(&client, &promotion),
            Err(_) => Ok(()),
        },
        RetrainJob::Evaluate(_) => Ok(()),
    };
    if let Err(e) = mirrored {
        eprintln!("warning: MLflow at {uri} not updated (the pipeline's registry is): {e}");
    }
}

fn log_challenger(
    runtime: &tokio::runtime::Runtime,
    store: &LocalDirStore,
    client: &Client,
    challenger: &pipeline_events::Challenger,
    reason: &str,
) -> Result<(), MlflowError> {
    let registry = ModelRegistry::new(store);
    let (name, version) = (challenger.model.as_str(), challenger.version);
    let files: Vec<(String, Vec<u8>)> = MODEL_FILES
        .iter()
        .chain([&HELD_OUT_FILE])
        .filter_map(|file| Some((file.to_string(), runtime.block_on(registry.file(name, version, file)).ok()?)))
        .collect();
    let metrics_json: Value = files
        .iter()
        .find(|(file, _)| file == "metrics.json")
        .and_then(|(_, bytes)| serde_json::from_slice(bytes).ok())
        .unwrap_or_default();
    let params = [
        ("reason", reason.to_owned()),
        ("champion_version", challenger.champion_version.to_string()),
        ("trained_labels", challenger.trained_labels.to_string()),
        ("held_out_labels", challenger.held_out_labels.to_string()),
        (REGISTRY_VERSION_TAG, version.to_string()),
    ];
    let run_name = format!("{name} challenger {version}");
    let record = RunRecord {
        experiment: EXPERIMENT,
        run_name: &run_name,
        params: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        metrics: metrics(&metrics_json),
        artifacts: files.iter().map(|(file, bytes)| (format!("model/{file}"), bytes.as_slice())).collect(),
        registered_model: name,
        version_tags: vec![(REGISTRY_VERSION_TAG.to_owned(), version.to_string())],
        aliases: vec![CHALLENGER],
    };
    let logged = client.log_run(&record)?;
    println!("MLflow: {name} version {} (registry version {version}) is the challenger", logged.model_version);
    Ok(())
}

/// The top-level figures of `metrics.json` and each human-rated set's macro-F1.
fn metrics(metrics_json: &Value) -> Vec<(String, f64, u32)> {
    let top = metrics_json.as_object().into_iter().flatten().filter_map(|(k, v)| Some((k.clone(), v.as_f64()?, 0)));
    let sets = metrics_json["comment_level"]["sets"].as_object().into_iter().flatten();
    let per_set =
        sets.filter_map(|(set, s)| Some((format!("comment_{set}_macro_f1"), s["model"]["macro_f1"].as_f64()?, 0)));
    top.chain(per_set).collect()
}

/// Moves MLflow's `production` alias to the version its `challenger` alias
/// points at, if that is the challenger the pipeline promoted.
fn promote(client: &Client, promotion: &Promotion) -> Result<(), MlflowError> {
    let registry_version = promotion.version.to_string();
    let challenger = client.version_by_alias(&promotion.model, CHALLENGER)?;
    let mirrored = challenger.as_ref().filter(|v| {
        v["tags"].as_array().is_some_and(|tags| {
            tags.iter().any(|t| t["key"] == REGISTRY_VERSION_TAG && t["value"] == registry_version.as_str())
        })
    });
    match mirrored.and_then(|v| v["version"].as_str()) {
        Some(version) => {
            client.set_alias(&promotion.model, PRODUCTION, version)?;
            println!("MLflow: {} version {version} is now production", promotion.model);
        }
        None => eprintln!(
            "warning: MLflow's {} challenger is not registry version {registry_version} (trained without MLFLOW_TRACKING_URI?); its production alias is unchanged",
            promotion.model
        ),
    }
    Ok(())
}
