//! `absa-drift drift` end to end: the real binary on files Evidently also
//! read (see scripts/evidently/generate_fixtures.py), and on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const RELATIVE_TOLERANCE: f64 = 1e-6;

fn absa_drift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_absa-drift")).args(args).output().expect("the binary runs")
}

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evidently").join(name)
}

/// Evidently's options as command-line flags.
fn flags(options: &Value) -> Vec<String> {
    options
        .as_object()
        .unwrap()
        .iter()
        .map(|(key, value)| {
            let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
            format!("--{}={value}", key.replace('_', "-"))
        })
        .collect()
}

fn agree(ours: &Value, theirs: &Value) -> bool {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) => a == b || (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs()),
        _ => ours == theirs,
    }
}

#[test]
fn every_fixture_gives_evidentlys_numbers_from_csv_and_parquet() {
    let mut checked = 0;
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evidently")).unwrap() {
        let dir = entry.unwrap().path();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        for extension in ["csv", "parquet"] {
            let (reference, current) =
                (dir.join(format!("reference.{extension}")), dir.join(format!("current.{extension}")));
            if !reference.exists() {
                continue;
            }
            for (run_name, run) in expected["runs"].as_object().unwrap() {
                let mut args = vec!["drift".to_owned(), "--format=json".to_owned()];
                args.push(format!("--reference={}", reference.display()));
                args.push(format!("--current={}", current.display()));
                args.extend(flags(&run["options"]));
                let out = absa_drift(&args.iter().map(String::as_str).collect::<Vec<_>>());
                let context = format!("{} {extension} {run_name}", dir.display());
                assert!(out.status.success(), "{context}: {}", String::from_utf8_lossy(&out.stderr));
                let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
                for key in
                    ["dataset_drift", "number_of_columns", "number_of_drifted_columns", "share_of_drifted_columns"]
                {
                    assert_eq!(ours[key], run[key], "{context}: {key}");
                }
                let theirs = run["columns"].as_object().unwrap();
                assert_eq!(ours["columns"].as_object().unwrap().len(), theirs.len(), "{context}");
                for (column, expected_column) in theirs {
                    let got = &ours["columns"][column];
                    for field in ["column_type", "stattest_name", "stattest_threshold", "drift_detected", "drift_score"]
                    {
                        assert!(
                            agree(&got[field], &expected_column[field]),
                            "{context}/{column}/{field}: ours {} Evidently {}",
                            got[field],
                            expected_column[field]
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} column results compared");
}

#[test]
fn text_output_is_a_readable_table() {
    let dir = fixture_dir("comments_features");
    let out = absa_drift(&[
        "drift",
        "--reference",
        dir.join("reference.csv").to_str().unwrap(),
        "--current",
        dir.join("current.csv").to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("DRIFT DETECTED: 3 of 6 columns drifted"), "{text}");
    let aspect = text.lines().find(|l| l.starts_with("aspect ")).expect("a row per column");
    assert!(aspect.contains("Jensen-Shannon distance") && aspect.ends_with("YES"), "{aspect}");
}

#[test]
fn output_goes_to_the_named_file() {
    let dir = fixture_dir("comments_features");
    let target = std::env::temp_dir().join(format!("absa-drift-report-{}.json", std::process::id()));
    let out = absa_drift(&[
        "drift",
        "--reference",
        dir.join("reference.parquet").to_str().unwrap(),
        "--current",
        dir.join("current.parquet").to_str().unwrap(),
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(report["number_of_columns"], 6);
    std::fs::remove_file(target).unwrap();
}

/// Writes `files` into a fresh directory and runs `drift` on the first two.
fn run_on(name: &str, files: &[(&str, &[u8])], extra: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("absa-drift-bad-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    let reference = dir.join(files[0].0);
    let current = dir.join(files.get(1).map_or("missing.csv", |f| f.0));
    let mut args = vec!["drift", "--reference", reference.to_str().unwrap(), "--current", current.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = absa_drift(&args);
    std::fs::remove_dir_all(&dir).unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn assert_one_line_error(stderr: &str, must_contain: &[&str]) {
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.starts_with("absa-drift: error: "), "{stderr}");
    for part in must_contain {
        assert!(stderr.contains(part), "'{part}' missing from: {stderr}");
    }
}

const GOOD: &[u8] = b"a,b\n1,x\n2,y\n3,x\n";

#[test]
fn a_missing_file_is_named() {
    let (code, _, err) = run_on("missing", &[("ref.csv", GOOD)], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["missing.csv", "cannot open"]);
}

#[test]
fn an_empty_file_is_named() {
    let (code, _, err) = run_on("empty", &[("ref.csv", GOOD), ("cur.csv", b"")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "empty"]);
}

#[test]
fn a_file_with_only_a_byte_order_mark_has_no_header() {
    let (code, _, err) = run_on("bomonly", &[("ref.csv", GOOD), ("cur.csv", b"\xef\xbb\xbf")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "no header row"]);
}

#[test]
fn a_damaged_parquet_file_is_an_error_naming_it_not_a_crash() {
    // Found by `make fuzz`: the parquet crate panics on this file.
    let damaged = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/damaged.parquet")).unwrap();
    let reference = std::fs::read(fixture_dir("small_with_missing").join("reference.csv")).unwrap();
    let (code, _, err) = run_on("damaged", &[("ref.csv", &reference), ("cur.parquet", &damaged)], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.parquet", "the file is damaged"]);
}

#[test]
fn a_header_without_rows_is_named() {
    let (code, _, err) = run_on("header", &[("ref.csv", b"a,b\n"), ("cur.csv", GOOD)], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["ref.csv", "no data rows"]);
}

#[test]
fn files_without_a_common_column_are_refused() {
    let (code, _, err) = run_on("common", &[("ref.csv", GOOD), ("cur.csv", b"c,d\n1,2\n")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["ref.csv", "cur.csv", "no column in common"]);
}

#[test]
fn control_characters_from_a_file_never_reach_the_terminal() {
    let current = b"a,b\n1,x\n\x1b[31mred\x00,y\n";
    let (code, _, err) = run_on("escape", &[("ref.csv", GOOD), ("cur.csv", current)], &[]);
    assert_eq!(code, 2);
    assert!(!err.contains('\u{1b}') && !err.contains('\0'), "{err:?}");
    assert_one_line_error(&err, &["cur.csv", "'\\u{1b}[31mred\\u{0}'"]);
}

#[test]
fn a_column_named_twice_is_refused_with_its_name() {
    let (code, _, err) = run_on("twice", &[("ref.csv", GOOD), ("cur.csv", b"a,b,a\n1,x,2\n")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "column 'a' appears more than once"]);
}

#[test]
fn an_unparsable_number_names_file_row_and_column() {
    let current = b"a,b\n1,x\n2,y\nthree,x\n";
    let (code, _, err) = run_on("number", &[("ref.csv", GOOD), ("cur.csv", current)], &["--numerical", "a"]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "row 3", "column 'a'", "'three' is not a number"]);
}

#[test]
fn a_reference_numeric_column_with_text_in_current_is_an_error() {
    // Evidently refuses this too ("should contain numerical values only").
    let current = b"a,b\n1,x\noops,y\n";
    let (code, _, err) = run_on("mixed", &[("ref.csv", GOOD), ("cur.csv", current)], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "row 2", "column 'a'", "'oops'"]);
}

#[test]
fn a_ragged_csv_names_the_file() {
    let (code, _, err) = run_on("ragged", &[("ref.csv", GOOD), ("cur.csv", b"a,b\n1,x\n2\n")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv"]);
}

#[test]
fn a_semicolon_separated_file_is_named_with_the_likely_cause() {
    let (code, _, err) = run_on("semicolon", &[("ref.csv", GOOD), ("cur.csv", b"a;b\n1;x\n")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "';'-separated"]);
}

#[test]
fn invalid_utf8_names_the_file_and_line() {
    let (code, _, err) = run_on("utf8", &[("ref.csv", GOOD), ("cur.csv", b"a,b\n1,x\n\xff\xfe,y\n")], &[]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["cur.csv", "invalid UTF-8", "line 3"]);
}

#[test]
fn unknown_and_conflicting_column_options_are_refused() {
    let (code, _, err) = run_on("unknown", &[("ref.csv", GOOD), ("cur.csv", GOOD)], &["--numerical", "zzz"]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["'zzz'", "--numerical"]);
    let (code, _, err) =
        run_on("conflict", &[("ref.csv", GOOD), ("cur.csv", GOOD)], &["--numerical", "a", "--categorical", "a"]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["'a'", "both"]);
}

#[test]
fn a_test_that_does_not_fit_the_column_type_is_refused() {
    let (code, _, err) = run_on("fit", &[("ref.csv", GOOD), ("cur.csv", GOOD)], &["--cat-stattest", "ks"]);
    assert_eq!(code, 2);
    assert_one_line_error(&err, &["ks", "column 'b'"]);
}

#[test]
fn an_empty_column_is_reported_not_fatal() {
    let current = b"a,b\n1,\n2,NA\n3,\n";
    let (code, out, _) = run_on("emptycol", &[("ref.csv", GOOD), ("cur.csv", current)], &["--format", "json"]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["number_of_columns"], 1);
    assert!(report["skipped_columns"]["b"].as_str().unwrap().contains("no values in the current data"));
}

#[test]
fn drift_or_not_the_exit_code_is_zero() {
    let shifted = b"a,b\n100,z\n200,z\n300,z\n";
    let (code, out, _) = run_on("drifted", &[("ref.csv", GOOD), ("cur.csv", shifted)], &["--format", "json"]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["dataset_drift"], true);
}

#[test]
fn columns_in_one_file_only_are_listed_as_not_compared() {
    let current = b"a,c\n1,5\n2,6\n";
    let (code, out, _) = run_on("onlyone", &[("ref.csv", GOOD), ("cur.csv", current)], &["--format", "json"]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(report["skipped_columns"]["b"].as_str().unwrap().contains("only in the reference"));
    assert!(report["skipped_columns"]["c"].as_str().unwrap().contains("only in the current"));
}

#[test]
fn the_bundled_data_is_exactly_what_simulate_writes() {
    let out = std::env::temp_dir().join(format!("absa-drift-simulate-{}", std::process::id()));
    let result = absa_drift(&["simulate", "--out", out.to_str().unwrap()]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let mut compared = 0;
    for dir in ["train", "hourly"] {
        for entry in std::fs::read_dir(out.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            let committed = std::fs::read(bundled.join(dir).join(name)).unwrap_or_default();
            assert!(
                committed == std::fs::read(&path).unwrap(),
                "data/{dir}/{} differs from a fresh simulate",
                name.to_string_lossy()
            );
            compared += 1;
        }
    }
    assert_eq!(
        compared,
        2 + 1 + 48 * 2 + 1,
        "train: comments, labels, manifest; hourly: 48 batches with labels, manifest"
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn simulate_reports_an_unwritable_directory() {
    let result =
        absa_drift(&["simulate", "--out", "/proc/absa-drift-cannot-write-here", "--train", "10", "--hours", "1"]);
    assert_eq!(result.status.code(), Some(2));
    let err = String::from_utf8(result.stderr).unwrap();
    assert!(err.contains("/proc/absa-drift-cannot-write-here") && err.contains("cannot write"), "{err}");
}
