//! The self-contained HTML report: a summary, then reference against
//! current for every feature as inline SVG. No script, no external file:
//! it opens offline, from S3 or from disk.

use std::collections::BTreeMap;
use std::fmt::Write;

use pipeline_events::Severity;
use tables::PredictionRow;
use tables::profile::NUMERIC;

use crate::{ConstraintSeverity, MonitorReport};

const REFERENCE: &str = "#4c78a8";
const CURRENT: &str = "#f58518";
const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 150.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render(report: &MonitorReport, reference: &[PredictionRow], current: &[PredictionRow]) -> String {
    let mut h = String::new();
    let badge = match report.severity {
        Severity::Ok => "#2e7d32",
        Severity::Warning => "#ef6c00",
        Severity::Alarm => "#c62828",
    };
    let d = &report.data_drift;
    write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>absa-drift report {dt} {hour}:00</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}}
.badge{{color:#fff;background:{badge};padding:.2em .6em;border-radius:.3em;text-transform:uppercase}}.grid{{display:flex;flex-wrap:wrap;gap:1.5em}}
figure{{margin:0}}figcaption{{font-weight:600}}.drift{{color:#c62828}}</style></head><body>
<h1>Drift report <span class="badge">{severity}</span></h1>
<p>Batch <code>{batch}</code> of stream <code>{stream}</code>, ingested {dt} {hour}:00 UTC, {span}; model {model} version {version}. {current} current rows against {reference} rows of the {source}.
{drifted} of {columns} columns drifted (share {share:.2}; the dataset drifts at {threshold}). Vocabulary JS distance {js:.3}.</p>
<p>Languages: {languages}.</p>
"#,
        dt = escape(&report.dt),
        hour = escape(&report.hour),
        severity = match report.severity {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Alarm => "alarm",
        },
        batch = escape(&report.batch_id),
        span = escape(&comment_span(report)),
        stream = escape(&report.stream),
        model = escape(&report.model),
        version = report.model_version,
        current = report.current_rows,
        reference = report.reference_rows,
        source = escape(&report.reference),
        drifted = d.number_of_drifted_columns,
        columns = d.number_of_columns,
        share = d.share_of_drifted_columns,
        threshold = d.drift_share,
        js = report.text_drift.vocabulary.drift_score,
        languages = escape(&language_line(report)),
    )
    .unwrap();
    if !report.severity_reasons.is_empty() {
        h.push_str("<h2>Why</h2><ul>");
        for r in &report.severity_reasons {
            write!(h, "<li>{}</li>", escape(r)).unwrap();
        }
        h.push_str("</ul>");
    }
    if !report.insufficient_data.is_empty() {
        h.push_str(
            "<h2>Insufficient data</h2><p>Too few rows for these tests, so they say nothing about drift:</p><ul>",
        );
        for i in &report.insufficient_data {
            let unit = if i.test == "vocabulary" { "words" } else { "rows" };
            write!(h, "<li>{}: {} {unit}, needs {}</li>", escape(&i.test), i.rows, i.needed).unwrap();
        }
        h.push_str("</ul>");
    }
    quality_table(&mut h, report);
    write!(
        h,
        "<h2>Features</h2><table><tr><th>column</th><th>type</th><th>test</th><th>score</th><th>threshold</th><th>Evidently</th><th>p (FDR {})</th><th>drift</th></tr>",
        report.false_discovery_rate
    )
    .unwrap();
    for (name, c) in &d.columns {
        let significance = report.significance.get(name);
        let drifted = crate::significance::drifted(&report.significance, name);
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
            escape(name),
            c.column_type,
            c.stattest.display_name(),
            c.drift_score,
            c.stattest_threshold,
            if c.drift_detected { "flagged" } else { "-" },
            significance.map_or_else(|| "-".to_owned(), |s| format!("{:.3} ({})", s.p_value, s.method)),
            if drifted { " class=\"drift\"" } else { "" },
            if drifted { "yes" } else { "no" }
        )
        .unwrap();
    }
    h.push_str("</table>");
    write!(h, "<p><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"{REFERENCE}\"/></svg> reference &nbsp; <svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"{CURRENT}\"/></svg> current</p><div class=\"grid\">").unwrap();
    for (name, get) in NUMERIC {
        let r: Vec<f64> = reference.iter().filter_map(get).collect();
        let c: Vec<f64> = current.iter().filter_map(get).collect();
        figure(&mut h, name, &histogram_svg(&r, &c));
    }
    for (name, get) in [
        ("aspect", (|r: &PredictionRow| r.aspect.clone()) as fn(&PredictionRow) -> String),
        ("sentiment", |r| r.sentiment.clone()),
        ("is_reply", |r| r.is_reply.to_string()),
    ] {
        figure(&mut h, name, &bars_svg(&shares(reference, get), &shares(current, get)));
    }
    h.push_str("</div><h2>Sentiment by aspect</h2><div class=\"grid\">");
    let p = &report.prediction_drift;
    for (aspect, now) in &p.current_sentiment_by_aspect {
        let before = p.reference_sentiment_by_aspect.get(aspect).cloned().unwrap_or_default();
        let title = match p.sentiment_by_aspect.get(aspect) {
            Some(d) => format!(
                "{aspect} ({} {:.3}{})",
                d.stattest.name(),
                d.drift_score,
                if d.drift_detected { ", drifted" } else { "" }
            ),
            None => format!("{aspect} (too few rows to test)"),
        };
        figure(&mut h, &title, &bars_svg(&before, now));
    }
    h.push_str("</div>");
    if !report.text_drift.new_words.is_empty() {
        h.push_str("<h2>Frequent words the reference never used</h2><p>");
        let words: Vec<String> =
            report.text_drift.new_words.iter().map(|(w, n)| format!("{} ({n})", escape(w))).collect();
        h.push_str(&words.join(", "));
        h.push_str("</p>");
    }
    if !report.constraint_violations.is_empty() {
        h.push_str(
            "<h2>Data quality</h2><table><tr><th>check</th><th>feature</th><th>severity</th><th>description</th></tr>",
        );
        for v in &report.constraint_violations {
            write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&v.constraint_check_type),
                escape(&v.feature_name),
                match v.severity {
                    ConstraintSeverity::Warning => "warning",
                    ConstraintSeverity::Error => "error",
                },
                escape(&v.description)
            )
            .unwrap();
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    h
}

/// Estimated quality per level beside its band, and realised quality
/// where labels came back.
fn quality_table(h: &mut String, report: &MonitorReport) {
    if report.quality.is_empty() {
        return;
    }
    h.push_str(
        "<h2>Model quality</h2><p>Estimated from the calibrated probabilities (no labels needed); \
         the band is what sampling alone does at this batch's size.</p><table><tr><th>level</th><th>predictions</th>\
         <th>estimated macro-F1</th><th>band</th><th>estimated accuracy</th><th>realised macro-F1</th>\
         <th>realised accuracy</th><th>labelled</th></tr>",
    );
    for (level, q) in &report.quality {
        let (f1, accuracy, labelled) = match &q.realised {
            Some(r) => (
                format!("{:.3}", r.scores.macro_f1),
                format!("{:.3}", r.scores.accuracy),
                format!("{} ({} unmatched)", r.labelled, r.unmatched),
            ),
            None => ("-".into(), "-".into(), "0".into()),
        };
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td{}>{:.3}</td><td>{:.3}-{:.3}</td><td>{:.3}</td><td>{f1}</td><td>{accuracy}</td><td>{labelled}</td></tr>",
            escape(level),
            q.predictions,
            if q.below_band { " class=\"drift\"" } else { "" },
            q.estimated.macro_f1,
            q.band[0],
            q.band[1],
            q.estimated.accuracy,
        )
        .unwrap();
    }
    h.push_str("</table>");
}

fn figure(h: &mut String, title: &str, svg: &str) {
    write!(h, "<figure><figcaption>{}</figcaption>{svg}</figure>", escape(title)).unwrap();
}

fn shares(rows: &[PredictionRow], get: fn(&PredictionRow) -> String) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for r in rows {
        *out.entry(get(r)).or_default() += 1.0;
    }
    out.values_mut().for_each(|v| *v /= rows.len().max(1) as f64);
    out
}

/// Both distributions over 20 shared bins, as shares, clipped to the 99th
/// percentile so one viral comment does not flatten the rest.
fn histogram_svg(reference: &[f64], current: &[f64]) -> String {
    let mut all: Vec<f64> = reference.iter().chain(current).copied().collect();
    if all.is_empty() {
        return "<p>no values</p>".into();
    }
    all.sort_by(f64::total_cmp);
    let (lo, hi) = (all[0], all[((all.len() - 1) as f64 * 0.99) as usize].max(all[0] + 1e-9));
    const BINS: usize = 20;
    let bin = |v: f64| (((v.min(hi) - lo) / (hi - lo) * BINS as f64) as usize).min(BINS - 1);
    let hist = |values: &[f64]| {
        let mut h = [0f64; BINS];
        values.iter().for_each(|v| h[bin(*v)] += 1.0);
        h.iter_mut().for_each(|x| *x /= values.len().max(1) as f64);
        h
    };
    let (r, c) = (hist(reference), hist(current));
    let top = r.iter().chain(&c).copied().fold(1e-9, f64::max);
    let mut svg =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{}" role="img">"#, HEIGHT + 18.0);
    let w = WIDTH / BINS as f64;
    for i in 0..BINS {
        for (values, color, offset) in [(&r, REFERENCE, 0.0), (&c, CURRENT, w / 2.0)] {
            let height = values[i] / top * HEIGHT;
            write!(
                svg,
                r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}"/>"#,
                i as f64 * w + offset,
                HEIGHT - height,
                w / 2.0 - 1.0,
                height
            )
            .unwrap();
        }
    }
    write!(svg, r#"<text x="0" y="{y}" font-size="11">{lo:.3}</text><text x="{WIDTH}" y="{y}" font-size="11" text-anchor="end">{hi:.3}</text></svg>"#, y = HEIGHT + 14.0).unwrap();
    svg
}

/// Reference and current share per category, side by side.
fn bars_svg(reference: &BTreeMap<String, f64>, current: &BTreeMap<String, f64>) -> String {
    let categories: Vec<&String> = reference
        .keys()
        .chain(current.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(12)
        .collect();
    if categories.is_empty() {
        return "<p>no values</p>".into();
    }
    let top = reference.values().chain(current.values()).copied().fold(1e-9, f64::max);
    let w = WIDTH / categories.len() as f64;
    let mut svg =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{}" role="img">"#, HEIGHT + 18.0);
    for (i, cat) in categories.iter().enumerate() {
        for (map, color, offset) in [(reference, REFERENCE, 0.0), (current, CURRENT, w / 2.0)] {
            let height = map.get(*cat).copied().unwrap_or(0.0) / top * HEIGHT;
            write!(
                svg,
                r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{}: {:.1} %</title></rect>"#,
                i as f64 * w + offset,
                HEIGHT - height,
                (w / 2.0 - 2.0).max(1.0),
                height,
                escape(cat),
                map.get(*cat).copied().unwrap_or(0.0) * 100.0
            )
            .unwrap();
        }
        write!(
            svg,
            r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
            i as f64 * w + w / 2.0,
            HEIGHT + 14.0,
            escape(&cat.chars().take(12).collect::<String>())
        )
        .unwrap();
    }
    svg.push_str("</svg>");
    svg
}

/// Comments per language, most first, and how many the model was not
/// trained for.
fn language_line(report: &MonitorReport) -> String {
    let l = &report.languages;
    let mut by_count: Vec<(&String, &usize)> = l.comments.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mix: Vec<String> = by_count.iter().map(|(lang, n)| format!("{lang} {n}")).collect();
    format!(
        "{} comments ({}); {} in a language the model was not trained on ({})",
        l.comments.values().sum::<usize>(),
        mix.join(", "),
        l.untrained_comments,
        l.trained_languages.join(", ")
    )
}

/// What comment times the batch covers, in words: an export of an old
/// video spans weeks, and the page says so.
fn comment_span(report: &MonitorReport) -> String {
    let (Some(first), Some(last)) = (&report.first_comment, &report.last_comment) else {
        return "no comment times".to_owned();
    };
    let shown = |t: &str| t.replacen('T', " ", 1).trim_end_matches('Z').to_owned();
    let seconds = |t: &str| pipeline_events::time::parse_iso_time(t).unwrap_or(0);
    let hours = (seconds(last) - seconds(first)) / 3600;
    let length = match hours {
        0 => "within an hour".to_owned(),
        h if h < 48 => format!("{h} h"),
        h => format!("{} days", h / 24),
    };
    format!("comments from {} to {} UTC ({length})", shown(first), shown(last))
}
