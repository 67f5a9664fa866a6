//! The aspect sentiment threshold and the sample-size gate of the
//! Jensen-Shannon test against sampling noise, by simulation: two batches
//! drawn from one sentiment mix must (almost) never cross the threshold, a
//! real change of the mix must, and at the gate's row count noise alone
//! crosses the default 0.1 in about one batch in twenty.

use drift_core::{CategoricalSample, Category, ColumnType, DriftOptions, Sample, StatTest, column_drift};
use monitor::{ASPECT_SENTIMENT_THRESHOLD, aspect_sentiment_threshold, rows_needed};

/// splitmix64: enough randomness for a noise simulation, no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn draw(&mut self, mix: [f64; 3], n: usize) -> Sample {
        let mut counts = [0u64; 3];
        for _ in 0..n {
            let u = self.unit();
            let class = if u < mix[0] {
                0
            } else if u < mix[0] + mix[1] {
                1
            } else {
                2
            };
            counts[class] += 1;
        }
        let labels = ["negative", "neutral", "positive"];
        Sample::Categorical(CategoricalSample::from_counts(
            labels.iter().zip(counts).map(|(l, c)| (Category::Text((*l).into()), c)),
        ))
    }
}

/// Share of `trials` batches of `current` rows drawn from `batch_mix`, against
/// a reference of `reference` rows from `reference_mix`, whose JS distance
/// is at least `threshold`.
fn crossing_share(
    reference_mix: [f64; 3],
    batch_mix: [f64; 3],
    reference: usize,
    current: usize,
    threshold: f64,
) -> f64 {
    let mut rng = SplitMix(7);
    let options = DriftOptions { stattest: Some(StatTest::JensenShannon), ..DriftOptions::default() };
    let trials = 4000;
    let crossed = (0..trials)
        .filter(|_| {
            let (r, c) = (rng.draw(reference_mix, reference), rng.draw(batch_mix, current));
            column_drift("sentiment", ColumnType::Categorical, &r, &c, &options).unwrap().drift_score >= threshold
        })
        .count();
    crossed as f64 / trials as f64
}

const MIX: [f64; 3] = [0.3, 0.2, 0.5];

#[test]
fn noise_alone_crosses_the_fixed_threshold_on_a_rare_aspect_but_not_the_scaled_one() {
    // A rare aspect: 55 rows in the hour, 200 in the reference.
    let fixed = crossing_share(MIX, MIX, 200, 55, ASPECT_SENTIMENT_THRESHOLD);
    let scaled = crossing_share(MIX, MIX, 200, 55, aspect_sentiment_threshold(55, 200, 1));
    assert!(fixed > 0.01, "0.15 is crossed in {fixed} of noise-only hours: the scaling is not needed");
    assert!(scaled < 0.005, "the scaled threshold is crossed in {scaled} of noise-only hours");
}

#[test]
fn the_threshold_falls_to_the_fixed_floor_as_rows_grow() {
    assert!(aspect_sentiment_threshold(55, 200, 1) > 0.19);
    assert!(aspect_sentiment_threshold(100, 200, 1) > aspect_sentiment_threshold(200, 200, 1));
    assert_eq!(aspect_sentiment_threshold(1000, 5000, 1), ASPECT_SENTIMENT_THRESHOLD);
    // Ten aspects tested in one hour: each needs more, so that the hour as
    // a whole keeps its 1-in-1000 chance of a false alarm.
    assert!(aspect_sentiment_threshold(55, 200, 10) > aspect_sentiment_threshold(55, 200, 1) * 1.1);
}

#[test]
fn a_real_change_of_the_mix_is_still_caught_on_a_rare_aspect() {
    // Complaints: negative share from 0.3 to 0.65. The price of fewer false
    // alarms on 55 rows: this is caught in 88% of hours rather than 98%.
    let complaints = [0.65, 0.1, 0.25];
    let caught = crossing_share(MIX, complaints, 200, 55, aspect_sentiment_threshold(55, 200, 1));
    assert!(caught > 0.8, "a doubled negative share is caught in only {caught} of hours");
    // At 150 rows it is caught every time.
    let caught = crossing_share(MIX, complaints, 200, 150, aspect_sentiment_threshold(150, 200, 1));
    assert!(caught > 0.99, "at 150 rows a doubled negative share is caught in only {caught} of hours");
}

#[test]
fn at_the_gate_noise_alone_crosses_the_js_threshold_in_about_one_batch_in_twenty() {
    let needed = rows_needed(StatTest::JensenShannon, 3, 0.1);
    assert_eq!(needed, 75, "χ²₀.₉₅(2) / (8 · 0.1²)");
    let at_gate = crossing_share(MIX, MIX, 20_000, needed, 0.1);
    assert!((0.02..0.09).contains(&at_gate), "at {needed} rows noise crosses 0.1 in {at_gate} of batches");
    // Five rows, the batch the gate is for: noise alone "drifts" most of the time.
    let tiny = crossing_share(MIX, MIX, 20_000, 5, 0.1);
    assert!(tiny > 0.5, "at 5 rows noise crosses 0.1 in only {tiny} of batches");
}

#[test]
fn the_other_gates_follow_their_rules() {
    assert_eq!(rows_needed(StatTest::Wasserstein, 50, 0.1), 100, "1 / t²");
    assert_eq!(rows_needed(StatTest::Ks, 50, 0.05), 21, "1.36 / √n ≤ 0.3");
    assert_eq!(rows_needed(StatTest::ChiSquare, 4, 0.05), 20, "five per category");
    assert_eq!(rows_needed(StatTest::JensenShannon, 10, 0.1), 212, "χ²₀.₉₅(9) / (8 · 0.1²)");
}
