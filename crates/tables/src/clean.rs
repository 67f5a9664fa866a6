//! The clean comments extract writes and transform reads: the exporter's
//! fields minus personal data (username, nickname and homepage are
//! dropped; the user id is replaced by a keyed pseudonym), plus where each
//! row came from.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, TimeUnit, TimestampSecondType};

use crate::{TableError, column, parse_id};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanComment {
    pub comment_id: u64,
    pub reply_to: Option<u64>,
    /// HMAC-SHA256 of the user id under the pipeline's key, hex.
    pub user: String,
    pub text: String,
    /// Seconds since 1970-01-01 UTC.
    pub created_at: i64,
    pub digg_count: u64,
    pub author_digged: bool,
    pub reply_count: u64,
    pub pinned: bool,
    pub source_key: String,
    /// Data row in the source file, from 1.
    pub source_row: u64,
}

pub fn schema() -> Schema {
    let ts = DataType::Timestamp(TimeUnit::Second, Some("UTC".into()));
    Schema::new(vec![
        Field::new("comment_id", DataType::Utf8, false),
        Field::new("reply_to", DataType::Utf8, true),
        Field::new("user", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("created_at", ts, false),
        Field::new("digg_count", DataType::Int64, false),
        Field::new("author_digged", DataType::Boolean, false),
        Field::new("reply_count", DataType::Int64, false),
        Field::new("pinned", DataType::Boolean, false),
        Field::new("source_key", DataType::Utf8, false),
        Field::new("source_row", DataType::Int64, false),
    ])
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub fn to_parquet(rows: &[CleanComment]) -> Result<Vec<u8>, TableError> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.comment_id.to_string()))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.reply_to.map(|id| id.to_string())))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.user))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.text))),
        Arc::new(TimestampSecondArray::from_iter_values(rows.iter().map(|r| r.created_at)).with_timezone("UTC")),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| int(r.digg_count)))),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(r.author_digged)))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| int(r.reply_count)))),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| Some(r.pinned)))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.source_key))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| int(r.source_row)))),
    ];
    crate::write(&RecordBatch::try_new(Arc::new(schema()), columns)?)
}

/// Reads a clean partition back; anything but extract's own schema is an
/// error naming the column.
pub fn from_parquet(bytes: &[u8]) -> Result<Vec<CleanComment>, TableError> {
    let mut rows = Vec::new();
    for batch in crate::read(bytes, &schema())? {
        let col = |name: &str| column(&batch, name);
        let (ids, parents, users, texts, sources) = (
            col("comment_id").as_string::<i32>(),
            col("reply_to").as_string::<i32>(),
            col("user").as_string::<i32>(),
            col("text").as_string::<i32>(),
            col("source_key").as_string::<i32>(),
        );
        let times = col("created_at").as_primitive::<TimestampSecondType>();
        let (diggs, replies, source_rows) = (
            col("digg_count").as_primitive::<Int64Type>(),
            col("reply_count").as_primitive::<Int64Type>(),
            col("source_row").as_primitive::<Int64Type>(),
        );
        let (digged, pinned) = (col("author_digged").as_boolean(), col("pinned").as_boolean());
        for i in 0..batch.num_rows() {
            let row = rows.len() + 1;
            rows.push(CleanComment {
                comment_id: parse_id(ids.value(i), row, "comment_id")?,
                reply_to: if parents.is_null(i) { None } else { Some(parse_id(parents.value(i), row, "reply_to")?) },
                user: users.value(i).to_owned(),
                text: texts.value(i).to_owned(),
                created_at: times.value(i),
                digg_count: diggs.value(i).max(0) as u64,
                author_digged: digged.value(i),
                reply_count: replies.value(i).max(0) as u64,
                pinned: pinned.value(i),
                source_key: sources.value(i).to_owned(),
                source_row: source_rows.value(i).max(0) as u64,
            });
        }
    }
    Ok(rows)
}
