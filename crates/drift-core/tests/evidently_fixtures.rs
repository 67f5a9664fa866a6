//! drift-core against Evidently 0.7.21 itself: every run that
//! `scripts/evidently/generate_fixtures.py` recorded (each method on every
//! column it applies to, the automatic choice, threshold and drift-share
//! overrides) must give the same test, threshold, score and verdict.

use std::collections::BTreeMap;
use std::path::Path;

use drift_core::{
    CategoricalSample, ColumnInput, ColumnType, DriftOptions, NumericSample, Sample, StatTest, dataset_drift,
};
use serde_json::Value;

/// Scores must agree to this relative tolerance, tiny p-values included.
const RELATIVE_TOLERANCE: f64 = 1e-6;

fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evidently");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            (path.file_stem().unwrap().to_string_lossy().into_owned(), serde_json::from_str(&text).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn sample(values: &Value, integer: bool) -> Sample {
    let values = values.as_array().unwrap();
    if values.iter().any(Value::is_string) {
        Sample::Categorical(CategoricalSample::from_values(values.iter().map(Value::as_str)))
    } else {
        let numbers = values.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect();
        Sample::Numeric(NumericSample::new(numbers, integer))
    }
}

fn column_inputs(fixture: &Value) -> Vec<ColumnInput> {
    let columns = fixture["columns"].as_object().unwrap();
    columns
        .iter()
        .map(|(name, c)| {
            let column_type = if c["type"] == "num" { ColumnType::Numerical } else { ColumnType::Categorical };
            let mut reference = sample(&c["reference"], c["integer"]["reference"].as_bool().unwrap());
            let mut current = sample(&c["current"], c["integer"]["current"].as_bool().unwrap());
            if column_type == ColumnType::Categorical {
                // Integer labels declared categorical count as categories.
                for s in [&mut reference, &mut current] {
                    if let Sample::Numeric(n) = s {
                        *s = Sample::Categorical(CategoricalSample::from_numeric(n));
                    }
                }
            }
            ColumnInput { name: name.clone(), column_type, reference, current }
        })
        .collect()
}

fn stattest(v: &Value) -> Option<StatTest> {
    v.as_str().map(|s| s.parse().unwrap())
}

fn options(v: &Value) -> DriftOptions {
    let per_column = |key: &str| -> BTreeMap<String, Value> {
        v.get(key).and_then(Value::as_object).map(|m| m.clone().into_iter().collect()).unwrap_or_default()
    };
    let get = |key: &str| v.get(key).cloned().unwrap_or(Value::Null);
    DriftOptions {
        drift_share: get("drift_share").as_f64().unwrap_or(0.5),
        stattest: stattest(&get("stattest")),
        num_stattest: stattest(&get("num_stattest")),
        cat_stattest: stattest(&get("cat_stattest")),
        per_column_stattest: per_column("per_column_stattest")
            .into_iter()
            .map(|(k, t)| (k, stattest(&t).unwrap()))
            .collect(),
        stattest_threshold: get("stattest_threshold").as_f64(),
        num_stattest_threshold: get("num_stattest_threshold").as_f64(),
        cat_stattest_threshold: get("cat_stattest_threshold").as_f64(),
        per_column_stattest_threshold: per_column("per_column_stattest_threshold")
            .into_iter()
            .map(|(k, t)| (k, t.as_f64().unwrap()))
            .collect(),
    }
}

fn scores_agree(ours: f64, theirs: Option<f64>) -> bool {
    match theirs {
        None => ours.is_nan(),
        Some(t) => ours == t || (ours - t).abs() <= RELATIVE_TOLERANCE * t.abs().max(ours.abs()),
    }
}

#[test]
fn every_recorded_evidently_run_is_reproduced() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 6, "expected at least 6 datasets, found {}", fixtures.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut methods_seen = std::collections::BTreeSet::new();
    for (dataset, fixture) in &fixtures {
        let inputs = column_inputs(fixture);
        for (run_name, run) in fixture["runs"].as_object().unwrap() {
            let report = dataset_drift(inputs.clone(), &options(&run["options"]))
                .unwrap_or_else(|e| panic!("{dataset}/{run_name}: {e}"));
            let expected = run["columns"].as_object().unwrap();
            assert_eq!(report.number_of_columns, expected.len(), "{dataset}/{run_name}");
            for (column, ours) in &report.columns {
                let theirs = &expected[column];
                compared += 1;
                methods_seen.insert(ours.stattest);
                let score = theirs["drift_score"].as_f64();
                let ok = ours.stattest.display_name() == theirs["stattest_name"]
                    && ours.stattest_threshold == theirs["stattest_threshold"].as_f64().unwrap()
                    && ours.drift_detected == theirs["drift_detected"].as_bool().unwrap()
                    && scores_agree(ours.drift_score, score);
                if !ok {
                    failures.push(format!(
                        "{dataset}/{run_name}/{column}: ours {} {} score {:e} drift {}; Evidently {} {} score {:?} drift {}",
                        ours.stattest.display_name(),
                        ours.stattest_threshold,
                        ours.drift_score,
                        ours.drift_detected,
                        theirs["stattest_name"],
                        theirs["stattest_threshold"],
                        score,
                        theirs["drift_detected"]
                    ));
                }
            }
            let dataset_ok = report.dataset_drift == run["dataset_drift"].as_bool().unwrap()
                && report.number_of_drifted_columns as u64 == run["number_of_drifted_columns"].as_u64().unwrap()
                && report.share_of_drifted_columns == run["share_of_drifted_columns"].as_f64().unwrap();
            if !dataset_ok {
                failures.push(format!("{dataset}/{run_name}: dataset verdict differs"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {compared} column results differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(methods_seen.len(), StatTest::ALL.len(), "every method must be covered, saw {methods_seen:?}");
    eprintln!("{compared} column results agree with Evidently across {} datasets", fixtures.len());
}
