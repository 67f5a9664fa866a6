//! The object-key layout of the pipeline's store (a local directory or
//! the S3 data bucket). Every key is spelled here and nowhere else.
//!
//! ```text
//! raw/…                                         input exports (raw/dt=…/hour=…/ for scheduled drops)
//! clean/dt=YYYY-MM-DD/hour=HH/<batch>.parquet   extract: clean comments
//! quarantine/<batch>.jsonl                      extract: rejected rows
//! manifests/extract/<batch>.json                extract: the batch's counts (written last)
//! predictions/dt=…/hour=…/<batch>.parquet       transform: the prediction table
//! predictions/words/<batch>.json                transform: word counts
//! reports/dt=…/hour=…/<batch>.json, .html       monitor: the report
//! history/dt=…/HH-<batch>.jsonl                 monitor: one line of drift history
//! labelling/dt=…/hour=…/<batch>.csv             monitor: the labelling queue of an alarmed batch
//! labels/dt=…/hour=…/<batch>.csv                labels that came back for the batch
//! alerts/sent/<id>.json                         alert: dedup claims
//! alerts/state/<model>.json                     alert: cooldown state
//! training/<file>, training/human-rated/<file>   the data a retrain starts from
//! retraining/<model>/<champion>-<labels>.json   retrain: one challenger per champion and label count
//! models/<name>/<version>/<file>                the model registry's versions
//! models/<name>/<alias>.json                    the registry's aliases
//! ```

use crate::BatchHour;

/// Where a raw file is put for a manual or local run.
pub fn raw(file_name: &str) -> String {
    format!("raw/{file_name}")
}

/// Where the files dropped during `hour` are put for the scheduled run.
pub fn raw_drop(hour: BatchHour) -> String {
    format!("raw/{hour}/")
}

pub fn clean_partition(hour: BatchHour, batch_id: &str) -> String {
    format!("clean/{hour}/{batch_id}.parquet")
}

pub fn quarantine(batch_id: &str) -> String {
    format!("quarantine/{batch_id}.jsonl")
}

pub fn extract_manifest(batch_id: &str) -> String {
    format!("manifests/extract/{batch_id}.json")
}

pub fn prediction_partition(hour: BatchHour, batch_id: &str) -> String {
    format!("predictions/{hour}/{batch_id}.parquet")
}

pub fn word_counts(batch_id: &str) -> String {
    format!("predictions/words/{batch_id}.json")
}

/// The report's JSON and HTML keys.
pub fn report(hour: BatchHour, batch_id: &str) -> (String, String) {
    let base = format!("reports/{hour}/{batch_id}");
    (format!("{base}.json"), format!("{base}.html"))
}

/// The labelling queue the monitor writes for a batch that alarmed.
pub fn labelling_queue(hour: BatchHour, batch_id: &str) -> String {
    format!("labelling/{hour}/{batch_id}.csv")
}

/// The labels that came back for a batch (docs/labels.md).
pub fn labels(hour: BatchHour, batch_id: &str) -> String {
    format!("{LABELS_PREFIX}{hour}/{batch_id}.csv")
}

/// Where the monitor's history lines are, one file per batch.
pub const HISTORY_PREFIX: &str = "history/";

/// The registry name under which a stream's baselines for one model
/// version are versioned; [`BASELINE_ALIAS`] points at the one in use.
/// `model` and `stream` must already be safe path segments.
pub fn baseline_name(model: &str, version: u32, stream: &str) -> String {
    format!("{model}-v{version}-baseline-{stream}")
}

/// The alias of the baseline the monitor compares a stream's batches with.
pub const BASELINE_ALIAS: &str = "active";

pub fn history(hour: BatchHour, batch_id: &str) -> String {
    format!("{}{}-{batch_id}.jsonl", history_day(hour), hour.hour())
}

/// The history lines of the day `hour` is in.
pub fn history_day(hour: BatchHour) -> String {
    format!("{HISTORY_PREFIX}dt={}/", hour.dt())
}

/// The batch hour a [`history`] key is named after.
pub fn history_hour(key: &str) -> Option<BatchHour> {
    let (dt, name) = key.strip_prefix(HISTORY_PREFIX)?.strip_prefix("dt=")?.split_once('/')?;
    BatchHour::from_partition(dt, name.split_once('-')?.0)
}

/// `id` must already be one safe path segment.
pub fn alert_claim(id: &str) -> String {
    format!("alerts/sent/{id}.json")
}

/// `model` and `stream` must already be safe path segments.
pub fn alert_cooldown(model: &str, stream: &str) -> String {
    format!("alerts/state/{model}/{stream}.json")
}

/// The training data a retrain starts from: the bundled training comments
/// and their labels (`training/comments.csv`, …), the human-rated sets
/// under `training/human-rated/`.
pub const TRAINING_PREFIX: &str = "training/";
pub const HUMAN_RATED_PREFIX: &str = "training/human-rated/";

/// The claim that makes a retrain from `champion` with `labels` labels
/// happen once, however many alarmed hours ask for it.
pub fn retrain_claim(model: &str, champion: u32, labels: usize) -> String {
    format!("retraining/{model}/{champion}-{labels}.json")
}

/// Where the labels prefix starts (`labels/dt=…`).
pub const LABELS_PREFIX: &str = "labels/";

pub fn model_versions(name: &str) -> String {
    format!("models/{name}/")
}

pub fn model_file(name: &str, version: u32, file: &str) -> String {
    format!("models/{name}/{version}/{file}")
}

pub fn model_alias(name: &str, alias: &str) -> String {
    format!("models/{name}/{alias}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_documented_layout() {
        let h = BatchHour::from_partition("2026-11-01", "05").unwrap();
        assert_eq!(raw_drop(h), "raw/dt=2026-11-01/hour=05/");
        assert_eq!(clean_partition(h, "b1"), "clean/dt=2026-11-01/hour=05/b1.parquet");
        assert_eq!(prediction_partition(h, "b1"), "predictions/dt=2026-11-01/hour=05/b1.parquet");
        assert_eq!(report(h, "b1").1, "reports/dt=2026-11-01/hour=05/b1.html");
        assert_eq!(history(h, "b1"), "history/dt=2026-11-01/05-b1.jsonl");
        assert_eq!(labels(h, "b1"), "labels/dt=2026-11-01/hour=05/b1.csv");
        assert_eq!(labelling_queue(h, "b1"), "labelling/dt=2026-11-01/hour=05/b1.csv");
        assert_eq!(model_file("m", 3, "profile.json"), "models/m/3/profile.json");
        assert_eq!(model_alias("m", "production"), "models/m/production.json");
        let hour = BatchHour::from_partition("2026-11-02", "07").unwrap();
        assert!(history(hour, "b1").starts_with(&history_day(hour)));
        assert_eq!(history_hour(&history(hour, "b1")), Some(hour));
        assert_eq!(history_hour("history/dt=2026-11-02/x.jsonl"), None);
    }
}
