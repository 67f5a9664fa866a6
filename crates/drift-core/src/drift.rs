//! Column and dataset drift as Evidently's `DataDriftTable` computes them
//! (`evidently/legacy/calculations/data_drift.py`, `registry.py`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::sample::{Sample, pooled_n_unique_capped};
use crate::stattest::{ColumnType, StatTest};

/// Which tests and thresholds to use. `None` means Evidently's default.
/// Precedence is Evidently's: per column, then per type, then global.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftOptions {
    /// Share of drifted columns at which the dataset drifts.
    pub drift_share: f64,
    pub stattest: Option<StatTest>,
    pub num_stattest: Option<StatTest>,
    pub cat_stattest: Option<StatTest>,
    pub per_column_stattest: BTreeMap<String, StatTest>,
    pub stattest_threshold: Option<f64>,
    pub num_stattest_threshold: Option<f64>,
    pub cat_stattest_threshold: Option<f64>,
    pub per_column_stattest_threshold: BTreeMap<String, f64>,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            drift_share: 0.5,
            stattest: None,
            num_stattest: None,
            cat_stattest: None,
            per_column_stattest: BTreeMap::new(),
            stattest_threshold: None,
            num_stattest_threshold: None,
            cat_stattest_threshold: None,
            per_column_stattest_threshold: BTreeMap::new(),
        }
    }
}

impl DriftOptions {
    /// The configured test of a column, if any: per column, else per type, else for all.
    pub fn stattest_for(&self, column: &str, column_type: ColumnType) -> Option<StatTest> {
        let by_type = match column_type {
            ColumnType::Numerical => self.num_stattest,
            ColumnType::Categorical => self.cat_stattest,
        };
        self.per_column_stattest.get(column).copied().or(by_type).or(self.stattest)
    }

    /// The configured threshold of a column, if any, with the same precedence.
    pub fn threshold_for(&self, column: &str, column_type: ColumnType) -> Option<f64> {
        let by_type = match column_type {
            ColumnType::Numerical => self.num_stattest_threshold,
            ColumnType::Categorical => self.cat_stattest_threshold,
        };
        self.per_column_stattest_threshold.get(column).copied().or(by_type).or(self.stattest_threshold)
    }
}

/// Evidently's automatic choice of test (`_get_default_stattest`), from the
/// reference size and the number of distinct values on both sides.
pub fn default_stattest(column_type: ColumnType, reference: &Sample, current: &Sample) -> StatTest {
    // Only "at most 2" and "at most 5" matter.
    let n_values = pooled_n_unique_capped(reference, current, 6);
    let small_reference = reference.len() <= 1000;
    match (column_type, small_reference) {
        (ColumnType::Numerical, true) if n_values <= 5 => {
            if n_values > 2 {
                StatTest::ChiSquare
            } else {
                StatTest::Z
            }
        }
        (ColumnType::Numerical, true) => StatTest::Ks,
        (ColumnType::Categorical, true) => {
            if n_values > 2 {
                StatTest::ChiSquare
            } else {
                StatTest::Z
            }
        }
        (ColumnType::Numerical, false) if n_values <= 5 => StatTest::JensenShannon,
        (ColumnType::Numerical, false) => StatTest::Wasserstein,
        (ColumnType::Categorical, false) => StatTest::JensenShannon,
    }
}

/// The drift result of one column, with Evidently's field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    pub column_type: ColumnType,
    #[serde(rename = "stattest_name", serialize_with = "display_name")]
    pub stattest: StatTest,
    pub stattest_threshold: f64,
    /// NaN (written as null) where the statistic is undefined, as in scipy.
    pub drift_score: f64,
    pub drift_detected: bool,
}

fn display_name<S: Serializer>(t: &StatTest, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.display_name())
}

/// Why a column could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ColumnError {
    #[error("column '{column}' has no values in the {side} data (all missing or infinite)")]
    Empty { column: String, side: &'static str },
    #[error("stattest '{stattest}' does not apply to column '{column}' of type {column_type}")]
    NotApplicable { column: String, stattest: StatTest, column_type: ColumnType },
    #[error("column '{column}' is numerical but its {side} values are not numbers")]
    NotNumeric { column: String, side: &'static str },
}

/// Compares one column's current values with its reference values.
pub fn column_drift(
    column: &str,
    column_type: ColumnType,
    reference: &Sample,
    current: &Sample,
    options: &DriftOptions,
) -> Result<ColumnDrift, ColumnError> {
    for (sample, side) in [(reference, "reference"), (current, "current")] {
        if sample.is_empty() {
            return Err(ColumnError::Empty { column: column.to_owned(), side });
        }
        if column_type == ColumnType::Numerical && !matches!(sample, Sample::Numeric(_)) {
            return Err(ColumnError::NotNumeric { column: column.to_owned(), side });
        }
    }
    let stattest = match options.stattest_for(column, column_type) {
        Some(t) if !t.applies_to(column_type) => {
            return Err(ColumnError::NotApplicable { column: column.to_owned(), stattest: t, column_type });
        }
        Some(t) => t,
        None => default_stattest(column_type, reference, current),
    };
    let threshold = options.threshold_for(column, column_type).unwrap_or(stattest.default_threshold());
    let drift_score = stattest.score(column_type, reference, current);
    Ok(ColumnDrift {
        column_type,
        stattest,
        stattest_threshold: threshold,
        drift_score,
        drift_detected: stattest.is_drift(drift_score, threshold),
    })
}

/// One column's data for a dataset comparison.
#[derive(Debug, Clone)]
pub struct ColumnInput {
    pub name: String,
    pub column_type: ColumnType,
    pub reference: Sample,
    pub current: Sample,
}

/// The dataset verdict, serialised with Evidently's `DataDriftTable` names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub dataset_drift: bool,
    pub drift_share: f64,
    pub number_of_columns: usize,
    pub number_of_drifted_columns: usize,
    pub share_of_drifted_columns: f64,
    #[serde(serialize_with = "ordered_map")]
    pub columns: Vec<(String, ColumnDrift)>,
    /// Columns that could not be compared, with the reason. Not counted in
    /// `number_of_columns` (Evidently would stop with an error instead).
    #[serde(serialize_with = "ordered_map", skip_serializing_if = "Vec::is_empty")]
    pub skipped_columns: Vec<(String, String)>,
}

fn ordered_map<S: Serializer, V: Serialize>(entries: &[(String, V)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// Why a dataset comparison could not be made at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DriftError {
    #[error(transparent)]
    Column(#[from] ColumnError),
    #[error("drift_share must be in (0, 1], got {0}")]
    InvalidDriftShare(f64),
}

/// Compares every column and applies the dataset rule: drift when the share
/// of drifted columns is >= `drift_share`.
///
/// Empty columns are reported in `skipped_columns`; asking for a test that
/// does not apply to a column's type is an error, as in Evidently.
pub fn dataset_drift(
    columns: impl IntoIterator<Item = ColumnInput>,
    options: &DriftOptions,
) -> Result<DriftReport, DriftError> {
    if !(options.drift_share > 0.0 && options.drift_share <= 1.0) {
        return Err(DriftError::InvalidDriftShare(options.drift_share));
    }
    let columns: Vec<ColumnInput> = columns.into_iter().collect();
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let mut tested = Vec::new();
    let mut skipped = Vec::new();
    for (name, result) in names.into_iter().zip(compare_columns(columns, options)) {
        match result {
            Ok(d) => tested.push((name, d)),
            Err(e @ ColumnError::Empty { .. }) => skipped.push((name, e.to_string())),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(summarize(tested, skipped, options.drift_share))
}

/// [`column_drift`] for every column, in order, spread over the available
/// cores: columns are independent and a wide table has many. A column's
/// values are freed by the worker that tested it, beside the other tests,
/// rather than all at the end on one core (a million-row column is 8 MB a side).
fn compare_columns(columns: Vec<ColumnInput>, options: &DriftOptions) -> Vec<Result<ColumnDrift, ColumnError>> {
    let compare = |c: ColumnInput| column_drift(&c.name, c.column_type, &c.reference, &c.current, options);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(columns.len());
    if threads <= 1 {
        return columns.into_iter().map(compare).collect();
    }
    let mut results: Vec<Option<Result<ColumnDrift, ColumnError>>> = vec![None; columns.len()];
    // Each worker takes the next column when it is free, so one slow column
    // (an exact K-S, say) does not hold up a fixed share of the others.
    let next = Mutex::new(columns.into_iter().enumerate());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let Some((i, column)) = next.lock().expect("a drift worker panicked").next() else {
                            break done;
                        };
                        done.push((i, compare(column)));
                    }
                })
            })
            .collect();
        for worker in workers {
            for (i, result) in worker.join().expect("a drift worker panicked") {
                results[i] = Some(result);
            }
        }
    });
    results.into_iter().map(|r| r.expect("every column is compared")).collect()
}

/// Builds the report from per-column results.
fn summarize(
    columns: Vec<(String, ColumnDrift)>,
    skipped_columns: Vec<(String, String)>,
    drift_share: f64,
) -> DriftReport {
    let number_of_columns = columns.len();
    let number_of_drifted_columns = columns.iter().filter(|(_, d)| d.drift_detected).count();
    let share_of_drifted_columns =
        if number_of_columns == 0 { 0.0 } else { number_of_drifted_columns as f64 / number_of_columns as f64 };
    DriftReport {
        dataset_drift: number_of_columns > 0 && share_of_drifted_columns >= drift_share,
        drift_share,
        number_of_columns,
        number_of_drifted_columns,
        share_of_drifted_columns,
        columns,
        skipped_columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{CategoricalSample, NumericSample};

    fn num(values: &[f64]) -> Sample {
        Sample::Numeric(NumericSample::new(values.to_vec(), false))
    }

    #[test]
    fn automatic_choice_follows_reference_size_and_cardinality() {
        let few = num(&[1.0, 2.0, 1.0]);
        let binary = num(&[0.0, 1.0]);
        let many = num(&(0..10).map(f64::from).collect::<Vec<_>>());
        let big_many = num(&(0..2000).map(f64::from).collect::<Vec<_>>());
        let big_few = num(&(0..2000).map(|i| f64::from(i % 4)).collect::<Vec<_>>());
        use ColumnType::*;
        assert_eq!(default_stattest(Numerical, &few, &few), StatTest::Z);
        assert_eq!(default_stattest(Numerical, &few, &num(&[3.0])), StatTest::ChiSquare);
        assert_eq!(default_stattest(Numerical, &binary, &binary), StatTest::Z);
        assert_eq!(default_stattest(Numerical, &many, &many), StatTest::Ks);
        assert_eq!(default_stattest(Numerical, &big_many, &many), StatTest::Wasserstein);
        assert_eq!(default_stattest(Numerical, &big_few, &few), StatTest::JensenShannon);
        let cats = Sample::Categorical(CategoricalSample::from_values([Some("a"), Some("b"), Some("c")]));
        assert_eq!(default_stattest(Categorical, &cats, &cats), StatTest::ChiSquare);
    }

    #[test]
    fn per_column_settings_win_over_type_and_global_ones() {
        let options = DriftOptions {
            stattest: Some(StatTest::Psi),
            num_stattest: Some(StatTest::Ks),
            per_column_stattest: BTreeMap::from([("a".to_owned(), StatTest::Wasserstein)]),
            stattest_threshold: Some(0.3),
            cat_stattest_threshold: Some(0.2),
            per_column_stattest_threshold: BTreeMap::from([("b".to_owned(), 0.01)]),
            ..DriftOptions::default()
        };
        assert_eq!(options.stattest_for("a", ColumnType::Numerical), Some(StatTest::Wasserstein));
        assert_eq!(options.stattest_for("b", ColumnType::Numerical), Some(StatTest::Ks));
        assert_eq!(options.stattest_for("b", ColumnType::Categorical), Some(StatTest::Psi));
        assert_eq!(options.threshold_for("b", ColumnType::Categorical), Some(0.01));
        assert_eq!(options.threshold_for("c", ColumnType::Categorical), Some(0.2));
        assert_eq!(options.threshold_for("c", ColumnType::Numerical), Some(0.3));
    }

    #[test]
    fn an_empty_column_is_skipped_with_its_reason() {
        let input = vec![
            ColumnInput {
                name: "x".into(),
                column_type: ColumnType::Numerical,
                reference: num(&[1.0, 2.0]),
                current: num(&[f64::NAN]),
            },
            ColumnInput {
                name: "y".into(),
                column_type: ColumnType::Numerical,
                reference: num(&[1.0, 2.0]),
                current: num(&[1.0, 2.0]),
            },
        ];
        let report = dataset_drift(input, &DriftOptions::default()).unwrap();
        assert_eq!(report.number_of_columns, 1);
        assert_eq!(report.skipped_columns[0].0, "x");
        assert!(report.skipped_columns[0].1.contains("current"), "{}", report.skipped_columns[0].1);
    }

    #[test]
    fn a_test_for_the_wrong_type_is_an_error() {
        let cats = Sample::Categorical(CategoricalSample::from_values([Some("a")]));
        let options = DriftOptions { cat_stattest: Some(StatTest::Ks), ..DriftOptions::default() };
        let err = column_drift("c", ColumnType::Categorical, &cats, &cats, &options).unwrap_err();
        assert!(matches!(err, ColumnError::NotApplicable { .. }));
    }
}
