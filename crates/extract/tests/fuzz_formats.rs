//! The three raw formats on mutated real and hostile files (the fuzzing
//! crate says how many and for how long): reading never panics, a file
//! refused whole is an error, and every row read is numbered in order,
//! with a documented reason when it is rejected.

use extract::{Format, detect, read_file};
use proptest::prelude::*;

const REASONS: &[&str] = &[
    "bad_id",
    "bad_time",
    "bad_count",
    "bad_flag",
    "field_count",
    "not_utf8",
    "csv",
    "bad_json",
    "missing_field",
    "bad_type",
    "too_long",
];

#[test]
fn csv_json_lines_and_parquet_readers_survive_mutated_files() {
    let repo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut seeds = fuzzing::seeds_in(&repo.join("tests/fixtures/bad"));
    seeds.push(std::fs::read(repo.join("data/hourly/2026-11-01T00.csv")).unwrap());
    fuzzing::check("exporter CSV, JSON Lines, Parquet", fuzzing::mutated(seeds), |bytes| {
        let Ok((format, rows)) = read_file(&bytes.0, i64::MAX) else { return Ok(()) };
        prop_assert_eq!(format, detect(&bytes.0));
        for (i, row) in rows.iter().enumerate() {
            if let Err(r) = row {
                prop_assert!(REASONS.contains(&r.reason), "reason {}", r.reason);
                prop_assert_eq!(r.row, i + 1);
                prop_assert!(r.message.starts_with(&format!("row {}", r.row)), "{}", r.message);
                prop_assert!(r.cells.as_ref().is_none_or(|c| c.len() == 12));
            }
        }
        prop_assert!(format != Format::Parquet || bytes.0.windows(4).any(|w| w == b"PAR1"));
        Ok(())
    });
}
