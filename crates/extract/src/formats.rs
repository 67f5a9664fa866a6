//! The three raw formats, each turned into the exporter's twelve cells per
//! row and validated by the one `tiktok_export::parse_fields`:
//!
//! - TikTok comment-exporter CSV, exactly as the exporter writes it;
//! - JSON Lines: one object per line, keyed by the exporter's header names;
//!   ids, counts and times as strings or numbers, flags as `Yes`/`No` or
//!   booleans, an absent or null `Reply to Which Comment` for no parent;
//! - Parquet with the exporter's header names as columns: strings, integers,
//!   booleans, or a timestamp for `Comment Time` (an all-null column, as
//!   pyarrow writes for a column of `None`, reads as empty cells).
//!
//! The format is recognised by content (Parquet's `PAR1` magic, a `{`
//! first), not by the file name.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMillisecondType, TimestampSecondType, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use tiktok_export::{ExportedComment, HEADER};

/// One input row that failed, with everything quarantine keeps.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejected {
    pub row: usize,
    pub line: u64,
    pub field: Option<&'static str>,
    /// Stable code: `bad_id`, `bad_time`, `bad_count`, `bad_flag`,
    /// `field_count`, `not_utf8`, `csv`, `bad_json`, `missing_field`,
    /// `bad_type`, `too_long`.
    pub reason: &'static str,
    pub message: String,
    /// The row's twelve cells in the exporter's order, when it has them
    /// (not for a row with the wrong number of fields, invalid UTF-8 or
    /// invalid JSON). Extract drops or pseudonymises the identity cells
    /// before anything is written; the raw file keeps the original.
    pub cells: Option<Vec<String>>,
}

/// Why a whole file cannot be read; none of its rows is used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FormatError {
    #[error("exporter CSV: {0}")]
    Csv(#[from] tiktok_export::FileError),
    #[error("the file is {0}, not UTF-8: save or export it as UTF-8")]
    Encoding(&'static str),
    #[error("Parquet: {0}")]
    Parquet(String),
    #[error("Parquet: column '{0}' is missing")]
    MissingColumn(&'static str),
    #[error("Parquet: column '{column}' has type {found}, expected text, integer, boolean or timestamp")]
    ColumnType { column: &'static str, found: String },
}

pub type Rows = Vec<Result<ExportedComment, Rejected>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
}

pub fn detect(bytes: &[u8]) -> Format {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.starts_with(b"PAR1") {
        Format::Parquet
    } else if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        Format::Jsonl
    } else {
        Format::Csv
    }
}

/// Every row of a file; a comment time after `not_after` (seconds since
/// 1970) rejects its row.
pub fn read_file(bytes: &[u8], not_after: i64) -> Result<(Format, Rows), FormatError> {
    let format = detect(bytes);
    if format != Format::Parquet
        && let Some(encoding) = tiktok_export::wide_encoding(bytes)
    {
        return Err(FormatError::Encoding(encoding));
    }
    let rows = match format {
        Format::Csv => read_csv(bytes, not_after)?,
        Format::Jsonl => read_jsonl(bytes, not_after),
        Format::Parquet => tables::guard_damaged(|| read_parquet(bytes, not_after))
            .unwrap_or_else(|why| Err(FormatError::Parquet(why)))?,
    };
    Ok((format, rows))
}

fn rejected(e: tiktok_export::RowError) -> Rejected {
    let message = e.to_string();
    Rejected { row: e.row, line: e.line, field: e.field, reason: e.reason.code(), message, cells: e.cells }
}

/// A row that failed `tiktok_export::parse_fields`, with its cells.
fn rejected_cells(row: usize, line: u64, (field, reason): tiktok_export::FieldError, cells: Vec<String>) -> Rejected {
    rejected(tiktok_export::RowError { row, line, field, reason, raw: String::new(), cells: Some(cells) })
}

fn read_csv(bytes: &[u8], not_after: i64) -> Result<Rows, FormatError> {
    Ok(tiktok_export::read_until(bytes, not_after)?.into_iter().map(|r| r.map_err(rejected)).collect())
}

fn read_jsonl(bytes: &[u8], not_after: i64) -> Rows {
    let mut rows = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let text = String::from_utf8_lossy(line).trim_end_matches('\r').to_owned();
        if text.trim().is_empty() {
            continue;
        }
        let row = rows.len() + 1;
        let fail = |field, reason: &'static str, message: String| Rejected {
            row,
            line: line_no,
            field,
            reason,
            message: format!(
                "row {row} (line {line_no}){}: {message}",
                field.map(|f| format!(", field '{f}'")).unwrap_or_default()
            ),
            cells: None,
        };
        if std::str::from_utf8(line).is_err() {
            rows.push(Err(fail(None, "not_utf8", "not valid UTF-8".into())));
            continue;
        }
        let object = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                rows.push(Err(fail(None, "bad_json", "not a JSON object".into())));
                continue;
            }
            Err(e) => {
                rows.push(Err(fail(None, "bad_json", e.to_string())));
                continue;
            }
        };
        let mut cells = Vec::with_capacity(HEADER.len());
        let mut error = None;
        for name in HEADER {
            match (name, object.get(name)) {
                ("Reply to Which Comment", None | Some(Value::Null)) => cells.push(String::new()),
                (_, None | Some(Value::Null)) => {
                    error = Some(fail(Some(name), "missing_field", "missing".into()));
                    break;
                }
                (_, Some(Value::String(s))) => cells.push(s.clone()),
                (_, Some(Value::Number(n))) => cells.push(n.to_string()),
                (_, Some(Value::Bool(b))) => cells.push(if *b { "Yes" } else { "No" }.into()),
                (_, Some(other)) => {
                    error = Some(fail(Some(name), "bad_type", format!("{other} is not a string, number or boolean")));
                    break;
                }
            }
        }
        if let Some(e) = error {
            rows.push(Err(e));
            continue;
        }
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        let parsed = tiktok_export::parse_fields(&refs, not_after);
        rows.push(parsed.map_err(|e| rejected_cells(row, line_no, e, cells.clone())));
    }
    rows
}

fn read_parquet(bytes: &[u8], not_after: i64) -> Result<Rows, FormatError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
        .and_then(|b| b.build())
        .map_err(|e| FormatError::Parquet(e.to_string()))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| FormatError::Parquet(e.to_string()))?;
        let mut columns = Vec::with_capacity(HEADER.len());
        for name in HEADER {
            let column = batch.column_by_name(name).ok_or(FormatError::MissingColumn(name))?;
            match column.data_type() {
                DataType::Null
                | DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Int64
                | DataType::UInt64
                | DataType::Boolean
                | DataType::Timestamp(TimeUnit::Second | TimeUnit::Millisecond, _) => columns.push(column.clone()),
                other => return Err(FormatError::ColumnType { column: name, found: other.to_string() }),
            }
        }
        for i in 0..batch.num_rows() {
            let cells: Vec<String> = columns.iter().map(|c| cell(c.as_ref(), i)).collect();
            let row = rows.len() + 1;
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let parsed = tiktok_export::parse_fields(&refs, not_after);
            rows.push(parsed.map_err(|e| rejected_cells(row, row as u64, e, cells.clone())));
        }
    }
    Ok(rows)
}

/// One Parquet cell as the exporter would have written it.
fn cell(column: &dyn Array, i: usize) -> String {
    // A NullArray reports no null bitmap, so its type is checked too.
    if column.data_type() == &DataType::Null || column.is_null(i) {
        return String::new();
    }
    match column.data_type() {
        DataType::Utf8 => column.as_string::<i32>().value(i).to_owned(),
        DataType::LargeUtf8 => column.as_string::<i64>().value(i).to_owned(),
        DataType::Int64 => column.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt64 => column.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Boolean => if column.as_boolean().value(i) { "Yes" } else { "No" }.to_owned(),
        DataType::Timestamp(TimeUnit::Second, _) => {
            tiktok_export::format_time(column.as_primitive::<TimestampSecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            tiktok_export::format_time(column.as_primitive::<TimestampMillisecondType>().value(i).div_euclid(1000))
        }
        _ => unreachable!("column types are checked before rows are read"),
    }
}
