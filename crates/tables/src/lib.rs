//! The pipeline's tables, as Parquet:
//!
//! - [`clean`]: the comments extract keeps, without personal data;
//! - [`predictions`]: the table the monitor watches, one row per
//!   (comment, aspect), which transform and training write;
//! - [`profile`]: the reference profile of the prediction table.
//!
//! Both tables go through one codec: Snappy-compressed, so the same rows
//! always give the same bytes, and read back with every column checked.

pub mod clean;
pub mod labels;
pub mod predictions;
pub mod profile;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::Schema;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

pub use clean::CleanComment;
pub use predictions::{NO_ASPECT, PredictionRow, UNDETERMINED_LANGUAGE};

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("Arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("column '{column}' is missing")]
    Missing { column: String },
    #[error("column '{column}' is {found}, expected {expected}")]
    Column { column: String, found: String, expected: String },
    #[error("row {row}, column '{column}': {problem}")]
    Value { row: usize, column: &'static str, problem: String },
}

/// Writes one record batch as Snappy Parquet.
fn write(batch: &RecordBatch) -> Result<Vec<u8>, TableError> {
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(out)
}

/// Reads every record batch, after checking that each column of `schema`
/// is there with its type.
fn read(bytes: &[u8], schema: &Schema) -> Result<Vec<RecordBatch>, TableError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))?.build()?;
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch?;
        for field in schema.fields() {
            match batch.column_by_name(field.name()) {
                Some(c) if c.data_type() == field.data_type() => {}
                Some(c) => {
                    return Err(TableError::Column {
                        column: field.name().clone(),
                        found: c.data_type().to_string(),
                        expected: field.data_type().to_string(),
                    });
                }
                None => return Err(TableError::Missing { column: field.name().clone() }),
            }
        }
        batches.push(batch);
    }
    Ok(batches)
}

/// A column [`read`] has checked.
fn column<'b>(batch: &'b RecordBatch, name: &str) -> &'b dyn Array {
    batch.column_by_name(name).expect("checked by read").as_ref()
}

/// A decimal id as the tables store it (text: ids exceed JavaScript's and
/// Evidently's float precision).
fn parse_id(value: &str, row: usize, column: &'static str) -> Result<u64, TableError> {
    value.parse().map_err(|_| TableError::Value { row, column, problem: format!("'{value}' is not an id") })
}

/// Runs a read of an outside Parquet file. The parquet crate panics on some
/// damaged files (fuzzing found one in arrow's bit-chunk iterator) instead
/// of returning an error; this turns such a panic into an error message, so
/// the caller can name the file, and keeps the panic's own report (a
/// backtrace) off the terminal and the logs. It needs `panic = "unwind"`,
/// which every profile of this workspace has.
pub fn guard_damaged<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    thread_local!(static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    static QUIET_WHEN_GUARDED: std::sync::Once = std::sync::Once::new();
    QUIET_WHEN_GUARDED.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.get() {
                report(info)
            }
        }));
    });
    GUARDED.set(true);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDED.set(false);
    result.map_err(|panic| {
        let why =
            panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
        format!("the file is damaged ({})", why.unwrap_or_else(|| "the Parquet reader failed".to_owned()))
    })
}
