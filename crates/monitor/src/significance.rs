//! Whether a column's drift is more than the noise of a batch its size,
//! with the false-discovery rate controlled across the columns tested in
//! one hour.
//!
//! Evidently's distance tests (Wasserstein, Jensen-Shannon) flag a
//! distance above a fixed threshold whatever the batch size, and its
//! p-value tests are run once per column with no correction for testing
//! thirteen columns every hour: on 400-comment hours with nothing changed,
//! one hour in three warned. Here every column Evidently flags also gets a
//! p-value: the test's own for a p-value test, else the share of batches
//! drawn from the reference (its comments resampled with replacement, as
//! many as the batch has, every row of a drawn comment kept: a comment's
//! rows share its length and counts) that are at least as far from the
//! reference. The Benjamini-Hochberg procedure at
//! [`FALSE_DISCOVERY_RATE`] over the p-values of all tested columns (a
//! column Evidently does not flag counts with p = 1) decides which flags
//! are significant; only those drive the severity.

use std::collections::BTreeMap;

use drift_core::{ColumnDrift, Sample};
use serde::{Deserialize, Serialize};
use tables::predictions::PredictionRow;

/// The expected share of false discoveries among the columns reported drifted.
pub const FALSE_DISCOVERY_RATE: f64 = 0.05;

/// Batches drawn from the reference per resampled p-value: the smallest
/// p-value is 1/500, below the strictest Benjamini-Hochberg bound for 13
/// columns (0.05/13).
pub const RESAMPLES: usize = 499;

/// The largest batch drawn from the reference. A larger batch's draws
/// are made at this size: smaller draws lie further from the reference by
/// chance, so the p-value can only come out larger (a flag kept only if it
/// is clearer still), and 499 draws of a million-comment hour would take
/// the monitor minutes per flagged column. The quality band scales its
/// spread instead ([`crate::quality`]).
pub const MAX_DRAWN_COMMENTS: usize = 20_000;

/// A flagged column's p-value and whether it is significant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Significance {
    pub p_value: f64,
    /// `test` (the test's own p-value) or `resampled` (from the reference).
    pub method: String,
    pub significant: bool,
}

/// Whether `column` drifted: flagged by Evidently and significant.
pub fn drifted(significance: &BTreeMap<String, Significance>, column: &str) -> bool {
    significance.get(column).is_some_and(|s| s.significant)
}

/// SplitMix64: a small, seeded generator, so a batch monitored again gets
/// the same p-values.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The reference's rows grouped by comment.
pub(crate) fn by_comment(rows: &[PredictionRow]) -> Vec<Vec<&PredictionRow>> {
    let mut groups: BTreeMap<u64, Vec<&PredictionRow>> = BTreeMap::new();
    for r in rows {
        groups.entry(r.comment_id).or_default().push(r);
    }
    groups.into_values().collect()
}

/// The significance of every flagged column of `columns` (name and result,
/// in the order tested). `sample` builds a column's sample from rows;
/// `seed` fixes the resampling.
pub fn assess(
    columns: &[(String, ColumnDrift)],
    reference: &[PredictionRow],
    reference_samples: &BTreeMap<String, Sample>,
    current_comments: usize,
    sample: impl Fn(&[&PredictionRow], &str) -> Sample,
    seed: u64,
) -> BTreeMap<String, Significance> {
    let groups = by_comment(reference);
    let mut rng = SplitMix::new(seed);
    let mut p_values = Vec::with_capacity(columns.len());
    let mut methods = BTreeMap::new();
    for (name, d) in columns {
        if !d.drift_detected {
            p_values.push(1.0);
            continue;
        }
        if d.stattest.score_is_p_value() {
            p_values.push(d.drift_score);
            methods.insert(name.clone(), "test");
            continue;
        }
        let reference_sample = &reference_samples[name];
        let mut as_far = 0;
        for _ in 0..RESAMPLES {
            let rows: Vec<&PredictionRow> = (0..current_comments.min(MAX_DRAWN_COMMENTS))
                .flat_map(|_| groups[rng.below(groups.len())].iter().copied())
                .collect();
            let drawn = sample(&rows, name);
            if !drawn.is_empty() && d.stattest.score(d.column_type, reference_sample, &drawn) >= d.drift_score {
                as_far += 1;
            }
        }
        p_values.push((1 + as_far) as f64 / (1 + RESAMPLES) as f64);
        methods.insert(name.clone(), "resampled");
    }
    let significant = benjamini_hochberg(&p_values, FALSE_DISCOVERY_RATE);
    columns
        .iter()
        .zip(p_values.iter().zip(significant))
        .filter_map(|((name, _), (p, significant))| {
            let method = methods.get(name)?;
            Some((name.clone(), Significance { p_value: *p, method: (*method).to_owned(), significant }))
        })
        .collect()
}

/// Which of `p_values` the Benjamini-Hochberg procedure rejects at false
/// discovery rate `q`: all whose p-value is at most the largest p(k) with
/// p(k) <= k q / m.
pub fn benjamini_hochberg(p_values: &[f64], q: f64) -> Vec<bool> {
    let m = p_values.len();
    let mut sorted: Vec<f64> = p_values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let cutoff = (1..=m).rev().find(|&k| sorted[k - 1] <= k as f64 * q / m as f64).map(|k| sorted[k - 1]);
    p_values.iter().map(|p| cutoff.is_some_and(|c| *p <= c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benjamini_hochberg_rejects_up_to_the_largest_p_under_its_bound() {
        // m = 5, q = 0.05: bounds 0.01, 0.02, 0.03, 0.04, 0.05.
        let p = [0.009, 0.5, 0.025, 0.04, 0.021];
        // Sorted 0.009, 0.021, 0.025, 0.04, 0.5: p(4) = 0.04 <= 0.04, so the first four.
        assert_eq!(benjamini_hochberg(&p, 0.05), [true, false, true, true, true]);
        // One p-value just above its Bonferroni bound, alone: nothing.
        assert_eq!(benjamini_hochberg(&[0.011, 0.9, 0.9, 0.9, 0.9], 0.05), [false; 5]);
        assert_eq!(benjamini_hochberg(&[], 0.05), Vec::<bool>::new());
    }
}
