//! `absa-drift drift`: options, then load, compare and print.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use drift_core::{DriftOptions, StatTest, dataset_drift};

use crate::dataset::{ColumnOverrides, InputError, load};
use crate::text_report;

#[derive(Args, Debug)]
pub struct DriftArgs {
    /// Reference data: CSV (with a header row) or Parquet.
    #[arg(long, value_name = "FILE")]
    reference: PathBuf,
    /// Current data to compare with the reference: CSV or Parquet.
    #[arg(long, value_name = "FILE")]
    current: PathBuf,
    /// Columns to treat as numerical (comma-separated; repeatable).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    numerical: Vec<String>,
    /// Columns to treat as categorical (comma-separated; repeatable).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    categorical: Vec<String>,
    /// Columns to leave out (comma-separated; repeatable).
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    ignore: Vec<String>,
    /// Test for every column: ks, wasserstein, psi, jensenshannon, kl_div,
    /// hellinger, chisquare, z (default: Evidently's automatic choice).
    #[arg(long, value_name = "TEST")]
    stattest: Option<StatTest>,
    /// Test for numerical columns (overrides --stattest).
    #[arg(long, value_name = "TEST")]
    num_stattest: Option<StatTest>,
    /// Test for categorical columns (overrides --stattest).
    #[arg(long, value_name = "TEST")]
    cat_stattest: Option<StatTest>,
    /// Test for one column, as COLUMN=TEST (repeatable; overrides the others).
    #[arg(long, value_name = "COLUMN=TEST", value_parser = parse_assignment::<StatTest>)]
    per_column_stattest: Vec<(String, StatTest)>,
    /// Threshold for every column (default: the test's own, 0.05 for
    /// p-values, 0.1 for distances).
    #[arg(long, value_name = "X")]
    stattest_threshold: Option<f64>,
    /// Threshold for numerical columns.
    #[arg(long, value_name = "X")]
    num_stattest_threshold: Option<f64>,
    /// Threshold for categorical columns.
    #[arg(long, value_name = "X")]
    cat_stattest_threshold: Option<f64>,
    /// Threshold for one column, as COLUMN=X (repeatable).
    #[arg(long, value_name = "COLUMN=X", value_parser = parse_assignment::<f64>)]
    per_column_threshold: Vec<(String, f64)>,
    /// The dataset drifts when at least this share of columns drifts.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    drift_share: f64,
    /// Output format: json (Evidently's DataDriftTable fields) or text.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

fn parse_assignment<T: std::str::FromStr>(s: &str) -> Result<(String, T), String>
where
    T::Err: std::fmt::Display,
{
    let (column, value) = s.split_once('=').ok_or_else(|| format!("expected COLUMN=VALUE, got '{s}'"))?;
    Ok((column.to_owned(), value.parse().map_err(|e| format!("{e}"))?))
}

#[derive(Debug, thiserror::Error)]
pub enum DriftCommandError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Drift(#[from] drift_core::DriftError),
    #[error("{path}: cannot write the report: {source}")]
    Output { path: PathBuf, source: std::io::Error },
}

pub fn run(args: &DriftArgs) -> Result<(), DriftCommandError> {
    let overrides = ColumnOverrides {
        numerical: args.numerical.iter().cloned().collect(),
        categorical: args.categorical.iter().cloned().collect(),
        ignore: args.ignore.iter().cloned().collect(),
    };
    let options = DriftOptions {
        drift_share: args.drift_share,
        stattest: args.stattest,
        num_stattest: args.num_stattest,
        cat_stattest: args.cat_stattest,
        per_column_stattest: args.per_column_stattest.iter().cloned().collect::<BTreeMap<_, _>>(),
        stattest_threshold: args.stattest_threshold,
        num_stattest_threshold: args.num_stattest_threshold,
        cat_stattest_threshold: args.cat_stattest_threshold,
        per_column_stattest_threshold: args.per_column_threshold.iter().cloned().collect(),
    };
    let columns = load(&args.reference, &args.current, &overrides)?;
    let mut report = dataset_drift(columns.inputs, &options)?;
    report.skipped_columns.extend(columns.skipped);
    let rendered = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).expect("a report always serialises") + "\n",
        Format::Text => text_report::render(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, rendered).map_err(|source| DriftCommandError::Output { path: path.clone(), source })
        }
        None => {
            print!("{rendered}");
            Ok(())
        }
    }
}
