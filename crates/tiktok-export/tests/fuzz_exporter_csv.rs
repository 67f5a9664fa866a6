//! The exporter CSV reader on mutated real and hostile files (the fuzzing
//! crate says how many and for how long): it never panics, numbers rows in
//! order and lines never backwards, and every row it accepts is within the bounds it
//! promises.

use proptest::prelude::*;
use tiktok_export::{FIRST_POSSIBLE_COMMENT, MAX_COMMENT_CHARS, MAX_COUNT, read_until};

fn seeds() -> Vec<Vec<u8>> {
    let repo = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut seeds = fuzzing::seeds_in(&repo.join("tests/fixtures/bad"));
    seeds.extend(fuzzing::seeds_in(&repo.join("tests/fixtures/real-export")));
    seeds.push(std::fs::read(repo.join("data/hourly/2026-11-01T00.csv")).unwrap());
    seeds
}

#[test]
fn the_exporter_csv_reader_survives_mutated_files() {
    const NOT_AFTER: i64 = 1_800_000_000;
    fuzzing::check("exporter CSV", fuzzing::mutated(seeds()), |bytes| {
        let Ok(rows) = read_until(&bytes.0, NOT_AFTER) else { return Ok(()) };
        let mut last_line = 0;
        for (i, row) in rows.iter().enumerate() {
            match row {
                Ok(c) => {
                    prop_assert!((FIRST_POSSIBLE_COMMENT..=NOT_AFTER).contains(&c.time), "time {}", c.time);
                    prop_assert!(c.digg_count <= MAX_COUNT && c.reply_count <= MAX_COUNT);
                    prop_assert!(c.text.chars().count() <= MAX_COMMENT_CHARS);
                }
                Err(e) => {
                    prop_assert_eq!(e.row, i + 1);
                    // Not strictly: a lone CR ends a record but not a line.
                    prop_assert!(e.line >= last_line, "line {} after {last_line}", e.line);
                    last_line = e.line;
                    prop_assert!(e.cells.as_ref().is_none_or(|c| c.len() == 12));
                }
            }
        }
        Ok(())
    });
}
