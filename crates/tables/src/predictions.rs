//! The table the monitor watches: one row per (comment, aspect), with the
//! model's prediction and the comment's text and engagement features.
//! Training writes it for held-out comments (the reference profile), the
//! transform step for every hourly batch; both build rows with absa-model's
//! `prediction_rows` and write them with [`to_parquet`], so the two sides
//! cannot disagree on a column.
//!
//! A comment with no aspect still gets one row (aspect and sentiment
//! `none`, confidence null) so text drift in such comments is seen. Comment
//! features repeat on each of a comment's rows.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema, TimeUnit, TimestampSecondType};

use crate::{TableError, column, parse_id};

/// The value of `aspect` and `sentiment` for a comment without aspects.
pub const NO_ASPECT: &str = "none";

/// The `language` of a comment whose language cannot be told.
pub const UNDETERMINED_LANGUAGE: &str = "und";

/// Columns that identify a row rather than describe it; the monitor does
/// not test them for drift.
pub const ID_COLUMNS: [&str; 2] = ["comment_id", "created_at"];

/// The class probabilities behind `sentiment` and `comment_sentiment`, in
/// negative, neutral, positive order. The monitor estimates the model's
/// quality from them; their drift is tested through the confidences.
pub const PROBABILITY_COLUMNS: [&str; 6] =
    ["p_negative", "p_neutral", "p_positive", "comment_p_negative", "comment_p_neutral", "comment_p_positive"];

#[derive(Debug, Clone, PartialEq)]
pub struct PredictionRow {
    pub comment_id: u64,
    /// Seconds since 1970-01-01 UTC.
    pub created_at: i64,
    pub aspect: String,
    pub sentiment: String,
    /// Probability of the predicted class.
    pub confidence: Option<f64>,
    /// The aspect's calibrated probabilities (negative, neutral, positive).
    pub probabilities: Option<[f64; 3]>,
    /// The whole comment's sentiment (every row of a comment has the same).
    pub comment_sentiment: String,
    /// Probability of `comment_sentiment`.
    pub comment_confidence: f64,
    pub comment_probabilities: [f64; 3],
    /// ISO 639-3 code, `und` when it cannot be told.
    pub language: String,
    pub text_length: i64,
    pub word_count: i64,
    pub emoji_count: i64,
    pub unseen_word_share: Option<f64>,
    pub digg_count: i64,
    pub reply_count: i64,
    pub is_reply: bool,
}

pub fn schema() -> Schema {
    Schema::new(vec![
        Field::new("comment_id", DataType::Utf8, false),
        Field::new("created_at", DataType::Timestamp(TimeUnit::Second, Some("UTC".into())), false),
        Field::new("aspect", DataType::Utf8, false),
        Field::new("sentiment", DataType::Utf8, false),
        Field::new("confidence", DataType::Float64, true),
        Field::new("comment_sentiment", DataType::Utf8, false),
        Field::new("comment_confidence", DataType::Float64, false),
        Field::new(PROBABILITY_COLUMNS[0], DataType::Float64, true),
        Field::new(PROBABILITY_COLUMNS[1], DataType::Float64, true),
        Field::new(PROBABILITY_COLUMNS[2], DataType::Float64, true),
        Field::new(PROBABILITY_COLUMNS[3], DataType::Float64, false),
        Field::new(PROBABILITY_COLUMNS[4], DataType::Float64, false),
        Field::new(PROBABILITY_COLUMNS[5], DataType::Float64, false),
        Field::new("language", DataType::Utf8, false),
        Field::new("text_length", DataType::Int64, false),
        Field::new("word_count", DataType::Int64, false),
        Field::new("emoji_count", DataType::Int64, false),
        Field::new("unseen_word_share", DataType::Float64, true),
        Field::new("digg_count", DataType::Int64, false),
        Field::new("reply_count", DataType::Int64, false),
        Field::new("is_reply", DataType::Boolean, false),
    ])
}

pub fn to_record_batch(rows: &[PredictionRow]) -> Result<RecordBatch, TableError> {
    let ints = |f: fn(&PredictionRow) -> i64| Arc::new(Int64Array::from_iter_values(rows.iter().map(f))) as ArrayRef;
    let strings =
        |f: fn(&PredictionRow) -> &str| Arc::new(StringArray::from_iter_values(rows.iter().map(f))) as ArrayRef;
    let aspect_probability = |class: usize| {
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.probabilities.map(|p| p[class])))) as ArrayRef
    };
    let comment_probability = |class: usize| {
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.comment_probabilities[class]))) as ArrayRef
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.comment_id.to_string()))),
        Arc::new(TimestampSecondArray::from_iter_values(rows.iter().map(|r| r.created_at)).with_timezone("UTC")),
        strings(|r| &r.aspect),
        strings(|r| &r.sentiment),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.confidence))),
        strings(|r| &r.comment_sentiment),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.comment_confidence))),
        aspect_probability(0),
        aspect_probability(1),
        aspect_probability(2),
        comment_probability(0),
        comment_probability(1),
        comment_probability(2),
        strings(|r| &r.language),
        ints(|r| r.text_length),
        ints(|r| r.word_count),
        ints(|r| r.emoji_count),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.unseen_word_share))),
        ints(|r| r.digg_count),
        ints(|r| r.reply_count),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(r.is_reply)))),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema()), columns)?)
}

/// Snappy-compressed Parquet; the same rows always give the same bytes.
pub fn to_parquet(rows: &[PredictionRow]) -> Result<Vec<u8>, TableError> {
    crate::write(&to_record_batch(rows)?)
}

/// Reads a prediction partition (or a reference table) back; anything
/// but this schema is an error naming the column.
pub fn from_parquet(bytes: &[u8]) -> Result<Vec<PredictionRow>, TableError> {
    let mut rows = Vec::new();
    for batch in crate::read(bytes, &schema())? {
        let col = |name: &str| column(&batch, name);
        let (ids, aspects, sentiments, comment_sentiments) = (
            col("comment_id").as_string::<i32>(),
            col("aspect").as_string::<i32>(),
            col("sentiment").as_string::<i32>(),
            col("comment_sentiment").as_string::<i32>(),
        );
        let comment_confidence = col("comment_confidence").as_primitive::<Float64Type>();
        let languages = col("language").as_string::<i32>();
        let created = col("created_at").as_primitive::<TimestampSecondType>();
        let (confidence, unseen) =
            (col("confidence").as_primitive::<Float64Type>(), col("unseen_word_share").as_primitive::<Float64Type>());
        let ints = |name: &str| col(name).as_primitive::<Int64Type>();
        let (length, words, emoji) = (ints("text_length"), ints("word_count"), ints("emoji_count"));
        let (diggs, replies) = (ints("digg_count"), ints("reply_count"));
        let is_reply = col("is_reply").as_boolean();
        let probabilities = PROBABILITY_COLUMNS.map(|name| col(name).as_primitive::<Float64Type>());
        let optional = |a: &Float64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
        for i in 0..batch.num_rows() {
            let row = rows.len() + 1;
            let nulls = [("is_reply", is_reply.is_null(i)), ("comment_confidence", comment_confidence.is_null(i))]
                .into_iter()
                .chain(PROBABILITY_COLUMNS[3..].iter().zip(&probabilities[3..]).map(|(c, a)| (*c, a.is_null(i))));
            for (column, null) in nulls {
                if null {
                    return Err(TableError::Value { row, column, problem: "unexpected null".into() });
                }
            }
            let aspect_probabilities = match probabilities[..3].iter().map(|a| optional(a, i)).collect::<Vec<_>>()[..] {
                [Some(n), Some(u), Some(p)] => Some([n, u, p]),
                [None, None, None] => None,
                _ => {
                    let problem = "some of an aspect's probabilities are null".into();
                    return Err(TableError::Value { row, column: "p_negative", problem });
                }
            };
            rows.push(PredictionRow {
                comment_id: parse_id(ids.value(i), row, "comment_id")?,
                created_at: created.value(i),
                aspect: aspects.value(i).to_owned(),
                sentiment: sentiments.value(i).to_owned(),
                confidence: optional(confidence, i),
                probabilities: aspect_probabilities,
                comment_sentiment: comment_sentiments.value(i).to_owned(),
                comment_confidence: comment_confidence.value(i),
                comment_probabilities: std::array::from_fn(|c| probabilities[3 + c].value(i)),
                language: languages.value(i).to_owned(),
                text_length: length.value(i),
                word_count: words.value(i),
                emoji_count: emoji.value(i),
                unseen_word_share: optional(unseen, i),
                digg_count: diggs.value(i),
                reply_count: replies.value(i),
                is_reply: is_reply.value(i),
            });
        }
    }
    Ok(rows)
}
