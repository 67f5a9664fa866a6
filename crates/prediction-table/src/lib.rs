//! The table the monitor watches: one row per (comment, aspect), with the
//! model's prediction and the comment's text and engagement features.
//! Training writes it for held-out comments (the reference profile), the
//! transform step for every hourly batch; both go through [`rows_for`] and
//! [`to_parquet`], so the two sides cannot disagree on a column.
//!
//! A comment with no aspect still gets one row (aspect and sentiment
//! `none`, confidence null) so text drift in such comments is seen. Comment
//! features repeat on each of a comment's rows.

pub mod profile;

use std::sync::Arc;

use absa_model::CommentAnalysis;
use arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// The value of `aspect` and `sentiment` for a comment without aspects.
pub const NO_ASPECT: &str = "none";

/// Columns that identify a row rather than describe it; the monitor does
/// not test them for drift.
pub const ID_COLUMNS: [&str; 2] = ["comment_id", "created_at"];

#[derive(Debug, Clone, PartialEq)]
pub struct PredictionRow {
    pub comment_id: u64,
    /// Seconds since 1970-01-01 UTC.
    pub created_at: i64,
    pub aspect: String,
    pub sentiment: String,
    /// Probability of the predicted class.
    pub confidence: Option<f64>,
    pub text_length: i64,
    pub word_count: i64,
    pub emoji_count: i64,
    pub unseen_word_share: Option<f64>,
    pub digg_count: i64,
    pub reply_count: i64,
    pub is_reply: bool,
}

/// What the table needs of a comment besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentFacts {
    pub comment_id: u64,
    pub created_at: i64,
    pub digg_count: u64,
    pub reply_count: u64,
    pub is_reply: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("Arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("column '{column}' is missing")]
    Missing { column: &'static str },
    #[error("column '{column}': expected {expected}")]
    Column { column: &'static str, expected: &'static str },
    #[error("row {row}, column '{column}': unexpected null")]
    Null { row: usize, column: &'static str },
}

/// The rows of one comment: one per aspect, or one `none` row.
pub fn rows_for(facts: CommentFacts, analysis: &CommentAnalysis) -> Vec<PredictionRow> {
    let row = |aspect: &str, sentiment: &str, confidence: Option<f64>| PredictionRow {
        comment_id: facts.comment_id,
        created_at: facts.created_at,
        aspect: aspect.to_owned(),
        sentiment: sentiment.to_owned(),
        confidence,
        text_length: analysis.chars as i64,
        word_count: analysis.words as i64,
        emoji_count: analysis.emoji as i64,
        unseen_word_share: analysis.unseen_word_share.map(f64::from),
        digg_count: i64::try_from(facts.digg_count).unwrap_or(i64::MAX),
        reply_count: i64::try_from(facts.reply_count).unwrap_or(i64::MAX),
        is_reply: facts.is_reply,
    };
    if analysis.aspects.is_empty() {
        return vec![row(NO_ASPECT, NO_ASPECT, None)];
    }
    analysis
        .aspects
        .iter()
        .map(|a| {
            let confidence = a.probabilities.iter().copied().fold(0f32, f32::max);
            row(&a.aspect, a.polarity.name(), Some(f64::from(confidence)))
        })
        .collect()
}

pub fn schema() -> Schema {
    Schema::new(vec![
        Field::new("comment_id", DataType::Utf8, false),
        Field::new("created_at", DataType::Timestamp(TimeUnit::Second, Some("UTC".into())), false),
        Field::new("aspect", DataType::Utf8, false),
        Field::new("sentiment", DataType::Utf8, false),
        Field::new("confidence", DataType::Float64, true),
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
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.comment_id.to_string()))),
        Arc::new(TimestampSecondArray::from_iter_values(rows.iter().map(|r| r.created_at)).with_timezone("UTC")),
        strings(|r| &r.aspect),
        strings(|r| &r.sentiment),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.confidence))),
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
    let batch = to_record_batch(rows)?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(out)
}

pub fn from_parquet(bytes: &[u8]) -> Result<Vec<PredictionRow>, TableError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))?.build()?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch?;
        let column = |name: &'static str| batch.column_by_name(name).ok_or(TableError::Missing { column: name });
        let strings = |name: &'static str| -> Result<&StringArray, TableError> {
            column(name)?.as_any().downcast_ref().ok_or(TableError::Column { column: name, expected: "utf8" })
        };
        let ints = |name: &'static str| -> Result<&Int64Array, TableError> {
            column(name)?.as_any().downcast_ref().ok_or(TableError::Column { column: name, expected: "int64" })
        };
        let floats = |name: &'static str| -> Result<&Float64Array, TableError> {
            column(name)?.as_any().downcast_ref().ok_or(TableError::Column { column: name, expected: "float64" })
        };
        let (ids, aspects, sentiments) = (strings("comment_id")?, strings("aspect")?, strings("sentiment")?);
        let created: &TimestampSecondArray = column("created_at")?
            .as_any()
            .downcast_ref()
            .ok_or(TableError::Column { column: "created_at", expected: "timestamp[s]" })?;
        let (confidence, unseen) = (floats("confidence")?, floats("unseen_word_share")?);
        let (length, words, emoji) = (ints("text_length")?, ints("word_count")?, ints("emoji_count")?);
        let (diggs, replies) = (ints("digg_count")?, ints("reply_count")?);
        let is_reply: &BooleanArray = column("is_reply")?
            .as_any()
            .downcast_ref()
            .ok_or(TableError::Column { column: "is_reply", expected: "boolean" })?;
        let optional = |a: &Float64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
        for i in 0..batch.num_rows() {
            let row = rows.len() + 1;
            rows.push(PredictionRow {
                comment_id: ids
                    .value(i)
                    .parse()
                    .map_err(|_| TableError::Column { column: "comment_id", expected: "a decimal id" })?,
                created_at: created.value(i),
                aspect: aspects.value(i).to_owned(),
                sentiment: sentiments.value(i).to_owned(),
                confidence: optional(confidence, i),
                text_length: length.value(i),
                word_count: words.value(i),
                emoji_count: emoji.value(i),
                unseen_word_share: optional(unseen, i),
                digg_count: diggs.value(i),
                reply_count: replies.value(i),
                is_reply: if is_reply.is_null(i) {
                    return Err(TableError::Null { row, column: "is_reply" });
                } else {
                    is_reply.value(i)
                },
            });
        }
    }
    Ok(rows)
}
