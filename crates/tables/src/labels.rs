//! Labels that came back after a batch was scored (docs/labels.md): CSV
//! with a header naming at least `comment_id`, `aspect` and `polarity`
//! (other columns are ignored, so a filled-in labelling queue is a labels
//! file); one row per comment (`aspect` empty) or per aspect of a comment.
//! A row whose `polarity` is empty was not labelled.

use std::collections::BTreeSet;

use taxonomy::Polarity;

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

/// Why a labelling queue chose a comment; only the random ones make the
/// realised quality an unbiased figure for a batch.
pub const LEAST_CONFIDENT: &str = "least_confident";
pub const AT_RANDOM: &str = "random";

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

/// A label with the comment's text (as extract kept it): what a retrain
/// learns from (`feedback.csv`) and judges a challenger on (`held-out.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLabel {
    pub label: Label,
    pub text: String,
}

const TEXT_LABELS_HEADER: [&str; 4] = ["comment_id", "aspect", "polarity", "text"];

/// `comment_id,aspect,polarity,text`.
pub fn text_labels_to_csv(labels: &[TextLabel]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(TEXT_LABELS_HEADER).expect("in memory");
    for TextLabel { label, text } in labels {
        let id = label.comment_id.to_string();
        let aspect = label.aspect.as_deref().unwrap_or("");
        writer.write_record([id.as_str(), aspect, label.polarity.name(), text]).expect("in memory");
    }
    writer.into_inner().expect("in memory")
}

/// Reads what [`text_labels_to_csv`] wrote; an error names the line.
pub fn text_labels_from_csv(bytes: &[u8]) -> Result<Vec<TextLabel>, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().map_err(|e| format!("line 1: {e}"))?;
    if header.iter().collect::<Vec<_>>() != TEXT_LABELS_HEADER {
        return Err(format!("line 1: the header must be {}", TEXT_LABELS_HEADER.join(",")));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let comment_id = record[0].parse().map_err(|_| format!("line {line}: '{}' is not a comment id", &record[0]))?;
        let polarity = POLARITIES
            .into_iter()
            .find(|p| p.name() == &record[2])
            .ok_or_else(|| format!("line {line}: '{}' is not a polarity", &record[2]))?;
        let aspect = (!record[1].is_empty()).then(|| record[1].to_owned());
        out.push(TextLabel { label: Label { comment_id, aspect, polarity }, text: record[3].to_owned() });
    }
    Ok(out)
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
        let with_text: Vec<TextLabel> = parsed
            .labels
            .iter()
            .map(|l| TextLabel { label: l.clone(), text: "so \"good\", really\n".into() })
            .collect();
        assert_eq!(text_labels_from_csv(&text_labels_to_csv(&with_text)).unwrap(), with_text);
        assert!(text_labels_from_csv(b"comment_id,aspect,polarity,text\n1,,meh,x\n").unwrap_err().contains("line 2"));
    }
}
