//! The drift report as a table for people.

use std::fmt::Write;

use drift_core::DriftReport;

pub fn render(report: &DriftReport) -> String {
    let mut out = String::new();
    let verdict = if report.dataset_drift { "DRIFT DETECTED" } else { "no dataset drift" };
    let _ = writeln!(
        out,
        "{verdict}: {} of {} columns drifted ({:.1}%; the dataset drifts at {:.1}% or more)\n",
        report.number_of_drifted_columns,
        report.number_of_columns,
        100.0 * report.share_of_drifted_columns,
        100.0 * report.drift_share,
    );
    let name_width = report.columns.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0).max("column".len());
    let _ =
        writeln!(out, "{:<name_width$}  type  {:<29}  {:>9}  {:>12}  drift", "column", "test", "threshold", "score");
    for (name, c) in &report.columns {
        let score = if c.drift_score.is_nan() { "n/a".to_owned() } else { format_score(c.drift_score) };
        let _ = writeln!(
            out,
            "{name:<name_width$}  {:<4}  {:<29}  {:>9}  {:>12}  {}",
            c.column_type.to_string(),
            c.stattest.display_name(),
            c.stattest_threshold,
            score,
            if c.drift_detected { "YES" } else { "no" },
        );
    }
    if !report.skipped_columns.is_empty() {
        let _ = writeln!(out, "\nnot compared:");
        for (_, reason) in &report.skipped_columns {
            let _ = writeln!(out, "  {reason}");
        }
    }
    out
}

/// Plain decimals for ordinary scores, scientific notation for tiny p-values.
fn format_score(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 { format!("{x:.3e}") } else { format!("{x:.6}") }
}
