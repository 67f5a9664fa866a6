//! The drift tests of Evidently 0.7.21 (`evidently/legacy/calculations/
//! stattests/`), with their names, default thresholds and drift rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::histogram::{histogram_sorted, sturges_edges};
use crate::ks::ks_2samp;
use crate::sample::{EcdfSteps, NumericSample, PairedCounts, Sample, pooled_distinct};
use crate::special::{chi2_sf, ndtr};

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

/// scipy `wasserstein_distance(ref, cur)` divided by max(std(ref), 0.001).
fn wasserstein_normed(r: &NumericSample, c: &NumericSample) -> f64 {
    let norm = population_std(r).max(0.001);
    let distance = match (r.each(), c.each()) {
        (Some(u), Some(v)) => wasserstein_1d(u, v),
        _ => wasserstein_of_counts(r, c),
    };
    distance / norm
}

/// [`wasserstein_1d`] for samples of which one or both were counted: one
/// step per distinct pooled value instead of one per value.
fn wasserstein_of_counts(r: &NumericSample, c: &NumericSample) -> f64 {
    let sizes = (r.len() as i64, c.len() as i64);
    let mut steps = EcdfSteps::new(r.value_counts(), c.value_counts());
    let Some((mut previous, mut i, mut j)) = steps.next() else {
        return 0.0;
    };
    let mut total = 0.0;
    for (x, next_i, next_j) in steps {
        total += ecdf_gap(i, j, sizes) * (x - previous);
        (previous, i, j) = (x, next_i, next_j);
    }
    total / (sizes.0 as f64 * sizes.1 as f64)
}

/// First Wasserstein distance of two sorted samples: the integral of
/// |F_u - F_v| over the pooled values, merged value by value. |F_u - F_v|
/// is kept as the integer |i·|v| - j·|u|| (exact in an f64 far beyond any
/// sample here) and divided once at the end. The values are cut in two at
/// the longer sample's middle value and the halves merged side by side in
/// one loop: a merge waits on each step's comparison before its next load,
/// two overlap (about twice as fast on a million values a side; the same
/// written with a struct or closures per half was slower than one merge).
fn wasserstein_1d(u: &[f64], v: &[f64]) -> f64 {
    let (nu, nv) = (u.len(), v.len());
    let longer = if nu >= nv { u } else { v };
    let Some(&middle) = longer.get(longer.len() / 2) else {
        return 0.0;
    };
    let sizes = (nu as i64, nv as i64);
    let cut = (u.partition_point(|&x| x < middle), v.partition_point(|&x| x < middle));
    let first = [u.first(), v.first()].into_iter().flatten().copied().reduce(f64::min).unwrap_or(0.0);
    let before_cut = [cut.0.checked_sub(1).map(|k| u[k]), cut.1.checked_sub(1).map(|k| v[k])];
    let (mut i1, mut j1, mut previous1, mut total1) = (0, 0, first, 0.0);
    let (mut i2, mut j2, mut total2) = (cut.0, cut.1, 0.0);
    let mut previous2 = before_cut.into_iter().flatten().reduce(f64::max).unwrap_or(first);
    while i1 < cut.0 && j1 < cut.1 && i2 < nu && j2 < nv {
        // Each half's step: both values loaded, the smaller chosen without a
        // branch (`min`: an `if` compiled to a jump that the data mispredicts;
        // the values are never NaN, and equal ones are the same bits).
        let (a1, b1, a2, b2) = (u[i1], v[j1], u[i2], v[j2]);
        let (take1, take2) = (a1 <= b1, a2 <= b2);
        let (x1, x2) = (a1.min(b1), a2.min(b2));
        total1 += ecdf_gap(i1, j1, sizes) * (x1 - previous1);
        total2 += ecdf_gap(i2, j2, sizes) * (x2 - previous2);
        (previous1, previous2) = (x1, x2);
        (i1, j1) = (i1 + usize::from(take1), j1 + usize::from(!take1));
        (i2, j2) = (i2 + usize::from(take2), j2 + usize::from(!take2));
    }
    let low = merge_rest(u, v, (i1, j1), cut, previous1, total1, sizes);
    let high = merge_rest(u, v, (i2, j2), (nu, nv), previous2, total2, sizes);
    (low + high) / (nu as f64 * nv as f64)
}

/// |F_u - F_v| · |u| · |v| after `i` values of `u` and `j` of `v`.
fn ecdf_gap(i: usize, j: usize, (nu, nv): (i64, i64)) -> f64 {
    (i as i64 * nv - j as i64 * nu).abs() as f64
}

/// The rest of one half's merge in [`wasserstein_1d`], up to `end`. Tied
/// values add a zero-width step, so the sum is the one over distinct values.
fn merge_rest(
    u: &[f64],
    v: &[f64],
    (mut i, mut j): (usize, usize),
    end: (usize, usize),
    mut previous: f64,
    mut total: f64,
    sizes: (i64, i64),
) -> f64 {
    let mut step = |x: f64, i: usize, j: usize| {
        total += ecdf_gap(i, j, sizes) * (x - previous);
        previous = x;
    };
    while i < end.0 && j < end.1 {
        let take_u = u[i] <= v[j];
        step(u[i].min(v[j]), i, j);
        i += usize::from(take_u);
        j += usize::from(!take_u);
    }
    for (k, &x) in u[..end.0].iter().enumerate().skip(i) {
        step(x, k, j);
    }
    for (k, &x) in v[..end.1].iter().enumerate().skip(j) {
        step(x, end.0, k);
    }
    total
}

/// numpy `std` (ddof = 0), two-pass, a run of equal values at a time.
fn population_std(sample: &NumericSample) -> f64 {
    let n = sample.len() as f64;
    let mean = sample.value_counts().map(|(x, count)| x * count as f64).sum::<f64>() / n;
    let var = sample.value_counts().map(|(x, count)| count as f64 * ((x - mean) * (x - mean))).sum::<f64>() / n;
    var.sqrt()
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
    use crate::sample::{NumericSampleBuilder, runs};

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

    /// A seeded stream of pseudo-random 31-bit numbers.
    fn random(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        }
    }

    /// The integral over distinct pooled values, as scipy writes it.
    fn wasserstein_over_distinct_values(u: &[f64], v: &[f64]) -> f64 {
        let (nu, nv) = (u.len() as f64, v.len() as f64);
        let steps: Vec<(f64, usize, usize)> = EcdfSteps::new(runs(u), runs(v)).collect();
        steps.windows(2).map(|w| (w[0].1 as f64 / nu - w[0].2 as f64 / nv).abs() * (w[1].0 - w[0].0)).sum()
    }

    #[test]
    fn the_merged_wasserstein_sum_is_the_sum_over_distinct_values() {
        let mut next = random(11);
        for (n, m, distinct) in [(1, 1, 3), (500, 700, 20), (3000, 2000, 1 << 30), (1000, 1, 5)] {
            let mut u: Vec<f64> = (0..n).map(|_| (next() % distinct) as f64 * 0.25 - 3.0).collect();
            let mut v: Vec<f64> = (0..m).map(|_| (next() % distinct) as f64 * 0.3 - 2.0).collect();
            u.sort_by(f64::total_cmp);
            v.sort_by(f64::total_cmp);
            let (merged, by_distinct) = (wasserstein_1d(&u, &v), wasserstein_over_distinct_values(&u, &v));
            assert!(
                (merged - by_distinct).abs() <= 1e-12 * by_distinct.abs(),
                "{n} {m} {distinct}: {merged} {by_distinct}"
            );
        }
    }

    /// A sample the builder counted (lengths, ratings) is tested from its
    /// runs; the scores are those of the same values kept one by one.
    #[test]
    fn counted_samples_score_as_their_every_value_does() {
        let mut next = random(7);
        for (n, m, distinct) in [(1, 1, 1), (3000, 2000, 3), (50_000, 40_000, 3000), (20_000, 1, 700)] {
            let mut draw = |count: usize, scale: f64, shift: f64| -> Vec<f64> {
                (0..count).map(|_| (next() % distinct) as f64 * scale + shift).collect()
            };
            let (u, v) = (draw(n, 0.1, -3.0), draw(m, 0.25, -2.0));
            let counted = |values: &[f64]| {
                let mut builder = NumericSampleBuilder::new(false);
                values.iter().for_each(|&x| builder.push(x));
                let sample = builder.finish();
                assert!(sample.each().is_none(), "counted, not kept value by value");
                sample
            };
            let each = |values: &[f64]| NumericSample::new(values.to_vec(), false);
            let expected = wasserstein_normed(&each(&u), &each(&v));
            let close = |x: f64| (x - expected).abs() <= 1e-12 * expected.abs();
            for (r, c) in [(counted(&u), counted(&v)), (counted(&u), each(&v)), (each(&u), counted(&v))] {
                let score = wasserstein_normed(&r, &c);
                assert!(close(score), "{n} {m} {distinct}: {score} against {expected}");
                let (rs, cs) = (Sample::Numeric(r), Sample::Numeric(c));
                let pooled = |a: &Sample, b: &Sample| crate::sample::pooled_n_unique_capped(a, b, usize::MAX);
                assert_eq!(pooled(&rs, &cs), pooled(&Sample::Numeric(each(&u)), &Sample::Numeric(each(&v))));
            }
            let mean = u.iter().sum::<f64>() / n as f64;
            let by_value = (u.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64).sqrt();
            for std in [population_std(&counted(&u)), population_std(&each(&u))] {
                assert!((std - by_value).abs() <= 1e-12 * by_value, "{n} {distinct}: {std} against {by_value}");
            }
        }
    }
}
