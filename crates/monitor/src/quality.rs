//! The model's quality on a batch: estimated without labels from its
//! calibrated probabilities, and realised once labels come back.
//!
//! The estimate is NannyML's confidence-based performance estimation
//! (CBPE): a row predicted `c` with probabilities `p` is, in expectation,
//! `p[k]` of a row whose truth is `k`, so summing the probabilities by
//! predicted class gives the expected confusion matrix, and from it the
//! expected macro-F1 and accuracy. It holds while the probabilities stay
//! calibrated on the batch's text (the human-rated sets' expected
//! calibration error is in `metrics.json`). A batch with another class
//! mix than the reference breaks that (the probabilities carry the
//! reference's mix), so they are first adjusted to the batch's own mix
//! ([`adjusted_to_batch`]): on human-rated rows with shifted class mixes,
//! plain CBPE landed within sampling noise of the realised macro-F1 in 30 %
//! of batches, adjusted in 91 % (`absa-train`'s `human_rated` test).
//!
//! The band is what sampling alone does to the estimate: batches drawn
//! from the reference (its comments, with replacement, as many as the
//! batch has) give the estimate's spread at the batch's size; the band is
//! the reference's estimate ± [`BAND_DEVIATIONS`] of that spread. An
//! estimate below the band, and at least [`MIN_QUALITY_DROP`] below the
//! reference's, is a quality drop.

use std::collections::BTreeMap;

use drift_core::scores::{Confusion, Scores};
use serde::{Deserialize, Serialize};
use tables::labels::Label;
use tables::{NO_ASPECT, PredictionRow};

use crate::significance::{MAX_DRAWN_COMMENTS, SplitMix, by_comment};

/// Batches drawn from the reference for the band.
pub const BAND_RESAMPLES: usize = 200;
/// The band's half-width in standard deviations of the sampling spread.
/// Two levels are estimated every hour: at 3 deviations, sampling alone
/// falls below one about every 16 days (a test's quiet hour did, by
/// 0.0003); at 3.5, every 90.
pub const BAND_DEVIATIONS: f64 = 3.5;
/// The smallest fall of the estimated macro-F1 from the reference's worth
/// an alarm: the aspect level's band is narrow (±0.012 at 400 comments),
/// and in 168 hours without drift one hour fell 0.013 below it.
pub const MIN_QUALITY_DROP: f64 = 0.02;

/// Predictions a level needs, in the batch and in the reference, before
/// its estimate can alarm: a real export's half-video batch had one aspect
/// mention against a baseline with one, a band of zero width.
pub const MIN_BATCH_PREDICTIONS: usize = 50;
pub const MIN_REFERENCE_PREDICTIONS: usize = 100;

/// Sentiment classes in the table's order.
const CLASSES: [&str; 3] = ["negative", "neutral", "positive"];

/// The two levels the model predicts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// One prediction per comment (`comment_sentiment`).
    Comment,
    /// One prediction per aspect a comment mentions (`sentiment`).
    Aspect,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Comment, Level::Aspect];

    pub fn name(self) -> &'static str {
        match self {
            Level::Comment => "comment",
            Level::Aspect => "aspect",
        }
    }

    /// The level's predictions among one comment's rows: (aspect or `None`
    /// for the comment, predicted class, probabilities).
    fn predictions<'a>(self, rows: &[&'a PredictionRow]) -> Vec<(Option<&'a str>, usize, [f64; 3])> {
        match self {
            Level::Comment => rows
                .first()
                .map(|r| (None, class_of(&r.comment_sentiment), r.comment_probabilities))
                .into_iter()
                .filter_map(|(a, c, p)| Some((a, c?, p)))
                .collect(),
            Level::Aspect => rows
                .iter()
                .filter(|r| r.aspect != NO_ASPECT)
                .filter_map(|r| Some((Some(r.aspect.as_str()), class_of(&r.sentiment)?, r.probabilities?)))
                .collect(),
        }
    }
}

fn class_of(name: &str) -> Option<usize> {
    CLASSES.iter().position(|c| *c == name)
}

/// The expected confusion matrix of predictions (predicted class and
/// calibrated probabilities): each adds its probabilities to its column.
pub fn expected_confusion(predictions: impl IntoIterator<Item = (usize, [f64; 3])>) -> Confusion {
    let mut confusion = [[0.0; 3]; 3];
    for (predicted, p) in predictions {
        for (truth, row) in confusion.iter_mut().enumerate() {
            row[predicted] += p[truth];
        }
    }
    confusion
}

/// The probabilities adjusted to the class shares of the batch they are
/// from (Saerens, Latinne and Decaestecker 2002): a model's probabilities
/// carry the class shares it learnt (`prior`, the reference's mean
/// probabilities); when a batch has more of one class, each row's
/// probabilities are re-weighted by new shares over old and the new
/// shares re-estimated as their mean, until they settle (EM for the
/// shares, each row's features' likelihood under a class held fixed).
pub fn adjusted_to_batch(probabilities: &[[f64; 3]], prior: [f64; 3]) -> Vec<[f64; 3]> {
    let mut shares = prior;
    let mut adjusted = probabilities.to_vec();
    for _ in 0..100 {
        for (a, p) in adjusted.iter_mut().zip(probabilities) {
            let w: [f64; 3] = std::array::from_fn(|k| p[k] * shares[k] / prior[k].max(1e-12));
            let sum: f64 = w.iter().sum();
            *a = w.map(|v| if sum > 0.0 { v / sum } else { 1.0 / 3.0 });
        }
        let n = adjusted.len().max(1) as f64;
        let next: [f64; 3] = std::array::from_fn(|k| adjusted.iter().map(|a| a[k]).sum::<f64>() / n);
        let moved = (0..3).map(|k| (next[k] - shares[k]).abs()).fold(0.0, f64::max);
        shares = next;
        if moved < 1e-6 {
            break;
        }
    }
    adjusted
}

/// The estimated scores of predictions (predicted class, probabilities)
/// whose model learnt class shares `prior`: the expected confusion matrix
/// of the probabilities adjusted to the predictions' own class shares.
pub fn estimate(predictions: &[(usize, [f64; 3])], prior: [f64; 3]) -> Option<Scores> {
    let probabilities: Vec<[f64; 3]> = predictions.iter().map(|(_, p)| *p).collect();
    let adjusted = adjusted_to_batch(&probabilities, prior);
    Scores::of(&expected_confusion(predictions.iter().zip(adjusted).map(|((c, _), a)| (*c, a))))
}

/// The predictions of `groups` (rows by comment) at `level`: predicted
/// class and probabilities.
fn predictions(groups: &[Vec<&PredictionRow>], level: Level) -> Vec<(usize, [f64; 3])> {
    groups.iter().flat_map(|g| level.predictions(g)).map(|(_, c, p)| (c, p)).collect()
}

/// The mean probabilities of `predictions`: the class shares they carry.
fn mean_probabilities(predictions: &[(usize, [f64; 3])]) -> [f64; 3] {
    let n = predictions.len().max(1) as f64;
    std::array::from_fn(|k| predictions.iter().map(|(_, p)| p[k]).sum::<f64>() / n)
}

/// Quality at one level: the estimate, its band, and what labels say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelQuality {
    /// Predictions the estimate is over (comments, or aspect mentions), in
    /// the batch and in the reference.
    pub predictions: usize,
    pub reference_predictions: usize,
    pub estimated: Scores,
    /// The reference's own estimate, the centre of the band.
    pub reference: Scores,
    /// The estimated macro-F1 sampling alone reaches at this batch size.
    pub band: [f64; 2],
    /// Below the band, and by at least [`MIN_QUALITY_DROP`] below the
    /// reference; never with fewer predictions than the gates want.
    pub below_band: bool,
    /// From the labels that came back, when any did.
    pub realised: Option<Realised>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Realised {
    /// Labelled predictions scored (a label for an aspect the model did
    /// not find is counted in `unmatched` instead).
    pub labelled: usize,
    pub unmatched: usize,
    pub scores: Scores,
    pub confusion: Confusion,
}

/// Quality per level; a level without predictions in the batch is absent.
pub type Quality = BTreeMap<String, LevelQuality>;

/// The batch's quality against `reference`, with `labels` when they came
/// back (already without the comments a labelling queue chose for being
/// uncertain: they are not a random sample). `seed` fixes the band's draws.
pub fn assess(reference: &[PredictionRow], current: &[PredictionRow], labels: &[Label], seed: u64) -> Quality {
    let reference_groups = by_comment(reference);
    let current_groups = by_comment(current);
    let mut quality = Quality::new();
    for level in Level::ALL {
        let (reference_predictions, current_predictions) =
            (predictions(&reference_groups, level), predictions(&current_groups, level));
        let prior = mean_probabilities(&reference_predictions);
        let (Some(estimated), Some(reference_scores)) =
            (estimate(&current_predictions, prior), estimate(&reference_predictions, prior))
        else {
            continue;
        };
        let spread = sampling_spread(&reference_groups, current_groups.len(), level, prior, seed);
        let half = BAND_DEVIATIONS * spread;
        let band = [reference_scores.macro_f1 - half, reference_scores.macro_f1 + half];
        quality.insert(
            level.name().to_owned(),
            LevelQuality {
                predictions: current_predictions.len(),
                reference_predictions: reference_predictions.len(),
                estimated,
                reference: reference_scores,
                band,
                below_band: enough(current_predictions.len(), reference_predictions.len())
                    && estimated.macro_f1 < band[0]
                    && reference_scores.macro_f1 - estimated.macro_f1 >= MIN_QUALITY_DROP,
                realised: realised(&current_groups, level, labels),
            },
        );
    }
    quality
}

/// Whether a level has the predictions its estimate needs to alarm.
fn enough(batch: usize, reference: usize) -> bool {
    batch >= MIN_BATCH_PREDICTIONS && reference >= MIN_REFERENCE_PREDICTIONS
}

/// The standard deviation of the estimated macro-F1 over batches of
/// `comments` comments drawn from the reference. Batches larger than
/// [`MAX_DRAWN_COMMENTS`] are drawn at that size and the spread scaled by
/// √(drawn / comments): the estimate is a smooth function of means, whose
/// spread falls as 1/√n, and 200 draws of a million-comment hour would
/// take the monitor minutes.
fn sampling_spread(groups: &[Vec<&PredictionRow>], comments: usize, level: Level, prior: [f64; 3], seed: u64) -> f64 {
    // Each comment's predictions once; a draw only picks comments.
    let per_comment: Vec<Vec<(usize, [f64; 3])>> =
        groups.iter().map(|g| predictions(std::slice::from_ref(g), level)).collect();
    let drawn = comments.min(MAX_DRAWN_COMMENTS);
    spread_of_draws(&per_comment, drawn, prior, seed) * (drawn as f64 / comments.max(1) as f64).sqrt()
}

/// The standard deviation of the estimate over [`BAND_RESAMPLES`] draws of
/// `comments` comments (each comment: its predictions).
fn spread_of_draws(per_comment: &[Vec<(usize, [f64; 3])>], comments: usize, prior: [f64; 3], seed: u64) -> f64 {
    let mut rng = SplitMix::new(seed);
    let estimates: Vec<f64> = (0..BAND_RESAMPLES)
        .filter_map(|_| {
            let drawn: Vec<(usize, [f64; 3])> =
                (0..comments).flat_map(|_| per_comment[rng.below(per_comment.len())].iter().copied()).collect();
            estimate(&drawn, prior).map(|s| s.macro_f1)
        })
        .collect();
    standard_deviation(&estimates)
}

/// The sample standard deviation; 0 for fewer than two values.
pub fn standard_deviation(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// The confusion of the level's predictions against the labels for them.
fn realised(groups: &[Vec<&PredictionRow>], level: Level, labels: &[Label]) -> Option<Realised> {
    let wanted: Vec<&Label> = labels.iter().filter(|l| l.aspect.is_none() == (level == Level::Comment)).collect();
    if wanted.is_empty() {
        return None;
    }
    let mut predicted: BTreeMap<(u64, Option<&str>), usize> = BTreeMap::new();
    for g in groups {
        for (aspect, class, _) in level.predictions(g) {
            predicted.insert((g[0].comment_id, aspect), class);
        }
    }
    let mut confusion = [[0.0; 3]; 3];
    let (mut labelled, mut unmatched) = (0, 0);
    for l in wanted {
        match predicted.get(&(l.comment_id, l.aspect.as_deref())) {
            Some(&p) => {
                confusion[l.polarity as usize][p] += 1.0;
                labelled += 1;
            }
            None => unmatched += 1,
        }
    }
    Some(Realised { labelled, unmatched, scores: Scores::of(&confusion)?, confusion })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_batch_spread_scaled_from_smaller_draws_matches_drawing_it_whole() {
        // 3 000 comments, one or two predictions each, of varied confidence.
        let mut rng = SplitMix::new(3);
        let per_comment: Vec<Vec<(usize, [f64; 3])>> = (0..3_000)
            .map(|_| {
                (0..1 + rng.below(2))
                    .map(|_| {
                        let raw = [1 + rng.below(100), 1 + rng.below(40), 1 + rng.below(100)].map(|v| v as f64);
                        let sum: f64 = raw.iter().sum();
                        let p = raw.map(|v| v / sum);
                        (argmax(&p), p)
                    })
                    .collect()
            })
            .collect();
        let all: Vec<(usize, [f64; 3])> = per_comment.iter().flatten().copied().collect();
        let prior = mean_probabilities(&all);
        let batch = 2 * MAX_DRAWN_COMMENTS;
        let whole = spread_of_draws(&per_comment, batch, prior, 1);
        let scaled = spread_of_draws(&per_comment, MAX_DRAWN_COMMENTS, prior, 2) * 0.5f64.sqrt();
        // Each spread comes from 200 draws (about 5 % standard error).
        assert!((scaled / whole - 1.0).abs() < 0.2, "scaled {scaled} against drawn whole {whole}");
    }

    fn argmax(p: &[f64; 3]) -> usize {
        (0..3).fold(0, |best, k| if p[k] > p[best] { k } else { best })
    }
}
