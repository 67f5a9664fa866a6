//! The pure-Rust predictor against Python XGBoost 3.2 itself: models it
//! trained and the margins and probabilities it predicted
//! (scripts/xgboost/make_predictor_fixtures.py), to 1e-6.

use std::path::Path;

use absa_model::XgbModel;
use serde_json::Value;

fn fixture_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xgboost"))
}

fn close(a: f32, b: f64) -> bool {
    let a = f64::from(a);
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn predictions_match_python_xgboost() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("predictions.json")).unwrap()).unwrap();
    let rows: Vec<Vec<f32>> = expected["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().map_or(f32::NAN, |f| f as f32)).collect())
        .collect();
    let models = expected["models"].as_object().unwrap();
    assert_eq!(models.len(), 4);
    for (name, want) in models {
        let model = XgbModel::from_json(&std::fs::read_to_string(fixture_dir().join(format!("{name}.json"))).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (i, row) in rows.iter().enumerate() {
            let (margin, prediction) = (model.predict_margin(row), model.predict(row));
            let want_margin: Vec<f64> =
                want["margins"][i].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let want_prediction: Vec<f64> =
                want["predictions"][i].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(
                margin.iter().zip(&want_margin).all(|(a, b)| close(*a, *b)) && margin.len() == want_margin.len(),
                "{name} row {i}: margins {margin:?} vs XGBoost {want_margin:?}"
            );
            // Logistic: XGBoost returns P(1); we return [P(0), P(1)].
            let ours =
                if prediction.len() == 2 && want_prediction.len() == 1 { &prediction[1..] } else { &prediction[..] };
            assert!(
                ours.iter().zip(&want_prediction).all(|(a, b)| close(*a, *b)) && ours.len() == want_prediction.len(),
                "{name} row {i}: {ours:?} vs XGBoost {want_prediction:?}"
            );
        }
    }
}

#[test]
fn unsupported_or_broken_models_are_refused_with_a_reason() {
    let text = std::fs::read_to_string(fixture_dir().join("softprob_shallow.json")).unwrap();
    let err = XgbModel::from_json(&text.replacen("multi:softprob", "rank:pairwise", 1)).unwrap_err();
    assert!(err.to_string().contains("rank:pairwise"), "{err}");
    let err = XgbModel::from_json("{\"learner\": {}}").unwrap_err();
    assert!(err.to_string().contains("objective"), "{err}");
    assert!(XgbModel::from_json("not json").is_err());
    // A child pointing backwards would loop forever: refused.
    let mut model: Value = serde_json::from_str(&text).unwrap();
    model["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"][0] = Value::from(0);
    let err = XgbModel::from_json(&model.to_string()).unwrap_err();
    assert!(err.to_string().contains("tree 0"), "{err}");
}
