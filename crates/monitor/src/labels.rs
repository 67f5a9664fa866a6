//! The labelling queue the monitor writes for an alarmed batch
//! (docs/labels.md): the predictions the model was least sure of (worth a
//! person's time, and for retraining) mixed with comments drawn at random:
//! only the random ones make the realised quality an unbiased estimate, so
//! the uncertain ones are left out of it.

use std::collections::BTreeMap;

use serde::Serialize;
use tables::labels::{AT_RANDOM, LEAST_CONFIDENT};
use tables::{NO_ASPECT, PredictionRow};

use crate::significance::SplitMix;

/// A queue's row: a labels row (polarity to fill in) with what a person
/// needs to fill it in.
#[derive(Debug, Serialize)]
struct QueueRow<'a> {
    comment_id: u64,
    aspect: &'a str,
    polarity: &'a str,
    predicted: &'a str,
    confidence: String,
    chosen: &'static str,
    text: &'a str,
}

/// The labelling queue of a batch: half of `size` comments whose
/// comment-level prediction was least confident, half drawn at random
/// from the rest (`seed` fixes the draw); each comment with a row for its
/// own sentiment and one per aspect. `texts` are the comments' (already
/// pseudonymised) texts.
pub fn queue(current: &[PredictionRow], texts: &BTreeMap<u64, String>, size: usize, seed: u64) -> Vec<u8> {
    let groups = crate::significance::by_comment(current);
    let mut by_confidence: Vec<usize> = (0..groups.len()).collect();
    by_confidence
        .sort_by(|&a, &b| groups[a][0].comment_confidence.total_cmp(&groups[b][0].comment_confidence).then(a.cmp(&b)));
    let uncertain = (size / 2).min(groups.len());
    let mut rest: Vec<usize> = by_confidence[uncertain..].to_vec();
    let mut rng = SplitMix::new(seed);
    let mut chosen: Vec<(usize, &'static str)> =
        by_confidence[..uncertain].iter().map(|&g| (g, LEAST_CONFIDENT)).collect();
    while chosen.len() < size && !rest.is_empty() {
        chosen.push((rest.swap_remove(rng.below(rest.len())), AT_RANDOM));
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    for (g, why) in chosen {
        let rows = &groups[g];
        let first = rows[0];
        let text = texts.get(&first.comment_id).map_or("", String::as_str);
        let comment = QueueRow {
            comment_id: first.comment_id,
            aspect: "",
            polarity: "",
            predicted: &first.comment_sentiment,
            confidence: format!("{:.3}", first.comment_confidence),
            chosen: why,
            text,
        };
        writer.serialize(comment).expect("in memory");
        for r in rows.iter().filter(|r| r.aspect != NO_ASPECT) {
            let aspect = QueueRow {
                comment_id: r.comment_id,
                aspect: &r.aspect,
                polarity: "",
                predicted: &r.sentiment,
                confidence: r.confidence.map_or(String::new(), |c| format!("{c:.3}")),
                chosen: why,
                text,
            };
            writer.serialize(aspect).expect("in memory");
        }
    }
    writer.into_inner().expect("in memory")
}
