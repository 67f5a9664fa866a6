//! Evidently's "Wasserstein distance (normed)": scipy's
//! `wasserstein_distance(reference, current)` over `max(std(reference), 0.001)`,
//! the test it picks for most numeric columns of a large sample.
//!
//! The distance is the integral of |F_u - F_v|, the gap between the two
//! empirical CDFs. A column of mostly distinct values is not sorted for it:
//! its values are counted and summed in buckets of their sort keys, and over
//! a bucket where the gap keeps one sign its integral follows from those
//! counts and sums alone. Only the buckets where the gap may change sign are
//! sorted and merged value by value. On the drift bench's columns, a million
//! values a side, that is 0-9 % of the values, and the whole takes 9-15 ms
//! against 40-50 ms to sort both sides and merge them.

use crate::sample::{EcdfSteps, NumericSample, SortKeys, from_sort_key};

/// The normed distance, as Evidently computes it.
pub(crate) fn wasserstein_normed(r: &NumericSample, c: &NumericSample) -> f64 {
    let norm = population_std(r).max(0.001);
    let distance = match (r.sort_keys(), c.sort_keys()) {
        (Some(u), Some(v)) => of_sort_keys(u, v),
        _ => of_counts(r, c),
    };
    distance / norm
}

/// The distance for samples of which one or both were counted: one step
/// per distinct pooled value.
fn of_counts(r: &NumericSample, c: &NumericSample) -> f64 {
    let sizes = (r.len() as i64, c.len() as i64);
    let mut steps = EcdfSteps::new(r.value_counts(), c.value_counts());
    let Some((first, mut i, mut j)) = steps.next() else {
        return 0.0;
    };
    let mut gap = Gap { sizes, total: 0.0, previous: first };
    for (x, next_i, next_j) in steps {
        gap.step_to(x, i, j);
        (i, j) = (next_i, next_j);
    }
    gap.total / (sizes.0 as f64 * sizes.1 as f64)
}

/// |F_u - F_v| integrated step by step, scaled by |u|·|v| so that the gap
/// after `i` values of u and `j` of v is the integer |i·|v| - j·|u||
/// (exact in an f64 far beyond any sample here), divided once at the end.
struct Gap {
    sizes: (i64, i64),
    total: f64,
    previous: f64,
}

impl Gap {
    /// Adds the gap after `i` and `j` values, from the previous point up to `x`.
    fn step_to(&mut self, x: f64, i: usize, j: usize) {
        self.total += (i as i64 * self.sizes.1 - j as i64 * self.sizes.0).abs() as f64 * (x - self.previous);
        self.previous = x;
    }
}

/// Most buckets, for a million values a side: their counts and offsets, 16
/// bytes a bucket, stay in the L3 cache, and at most about one value in ten
/// lands in a bucket that must be sorted (fewer buckets: more sorting; more: the
/// counting waits on memory).
const MAX_BUCKETS: u64 = 1 << 18;

/// Fewest buckets: enough that a bucket never spans more than one binade.
const MIN_BUCKETS: u64 = 1 << 12;

/// One bucket's values of one side: how many, and the sum of their keys'
/// offsets from the bucket's first key.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    count: u64,
    offsets: f64,
}

/// The distance between two samples kept value by value, unsorted.
fn of_sort_keys(u: &SortKeys, v: &SortKeys) -> f64 {
    let sizes = (u.keys.len() as i64, v.keys.len() as i64);
    let (lowest, highest) = (u.lowest.min(v.lowest), u.highest.max(v.highest));
    // A bucket is an aligned block of 2^shift keys: wide where the values are
    // sparse, as keys are about logarithmic in the values, narrow where they
    // crowd. A block of at most 2^52 keys lies in one binade, where values
    // are evenly spaced: a value's offset from the block's first value is its
    // key's offset times the spacing, so the counting sums key offsets and
    // turns them into values once a bucket, not once a value.
    let wanted = (sizes.0.max(sizes.1) as u64 / 4).next_power_of_two().clamp(MIN_BUCKETS, MAX_BUCKETS);
    let span_bits = u64::BITS - (highest - lowest).leading_zeros();
    let shift = span_bits.saturating_sub(wanted.trailing_zeros());
    let first = lowest >> shift;
    let bucket_of = |key: u64| ((key >> shift) - first) as usize;
    let start_of = |bucket: usize| (first + bucket as u64) << shift;
    let buckets = bucket_of(highest) + 1;
    let histogram = |keys: &[u64]| {
        let mut histogram = vec![Bucket::default(); buckets];
        for &key in keys {
            let bucket = &mut histogram[bucket_of(key)];
            bucket.count += 1;
            bucket.offsets += (key - (key >> shift << shift)) as f64;
        }
        histogram
    };
    let (hu, hv) = (histogram(&u.keys), histogram(&v.keys));

    // Over a bucket the scaled gap i·|v| - j·|u| moves from its value at the
    // bucket's start by at most +count_u·|v| and -count_v·|u|: it may change
    // sign (the bucket is mixed) only if that range holds zero.
    let mut mixed = vec![0u64; buckets.div_ceil(64)];
    let (mut i, mut j) = (0, 0);
    let mut in_mixed = (0, 0);
    for (b, (bu, bv)) in hu.iter().zip(&hv).enumerate() {
        let gap = i * sizes.1 - j * sizes.0;
        if gap - bv.count as i64 * sizes.0 < 0 && gap + bu.count as i64 * sizes.1 > 0 {
            mixed[b / 64] |= 1 << (b % 64);
            in_mixed = (in_mixed.0 + bu.count as usize, in_mixed.1 + bv.count as usize);
        }
        (i, j) = (i + bu.count as i64, j + bv.count as i64);
    }
    let is_mixed = |bucket: usize| mixed[bucket / 64] >> (bucket % 64) & 1 == 1;
    let sorted_in_mixed = |keys: &[u64], count: usize| {
        let mut kept = Vec::with_capacity(count);
        if count > 0 {
            kept.extend(keys.iter().copied().filter(|&key| is_mixed(bucket_of(key))));
            kept.sort_unstable();
        }
        kept
    };
    let (mixed_u, mixed_v) = (sorted_in_mixed(&u.keys, in_mixed.0), sorted_in_mixed(&v.keys, in_mixed.1));

    let mut gap = Gap { sizes, total: 0.0, previous: from_sort_key(lowest) };
    let (mut i, mut j) = (0, 0);
    let (mut sorted_u, mut sorted_v) = (mixed_u.as_slice(), mixed_v.as_slice());
    for (b, (bu, bv)) in hu.iter().zip(&hv).enumerate() {
        let (count_u, count_v) = (bu.count as usize, bv.count as usize);
        if count_u + count_v == 0 {
            // The gap is flat up to the next value: one term for the stretch
            // instead of one per empty bucket, whose rounding would add up.
            continue;
        }
        let end = from_sort_key(if b + 1 == buckets { highest } else { start_of(b + 1) });
        if is_mixed(b) {
            let (in_u, in_v);
            (in_u, sorted_u) = sorted_u.split_at(count_u);
            (in_v, sorted_v) = sorted_v.split_at(count_v);
            merge(in_u, in_v, (i, j), &mut gap);
            gap.step_to(end, i + count_u, j + count_v);
        } else {
            // One sign from the bucket's start (or the empty ones before it) to
            // its end: |∫ gap| from its counts and offsets, as ∫ (values of u
            // <= x) dx from the start to the end is Σ (end - value).
            let start = from_sort_key(start_of(b));
            let spacing = from_sort_key(start_of(b) + 1) - start;
            let width = end - start;
            let scaled = (i as i64 * sizes.1 - j as i64 * sizes.0) as f64 * (end - gap.previous)
                + sizes.1 as f64 * (bu.count as f64 * width - bu.offsets * spacing)
                - sizes.0 as f64 * (bv.count as f64 * width - bv.offsets * spacing);
            gap.total += scaled.abs();
            gap.previous = end;
        }
        (i, j) = (i + count_u, j + count_v);
    }
    gap.total / (sizes.0 as f64 * sizes.1 as f64)
}

/// Steps the gap through two sorted runs of keys merged, after `i` values of
/// u and `j` of v. Tied values add a zero-width step.
fn merge(u: &[u64], v: &[u64], (mut i, mut j): (usize, usize), gap: &mut Gap) {
    let (mut a, mut b) = (0, 0);
    while a < u.len() || b < v.len() {
        let take_u = b == v.len() || (a < u.len() && u[a] <= v[b]);
        let key = if take_u { u[a] } else { v[b] };
        gap.step_to(from_sort_key(key), i, j);
        if take_u {
            (a, i) = (a + 1, i + 1);
        } else {
            (b, j) = (b + 1, j + 1);
        }
    }
}

/// numpy `std` (ddof = 0), two-pass: over the keys of a sample kept value
/// by value, or a run of equal values at a time.
fn population_std(sample: &NumericSample) -> f64 {
    let n = sample.len() as f64;
    let var = match sample.sort_keys() {
        Some(SortKeys { keys, .. }) => {
            let mean = sum_over(keys, |x| x) / n;
            sum_over(keys, |x| (x - mean) * (x - mean)) / n
        }
        None => {
            let mean = sample.value_counts().map(|(x, count)| x * count as f64).sum::<f64>() / n;
            sample.value_counts().map(|(x, count)| count as f64 * ((x - mean) * (x - mean))).sum::<f64>() / n
        }
    };
    var.sqrt()
}

/// Σ f(value) over sort keys, in four running sums: one would wait on each
/// addition before the next.
fn sum_over(keys: &[u64], f: impl Fn(f64) -> f64) -> f64 {
    let mut sums = [0.0; 4];
    let chunks = keys.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().map(|&key| f(from_sort_key(key))).sum();
    for chunk in chunks {
        for (sum, &key) in sums.iter_mut().zip(chunk) {
            *sum += f(from_sort_key(key));
        }
    }
    sums.iter().sum::<f64>() + rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{EcdfSteps, NumericSampleBuilder, Sample, runs};

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

    /// Values of several shapes: few distinct (ties within and across the
    /// samples), continuous on both signs, heavy-tailed, with a far outlier
    /// (most values then in a few wide buckets), shifted (the gap keeps one
    /// sign over most buckets) or not (it changes sign in many), and tiny.
    #[test]
    fn the_bucketed_distance_is_the_integral_over_distinct_values() {
        let mut next = random(11);
        let mut uniform = move || next() as f64 / (1u64 << 31) as f64;
        type Shape = fn(f64, usize) -> f64;
        let shapes: [(&str, Shape); 5] = [
            ("few distinct", |x, _| (x * 20.0).floor() * 0.25 - 3.0),
            ("continuous", |x, _| x * 2.0 - 1.0),
            ("heavy-tailed", |x, _| -(1.0 - x).ln() * 7.0),
            ("far outlier", |x, i| if i == 3 { 1e300 } else { x }),
            ("one value", |_, _| 0.5),
        ];
        for (name, shape) in shapes {
            for (n, m, shift) in
                [(1, 1, 0.0), (2, 3, 0.1), (500, 700, 0.0), (30_000, 20_000, 0.0), (30_000, 20_000, 0.05)]
            {
                let u: Vec<f64> = (0..n).map(|i| shape(uniform(), i)).collect();
                let v: Vec<f64> = (0..m).map(|i| shape(uniform(), i) + shift).collect();
                let (r, c) = (NumericSample::new(u, false), NumericSample::new(v, false));
                let bucketed = of_sort_keys(r.sort_keys().unwrap(), c.sort_keys().unwrap());
                let expected = wasserstein_over_distinct_values(r.sorted(), c.sorted());
                assert!(
                    (bucketed - expected).abs() <= 1e-12 * expected.abs(),
                    "{name}, {n} against {m}, shifted by {shift}: {bucketed} against {expected}"
                );
            }
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
                assert!(sample.sort_keys().is_none(), "counted, not kept value by value");
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
