//! The KS p-values against scipy 1.17 directly: `kstwo.sf` on a grid that
//! reaches every branch of its algorithm, and `ks_2samp(method="auto")` on
//! samples that take the exact and asymptotic paths
//! (values written by `scripts/evidently/generate_fixtures.py`).

use drift_core::ks::{kolmogorov_n_sf, ks_2samp};
use serde_json::Value;

const RELATIVE_TOLERANCE: f64 = 1e-6;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scipy/ks.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn agree(ours: f64, theirs: f64) -> bool {
    // Below f64::MIN_POSITIVE (2.2e-308) doubles are subnormal and keep only
    // a few significant bits, so no relative tolerance can hold there; both
    // sides being that small (or zero) is agreement.
    let both_subnormal = ours.abs() < f64::MIN_POSITIVE && theirs.abs() < f64::MIN_POSITIVE;
    both_subnormal || ours == theirs || (ours - theirs).abs() <= RELATIVE_TOLERANCE * ours.abs().max(theirs.abs())
}

#[test]
fn kstwo_sf_matches_scipy_on_every_branch() {
    let fixture = fixture();
    let grid = fixture["kstwo_sf"].as_array().unwrap();
    assert!(grid.len() > 300);
    let failures: Vec<String> = grid
        .iter()
        .filter_map(|row| {
            let (n, d, expected) =
                (row[0].as_u64().unwrap() as usize, row[1].as_f64().unwrap(), row[2].as_f64().unwrap());
            let ours = kolmogorov_n_sf(n, d);
            (!agree(ours, expected)).then(|| format!("n={n} d={d}: ours {ours:e}, scipy {expected:e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), grid.len(), failures.join("\n"));
}

#[test]
fn ks_2samp_matches_scipy_on_exact_and_asymptotic_paths() {
    let fixture = fixture();
    for case in fixture["ks_2samp"].as_array().unwrap() {
        let sorted = |key: &str| {
            let mut v: Vec<f64> = case[key].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let (a, b) = (sorted("a"), sorted("b"));
        let ours = ks_2samp(&a, &b);
        let (stat, p) = (case["statistic"].as_f64().unwrap(), case["p_value"].as_f64().unwrap());
        assert!(agree(ours.statistic, stat), "n={}/{}: D {} vs {}", a.len(), b.len(), ours.statistic, stat);
        assert!(agree(ours.p_value, p), "n={}/{}: p {:e} vs scipy {:e}", a.len(), b.len(), ours.p_value, p);
    }
}

#[test]
fn chi2_sf_matches_scipy_for_small_and_large_degrees_of_freedom() {
    let fixture = fixture();
    for row in fixture["chi2_sf"].as_array().unwrap() {
        let (df, x, expected) = (row[0].as_f64().unwrap(), row[1].as_f64().unwrap(), row[2].as_f64().unwrap());
        let ours = drift_core::special::chi2_sf(x, df);
        assert!(agree(ours, expected), "chi2.sf({x}, {df}): ours {ours:e}, scipy {expected:e}");
    }
}

#[test]
fn ndtr_matches_scipy_into_the_far_tail() {
    let fixture = fixture();
    for row in fixture["ndtr"].as_array().unwrap() {
        let (z, expected) = (row[0].as_f64().unwrap(), row[1].as_f64().unwrap());
        let ours = drift_core::special::ndtr(z);
        assert!(agree(ours, expected), "norm.cdf({z}): ours {ours:e}, scipy {expected:e}");
        // Evidently's Z-test takes 1 - cdf: that rounding must match too.
        assert!(agree(1.0 - ours, 1.0 - expected), "1 - norm.cdf({z})");
    }
}
