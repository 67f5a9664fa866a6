//! CloudWatch Embedded Metric Format: JSON lines the Lambda prints to
//! stdout, which CloudWatch Logs turns into metrics in the `AbsaDrift`
//! namespace. The timestamp is the batch's hour, so replays land where the
//! data belongs.

use serde_json::{Value, json};

use pipeline_events::{BatchHour, Severity};

use crate::MonitorReport;

pub const NAMESPACE: &str = "AbsaDrift";

fn line(timestamp_ms: i64, dimensions: &[(&str, &str)], metrics: &[(&str, f64, &str)]) -> String {
    let mut root = serde_json::Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions.iter().map(|(k, _)| *k).collect::<Vec<_>>()],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        }),
    );
    for (k, v) in dimensions {
        root.insert((*k).into(), Value::from(*v));
    }
    for (name, value, _) in metrics {
        root.insert((*name).into(), Value::from(*value));
    }
    Value::Object(root).to_string()
}

/// How many metrics to emit. Each distinct name and dimension set is a
/// CloudWatch custom metric at $0.30 a month: the summary is 6, plus the
/// estimated macro-F1 per quality level (2) and the realised one once
/// labels come back (2 more); the detail 53 more with the bundled taxonomy
/// (13 features × 2, 9 aspects × 3 sentiments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricDetail {
    /// The batch's summary per model.
    Summary,
    /// The summary, a drift score per feature, and the sentiment share per aspect.
    Detailed,
}

/// The metric lines of one report.
pub fn emf_lines(report: &MonitorReport, detail: MetricDetail) -> Vec<String> {
    let timestamp_ms = BatchHour::from_partition(&report.dt, &report.hour).map_or(0, |h| h.start() * 1000);
    let model = report.model.as_str();
    let severity = match report.severity {
        Severity::Ok => 0.0,
        Severity::Warning => 1.0,
        Severity::Alarm => 2.0,
    };
    let c = &report.extract_counts;
    let mut lines = vec![line(
        timestamp_ms,
        &[("Model", model)],
        &[
            ("ShareOfDriftedColumns", report.data_drift.share_of_drifted_columns, "None"),
            ("Severity", severity, "None"),
            ("RowsProcessed", c.clean_rows as f64, "Count"),
            ("RowsQuarantined", c.quarantined_rows as f64, "Count"),
            ("RowsDuplicated", c.duplicate_rows as f64, "Count"),
            ("VocabularyDistance", report.text_drift.vocabulary.drift_score, "None"),
        ],
    )];
    for (level, q) in &report.quality {
        let mut metrics = vec![("EstimatedMacroF1", q.estimated.macro_f1, "None")];
        if let Some(r) = &q.realised {
            metrics.push(("RealisedMacroF1", r.scores.macro_f1, "None"));
        }
        lines.push(line(timestamp_ms, &[("Model", model), ("Level", level)], &metrics));
    }
    if detail == MetricDetail::Summary {
        return lines;
    }
    for (feature, d) in &report.data_drift.columns {
        lines.push(line(
            timestamp_ms,
            &[("Model", model), ("Feature", feature)],
            &[("DriftScore", d.drift_score, "None"), ("Drifted", f64::from(u8::from(d.drift_detected)), "None")],
        ));
    }
    for (aspect, shares) in &report.prediction_drift.current_sentiment_by_aspect {
        for (sentiment, share) in shares {
            lines.push(line(
                timestamp_ms,
                &[("Model", model), ("Aspect", aspect), ("Sentiment", sentiment)],
                &[("SentimentShare", *share, "None")],
            ));
        }
    }
    lines
}
