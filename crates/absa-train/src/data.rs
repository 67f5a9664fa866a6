//! The labelled training comments: an exporter CSV and its labels file,
//! joined, hashed, and split by comment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use retrain::FEEDBACK_FILE;
use sha2::{Digest, Sha256};
use tables::labels::TextLabel;
use taxonomy::Polarity;
use tiktok_export::ExportedComment;

use crate::TrainError;

/// `comments.csv` and `comments.labels.csv` of a training directory.
pub const COMMENTS_FILE: &str = "comments.csv";
pub const LABELS_FILE: &str = "comments.labels.csv";

pub struct LabelledComments {
    pub comments: Vec<ExportedComment>,
    /// comment id → (aspect, polarity), in file order.
    pub labels: HashMap<u64, Vec<(String, Polarity)>>,
    /// Labels that came back, all for training: the optional
    /// `feedback.csv` (`comment_id,aspect,polarity,text`).
    pub feedback: Vec<TextLabel>,
    /// SHA-256 over the files, hex.
    pub data_hash: String,
}

fn polarity(name: &str) -> Option<Polarity> {
    match name {
        "negative" => Some(Polarity::Negative),
        "neutral" => Some(Polarity::Neutral),
        "positive" => Some(Polarity::Positive),
        _ => None,
    }
}

pub fn load(dir: &Path) -> Result<LabelledComments, TrainError> {
    let comments_path = dir.join(COMMENTS_FILE);
    let labels_path = dir.join(LABELS_FILE);
    let read = |path: &PathBuf| std::fs::read(path).map_err(|source| TrainError::Io { path: path.clone(), source });
    let (comment_bytes, label_bytes) = (read(&comments_path)?, read(&labels_path)?);
    let feedback_path = dir.join(FEEDBACK_FILE);
    let feedback_bytes = match std::fs::read(&feedback_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(TrainError::Io { path: feedback_path, source }),
    };
    let mut hash = Sha256::new();
    hash.update(&comment_bytes);
    hash.update(&label_bytes);
    if let Some(bytes) = &feedback_bytes {
        hash.update(bytes);
    }
    let data_hash = format!("{:x}", hash.finalize());
    let feedback = match &feedback_bytes {
        Some(bytes) => tables::labels::text_labels_from_csv(bytes).map_err(|message| TrainError::Data {
            path: feedback_path.clone(),
            row: 0,
            message,
        })?,
        None => vec![],
    };

    let rows = tiktok_export::read(&comment_bytes).map_err(|e| TrainError::Data {
        path: comments_path.clone(),
        row: 0,
        message: e.to_string(),
    })?;
    // Training data must be clean: a bad row is an error, not a skip.
    let comments = rows
        .into_iter()
        .map(|r| r.map_err(|e| TrainError::Data { path: comments_path.clone(), row: e.row, message: e.to_string() }))
        .collect::<Result<Vec<_>, _>>()?;

    let mut labels: HashMap<u64, Vec<(String, Polarity)>> = HashMap::new();
    let mut reader = csv::Reader::from_reader(label_bytes.as_slice());
    let bad = |row: usize, message: String| TrainError::Data { path: labels_path.clone(), row, message };
    if reader.headers().map_err(|e| bad(0, e.to_string()))?.iter().collect::<Vec<_>>()
        != ["comment_id", "aspect", "polarity"]
    {
        return Err(bad(0, "header must be comment_id,aspect,polarity".into()));
    }
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(i + 1, e.to_string()))?;
        let id: u64 =
            record[0].parse().map_err(|_| bad(i + 1, format!("comment_id '{}' is not a number", &record[0])))?;
        let polarity = polarity(&record[2])
            .ok_or_else(|| bad(i + 1, format!("polarity '{}' is not negative, neutral or positive", &record[2])))?;
        labels.entry(id).or_default().push((record[1].to_owned(), polarity));
    }
    Ok(LabelledComments { comments, labels, feedback, data_hash })
}

/// Comment indices of each part of the split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub valid: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits comments 70/15/15, whole comments at a time (a comment's aspects
/// share its words, so they must not straddle train and test), stratified
/// by the comment's first label, in an order fixed by a hash of the id and
/// the seed.
pub fn split(data: &LabelledComments, seed: u64) -> Split {
    let mut strata: HashMap<Option<Polarity>, Vec<(u64, usize)>> = HashMap::new();
    for (i, c) in data.comments.iter().enumerate() {
        let first = data.labels.get(&c.comment_id).and_then(|l| l.first()).map(|(_, p)| *p);
        strata.entry(first).or_default().push((mix(c.comment_id ^ seed), i));
    }
    let mut out = Split { train: vec![], valid: vec![], test: vec![] };
    for members in strata.values_mut() {
        members.sort_unstable();
        let n = members.len();
        let (train_end, valid_end) = (n * 70 / 100, n * 85 / 100);
        for (rank, (_, i)) in members.iter().enumerate() {
            match rank {
                r if r < train_end => out.train.push(*i),
                r if r < valid_end => out.valid.push(*i),
                _ => out.test.push(*i),
            }
        }
    }
    for part in [&mut out.train, &mut out.valid, &mut out.test] {
        part.sort_unstable();
    }
    out
}

/// splitmix64's finaliser: a well-spread, stable hash of an id.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
