//! Reads a reference and a current table (CSV or Parquet, with arrow-rs)
//! into drift-core samples, typing each column as Evidently's
//! `DataDriftTable` does without a column mapping (`process_columns`): a
//! column the reference stores as numbers (bool excluded) is numerical,
//! dates and times are left out, everything else is categorical.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Schema};
use arrow::error::ArrowError;
use drift_core::{CategoricalSample, Category, ColumnInput, ColumnType, NumericSample, Sample};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use regex::Regex;

/// pandas' default missing-value markers (`read_csv`'s `STR_NA_VALUES`), so
/// a CSV has the same missing values here as in Evidently.
const PANDAS_NA_VALUES: &str =
    r"^(|#N/A|#N/A N/A|#NA|-1\.#IND|-1\.#QNAN|-NaN|-nan|1\.#IND|1\.#QNAN|<NA>|N/A|NA|NULL|NaN|None|n/a|nan|null)$";

/// Rows per batch: big enough to amortise, small enough to keep memory flat.
const BATCH_ROWS: usize = 65_536;

/// Bad input, always naming the file and, where it applies, row and column.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: the file is empty")]
    EmptyFile { path: PathBuf },
    #[error("{path}: the file has a header but no data rows")]
    NoRows { path: PathBuf },
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{path}: row {row}, column '{column}': '{value}' is not a number")]
    NotANumber { path: PathBuf, row: usize, column: String, value: String },
    #[error("{reference} and {current} have no column in common")]
    NoCommonColumns { reference: PathBuf, current: PathBuf },
    #[error("column '{column}' given to --{option} is in neither {reference} nor {current}")]
    UnknownColumn { column: String, option: &'static str, reference: PathBuf, current: PathBuf },
    #[error("column '{column}' is given to both --numerical and --categorical")]
    ConflictingTypes { column: String },
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> InputError {
    // One line, whatever the underlying reader printed.
    let message = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    InputError::Unreadable { path: path.to_owned(), message }
}

/// Column types the user fixes instead of letting them be inferred.
#[derive(Debug, Default, Clone)]
pub struct ColumnOverrides {
    pub numerical: BTreeSet<String>,
    pub categorical: BTreeSet<String>,
    pub ignore: BTreeSet<String>,
}

/// The compared columns, plus those that could not be, with the reason.
#[derive(Debug)]
pub struct Columns {
    pub inputs: Vec<ColumnInput>,
    pub skipped: Vec<(String, String)>,
}

/// What a file stores in a column, as far as drift is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoredType {
    Integer,
    Float,
    Boolean,
    Text,
    /// Dates and times: Evidently does not test them for drift.
    Temporal,
    Unsupported,
}

impl StoredType {
    fn of(data_type: &DataType) -> Self {
        use DataType::*;
        match data_type {
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => StoredType::Integer,
            Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => {
                StoredType::Float
            }
            // An all-empty CSV column: pandas reads it as float NaN.
            Null => StoredType::Float,
            Boolean => StoredType::Boolean,
            Utf8 | LargeUtf8 | Utf8View => StoredType::Text,
            Date32 | Date64 | Timestamp(..) | Time32(_) | Time64(_) | Duration(_) | Interval(_) => StoredType::Temporal,
            Dictionary(_, value) => StoredType::of(value),
            _ => StoredType::Unsupported,
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, StoredType::Integer | StoredType::Float)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Csv,
    Parquet,
}

/// One input file: its path, format and the columns it stores.
struct Table {
    path: PathBuf,
    format: FileFormat,
    columns: Vec<(String, StoredType)>,
}

impl Table {
    fn open(path: &Path) -> Result<Self, InputError> {
        let mut file = File::open(path).map_err(|source| InputError::Open { path: path.to_owned(), source })?;
        let mut magic = [0u8; 4];
        let read = file.read(&mut magic).map_err(|e| unreadable(path, e))?;
        if read == 0 {
            return Err(InputError::EmptyFile { path: path.to_owned() });
        }
        let format = if &magic[..read] == b"PAR1" { FileFormat::Parquet } else { FileFormat::Csv };
        let schema = match format {
            FileFormat::Parquet => {
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(path, e))?;
                if builder.metadata().file_metadata().num_rows() == 0 {
                    return Err(InputError::NoRows { path: path.to_owned() });
                }
                builder.schema().as_ref().clone()
            }
            FileFormat::Csv => {
                let (schema, rows) =
                    csv_format().infer_schema(csv_body(path)?, None).map_err(|e| unreadable(path, csv_message(e)))?;
                if rows == 0 {
                    return Err(InputError::NoRows { path: path.to_owned() });
                }
                schema
            }
        };
        let columns = schema
            .fields()
            .iter()
            .map(|f| {
                let stored = StoredType::of(f.data_type());
                // pandas does not parse dates in a CSV: they are text there.
                let stored =
                    if format == FileFormat::Csv && stored == StoredType::Temporal { StoredType::Text } else { stored };
                (f.name().clone(), stored)
            })
            .collect();
        Ok(Table { path: path.to_owned(), format, columns })
    }

    fn stored_type(&self, column: &str) -> Option<StoredType> {
        self.columns.iter().find(|(name, _)| name == column).map(|(_, t)| *t)
    }

    /// Reads the given columns, each as numbers or as labels.
    fn read(&self, wanted: &[(String, Role)]) -> Result<Vec<Accumulator>, InputError> {
        let indices: Vec<usize> =
            wanted.iter().map(|(name, _)| self.columns.iter().position(|(n, _)| n == name).unwrap()).collect();
        let mut accumulators: Vec<Accumulator> =
            wanted.iter().zip(&indices).map(|((_, role), &i)| Accumulator::new(*role, self.columns[i].1)).collect();
        let mut rows_before = 0;
        let mut take = |batch: RecordBatch| -> Result<(), InputError> {
            for (position, acc) in accumulators.iter_mut().enumerate() {
                let column = &wanted[position].0;
                acc.add(batch.column(position), rows_before, column, &self.path)?;
            }
            rows_before += batch.num_rows();
            Ok(())
        };
        match self.format {
            FileFormat::Parquet => {
                let file =
                    File::open(&self.path).map_err(|source| InputError::Open { path: self.path.clone(), source })?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(&self.path, e))?;
                let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
                let reader = builder
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| unreadable(&self.path, e))?;
                for batch in reader {
                    take(batch.map_err(|e| unreadable(&self.path, e))?)?;
                }
            }
            FileFormat::Csv => {
                // Read numbers as arrow parses them, everything else as text.
                let fields: Vec<Field> = self
                    .columns
                    .iter()
                    .map(|(name, stored)| {
                        let data_type = match stored {
                            StoredType::Integer => DataType::Int64,
                            StoredType::Float => DataType::Float64,
                            StoredType::Boolean => DataType::Boolean,
                            _ => DataType::Utf8,
                        };
                        Field::new(name, data_type, true)
                    })
                    .collect();
                let reader = arrow::csv::ReaderBuilder::new(Arc::new(Schema::new(fields)))
                    .with_format(csv_format())
                    .with_batch_size(BATCH_ROWS)
                    .with_projection(indices.clone())
                    .build(csv_body(&self.path)?)
                    .map_err(|e| unreadable(&self.path, e))?;
                for batch in reader {
                    take(batch.map_err(|e| unreadable(&self.path, csv_message(e)))?)?;
                }
            }
        }
        Ok(accumulators)
    }
}

fn csv_format() -> arrow::csv::reader::Format {
    arrow::csv::reader::Format::default()
        .with_header(true)
        .with_null_regex(Regex::new(PANDAS_NA_VALUES).expect("valid regex"))
}

/// The CSV file after any UTF-8 byte-order mark (spreadsheet exports have one).
fn csv_body(path: &Path) -> Result<BufReader<File>, InputError> {
    let mut file = File::open(path).map_err(|source| InputError::Open { path: path.to_owned(), source })?;
    let mut bom = [0u8; 3];
    let has_bom = file.read_exact(&mut bom).is_ok() && bom == [0xEF, 0xBB, 0xBF];
    file.seek(SeekFrom::Start(if has_bom { 3 } else { 0 })).map_err(|e| unreadable(path, e))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// arrow's CSV message (it names the line and column) without its
/// "Csv error:" / "Parser error:" prefix.
fn csv_message(e: ArrowError) -> String {
    match e {
        ArrowError::CsvError(m) | ArrowError::ParseError(m) => m,
        other => other.to_string(),
    }
}

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Numbers,
    Labels,
}

/// One column's values from one file, gathered batch by batch.
enum Accumulator {
    Numbers { values: Vec<f64>, nulls: usize, integer_type: bool },
    Labels { text: HashMap<String, u64>, numbers: HashMap<u64, u64> },
}

impl Accumulator {
    fn new(role: Role, stored: StoredType) -> Self {
        match role {
            Role::Numbers => {
                Accumulator::Numbers { values: Vec::new(), nulls: 0, integer_type: stored == StoredType::Integer }
            }
            Role::Labels => Accumulator::Labels { text: HashMap::new(), numbers: HashMap::new() },
        }
    }

    fn add(&mut self, array: &Arc<dyn Array>, rows_before: usize, column: &str, path: &Path) -> Result<(), InputError> {
        let data_type = array.data_type();
        match self {
            Accumulator::Numbers { values, nulls, .. } => {
                *nulls += array.null_count();
                if StoredType::of(data_type).is_numeric() || data_type == &DataType::Boolean {
                    let floats = cast(array, &DataType::Float64).map_err(|e| unreadable(path, e))?;
                    values.extend(floats.as_primitive::<Float64Type>().iter().flatten());
                } else {
                    // Text the user declared numerical: every value must parse.
                    let text = cast(array, &DataType::Utf8).map_err(|e| unreadable(path, e))?;
                    for (i, v) in text.as_string::<i32>().iter().enumerate() {
                        let Some(v) = v else { continue };
                        let number = v.trim().parse::<f64>().map_err(|_| InputError::NotANumber {
                            path: path.to_owned(),
                            row: rows_before + i + 1,
                            column: column.to_owned(),
                            value: v.chars().take(40).collect(),
                        })?;
                        values.push(number);
                    }
                }
            }
            Accumulator::Labels { text, numbers } => match StoredType::of(data_type) {
                StoredType::Integer | StoredType::Float => {
                    let floats = cast(array, &DataType::Float64).map_err(|e| unreadable(path, e))?;
                    for v in floats.as_primitive::<Float64Type>().iter().flatten() {
                        // NaN is missing, as in pandas; -0.0 and 0.0 are one label.
                        if !v.is_nan() {
                            *numbers.entry((v + 0.0).to_bits()).or_default() += 1;
                        }
                    }
                }
                StoredType::Boolean => {
                    // Python's spelling, which also sorts False before True.
                    for v in array.as_boolean().iter().flatten() {
                        *text.entry(if v { "True" } else { "False" }.to_owned()).or_default() += 1;
                    }
                }
                _ => {
                    let strings = cast(array, &DataType::Utf8).map_err(|e| unreadable(path, e))?;
                    for v in strings.as_string::<i32>().iter().flatten() {
                        match text.get_mut(v) {
                            Some(count) => *count += 1,
                            None => {
                                text.insert(v.to_owned(), 1);
                            }
                        }
                    }
                }
            },
        }
        Ok(())
    }

    fn into_sample(self) -> Sample {
        match self {
            // pandas keeps an integer dtype only when nothing is missing.
            Accumulator::Numbers { values, nulls, integer_type } => {
                Sample::Numeric(NumericSample::new(values, integer_type && nulls == 0))
            }
            Accumulator::Labels { text, numbers } => Sample::Categorical(CategoricalSample::from_counts(
                numbers
                    .into_iter()
                    .map(|(bits, c)| (Category::Number(f64::from_bits(bits)), c))
                    .chain(text.into_iter().map(|(k, c)| (Category::Text(k), c))),
            )),
        }
    }
}

/// Reads both files and returns the columns to compare, typed as Evidently
/// would type them (or as `overrides` say).
pub fn load(reference: &Path, current: &Path, overrides: &ColumnOverrides) -> Result<Columns, InputError> {
    let (ref_table, cur_table) = (Table::open(reference)?, Table::open(current)?);
    for (option, names) in
        [("numerical", &overrides.numerical), ("categorical", &overrides.categorical), ("ignore", &overrides.ignore)]
    {
        if let Some(column) =
            names.iter().find(|c| ref_table.stored_type(c).is_none() && cur_table.stored_type(c).is_none())
        {
            return Err(InputError::UnknownColumn {
                column: column.clone(),
                option,
                reference: reference.to_owned(),
                current: current.to_owned(),
            });
        }
    }
    if let Some(column) = overrides.numerical.intersection(&overrides.categorical).next() {
        return Err(InputError::ConflictingTypes { column: column.clone() });
    }

    let mut wanted: Vec<(String, Role)> = Vec::new();
    let mut skipped = Vec::new();
    let mut in_both = false;
    for (name, ref_type) in &ref_table.columns {
        if overrides.ignore.contains(name) {
            continue;
        }
        let Some(cur_type) = cur_table.stored_type(name) else {
            skipped.push((name.clone(), format!("column '{name}' is only in the reference data")));
            continue;
        };
        in_both = true;
        let role = if overrides.numerical.contains(name) {
            Role::Numbers
        } else if overrides.categorical.contains(name) {
            Role::Labels
        } else {
            match (ref_type, cur_type) {
                (StoredType::Temporal, _) | (_, StoredType::Temporal) => {
                    skipped.push((
                        name.clone(),
                        format!(
                            "column '{name}' holds dates or times, which are not tested for drift (as in Evidently)"
                        ),
                    ));
                    continue;
                }
                (StoredType::Unsupported, _) | (_, StoredType::Unsupported) => {
                    skipped
                        .push((name.clone(), format!("column '{name}' has a type that is neither numbers nor labels")));
                    continue;
                }
                // The reference's type decides, as in Evidently.
                (t, _) if t.is_numeric() => Role::Numbers,
                _ => Role::Labels,
            }
        };
        wanted.push((name.clone(), role));
    }
    for (name, _) in &cur_table.columns {
        if !overrides.ignore.contains(name) && ref_table.stored_type(name).is_none() {
            skipped.push((name.clone(), format!("column '{name}' is only in the current data")));
        }
    }
    if !in_both {
        return Err(InputError::NoCommonColumns { reference: reference.to_owned(), current: current.to_owned() });
    }

    // The two files are independent: read them on both cores.
    let (ref_samples, cur_samples) = std::thread::scope(|s| {
        let cur = s.spawn(|| cur_table.read(&wanted).map(into_samples));
        let reference = ref_table.read(&wanted).map(into_samples);
        (reference, cur.join().expect("reader thread panicked"))
    });
    let inputs = wanted
        .into_iter()
        .zip(ref_samples?.into_iter().zip(cur_samples?))
        .map(|((name, role), (reference, current))| ColumnInput {
            name,
            column_type: if role == Role::Numbers { ColumnType::Numerical } else { ColumnType::Categorical },
            reference,
            current,
        })
        .collect();
    Ok(Columns { inputs, skipped })
}

/// Turns accumulators into samples (sorting happens here, on the reader's thread).
fn into_samples(accumulators: Vec<Accumulator>) -> Vec<Sample> {
    accumulators.into_iter().map(Accumulator::into_sample).collect()
}
