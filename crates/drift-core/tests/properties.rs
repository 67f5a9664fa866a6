//! Invariants every drift test must keep, on random data.

use drift_core::{
    CategoricalSample, Category, ColumnType, DriftOptions, NumericSample, Sample, StatTest, column_drift,
};
use proptest::prelude::*;

fn numeric(values: &[f64]) -> Sample {
    Sample::Numeric(NumericSample::new(values.to_vec(), false))
}

fn categorical(labels: &[u8]) -> Sample {
    Sample::Categorical(CategoricalSample::from_counts(
        labels.iter().map(|l| (Category::Text(format!("label_{l}")), 1)),
    ))
}

/// Numbers with ties and a wide spread, as real features have.
fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![-1e6f64..1e6, (0i32..20).prop_map(f64::from)], 1..400)
}

fn labels() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..8, 1..400)
}

const P_VALUE_TESTS: [StatTest; 3] = [StatTest::Ks, StatTest::ChiSquare, StatTest::Z];
/// Symmetric whatever the data. Jensen-Shannon and PSI are symmetric only
/// when both sides bin the same way: Evidently bins by Sturges when the
/// *reference* has over 20 distinct values, so swapping can change the bins.
const SYMMETRIC_TESTS: [StatTest; 2] = [StatTest::Ks, StatTest::Hellinger];
const SYMMETRIC_WHEN_BINNED_ALIKE: [StatTest; 2] = [StatTest::JensenShannon, StatTest::Psi];

fn score(test: StatTest, column_type: ColumnType, r: &Sample, c: &Sample) -> f64 {
    test.score(column_type, r, c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn identical_numeric_samples_never_drift(v in values()) {
        let s = numeric(&v);
        for test in StatTest::ALL {
            let d = column_drift("x", ColumnType::Numerical, &s, &s, &DriftOptions { num_stattest: Some(test), ..Default::default() }).unwrap();
            prop_assert!(!d.drift_detected, "{test} drifted on identical samples (score {})", d.drift_score);
        }
        let auto = column_drift("x", ColumnType::Numerical, &s, &s, &DriftOptions::default()).unwrap();
        prop_assert!(!auto.drift_detected);
    }

    #[test]
    fn identical_categorical_samples_never_drift(l in labels()) {
        let s = categorical(&l);
        for test in StatTest::ALL.into_iter().filter(|t| t.applies_to(ColumnType::Categorical)) {
            let d = column_drift("c", ColumnType::Categorical, &s, &s, &DriftOptions { cat_stattest: Some(test), ..Default::default() }).unwrap();
            prop_assert!(!d.drift_detected, "{test} drifted on identical samples (score {})", d.drift_score);
        }
    }

    #[test]
    fn p_values_lie_in_the_unit_interval(a in values(), b in values()) {
        let (r, c) = (numeric(&a), numeric(&b));
        for test in P_VALUE_TESTS {
            let p = score(test, ColumnType::Numerical, &r, &c);
            prop_assert!((0.0..=1.0).contains(&p) || p.is_nan(), "{test}: p = {p}");
        }
    }

    #[test]
    fn categorical_p_values_lie_in_the_unit_interval(a in labels(), b in labels()) {
        let (r, c) = (categorical(&a), categorical(&b));
        for test in [StatTest::ChiSquare, StatTest::Z] {
            let p = score(test, ColumnType::Categorical, &r, &c);
            prop_assert!((0.0..=1.0).contains(&p), "{test}: p = {p}");
        }
    }

    #[test]
    fn divergences_are_never_negative(a in values(), b in values(), la in labels(), lb in labels()) {
        for test in [StatTest::Psi, StatTest::KlDiv, StatTest::JensenShannon, StatTest::Hellinger, StatTest::Wasserstein] {
            let s = score(test, ColumnType::Numerical, &numeric(&a), &numeric(&b));
            prop_assert!(s >= 0.0, "{test} numeric = {s}");
            if test != StatTest::Wasserstein {
                let s = score(test, ColumnType::Categorical, &categorical(&la), &categorical(&lb));
                prop_assert!(s >= 0.0, "{test} categorical = {s}");
            }
        }
    }

    #[test]
    fn symmetric_statistics_do_not_depend_on_the_order(a in values(), b in values()) {
        let (r, c) = (numeric(&a), numeric(&b));
        let binned_alike = (r.n_unique() > 20) == (c.n_unique() > 20);
        for test in SYMMETRIC_TESTS.into_iter().chain(SYMMETRIC_WHEN_BINNED_ALIKE.into_iter().filter(|_| binned_alike)) {
            let (x, y) = (score(test, ColumnType::Numerical, &r, &c), score(test, ColumnType::Numerical, &c, &r));
            prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{test}: {x} vs {y}");
        }
    }

    #[test]
    fn a_bigger_shift_never_lowers_the_wasserstein_distance(a in values(), shift in 0.0f64..1e5) {
        let r = numeric(&a);
        let near: Vec<f64> = a.iter().map(|v| v + shift).collect();
        let far: Vec<f64> = a.iter().map(|v| v + 2.0 * shift).collect();
        let (d1, d2) = (score(StatTest::Wasserstein, ColumnType::Numerical, &r, &numeric(&near)), score(StatTest::Wasserstein, ColumnType::Numerical, &r, &numeric(&far)));
        prop_assert!(d2 + 1e-9 >= d1, "{d1} then {d2}");
    }
}
