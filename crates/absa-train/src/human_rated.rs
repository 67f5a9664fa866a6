//! The human-rated sentence sets in `data/human-rated`: VADER's ground
//! truth (C.J. Hutto, MIT; `LICENSE-VADER.txt` there), real tweets and
//! product-review, movie-review and editorial sentences, each with the mean
//! rating of at least 20 raters on −4…+4. `split.csv` holds the fixed
//! stratified split that `scripts/vader/score_human_rated.py` made (70 %
//! train, 15 % validation, 15 % test per set and label).

use std::collections::HashMap;
use std::path::Path;

use taxonomy::Polarity;

use crate::TrainError;

/// Each set's name and file.
pub const SETS: [(&str, &str); 4] = [
    ("tweets", "tweets_GroundTruth.txt"),
    ("product_reviews", "amazonReviewSnippets_GroundTruth.txt"),
    ("movie_reviews", "movieReviewSnippets_GroundTruth.txt"),
    ("editorials", "nytEditorialSnippets_GroundTruth.txt"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Train,
    Validation,
    Test,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RatedSentence {
    pub set: &'static str,
    pub id: String,
    /// The raters' mean, −4…+4.
    pub rating: f64,
    pub label: Polarity,
    pub part: Part,
    pub text: String,
}

/// Positive above +0.5, negative below −0.5, neutral between.
pub fn label_of(rating: f64) -> Polarity {
    if rating > 0.5 {
        Polarity::Positive
    } else if rating < -0.5 {
        Polarity::Negative
    } else {
        Polarity::Neutral
    }
}

/// Every sentence of the four sets, with its label and part.
pub fn load_human_rated(dir: &Path) -> Result<Vec<RatedSentence>, TrainError> {
    let data_error =
        |path: &Path, row: usize, message: String| TrainError::Data { path: path.to_owned(), row, message };
    let split_path = dir.join("split.csv");
    let mut parts: HashMap<(String, String), Part> = HashMap::new();
    let mut reader = csv::Reader::from_path(&split_path).map_err(|e| data_error(&split_path, 0, e.to_string()))?;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| data_error(&split_path, i + 1, e.to_string()))?;
        let part = match &record[3] {
            "train" => Part::Train,
            "validation" => Part::Validation,
            "test" => Part::Test,
            other => return Err(data_error(&split_path, i + 1, format!("'{other}' is no part"))),
        };
        parts.insert((record[0].to_owned(), record[1].to_owned()), part);
    }
    let mut sentences = Vec::new();
    for (set, file) in SETS {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|source| TrainError::Io { path: path.clone(), source })?;
        // A few stray bytes are not UTF-8; the reference script reads them the same way.
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let mut fields = line.trim_end_matches('\r').splitn(3, '\t');
            let (Some(id), Some(rating), Some(text)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(data_error(&path, i + 1, "not ID, rating and text".into()));
            };
            let rating: f64 =
                rating.parse().map_err(|_| data_error(&path, i + 1, format!("'{rating}' is no rating")))?;
            let part = *parts
                .get(&(set.to_owned(), id.to_owned()))
                .ok_or_else(|| data_error(&split_path, 0, format!("{set} {id} is in no part")))?;
            sentences.push(RatedSentence {
                set,
                id: id.to_owned(),
                rating,
                label: label_of(rating),
                part,
                text: text.to_owned(),
            });
        }
    }
    Ok(sentences)
}
