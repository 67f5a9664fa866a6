//! Drift statistics for absa-drift, reproducing Evidently 0.7.21's data drift
//! tests and verdicts number for number (see `tests/evidently_fixtures.rs`).
//!
//! No I/O, no async: callers hand in cleaned samples ([`Sample`]) and get a
//! [`DriftReport`] back.

mod drift;
mod histogram;
mod key_buffer;
pub mod ks;
mod sample;
pub mod scores;
pub mod special;
mod stattest;
mod wasserstein;

pub use drift::{
    ColumnDrift, ColumnError, ColumnInput, DriftError, DriftOptions, DriftReport, column_drift, dataset_drift,
    default_stattest,
};
pub use sample::{CategoricalSample, CategoricalSampleBuilder, Category, NumericSample, NumericSampleBuilder, Sample};
pub use stattest::{ColumnType, StatTest, UnknownStatTest};
