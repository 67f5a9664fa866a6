//! Criterion benches for the core tests on a million values per side, the
//! size of the `make bench-drift` comparison with Evidently.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use drift_core::{CategoricalSample, Category, ColumnType, NumericSample, Sample, StatTest};
use std::hint::black_box;

const N: usize = 1_000_000;

/// A deterministic xorshift stream: benches need no RNG dependency.
fn uniform(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn skewed(seed: u64, shift: f64) -> Vec<f64> {
    uniform(seed, N).into_iter().map(|u| -(1.0 - u).ln() * 20.0 + shift).collect()
}

fn sorting(c: &mut Criterion) {
    let values = skewed(1, 0.0);
    let mut group = c.benchmark_group("sort 1M floats");
    group.sample_size(20);
    group.bench_function("NumericSample::new (radix)", |b| {
        b.iter(|| NumericSample::new(black_box(values.clone()), false))
    });
    group.bench_function("sort_unstable_by(total_cmp) (baseline)", |b| {
        b.iter(|| {
            let mut v = black_box(values.clone());
            v.sort_unstable_by(f64::total_cmp);
            v
        })
    });
    group.finish();
}

fn numeric_tests(c: &mut Criterion) {
    let reference = Sample::Numeric(NumericSample::new(skewed(2, 0.0), false));
    let current = Sample::Numeric(NumericSample::new(skewed(3, 1.0), false));
    let mut group = c.benchmark_group("numeric 1M vs 1M");
    group.sample_size(10);
    // Chi-square and Z on a million distinct numbers would time a pointless case.
    for test in StatTest::ALL.into_iter().filter(|t| !matches!(t, StatTest::ChiSquare | StatTest::Z)) {
        group.bench_with_input(BenchmarkId::from_parameter(test), &test, |b, &t| {
            b.iter(|| t.score(ColumnType::Numerical, &reference, &current))
        });
    }
    group.finish();
}

fn categorical_tests(c: &mut Criterion) {
    let labels = |seed, skew: f64| {
        let counts = uniform(seed, N).into_iter().map(|u| ((u.powf(skew) * 50.0) as u32).min(49));
        Sample::Categorical(CategoricalSample::from_counts(counts.map(|k| (Category::Text(format!("c{k:02}")), 1))))
    };
    let (reference, current) = (labels(4, 1.0), labels(5, 1.1));
    let mut group = c.benchmark_group("categorical 50 labels");
    for test in StatTest::ALL.into_iter().filter(|t| t.applies_to(ColumnType::Categorical)) {
        group.bench_with_input(BenchmarkId::from_parameter(test), &test, |b, &t| {
            b.iter(|| t.score(ColumnType::Categorical, &reference, &current))
        });
    }
    group.finish();
}

fn exact_ks(c: &mut Criterion) {
    // The exact path's worst case: 10 000 values per side.
    let a = NumericSample::new(uniform(6, 10_000), false);
    let b = NumericSample::new(uniform(7, 9_999).into_iter().map(|x| x * 1.02).collect(), false);
    c.bench_function("ks exact 10000 vs 9999", |bench| bench.iter(|| drift_core::ks::ks_2samp(a.sorted(), b.sorted())));
}

criterion_group!(benches, sorting, numeric_tests, categorical_tests, exact_ks);
criterion_main!(benches);
