//! Reads a reference and a current table (Parquet with arrow-rs, CSV with
//! [`crate::csv_cells`]) into drift-core samples, typing each column as Evidently's
//! `DataDriftTable` does without a column mapping (`process_columns`): a
//! column the reference stores as numbers (bool excluded) is numerical,
//! dates and times are left out, everything else is categorical.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::buffer::NullBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Schema};
use arrow::error::ArrowError;
use drift_core::{CategoricalSampleBuilder, ColumnInput, ColumnType, NumericSampleBuilder, Sample};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use crate::csv_cells::CsvCells;
use crate::pandas_csv::{self, CellType};
use crate::short_cells::ShortCells;

/// Rows per batch at most: big enough to amortise, small enough to keep
/// memory flat.
const BATCH_ROWS: usize = 65_536;

/// Cells per batch: 65 536 rows of the benchmark's 10 columns. Readers
/// size their buffers per column for a whole batch, so a wide file gets
/// fewer rows per batch: memory follows the data, not the column count
/// (1 000 columns once took 2 GB for a 25 KB file).
const BATCH_CELLS: usize = 10 * BATCH_ROWS;

fn batch_rows(columns: usize) -> usize {
    (BATCH_CELLS / columns.max(1)).clamp(64, BATCH_ROWS)
}

/// CSV column types are guessed from this many rows; a later cell that
/// contradicts the guess makes the load start again from whole-file types.
const CSV_GUESS_ROWS: usize = 4096;

/// Bad input, always naming the file and, where it applies, row and column.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: the file is empty")]
    EmptyFile { path: PathBuf },
    #[error("{path}: the file has no header row")]
    NoHeader { path: PathBuf },
    #[error("{path}: the file has a header but no data rows")]
    NoRows { path: PathBuf },
    #[error("{path}: column '{column}' appears more than once in the header: rename one")]
    DuplicateColumn { path: PathBuf, column: String },
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

/// A failed read: bad input, or a CSV type guess that a later row disproved.
enum ReadError {
    Input(InputError),
    GuessDisproved,
}

impl From<InputError> for ReadError {
    fn from(e: InputError) -> Self {
        ReadError::Input(e)
    }
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
            // A column of nulls only: pandas reads it as float NaN.
            Null => StoredType::Float,
            Boolean => StoredType::Boolean,
            Utf8 | LargeUtf8 | Utf8View => StoredType::Text,
            Date32 | Date64 | Timestamp(..) | Time32(_) | Time64(_) | Duration(_) | Interval(_) => StoredType::Temporal,
            Dictionary(_, value) => StoredType::of(value),
            _ => StoredType::Unsupported,
        }
    }

    fn of_cells(cell_type: CellType) -> Self {
        match cell_type {
            CellType::Empty | CellType::Float => StoredType::Float,
            CellType::Integer => StoredType::Integer,
            CellType::Boolean => StoredType::Boolean,
            // pandas does not parse dates in a CSV: they are text there too.
            CellType::Text => StoredType::Text,
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
    /// CSV types come from the first rows only; see [`CSV_GUESS_ROWS`].
    types_guessed: bool,
}

impl Table {
    /// Opens a file and finds its columns' types; for a CSV, from the first
    /// `guess_rows` rows (all rows when `None`).
    fn open(path: &Path, guess_rows: Option<usize>) -> Result<Self, InputError> {
        let mut file = File::open(path).map_err(|source| InputError::Open { path: path.to_owned(), source })?;
        let mut magic = [0u8; 4];
        let read = file.read(&mut magic).map_err(|e| unreadable(path, e))?;
        if read == 0 {
            return Err(InputError::EmptyFile { path: path.to_owned() });
        }
        if &magic[..read] == b"PAR1" {
            let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(path, e))?;
            if builder.metadata().file_metadata().num_rows() == 0 {
                return Err(InputError::NoRows { path: path.to_owned() });
            }
            let columns: Vec<(String, StoredType)> =
                builder.schema().fields().iter().map(|f| (f.name().clone(), StoredType::of(f.data_type()))).collect();
            unique_names(path, columns.iter().map(|(n, _)| n))?;
            return Ok(Table { path: path.to_owned(), format: FileFormat::Parquet, columns, types_guessed: false });
        }
        let mut csv = CsvCells::open(path)?;
        let names = csv.header()?;
        if names.is_empty() {
            return Err(InputError::NoHeader { path: path.to_owned() });
        }
        unique_names(path, names.iter())?;
        if let [only] = names.as_slice()
            && let Some(delimiter) = [';', '\t', '|'].into_iter().find(|d| only.contains(*d))
        {
            return Err(unreadable(
                path,
                format!(
                    "the header is one column, '{only}': is the file {delimiter:?}-separated? A CSV must use commas"
                ),
            ));
        }
        let mut types = vec![CellType::Empty; names.len()];
        let mut rows = 0;
        let all: Vec<usize> = (0..names.len()).collect();
        let limit = guess_rows.unwrap_or(usize::MAX);
        csv.blocks(&all, names.len(), limit.min(batch_rows(names.len())), |block| {
            rows += block.rows();
            for (slot, cell_type) in types.iter_mut().enumerate() {
                for cell in block.cells(slot).filter(|c| !pandas_csv::is_missing(c)) {
                    *cell_type = cell_type.widen(cell);
                }
            }
            Ok::<_, InputError>(rows < limit)
        })?;
        if rows == 0 {
            return Err(InputError::NoRows { path: path.to_owned() });
        }
        let types_guessed = guess_rows.is_some_and(|limit| rows >= limit);
        let columns = names.into_iter().zip(types).map(|(n, t)| (n, StoredType::of_cells(t))).collect();
        Ok(Table { path: path.to_owned(), format: FileFormat::Csv, columns, types_guessed })
    }

    fn stored_type(&self, column: &str) -> Option<StoredType> {
        self.columns.iter().find(|(name, _)| name == column).map(|(_, t)| *t)
    }

    /// The file's reader metadata, asking for text columns as dictionaries,
    /// as Parquet usually stores them: labels are then counted by their index
    /// in the dictionary instead of each string being built and hashed.
    fn text_as_dictionaries(&self, file: &File) -> Result<ArrowReaderMetadata, InputError> {
        let metadata =
            ArrowReaderMetadata::load(file, ArrowReaderOptions::new()).map_err(|e| unreadable(&self.path, e))?;
        let fields: Vec<Field> = metadata
            .schema()
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 => f
                    .as_ref()
                    .clone()
                    .with_data_type(DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone()))),
                _ => f.as_ref().clone(),
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
        // The footer is parsed once; only the schema changes.
        ArrowReaderMetadata::try_new(metadata.metadata().clone(), options).map_err(|e| unreadable(&self.path, e))
    }

    /// Reads the given columns, each as numbers or as labels.
    fn read(&self, wanted: &[(String, Role)]) -> Result<Vec<Accumulator>, ReadError> {
        let indices: Vec<usize> =
            wanted.iter().map(|(name, _)| self.columns.iter().position(|(n, _)| n == name).unwrap()).collect();
        let mut accumulators: Vec<Accumulator> = wanted
            .iter()
            .zip(&indices)
            .map(|((name, role), &i)| Accumulator::new(name, *role, self.columns[i].1))
            .collect();
        let mut rows_before = 0;
        match self.format {
            FileFormat::Parquet => {
                let read_all = || -> Result<(), ReadError> {
                    let file = File::open(&self.path)
                        .map_err(|source| InputError::Open { path: self.path.clone(), source })?;
                    let metadata = self.text_as_dictionaries(&file)?;
                    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
                    let rows = builder.metadata().file_metadata().num_rows();
                    accumulators.iter_mut().for_each(|acc| acc.expect_rows(rows.max(0) as usize));
                    let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
                    let reader = builder
                        .with_projection(mask)
                        .with_batch_size(batch_rows(indices.len()))
                        .build()
                        .map_err(|e| unreadable(&self.path, e))?;
                    for batch in reader {
                        let batch = batch.map_err(|e| unreadable(&self.path, e))?;
                        for (acc, array) in accumulators.iter_mut().zip(batch.columns()) {
                            acc.add_array(array, rows_before, &self.path)?;
                        }
                        rows_before += batch.num_rows();
                    }
                    Ok(())
                };
                tables::guard_damaged(read_all).map_err(|why| unreadable(&self.path, why))??;
            }
            FileFormat::Csv => {
                let mut csv = CsvCells::open(&self.path)?;
                csv.header()?;
                let file_bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len()) as f64;
                csv.blocks(&indices, self.columns.len(), batch_rows(indices.len()), |block| {
                    if rows_before == 0 {
                        // The file's rows, guessed from the first block's row length and
                        // bounded by the most a file this size can hold (a row of n fields
                        // takes at least n bytes), so that a bad guess reserves no more.
                        let guess = file_bytes / block.bytes().max(1) as f64 * block.rows() as f64 * 1.05;
                        let rows = guess.min(file_bytes / self.columns.len() as f64);
                        accumulators.iter_mut().for_each(|acc| acc.expect_rows(rows as usize));
                    }
                    for (slot, acc) in accumulators.iter_mut().enumerate() {
                        acc.add_cells(block.cells_with_windows(slot), rows_before, &self.path, self.types_guessed)?;
                    }
                    rows_before += block.rows();
                    Ok::<_, ReadError>(true)
                })?;
            }
        }
        Ok(accumulators)
    }
}

/// A column named twice would be silently compared once (pandas would
/// rename the second); it is refused instead, naming the column.
fn unique_names<'n>(path: &Path, names: impl Iterator<Item = &'n String>) -> Result<(), InputError> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(InputError::DuplicateColumn { path: path.to_owned(), column: name.clone() });
        }
    }
    Ok(())
}

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Numbers,
    Labels,
}

/// One column's values from one file, gathered batch by batch.
struct Accumulator {
    column: String,
    stored: StoredType,
    values: Values,
    /// A CSV column's short cells, recorded in `values` at the end.
    short_cells: ShortCells<Reading<'static>>,
}

/// What one CSV cell says, as pandas reads it.
enum Reading<'c> {
    Missing,
    Number { value: f64, integer: bool },
    Bool(bool),
    Label(Cow<'c, str>),
}

/// Why a CSV cell does not fit its column (the caller adds where).
enum CellError {
    GuessDisproved,
    NotANumber,
}

enum Values {
    /// Integer while every value is an integer and none is missing: the only
    /// case in which pandas keeps an integer dtype.
    Numbers(NumericSampleBuilder),
    Labels(CategoricalSampleBuilder),
}

impl Accumulator {
    fn new(column: &str, role: Role, stored: StoredType) -> Self {
        let values = match role {
            Role::Numbers => Values::Numbers(NumericSampleBuilder::new(stored == StoredType::Integer)),
            Role::Labels => Values::Labels(CategoricalSampleBuilder::default()),
        };
        Accumulator { column: column.to_owned(), stored, values, short_cells: ShortCells::default() }
    }

    /// A hint: the number of rows the file likely has.
    fn expect_rows(&mut self, rows: usize) {
        if let Values::Numbers(builder) = &mut self.values {
            builder.expect_values(rows);
        }
    }

    fn not_a_number(column: &str, path: &Path, row: usize, cell: &str) -> InputError {
        InputError::NotANumber {
            path: path.to_owned(),
            row,
            column: column.to_owned(),
            value: cell.chars().take(40).collect(),
        }
    }

    /// Typed values from a Parquet file.
    fn add_array(&mut self, array: &Arc<dyn Array>, rows_before: usize, path: &Path) -> Result<(), InputError> {
        let data_type = array.data_type();
        let numeric = StoredType::of(data_type).is_numeric() || data_type == &DataType::Boolean;
        if numeric || !matches!(self.values, Values::Numbers(_)) {
            match &mut self.values {
                Values::Numbers(builder) => {
                    if array.null_count() > 0 {
                        builder.not_integer();
                    }
                    let floats = cast(array, &DataType::Float64).map_err(|e| unreadable(path, e))?;
                    let floats = floats.as_primitive::<Float64Type>();
                    if floats.null_count() == 0 {
                        builder.extend(floats.values());
                    } else {
                        floats.iter().flatten().for_each(|v| builder.push(v));
                    }
                }
                Values::Labels(builder)
                    if array.as_any_dictionary_opt().is_some_and(|d| {
                        StoredType::of(d.values().data_type()) == StoredType::Text
                            && !d.values().is_empty()
                            && d.values().len() <= d.len()
                    }) =>
                {
                    let dictionary = array.as_any_dictionary();
                    count_dictionary(
                        builder,
                        dictionary.normalized_keys(),
                        dictionary.keys().nulls(),
                        dictionary.values(),
                    )
                    .map_err(|e| unreadable(path, e))?;
                }
                Values::Labels(builder) => match StoredType::of(data_type) {
                    StoredType::Integer | StoredType::Float => {
                        let floats = cast(array, &DataType::Float64).map_err(|e| unreadable(path, e))?;
                        floats.as_primitive::<Float64Type>().iter().flatten().for_each(|v| builder.push_number(v));
                    }
                    StoredType::Boolean => array.as_boolean().iter().flatten().for_each(|v| builder.push_bool(v)),
                    _ => {
                        let strings = cast(array, &DataType::Utf8).map_err(|e| unreadable(path, e))?;
                        strings.as_string::<i32>().iter().flatten().for_each(|v| builder.push_text(v));
                    }
                },
            }
            return Ok(());
        }
        // Text the user declared numerical: every value must parse.
        let strings = cast(array, &DataType::Utf8).map_err(|e| unreadable(path, e))?;
        for (i, cell) in strings.as_string::<i32>().iter().enumerate() {
            let Some(cell) = cell else { continue };
            let number = pandas_csv::parse_number(cell)
                .ok_or_else(|| Self::not_a_number(&self.column, path, rows_before + i + 1, cell))?;
            if let Values::Numbers(builder) = &mut self.values {
                builder.push(number);
            }
        }
        Ok(())
    }

    /// CSV cells, read as pandas reads them. A cell that does not fit a
    /// guessed type disproves the guess; one that does not fit a type known
    /// from the whole file (or declared by the user) is an error.
    fn add_cells<'c>(
        &mut self,
        cells: impl Iterator<Item = (&'c str, Option<&'c [u8; 16]>)>,
        rows_before: usize,
        path: &Path,
        guessed: bool,
    ) -> Result<(), ReadError> {
        let (stored, numbers) = (self.stored, matches!(self.values, Values::Numbers(_)));
        // A column of distinct non-integer numbers (once it is known to be
        // one it stays one): a number with nothing around it goes straight to
        // the builder (NaN and infinities it drops, as the full reading would).
        let continuous = matches!(&self.values, Values::Numbers(b) if b.keeps_every_value() && !b.is_integer());
        for (i, (cell, window)) in cells.enumerate() {
            if continuous
                && let Values::Numbers(builder) = &mut self.values
                && let Some(value) = pandas_csv::untrimmed_number(cell.as_bytes())
            {
                builder.push(value);
                continue;
            }
            let fail = |e| match e {
                CellError::NotANumber if !(guessed && stored.is_numeric()) => {
                    ReadError::from(Self::not_a_number(&self.column, path, rows_before + i + 1, cell))
                }
                _ => ReadError::GuessDisproved,
            };
            let counted = self
                .short_cells
                .count(cell, window, |cell| read_cell(cell, numbers, stored, true).map(Reading::into_owned));
            if !counted.map_err(fail)? {
                let integer_matters = matches!(&self.values, Values::Numbers(builder) if builder.is_integer());
                let reading = read_cell(cell, numbers, stored, integer_matters).map_err(fail)?;
                self.record(reading, 1);
            }
        }
        Ok(())
    }

    /// Adds a cell's reading, seen `times` times.
    fn record(&mut self, reading: Reading<'_>, times: u64) {
        match (&mut self.values, reading) {
            (Values::Numbers(builder), Reading::Missing) => builder.not_integer(),
            (Values::Numbers(builder), Reading::Number { value, integer }) => {
                if !integer {
                    builder.not_integer();
                }
                builder.push_times(value, times);
            }
            (Values::Labels(_), Reading::Missing) => {}
            (Values::Labels(builder), Reading::Number { value, .. }) => builder.push_number_times(value, times),
            (Values::Labels(builder), Reading::Bool(value)) => builder.push_bool_times(value, times),
            (Values::Labels(builder), Reading::Label(text)) => builder.push_text_times(&text, times),
            (Values::Numbers(_), Reading::Bool(_) | Reading::Label(_)) => {
                unreachable!("a numerical column's cells read as numbers")
            }
        }
    }

    fn into_sample(mut self) -> Sample {
        for (reading, times) in std::mem::take(&mut self.short_cells).into_counts() {
            self.record(reading, times);
        }
        match self.values {
            Values::Numbers(builder) => Sample::Numeric(builder.finish()),
            Values::Labels(builder) => Sample::Categorical(builder.finish()),
        }
    }
}

/// Reads one CSV cell of a column of numbers or of labels whose stored type
/// is `stored`. `integer_matters`: whether to find out if a number is an
/// integer (once a column has a non-integer, it no longer matters).
fn read_cell(cell: &str, numbers: bool, stored: StoredType, integer_matters: bool) -> Result<Reading<'_>, CellError> {
    if pandas_csv::is_missing(cell) {
        return Ok(Reading::Missing);
    }
    let number = || pandas_csv::parse_number(cell);
    if numbers {
        let value = number().ok_or(CellError::NotANumber)?;
        return Ok(Reading::Number { value, integer: !integer_matters || pandas_csv::is_integer(cell) });
    }
    match stored {
        StoredType::Integer | StoredType::Float => {
            Ok(Reading::Number { value: number().ok_or(CellError::GuessDisproved)?, integer: false })
        }
        StoredType::Boolean => pandas_csv::parse_bool(cell).map(Reading::Bool).ok_or(CellError::GuessDisproved),
        _ => Ok(Reading::Label(Cow::Borrowed(cell))),
    }
}

impl Reading<'_> {
    fn into_owned(self) -> Reading<'static> {
        match self {
            Reading::Missing => Reading::Missing,
            Reading::Number { value, integer } => Reading::Number { value, integer },
            Reading::Bool(value) => Reading::Bool(value),
            Reading::Label(text) => Reading::Label(Cow::Owned(text.into_owned())),
        }
    }
}

/// Counts a dictionary-encoded batch's labels: per dictionary entry, then
/// once per distinct label. Null keys and null entries are missing values.
fn count_dictionary(
    builder: &mut CategoricalSampleBuilder,
    keys: Vec<usize>,
    nulls: Option<&NullBuffer>,
    entries: &ArrayRef,
) -> Result<(), ArrowError> {
    let mut counts = vec![0u64; entries.len()];
    match nulls {
        None => keys.into_iter().for_each(|k| counts[k] += 1),
        Some(nulls) => keys.into_iter().zip(nulls.iter()).filter(|(_, valid)| *valid).for_each(|(k, _)| counts[k] += 1),
    }
    let labels = cast(entries, &DataType::Utf8)?;
    for (label, count) in labels.as_string::<i32>().iter().zip(counts) {
        if let Some(label) = label
            && count > 0
        {
            builder.push_text_times(label, count);
        }
    }
    Ok(())
}

/// Reads both files and returns the columns to compare, typed as Evidently
/// would type them (or as `overrides` say).
pub fn load(reference: &Path, current: &Path, overrides: &ColumnOverrides) -> Result<Columns, InputError> {
    match load_with(reference, current, overrides, Some(CSV_GUESS_ROWS)) {
        Err(ReadError::GuessDisproved) => match load_with(reference, current, overrides, None) {
            Err(ReadError::GuessDisproved) => unreachable!("types from the whole file cannot be disproved"),
            Err(ReadError::Input(e)) => Err(e),
            Ok(columns) => Ok(columns),
        },
        Err(ReadError::Input(e)) => Err(e),
        Ok(columns) => Ok(columns),
    }
}

fn load_with(
    reference: &Path,
    current: &Path,
    overrides: &ColumnOverrides,
    guess_rows: Option<usize>,
) -> Result<Columns, ReadError> {
    // Each file's types are guessed on its own core too.
    let (ref_table, cur_table) = std::thread::scope(|s| {
        let cur = s.spawn(|| Table::open(current, guess_rows));
        (Table::open(reference, guess_rows), cur.join().expect("type-guessing thread panicked"))
    });
    let (ref_table, cur_table) = (ref_table?, cur_table?);
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
            }
            .into());
        }
    }
    if let Some(column) = overrides.numerical.intersection(&overrides.categorical).next() {
        return Err(InputError::ConflictingTypes { column: column.clone() }.into());
    }

    let mut wanted: Vec<(String, Role)> = Vec::new();
    let mut skipped = Vec::new();
    for (name, ref_type) in &ref_table.columns {
        if overrides.ignore.contains(name) {
            continue;
        }
        let Some(cur_type) = cur_table.stored_type(name) else {
            skipped.push((name.clone(), format!("column '{name}' is only in the reference data")));
            continue;
        };
        let role = if overrides.numerical.contains(name) {
            Role::Numbers
        } else if overrides.categorical.contains(name) {
            Role::Labels
        } else if *ref_type == StoredType::Temporal || cur_type == StoredType::Temporal {
            skipped.push((
                name.clone(),
                format!("column '{name}' holds dates or times, which are not tested for drift (as in Evidently)"),
            ));
            continue;
        } else if *ref_type == StoredType::Unsupported || cur_type == StoredType::Unsupported {
            skipped.push((name.clone(), format!("column '{name}' holds neither numbers nor labels")));
            continue;
        } else if ref_type.is_numeric() {
            // The reference's type decides, as in Evidently.
            Role::Numbers
        } else {
            Role::Labels
        };
        wanted.push((name.clone(), role));
    }
    for (name, _) in &cur_table.columns {
        if !overrides.ignore.contains(name) && ref_table.stored_type(name).is_none() {
            skipped.push((name.clone(), format!("column '{name}' is only in the current data")));
        }
    }
    if !ref_table.columns.iter().any(|(name, _)| cur_table.stored_type(name).is_some()) {
        return Err(InputError::NoCommonColumns { reference: reference.to_owned(), current: current.to_owned() }.into());
    }

    // The two files are independent: each is read on its own core.
    let read = |table: &Table| {
        table.read(&wanted).map(|columns| columns.into_iter().map(Accumulator::into_sample).collect::<Vec<_>>())
    };
    let (ref_samples, cur_samples) = std::thread::scope(|s| {
        let cur = s.spawn(|| read(&cur_table));
        (read(&ref_table), cur.join().expect("reader thread panicked"))
    });
    let (ref_samples, cur_samples) = (ref_samples?, cur_samples?);
    let inputs = wanted
        .into_iter()
        .zip(ref_samples.into_iter().zip(cur_samples))
        .map(|((name, role), (reference, current))| ColumnInput {
            name,
            column_type: if role == Role::Numbers { ColumnType::Numerical } else { ColumnType::Categorical },
            reference,
            current,
        })
        .collect();
    Ok(Columns { inputs, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The drift command's reader on mutated CSV and Parquet files (the
    /// fuzzing crate says how many and for how long): an answer or an
    /// error, never a panic.
    #[test]
    fn the_table_reader_survives_mutated_files() {
        let fixtures = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evidently/small_with_missing"));
        let seeds = ["current.csv", "current.parquet"].map(|f| std::fs::read(fixtures.join(f)).unwrap()).to_vec();
        let dir = tempfile::tempdir().unwrap();
        fuzzing::check("drift table reader", fuzzing::mutated(seeds), |bytes| {
            let current = dir.path().join("current");
            std::fs::write(&current, &bytes.0).unwrap();
            let _ = load(&fixtures.join("reference.csv"), &current, &ColumnOverrides::default());
            Ok(())
        });
    }

    /// Cells past the guessed rows that contradict the guess, and columns
    /// whose cells are counted by their text (short) and read one by one
    /// (long), as pandas types and reads them.
    #[test]
    fn late_cells_retype_a_column_and_short_and_long_cells_are_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        let rows = CSV_GUESS_ROWS + 2904;
        let mut csv = String::from("late_text,late_float,mixed_length,label,continuous\n");
        // Distinct values, then (once the column keeps every value) among them
        // cells that are not decimals: NaN, infinities, exponents, padding, missing.
        let continuous = |i: usize| match i {
            _ if i > 5000 && i.is_multiple_of(20) => {
                ["nan", "inf", "-inf", "1e-3", " 2.5 ", "NA", "-NaN"][i / 20 % 7].to_owned()
            }
            _ => format!("{}", i as f64 * std::f64::consts::E),
        };
        for i in 0..rows {
            let late_text = if i >= CSV_GUESS_ROWS + 100 && i % 2 == 0 { "x".to_owned() } else { (i % 7).to_string() };
            let late_float = if i == rows - 1 { "2.5".to_owned() } else { (i % 5).to_string() };
            // The same values written short and padded past what is counted by text.
            let mixed_length = if i % 3 == 0 { format!("{}.25", i % 4) } else { format!("{}.2500000000000000", i % 4) };
            let label = ["a", "a much longer label than sixteen bytes", "NA", "é"][i % 4];
            csv.push_str(&format!("{late_text},{late_float},{mixed_length},{label},{}\n", continuous(i)));
        }
        let path = dir.path().join("t.csv");
        std::fs::write(&path, csv).unwrap();
        let columns = load(&path, &path, &ColumnOverrides::default()).unwrap();
        let sample = |name: &str| columns.inputs.iter().find(|c| c.name == name).unwrap().current.clone();
        let Sample::Categorical(late_text) = sample("late_text") else { panic!("late_text is text to pandas") };
        let late = (CSV_GUESS_ROWS + 100..rows).filter(|i| i % 2 == 0).count() as u64;
        assert_eq!(late_text.counts()[&drift_core::Category::Text("x".into())], late);
        assert_eq!(
            late_text.counts()[&drift_core::Category::Text("3".into())],
            (0..rows).filter(|&i| i % 7 == 3 && !(i >= CSV_GUESS_ROWS + 100 && i % 2 == 0)).count() as u64
        );
        let Sample::Numeric(late_float) = sample("late_float") else { panic!("late_float is numerical") };
        assert!(
            !late_float.is_integer() && late_float.sorted().last() == Some(&4.0) && late_float.sorted().contains(&2.5)
        );
        let Sample::Numeric(mixed) = sample("mixed_length") else { panic!("mixed_length is numerical") };
        let mut expected: Vec<f64> = (0..rows).map(|i| (i % 4) as f64 + 0.25).collect();
        expected.sort_by(f64::total_cmp);
        assert_eq!(mixed.sorted(), expected);
        let Sample::Numeric(read) = sample("continuous") else { panic!("continuous is numerical") };
        let mut expected: Vec<f64> =
            (0..rows).filter_map(|i| continuous(i).trim().parse().ok()).filter(|v: &f64| v.is_finite()).collect();
        expected.sort_by(f64::total_cmp);
        assert_eq!(read.sorted(), expected);
        let Sample::Categorical(label) = sample("label") else { panic!("label is text") };
        let counts: Vec<u64> = label.counts().values().copied().collect();
        assert_eq!((label.counts().len(), counts.iter().sum::<u64>()), (3, (rows - rows / 4) as u64), "NA is missing");
    }

    #[test]
    fn text_is_counted_alike_from_dictionary_and_plain_parquet_pages() {
        use arrow::array::{Float64Array, RecordBatch, StringArray};
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        let labels: Vec<Option<&str>> =
            (0..5000).map(|i| [Some("b"), None, Some("a"), Some("é"), Some("a")][i % 5]).collect();
        let batch = RecordBatch::try_from_iter([
            ("label", Arc::new(StringArray::from(labels)) as ArrayRef),
            ("no_label", Arc::new(StringArray::from(vec![None::<&str>; 5000])) as ArrayRef),
            ("x", Arc::new(Float64Array::from_iter_values((0..5000).map(f64::from))) as ArrayRef),
        ])
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, dictionary: bool| {
            let path = dir.path().join(name);
            let properties = WriterProperties::builder()
                .set_dictionary_enabled(dictionary)
                .set_max_row_group_row_count(Some(1500))
                .build();
            let mut writer =
                ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(properties)).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
            path
        };
        let columns =
            load(&write("dict.parquet", true), &write("plain.parquet", false), &ColumnOverrides::default()).unwrap();
        let label = columns.inputs.iter().find(|c| c.name == "label").unwrap();
        assert_eq!(label.reference, label.current);
        let Sample::Categorical(sample) = &label.reference else { panic!("labels expected") };
        let counts: Vec<(String, u64)> = sample.counts().iter().map(|(k, &c)| (format!("{k:?}"), c)).collect();
        assert_eq!(
            counts,
            [("Text(\"a\")".to_owned(), 2000), ("Text(\"b\")".to_owned(), 1000), ("Text(\"é\")".to_owned(), 1000)]
        );
        let empty = columns.inputs.iter().find(|c| c.name == "no_label").unwrap();
        assert!(empty.reference.is_empty() && empty.current.is_empty(), "a column of nulls has no labels");
    }

    #[test]
    fn wide_files_get_shorter_batches() {
        assert_eq!(batch_rows(10), BATCH_ROWS, "the benchmark's width keeps its batches");
        assert_eq!(batch_rows(1), BATCH_ROWS);
        assert_eq!(batch_rows(1_000), 655);
        assert_eq!(batch_rows(1_000_000), 64);
    }
}
