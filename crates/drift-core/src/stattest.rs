//! The drift tests of Evidently 0.7.21 (`evidently/legacy/calculations/
//! stattests/`), with their names, default thresholds and drift rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::histogram::{histogram_sorted, sturges_edges};
use crate::ks::ks_2samp;
use crate::sample::{NumericSample, PairedCounts, Sample, pooled_distinct};
use crate::special::{chi2_sf, ndtr};
use crate::wasserstein::wasserstein_normed;

/// How a column is compared: as numbers or as categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColumnType {
    #[serde(rename = "num")]
    Numerical,
    #[serde(rename = "cat")]
    Categorical,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnType::Numerical => "num",
            ColumnType::Categorical => "cat",
        })
    }
}

/// A drift test. The names are Evidently's (`ks`, `wasserstein`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatTest {
    Ks,
    Wasserstein,
    Psi,
    JensenShannon,
    KlDiv,
    Hellinger,
    ChiSquare,
    Z,
}

/// A test whose score is a p-value or a distance decides drift differently.
enum DriftRule {
    /// Drift when p <= threshold (Evidently's K-S).
    PValueAtMost,
    /// Drift when p < threshold (chi-square, Z).
    PValueBelow,
    /// Drift when distance >= threshold.
    DistanceAtLeast,
}

impl StatTest {
    pub const ALL: [StatTest; 8] = [
        StatTest::Ks,
        StatTest::Wasserstein,
        StatTest::Psi,
        StatTest::JensenShannon,
        StatTest::KlDiv,
        StatTest::Hellinger,
        StatTest::ChiSquare,
        StatTest::Z,
    ];

    /// Evidently's registered name, as accepted on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StatTest::Ks => "ks",
            StatTest::Wasserstein => "wasserstein",
            StatTest::Psi => "psi",
            StatTest::JensenShannon => "jensenshannon",
            StatTest::KlDiv => "kl_div",
            StatTest::Hellinger => "hellinger",
            StatTest::ChiSquare => "chisquare",
            StatTest::Z => "z",
        }
    }

    /// Evidently's display name, reported as `stattest_name`.
    pub fn display_name(self) -> &'static str {
        match self {
            StatTest::Ks => "K-S p_value",
            StatTest::Wasserstein => "Wasserstein distance (normed)",
            StatTest::Psi => "PSI",
            StatTest::JensenShannon => "Jensen-Shannon distance",
            StatTest::KlDiv => "Kullback-Leibler divergence",
            StatTest::Hellinger => "Hellinger distance",
            StatTest::ChiSquare => "chi-square p_value",
            StatTest::Z => "Z-test p_value",
        }
    }

    pub fn default_threshold(self) -> f64 {
        match self.rule() {
            DriftRule::PValueAtMost | DriftRule::PValueBelow => 0.05,
            DriftRule::DistanceAtLeast => 0.1,
        }
    }

    fn rule(self) -> DriftRule {
        match self {
            StatTest::Ks => DriftRule::PValueAtMost,
            StatTest::ChiSquare | StatTest::Z => DriftRule::PValueBelow,
            _ => DriftRule::DistanceAtLeast,
        }
    }

    /// Whether the test may be asked for on a column of this type.
    ///
    /// Evidently registers chi-square and Z for categorical columns only, yet
    /// its automatic choice runs them on few-valued numeric columns; we allow
    /// asking for them there too, computing what the automatic path computes.
    pub fn applies_to(self, column_type: ColumnType) -> bool {
        match self {
            StatTest::Ks | StatTest::Wasserstein => column_type == ColumnType::Numerical,
            _ => true,
        }
    }

    /// Whether the score is a p-value (else it is a distance).
    pub fn score_is_p_value(self) -> bool {
        !matches!(self.rule(), DriftRule::DistanceAtLeast)
    }

    /// Whether `score` means drift at `threshold`. NaN never does.
    pub fn is_drift(self, score: f64, threshold: f64) -> bool {
        match self.rule() {
            DriftRule::PValueAtMost => score <= threshold,
            DriftRule::PValueBelow => score < threshold,
            DriftRule::DistanceAtLeast => score >= threshold,
        }
    }

    /// The drift score of `current` against `reference`. Both must be
    /// non-empty; numeric-only tests need numeric samples.
    pub fn score(self, column_type: ColumnType, reference: &Sample, current: &Sample) -> f64 {
        match self {
            StatTest::Ks => {
                let (r, c) = numeric_pair(reference, current, self);
                ks_2samp(r.sorted(), c.sorted()).p_value
            }
            StatTest::Wasserstein => {
                let (r, c) = numeric_pair(reference, current, self);
                wasserstein_normed(r, c)
            }
            StatTest::Psi => {
                let (r, c) = binned_percents(column_type, reference, current, true);
                r.iter().zip(&c).map(|(r, c)| (r - c) * (r / c).ln()).sum()
            }
            StatTest::KlDiv => {
                let (r, c) = binned_percents(column_type, reference, current, true);
                kl_divergence(&r, &c)
            }
            StatTest::JensenShannon => {
                let (r, c) = binned_percents(column_type, reference, current, false);
                jensen_shannon_distance(&r, &c)
            }
            StatTest::Hellinger => match (column_type, reference, current) {
                (ColumnType::Numerical, Sample::Numeric(r), Sample::Numeric(c)) => hellinger_numeric(r, c),
                _ => hellinger_categorical(&PairedCounts::new(reference, current)),
            },
            StatTest::ChiSquare => chi_square_p_value(&PairedCounts::new(reference, current)),
            StatTest::Z => z_test_p_value(reference, current),
        }
    }
}

impl fmt::Display for StatTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for a test name Evidently does not register.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stattest '{0}' (expected one of: ks, wasserstein, psi, jensenshannon, kl_div, hellinger, chisquare, z)"
)]
pub struct UnknownStatTest(pub String);

impl FromStr for StatTest {
    type Err = UnknownStatTest;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StatTest::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| UnknownStatTest(s.to_owned()))
    }
}

fn numeric_pair<'a>(
    reference: &'a Sample,
    current: &'a Sample,
    test: StatTest,
) -> (&'a NumericSample, &'a NumericSample) {
    match (reference, current) {
        (Sample::Numeric(r), Sample::Numeric(c)) => (r, c),
        _ => panic!("{test} needs numeric samples; callers check StatTest::applies_to"),
    }
}

/// Evidently's `get_binned_data`: shares per Sturges bin over the pooled data
/// for numeric columns whose reference has more than 20 distinct values, else
/// shares per distinct value. With `fill_zeros`, empty bins get a small share.
fn binned_percents(
    column_type: ColumnType,
    reference: &Sample,
    current: &Sample,
    fill_zeros: bool,
) -> (Vec<f64>, Vec<f64>) {
    let (mut r, mut c) = match (column_type, reference, current) {
        (ColumnType::Numerical, Sample::Numeric(rs), Sample::Numeric(cs)) if rs.n_unique_capped(21) > 20 => {
            let edges = sturges_edges(
                rs.min().min(cs.min()),
                rs.max().max(cs.max()),
                rs.len() + cs.len(),
                rs.is_integer() && cs.is_integer(),
            );
            (
                shares(&histogram_sorted(rs.sorted(), &edges), rs.len() as f64),
                shares(&histogram_sorted(cs.sorted(), &edges), cs.len() as f64),
            )
        }
        _ => {
            let counts = PairedCounts::new(reference, current);
            (shares(&counts.reference, counts.n_reference as f64), shares(&counts.current, counts.n_current as f64))
        }
    };
    if fill_zeros {
        fill_empty_bins(&mut r);
        fill_empty_bins(&mut c);
    }
    (r, c)
}

fn shares(counts: &[u64], total: f64) -> Vec<f64> {
    counts.iter().map(|&n| n as f64 / total).collect()
}

/// Replaces zero shares with min(non-zero)/1e6 when that minimum is at most
/// 1e-4, else with 1e-4 (Evidently's `feel_zeroes`).
fn fill_empty_bins(shares: &mut [f64]) {
    let min_nonzero = shares.iter().copied().filter(|&s| s != 0.0).fold(f64::INFINITY, f64::min);
    let fill = if min_nonzero <= 0.0001 { min_nonzero / 1e6 } else { 0.0001 };
    shares.iter_mut().filter(|s| **s == 0.0).for_each(|s| *s = fill);
}

/// scipy `rel_entr(x, y)`: x ln(x/y), 0 when x == 0.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn normalized(v: &[f64]) -> Vec<f64> {
    let sum: f64 = v.iter().sum();
    v.iter().map(|x| x / sum).collect()
}

/// scipy `stats.entropy(p, q)`.
fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let (p, q) = (normalized(p), normalized(q));
    p.iter().zip(&q).map(|(&a, &b)| rel_entr(a, b)).sum()
}

/// scipy `spatial.distance.jensenshannon(p, q)` (natural log).
fn jensen_shannon_distance(p: &[f64], q: &[f64]) -> f64 {
    let (p, q) = (normalized(p), normalized(q));
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    let left: f64 = p.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).sum();
    let right: f64 = q.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).sum();
    ((left + right) / 2.0).sqrt()
}

/// Evidently's chi-square: current counts against reference counts scaled to
/// the current size, `scipy.stats.chisquare(f_obs, f_exp)`.
fn chi_square_p_value(counts: &PairedCounts) -> f64 {
    let k_norm = counts.n_current as f64 / counts.n_reference as f64;
    let statistic: f64 = counts
        .reference
        .iter()
        .zip(&counts.current)
        .map(|(&r, &c)| {
            let expected = r as f64 * k_norm;
            let diff = c as f64 - expected;
            diff * diff / expected
        })
        .sum();
    chi2_sf(statistic, (counts.n_keys() - 1) as f64)
}

/// Evidently's two-proportion Z-test: the share of the smallest value
/// against all others, two-sided.
fn z_test_p_value(reference: &Sample, current: &Sample) -> f64 {
    let counts = PairedCounts::new(reference, current);
    if counts.n_keys() == 1 {
        // Both sides hold the same single value.
        return 1.0;
    }
    let (n1, n2) = (counts.n_reference as f64, counts.n_current as f64);
    let p1 = (counts.n_reference - counts.reference[0]) as f64 / n1;
    let p2 = (counts.n_current - counts.current[0]) as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    2.0 * (1.0 - ndtr(z.abs()))
}

fn hellinger_categorical(counts: &PairedCounts) -> f64 {
    let (n1, n2) = (counts.n_reference as f64, counts.n_current as f64);
    let overlap: f64 =
        counts.reference.iter().zip(&counts.current).map(|(&r, &c)| (r as f64 / n1 * (c as f64 / n2)).sqrt()).sum();
    (1.0 - overlap.clamp(0.0, 1.0)).sqrt()
}

/// Evidently's numeric Hellinger distance: densities over Sturges bins of the
/// *distinct* pooled values.
fn hellinger_numeric(r: &NumericSample, c: &NumericSample) -> f64 {
    let distinct = pooled_distinct(r, c);
    // Python's set union keeps the reference's objects and adds the current
    // side's new ones: the keys stay integers unless the current side brings
    // a new float value.
    let integer = r.is_integer() && (c.is_integer() || distinct == r.n_unique());
    let edges = sturges_edges(r.min().min(c.min()), r.max().max(c.max()), distinct, integer);
    let h1 = density(&histogram_sorted(r.sorted(), &edges), &edges);
    let h2 = density(&histogram_sorted(c.sorted(), &edges), &edges);
    let bin_width = (edges[edges.len() - 1] - edges[0]) / (edges.len() - 1) as f64;
    let overlap: f64 = h1.iter().zip(&h2).map(|(a, b)| (a * b).sqrt() * bin_width).sum();
    (1.0 - overlap.clamp(0.0, 1.0)).sqrt()
}

/// numpy's `density=True`: count / bin width / total count.
fn density(counts: &[u64], edges: &[f64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts.iter().zip(edges.windows(2)).map(|(&n, w)| n as f64 / (w[1] - w[0]) / total as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in StatTest::ALL {
            assert_eq!(t.name().parse::<StatTest>().unwrap(), t);
        }
        assert!("anderson".parse::<StatTest>().is_err());
    }

    #[test]
    fn drift_rules_follow_evidently_comparisons() {
        assert!(StatTest::Ks.is_drift(0.05, 0.05));
        assert!(!StatTest::ChiSquare.is_drift(0.05, 0.05));
        assert!(!StatTest::Z.is_drift(0.05, 0.05));
        assert!(StatTest::Psi.is_drift(0.1, 0.1));
        assert!(!StatTest::Wasserstein.is_drift(f64::NAN, 0.1));
    }

    #[test]
    fn fill_empty_bins_uses_evidentlys_two_rules() {
        let mut a = [0.5, 0.0, 0.5];
        fill_empty_bins(&mut a);
        assert_eq!(a[1], 0.0001);
        let mut b = [0.99995, 0.00005, 0.0];
        fill_empty_bins(&mut b);
        assert_eq!(b[2], 0.00005 / 1e6);
    }
}
