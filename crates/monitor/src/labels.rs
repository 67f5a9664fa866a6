//! Labels that come back after a batch was scored, and the labelling
//! queue that asks a person for them (docs/labels.md).
//!
//! A labels file is CSV with a header naming at least `comment_id`,
//! `aspect` and `polarity` (other columns are ignored, so a filled-in
//! queue is a labels file): one row per comment (`aspect` empty) or per
//! aspect of a comment. A row whose `polarity` is empty was not labelled.
//!
//! The queue mixes the predictions the model was least sure of (worth a
//! person's time, and for retraining) with comments drawn at random: only
//! the random ones make the realised quality an unbiased estimate, so the
//! uncertain ones are left out of it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tables::{NO_ASPECT, PredictionRow};
use taxonomy::Polarity;

use crate::significance::SplitMix;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub comment_id: u64,
    /// `None` for the comment's own sentiment.
    pub aspect: Option<String>,
    pub polarity: Polarity,
}

/// A labels file read: its labels, the rows it could not take (line and
/// reason) and the rows left unlabelled.
#[derive(Debug, Default, PartialEq)]
pub struct ParsedLabels {
    pub labels: Vec<Label>,
    pub rejected: Vec<(usize, String)>,
    pub unlabelled: usize,
}

const POLARITIES: [Polarity; 3] = [Polarity::Negative, Polarity::Neutral, Polarity::Positive];

/// Reads a labels file; an error only when it is not one at all (no
/// header with the three columns).
pub fn parse(bytes: &[u8]) -> Result<ParsedLabels, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| format!("no CSV header: {e}"))?.clone();
    let position = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| format!("the header has no '{name}' column (expected comment_id,aspect,polarity)"))
    };
    let (id_at, aspect_at, polarity_at) = (position("comment_id")?, position("aspect")?, position("polarity")?);
    let mut parsed = ParsedLabels::default();
    let mut seen = BTreeSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed.rejected.push((line, format!("not CSV: {e}")));
                continue;
            }
        };
        let field = |at: usize| record.get(at).map(str::trim).unwrap_or("");
        let (id, aspect, polarity) = (field(id_at), field(aspect_at), field(polarity_at));
        if polarity.is_empty() {
            parsed.unlabelled += 1;
            continue;
        }
        let Ok(comment_id) = id.parse::<u64>() else {
            parsed.rejected.push((line, format!("comment_id '{id}' is not a comment id")));
            continue;
        };
        let Some(polarity) = POLARITIES.into_iter().find(|p| p.name() == polarity.to_lowercase()) else {
            parsed.rejected.push((line, format!("polarity '{polarity}' is not negative, neutral or positive")));
            continue;
        };
        let aspect = (!aspect.is_empty()).then(|| aspect.to_owned());
        if !seen.insert((comment_id, aspect.clone())) {
            parsed.rejected.push((line, "labelled twice: the first label is kept".into()));
            continue;
        }
        parsed.labels.push(Label { comment_id, aspect, polarity });
    }
    Ok(parsed)
}

/// The labels as a labels file (what the store keeps).
pub fn to_csv(labels: &[Label]) -> Vec<u8> {
    let mut out = String::from("comment_id,aspect,polarity\n");
    for l in labels {
        out.push_str(&format!("{},{},{}\n", l.comment_id, l.aspect.as_deref().unwrap_or(""), l.polarity.name()));
    }
    out.into_bytes()
}

/// Why a comment is in the queue.
pub const LEAST_CONFIDENT: &str = "least_confident";
pub const AT_RANDOM: &str = "random";

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

/// The comments a queue chose for the model's uncertainty.
pub fn chosen_as_uncertain(queue: &[u8]) -> BTreeSet<u64> {
    let mut reader = csv::Reader::from_reader(queue);
    let Ok(header) = reader.headers().cloned() else { return BTreeSet::new() };
    let (Some(id_at), Some(chosen_at)) =
        (header.iter().position(|h| h == "comment_id"), header.iter().position(|h| h == "chosen"))
    else {
        return BTreeSet::new();
    };
    reader
        .records()
        .flatten()
        .filter(|r| r.get(chosen_at) == Some(LEAST_CONFIDENT))
        .filter_map(|r| r.get(id_at)?.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labels_file_keeps_what_it_can_and_says_why_not() {
        let file = "comment_id,aspect,polarity,text\n\
                    7,,positive,great\n\
                    7,price,Negative,\n\
                    8,,,not labelled\n\
                    x9,,neutral,\n\
                    9,,meh,\n\
                    7,price,neutral,\n";
        let parsed = parse(file.as_bytes()).unwrap();
        assert_eq!(
            parsed.labels,
            [
                Label { comment_id: 7, aspect: None, polarity: Polarity::Positive },
                Label { comment_id: 7, aspect: Some("price".into()), polarity: Polarity::Negative },
            ]
        );
        assert_eq!(parsed.unlabelled, 1);
        let lines: Vec<usize> = parsed.rejected.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [5, 6, 7], "{:?}", parsed.rejected);
        assert!(parse(b"id,label\n1,positive\n").unwrap_err().contains("comment_id"));
        assert_eq!(parse(&to_csv(&parsed.labels)).unwrap().labels, parsed.labels);
    }
}
