//! One column's values on one side (reference or current), cleaned the way
//! Evidently cleans them: missing values and infinities are dropped.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::iter::Peekable;
use std::sync::OnceLock;

use crate::key_buffer::KeyBuffer;

/// A column's non-missing values.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    Numeric(NumericSample),
    Categorical(CategoricalSample),
}

impl Sample {
    pub fn len(&self) -> usize {
        match self {
            Sample::Numeric(s) => s.len(),
            Sample::Categorical(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct values (pandas `nunique`).
    pub fn n_unique(&self) -> usize {
        match self {
            Sample::Numeric(s) => s.n_unique(),
            Sample::Categorical(s) => s.counts.len(),
        }
    }

    /// Counts per distinct value, in ascending key order.
    fn counts(&self) -> Vec<(Category, u64)> {
        match self {
            Sample::Numeric(s) => s.value_counts().map(|(v, c)| (Category::Number(v), c)).collect(),
            Sample::Categorical(s) => s.counts.iter().map(|(k, &c)| (k.clone(), c)).collect(),
        }
    }
}

/// Gathers a numeric column value by value. While the column has few
/// distinct values (counts, ratings, rounded lengths: most monitored
/// features) it only counts them, which needs neither a sort of every value
/// nor memory for every value, and the sample it finishes keeps the counts;
/// past [`NumericSampleBuilder::MAX_COUNTED`] distinct values it keeps every
/// value, as its sort key.
#[derive(Debug, Clone)]
pub struct NumericSampleBuilder {
    counts: HashMap<u64, u64, BuildHasherDefault<BitsHasher>>,
    /// Every value's key, once the column is known to be mostly distinct.
    keys: Option<KeyBuffer>,
    /// Values counted (before keeping every value).
    counted: usize,
    integer: bool,
    expected_values: usize,
}

impl NumericSampleBuilder {
    pub const MAX_COUNTED: usize = 1 << 16;
    /// Values after which a column of nearly all distinct values stops being
    /// counted (more than 63/64 of them distinct: a column of 2^16 values
    /// used evenly shows about 62/64). Either way the sample is the same.
    const PROBED: usize = 1 << 12;

    /// `integer` as in [`NumericSample::new`].
    pub fn new(integer: bool) -> Self {
        NumericSampleBuilder { counts: HashMap::default(), keys: None, counted: 0, integer, expected_values: 0 }
    }

    /// How many values the column will likely have (a file's row count): if
    /// it has too many distinct ones to count, their storage is then made
    /// once, not regrown, which on a large file costs copies and page faults.
    pub fn expect_values(&mut self, values: usize) {
        self.expected_values = values;
    }

    /// Adds a value; NaN and infinities are dropped, as in `NumericSample::new`.
    pub fn push(&mut self, value: f64) {
        self.push_times(value, 1);
    }

    /// Adds a value seen `times` times.
    pub fn push_times(&mut self, value: f64, times: u64) {
        if !value.is_finite() || times == 0 {
            return;
        }
        let Some(keys) = &mut self.keys else {
            *self.counts.entry(canonical_bits(value)).or_default() += times;
            let before = self.counted;
            self.counted += times as usize;
            // Nearly every one of the first values distinct: a continuous
            // column, which would only fill the table to its limit first.
            let probed = before < Self::PROBED && self.counted >= Self::PROBED;
            let continuous = probed && self.counts.len() > Self::PROBED * 63 / 64;
            if continuous || self.counts.len() > Self::MAX_COUNTED {
                let counted = self.counts.drain().map(|(bits, c)| (sort_key(f64::from_bits(bits)), c));
                let mut keys = KeyBuffer::with_capacity(self.expected_values);
                keys.extend(repeated(counted));
                self.keys = Some(keys);
            }
            return;
        };
        if times == 1 {
            keys.push(sort_key(value));
        } else {
            keys.extend(std::iter::repeat_n(sort_key(value), times as usize));
        }
    }

    /// Adds many values: [`NumericSampleBuilder::push`] each, in one tight
    /// loop once the builder keeps every value.
    pub fn extend(&mut self, values: &[f64]) {
        let mut rest = values;
        while let [value, tail @ ..] = rest
            && self.keys.is_none()
        {
            self.push(*value);
            rest = tail;
        }
        if let Some(keys) = &mut self.keys {
            keys.extend(rest.iter().filter(|v| v.is_finite()).map(|&v| sort_key(v)));
        }
    }

    /// Records that the column has a missing value (pandas then gives it a
    /// float dtype), or a non-integer one.
    pub fn not_integer(&mut self) {
        self.integer = false;
    }

    pub fn is_integer(&self) -> bool {
        self.integer
    }

    /// Whether the builder keeps every value (a column of mostly distinct
    /// values) rather than counting them; once it does, it always will.
    pub fn keeps_every_value(&self) -> bool {
        self.keys.is_some()
    }

    pub fn finish(self) -> NumericSample {
        let values = match self.keys {
            Some(keys) => Values::each(keys),
            None => {
                let mut runs: Vec<(f64, u64)> =
                    self.counts.into_iter().map(|(bits, c)| (f64::from_bits(bits), c)).collect();
                runs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                let len = runs.iter().map(|&(_, c)| c as usize).sum();
                Values::Runs { runs, len, each: OnceLock::new() }
            }
        };
        NumericSample { values, integer: self.integer }
    }
}

/// Each value repeated `count` times.
fn repeated<T: Copy>(runs: impl Iterator<Item = (T, u64)>) -> impl Iterator<Item = T> {
    runs.flat_map(|(value, count)| std::iter::repeat_n(value, count as usize))
}

/// The bits a value is counted under: -0.0 and 0.0 are one value to pandas.
fn canonical_bits(value: f64) -> u64 {
    (value + 0.0).to_bits()
}

/// A finite float as an integer whose order is the floats' numeric order
/// (-0.0 and 0.0 one key): sorting is most of the work of every numeric
/// test, and integer comparisons are the cheapest. The sign bit of positives
/// is set and every bit of negatives flipped.
fn sort_key(value: f64) -> u64 {
    let bits = canonical_bits(value);
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

pub(crate) fn from_sort_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// The values of `keys`, ascending. The conversions reuse the vector's
/// memory (u64 and f64 have one size). On a million values (2 cores,
/// 2026-12) the integer sort took 17 ms, against 50 ms comparing floats
/// with `total_cmp` and 60-75 ms for LSD radix sorts of 8 or 11 bits a
/// pass, whose scattered writes wait on memory.
fn sorted_by_key(mut keys: Vec<u64>) -> Vec<f64> {
    keys.sort_unstable();
    keys.into_iter().map(from_sort_key).collect()
}

/// A fast hash for f64 bit patterns (splitmix64's finaliser): SipHash would
/// cost more than the sort it replaces, and the keys are not
/// attacker-chosen in a way that matters (worst case: slower, same result).
#[derive(Debug, Clone, Copy, Default)]
struct BitsHasher(u64);

impl Hasher for BitsHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// Numbers without NaN or infinities.
#[derive(Debug, Clone)]
pub struct NumericSample {
    values: Values,
    integer: bool,
}

#[derive(Debug, Clone)]
enum Values {
    /// Every value, as its sort key, in no order: a column of mostly
    /// distinct values. Wasserstein, the test Evidently picks for a large
    /// sample, reads them unsorted; `sorted`, a second copy, is made only
    /// for a test that walks the values in order.
    Each { keys: SortKeys, sorted: OnceLock<Vec<f64>> },
    /// Each distinct value, ascending, with its count: a counted column
    /// (lengths, ratings, counts). The tests Evidently picks for a large
    /// sample (Wasserstein, Jensen-Shannon) read the runs; `each` is made
    /// only for a test that walks every value.
    Runs { runs: Vec<(f64, u64)>, len: usize, each: OnceLock<Vec<f64>> },
}

/// A sample's values as sort keys, in no order, with the lowest and highest.
#[derive(Debug, Clone)]
pub(crate) struct SortKeys {
    pub keys: KeyBuffer,
    pub lowest: u64,
    pub highest: u64,
}

impl Values {
    fn each(keys: KeyBuffer) -> Self {
        if keys.is_empty() {
            return Values::Runs { runs: Vec::new(), len: 0, each: OnceLock::new() };
        }
        let (lowest, highest) = keys.iter().fold((u64::MAX, 0), |(low, high), &k| (low.min(k), high.max(k)));
        Values::Each { keys: SortKeys { keys, lowest, highest }, sorted: OnceLock::new() }
    }
}

impl NumericSample {
    /// Cleans `values`. `integer` says the column has an integer type with
    /// no missing values, which is when pandas (and so Evidently) keeps an
    /// integer dtype; it changes numpy's histogram bin widths.
    pub fn new(mut values: Vec<f64>, integer: bool) -> Self {
        values.retain(|v| v.is_finite());
        NumericSample { values: Values::each(values.into_iter().map(sort_key).collect()), integer }
    }

    /// Every value, ascending (sorted on the first call).
    pub fn sorted(&self) -> &[f64] {
        match &self.values {
            Values::Each { keys, sorted } => sorted.get_or_init(|| sorted_by_key(keys.keys.to_vec())),
            Values::Runs { runs, each, .. } => each.get_or_init(|| repeated(runs.iter().copied()).collect()),
        }
    }

    /// Every value as its sort key, in no order, if the sample holds them
    /// (not only counts).
    pub(crate) fn sort_keys(&self) -> Option<&SortKeys> {
        match &self.values {
            Values::Each { keys, .. } => Some(keys),
            Values::Runs { .. } => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        self.integer
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values::Each { keys, .. } => keys.keys.len(),
            Values::Runs { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn min(&self) -> f64 {
        match &self.values {
            Values::Each { keys, .. } => from_sort_key(keys.lowest),
            Values::Runs { runs, .. } => runs[0].0,
        }
    }

    pub fn max(&self) -> f64 {
        match &self.values {
            Values::Each { keys, .. } => from_sort_key(keys.highest),
            Values::Runs { runs, .. } => runs[runs.len() - 1].0,
        }
    }

    pub fn n_unique(&self) -> usize {
        match &self.values {
            Values::Each { .. } => self.value_counts().count(),
            Values::Runs { runs, .. } => runs.len(),
        }
    }

    /// min(distinct values, cap): cheap when only a threshold matters.
    pub fn n_unique_capped(&self, cap: usize) -> usize {
        distinct_capped(self.unordered_value_counts(), cap)
    }

    /// (value, count) runs of the sorted values.
    pub fn value_counts(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let (each, counted) = match &self.values {
            Values::Each { .. } => (Some(self.sorted()), None),
            Values::Runs { runs, .. } => (None, Some(runs)),
        };
        let each = each.into_iter().flat_map(runs);
        each.chain(counted.into_iter().flat_map(|counted| counted.iter().copied()))
    }

    /// (value, count) pairs in no order, a value possibly in several: for
    /// sums, without sorting a sample kept value by value.
    pub(crate) fn unordered_value_counts(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let (each, counted) = match &self.values {
            Values::Each { keys, .. } => (Some(&keys.keys), None),
            Values::Runs { runs, .. } => (None, Some(runs)),
        };
        let each = each.into_iter().flat_map(|keys| keys.iter().map(|&key| (from_sort_key(key), 1)));
        each.chain(counted.into_iter().flat_map(|counted| counted.iter().copied()))
    }
}

/// Equal samples hold the same values, however they are stored.
impl PartialEq for NumericSample {
    fn eq(&self, other: &Self) -> bool {
        self.integer == other.integer && self.len() == other.len() && self.value_counts().eq(other.value_counts())
    }
}

/// Category labels with their counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CategoricalSample {
    counts: BTreeMap<Category, u64>,
    total: u64,
}

impl CategoricalSample {
    /// Counts the values; `None` is a missing value and is dropped.
    pub fn from_values<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let mut builder = CategoricalSampleBuilder::default();
        values.into_iter().flatten().for_each(|v| builder.push_text(v));
        builder.finish()
    }

    /// Builds a sample from (category, count) pairs; equal categories add up.
    pub fn from_counts(pairs: impl IntoIterator<Item = (Category, u64)>) -> Self {
        let mut sample = CategoricalSample::default();
        for (k, c) in pairs {
            if c > 0 {
                *sample.counts.entry(k).or_default() += c;
                sample.total += c;
            }
        }
        sample
    }

    /// Treats numbers as categories (Evidently does so for integer columns
    /// with few distinct values, or when told a numeric column is categorical).
    pub fn from_numeric(sample: &NumericSample) -> Self {
        Self::from_counts(sample.value_counts().map(|(v, c)| (Category::Number(v), c)))
    }

    pub fn len(&self) -> usize {
        self.total as usize
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn counts(&self) -> &BTreeMap<Category, u64> {
        &self.counts
    }
}

/// Gathers a categorical column value by value: labels, and numbers used as
/// labels, each counted once per distinct value.
#[derive(Debug, Clone, Default)]
pub struct CategoricalSampleBuilder {
    /// foldhash rather than SipHash: one lookup per cell of a large file.
    text: HashMap<String, u64, foldhash::fast::FixedState>,
    numbers: HashMap<u64, u64, BuildHasherDefault<BitsHasher>>,
}

impl CategoricalSampleBuilder {
    pub fn push_text(&mut self, label: &str) {
        self.push_text_times(label, 1);
    }

    /// A label seen `times` times (a dictionary-encoded column's value).
    pub fn push_text_times(&mut self, label: &str, times: u64) {
        match self.text.get_mut(label) {
            Some(count) => *count += times,
            None => {
                self.text.insert(label.to_owned(), times);
            }
        }
    }

    /// A number as a label. NaN is missing, as in pandas; -0.0 and 0.0 are one label.
    pub fn push_number(&mut self, value: f64) {
        self.push_number_times(value, 1);
    }

    pub fn push_number_times(&mut self, value: f64, times: u64) {
        if !value.is_nan() {
            *self.numbers.entry(canonical_bits(value)).or_default() += times;
        }
    }

    /// A boolean as a label, spelt as Python does (which also sorts False first).
    pub fn push_bool(&mut self, value: bool) {
        self.push_bool_times(value, 1);
    }

    pub fn push_bool_times(&mut self, value: bool, times: u64) {
        self.push_text_times(if value { "True" } else { "False" }, times);
    }

    pub fn finish(self) -> CategoricalSample {
        CategoricalSample::from_counts(
            self.numbers
                .into_iter()
                .map(|(bits, c)| (Category::Number(f64::from_bits(bits)), c))
                .chain(self.text.into_iter().map(|(k, c)| (Category::Text(k), c))),
        )
    }
}

/// A category: numbers order numerically and before text, text by code point
/// (Python's `sorted` order, which Evidently's Z-test uses to pick a key).
#[derive(Debug, Clone)]
pub enum Category {
    Number(f64),
    Text(String),
}

impl PartialEq for Category {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Category {}

impl PartialOrd for Category {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Category {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Category::Number(a), Category::Number(b)) => a.total_cmp(b),
            (Category::Number(_), Category::Text(_)) => Ordering::Less,
            (Category::Text(_), Category::Number(_)) => Ordering::Greater,
            (Category::Text(a), Category::Text(b)) => a.cmp(b),
        }
    }
}

/// Distinct values in the pooled sample (pandas `concat(...).nunique()`),
/// counted up to `cap`: the automatic choice of test only asks whether
/// there are more than a handful.
pub fn pooled_n_unique_capped(reference: &Sample, current: &Sample, cap: usize) -> usize {
    match (reference, current) {
        (Sample::Numeric(r), Sample::Numeric(c)) => {
            distinct_capped(r.unordered_value_counts().chain(c.unordered_value_counts()), cap)
        }
        _ => PairedCounts::new(reference, current).n_keys().min(cap),
    }
}

/// min(distinct values, cap) of (value, count) pairs in any order: a column
/// of a million distinct values is not sorted to find that it has more than
/// a handful.
fn distinct_capped(mut values: impl Iterator<Item = (f64, u64)>, cap: usize) -> usize {
    let mut seen: std::collections::HashSet<u64, BuildHasherDefault<BitsHasher>> = Default::default();
    while seen.len() < cap
        && let Some((value, _)) = values.next()
    {
        seen.insert(canonical_bits(value));
    }
    seen.len()
}

/// Distinct values in the two samples pooled.
pub(crate) fn pooled_distinct(a: &NumericSample, b: &NumericSample) -> usize {
    EcdfSteps::new(a.value_counts(), b.value_counts()).count()
}

/// (value, count) runs of equal values in a sorted slice.
pub(crate) fn runs(sorted: &[f64]) -> impl Iterator<Item = (f64, u64)> + '_ {
    sorted.chunk_by(|a, b| a == b).map(|run| (run[0], run.len() as u64))
}

/// Walks the distinct values of two samples pooled together, each given as
/// ascending (value, count) runs, yielding each value with how many values
/// of each sample are <= it: the steps of both empirical CDFs, which KS and
/// Wasserstein are built from.
pub(crate) struct EcdfSteps<A: Iterator<Item = (f64, u64)>, B: Iterator<Item = (f64, u64)>> {
    a: Peekable<A>,
    b: Peekable<B>,
    i: usize,
    j: usize,
}

impl<A: Iterator<Item = (f64, u64)>, B: Iterator<Item = (f64, u64)>> EcdfSteps<A, B> {
    pub fn new(a: A, b: B) -> Self {
        EcdfSteps { a: a.peekable(), b: b.peekable(), i: 0, j: 0 }
    }
}

impl<A: Iterator<Item = (f64, u64)>, B: Iterator<Item = (f64, u64)>> Iterator for EcdfSteps<A, B> {
    /// (value, count of a <= value, count of b <= value)
    type Item = (f64, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let v = match (self.a.peek(), self.b.peek()) {
            (Some(&(x, _)), Some(&(y, _))) => x.min(y),
            (Some(&(x, _)), None) => x,
            (None, Some(&(y, _))) => y,
            (None, None) => return None,
        };
        // Each side's runs are of distinct values: at most one is <= v.
        if let Some((_, count)) = self.a.next_if(|&(x, _)| x <= v) {
            self.i += count as usize;
        }
        if let Some((_, count)) = self.b.next_if(|&(y, _)| y <= v) {
            self.j += count as usize;
        }
        Some((v, self.i, self.j))
    }
}

/// Counts of every value seen on either side, in ascending key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairedCounts {
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
    pub n_reference: u64,
    pub n_current: u64,
}

impl PairedCounts {
    pub fn new(reference: &Sample, current: &Sample) -> Self {
        let (r, c) = (reference.counts(), current.counts());
        let mut out = PairedCounts {
            reference: Vec::with_capacity(r.len().max(c.len())),
            current: Vec::with_capacity(r.len().max(c.len())),
            n_reference: reference.len() as u64,
            n_current: current.len() as u64,
        };
        let (mut i, mut j) = (0, 0);
        while i < r.len() || j < c.len() {
            let order = match (r.get(i), c.get(j)) {
                (Some(a), Some(b)) => a.0.cmp(&b.0),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            let (rc, cc) = match order {
                Ordering::Less => (r[i].1, 0),
                Ordering::Greater => (0, c[j].1),
                Ordering::Equal => (r[i].1, c[j].1),
            };
            if order != Ordering::Greater {
                i += 1;
            }
            if order != Ordering::Less {
                j += 1;
            }
            out.reference.push(rc);
            out.current.push(cc);
        }
        out
    }

    pub fn n_keys(&self) -> usize {
        self.reference.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_sample_drops_missing_and_infinite_values() {
        let s = NumericSample::new(vec![3.0, f64::NAN, -0.0, f64::INFINITY, 1.0, 0.0], false);
        assert_eq!(s.sorted(), &[0.0, 0.0, 1.0, 3.0]);
        assert_eq!(s.n_unique(), 3);
    }

    #[test]
    fn float_keys_sort_like_a_comparison_sort() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let values: Vec<f64> = (0..20_000)
            .map(|i| match i % 4 {
                0 => (next() % 1000) as f64 - 500.0,
                1 => f64::from_bits(next() >> 2) * if next() % 2 == 0 { 1.0 } else { -1.0 },
                2 => {
                    if i % 8 == 2 {
                        0.0
                    } else {
                        -0.0
                    }
                }
                _ => (next() % 7) as f64 * 1e-300,
            })
            .filter(|v: &f64| v.is_finite())
            .collect();
        // -0.0 and 0.0 are one value, sorted as 0.0.
        let mut expected: Vec<f64> = values.iter().map(|v| v + 0.0).collect();
        expected.sort_by(f64::total_cmp);
        let keys = values.into_iter().map(sort_key).collect();
        assert_eq!(sorted_by_key(keys), expected);
    }

    #[test]
    fn the_builder_gives_the_same_sample_whether_it_counts_or_collects() {
        let few: Vec<f64> = (0..10_000).map(|i| f64::from(i % 37) - 18.0).chain([f64::NAN, -0.0, 0.0]).collect();
        let many: Vec<f64> =
            (0..(NumericSampleBuilder::MAX_COUNTED as i32 + 500)).map(|i| f64::from(i) * 0.5).collect();
        for values in [few, many] {
            let mut builder = NumericSampleBuilder::new(true);
            values.iter().for_each(|&v| builder.push(v));
            assert_eq!(builder.finish(), NumericSample::new(values.clone(), true));
            let mut builder = NumericSampleBuilder::new(true);
            values.chunks(1000).for_each(|chunk| builder.extend(chunk));
            assert_eq!(builder.finish(), NumericSample::new(values.clone(), true), "extended a chunk at a time");
            // Runs of equal values added at once, as a reader that counts cells does.
            let mut builder = NumericSampleBuilder::new(true);
            let mut runs = values.clone();
            runs.sort_by(f64::total_cmp);
            runs.chunk_by(|a, b| a.to_bits() == b.to_bits())
                .for_each(|run| builder.push_times(run[0], run.len() as u64));
            values.iter().take(5000).for_each(|&v| builder.push_times(v, 0));
            let (built, expected) = (builder.finish(), NumericSample::new(values, true));
            assert_eq!(built, expected, "runs added at once");
            assert_eq!(built.sorted(), expected.sorted(), "every value, counted or kept");
            assert_eq!(
                (built.min(), built.max(), built.n_unique()),
                (expected.min(), expected.max(), expected.n_unique())
            );
            let distinct = expected.n_unique();
            for cap in [1, 21, distinct, distinct + 1] {
                assert_eq!(built.n_unique_capped(cap), distinct.min(cap), "capped at {cap}");
                assert_eq!(expected.n_unique_capped(cap), distinct.min(cap), "capped at {cap}");
            }
        }
    }

    #[test]
    fn the_categorical_builder_counts_labels_as_pandas_does() {
        let mut builder = CategoricalSampleBuilder::default();
        [0.0, -0.0, f64::NAN, 2.5].into_iter().for_each(|v| builder.push_number(v));
        [true, false, true].into_iter().for_each(|b| builder.push_bool(b));
        builder.push_text("x");
        let sample = builder.finish();
        let counts: Vec<(Category, u64)> = sample.counts().iter().map(|(k, &c)| (k.clone(), c)).collect();
        assert_eq!(
            counts,
            [
                (Category::Number(0.0), 2),
                (Category::Number(2.5), 1),
                (Category::Text("False".into()), 1),
                (Category::Text("True".into()), 2),
                (Category::Text("x".into()), 1),
            ]
        );
        assert_eq!(sample.len(), 7, "NaN is missing");
    }

    #[test]
    fn paired_counts_cover_the_union_of_keys() {
        let r = Sample::Categorical(CategoricalSample::from_values([Some("a"), Some("b"), Some("a"), None]));
        let c = Sample::Categorical(CategoricalSample::from_values([Some("c"), Some("b")]));
        let p = PairedCounts::new(&r, &c);
        assert_eq!(p.reference, vec![2, 1, 0]);
        assert_eq!(p.current, vec![0, 1, 1]);
        assert_eq!((p.n_reference, p.n_current), (3, 2));
    }
}
