//! The monitor on the bundled hourly batches (aspect_mix from hour 24):
//! no alarm in the 24 hours before the scenario, an alarm in every hour
//! after it starts, and reports that say why. The Grafana dashboards query
//! only metrics these hours emitted.

mod common;

use std::collections::BTreeSet;

use absa_train::publish;
use extract::Extractor;
use monitor::{MetricDetail, Monitor, NAMESPACE, emf_lines};
use pipeline_events::ExtractInput;
use pipeline_events::Severity;
use pipeline_store::{LocalDirStore, ObjectStore};
use transform::Transformer;

#[tokio::test]
async fn the_bundled_scenario_is_caught_when_it_starts_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let trained = common::train_simulated(dir.path(), 5000, 60);
    let store = LocalDirStore::new(dir.path().join("store"));
    publish(&store, &trained, "production").await.unwrap();

    let (extractor, transformer, monitor) = (
        Extractor::new(b"a test key of enough bytes").unwrap(),
        Transformer::new("absa-sentiment", "production"),
        Monitor::default(),
    );
    let hourly = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly"));
    let mut severities = Vec::new();
    let mut emitted = BTreeSet::new();
    for hour in 0..48 {
        let name = format!("2026-11-{:02}T{:02}.csv", 1 + hour / 24, hour % 24);
        let key = format!("raw/{name}");
        store.put(&key, std::fs::read(hourly.join(&name)).unwrap()).await.unwrap();
        let extracted = extractor.run(&store, &ExtractInput { key: Some(key), ..Default::default() }).await.unwrap();
        let transformed = transformer.run(&store, &store, &extracted).await.unwrap();
        if hour == 3 {
            // Labels came back for this hour: its report has realised quality.
            let labels = std::fs::read(hourly.join(name.replace(".csv", ".labels.csv"))).unwrap();
            let batch_hour = transformed.ingestion.batch_hour().unwrap();
            store.put(&pipeline_events::keys::labels(batch_hour, &transformed.batch_id), labels).await.unwrap();
        }
        let (report, verdict) = monitor.run(&store, &store, &transformed).await.unwrap();
        let realised = report.quality["aspect"].realised.as_ref().map(|r| r.labelled);
        assert_eq!(realised.is_some(), hour == 3, "hour {hour}: realised quality only where labels came back");
        assert!(realised.is_none_or(|n| n > 400), "{realised:?}");
        eprintln!(
            "hour {hour:2}: {:?} share {:.2} {:?}",
            verdict.severity, verdict.share_of_drifted_columns, report.severity_reasons
        );
        assert_eq!(verdict.drift_detected, verdict.severity != Severity::Ok);
        assert!(!store.get(&verdict.html_key).await.unwrap().is_empty());
        let json: serde_json::Value = serde_json::from_slice(&store.get(&verdict.report_key).await.unwrap()).unwrap();
        assert_eq!(json["data_drift"]["columns"].as_object().unwrap().len(), 13, "every monitored column is tested");
        let detailed = emf_lines(&report, MetricDetail::Detailed);
        for line in &detailed {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let directive = &v["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], NAMESPACE);
            let dimensions: BTreeSet<String> =
                directive["Dimensions"][0].as_array().unwrap().iter().map(|d| d.as_str().unwrap().into()).collect();
            for metric in directive["Metrics"].as_array().unwrap() {
                emitted.insert((metric["Name"].as_str().unwrap().to_owned(), dimensions.clone()));
            }
        }
        let summary = emf_lines(&report, MetricDetail::Summary);
        // The batch's line, then one per quality level.
        assert_eq!(summary.len(), 1 + report.quality.len());
        assert!(detailed.starts_with(&summary), "the summary is the start of the detail");
        severities.push(verdict.severity);
        if hour == 24 {
            // A rerun of the hour rewrites the same report, page and history line.
            let keys = [&verdict.report_key, &verdict.html_key];
            let mut before = Vec::new();
            for k in keys {
                before.push(store.get(k).await.unwrap());
            }
            let (_, again) = monitor.run(&store, &store, &transformed).await.unwrap();
            assert_eq!(again, verdict);
            for (k, bytes) in keys.iter().zip(&before) {
                assert_eq!(&store.get(k).await.unwrap(), bytes, "{k} changed on a rerun");
            }
            let html = dir.path().join("hour24.html");
            std::fs::write(&html, store.get(&verdict.html_key).await.unwrap()).unwrap();
            assert_renders_charts(&html, &dir.path().join("hour24.png"));
        }
    }
    let before: Vec<_> = severities[..24].iter().enumerate().filter(|(_, s)| **s == Severity::Alarm).collect();
    assert!(before.is_empty(), "false alarms before the scenario: {before:?}");
    let missed: Vec<_> =
        severities[24..].iter().enumerate().filter(|(_, s)| **s != Severity::Alarm).map(|(h, s)| (h + 24, s)).collect();
    assert!(missed.is_empty(), "hours of the scenario without an alarm: {missed:?}");
    assert_eq!(store.list("history/").await.unwrap().len(), 48);
    dashboards_query_what_the_monitor_emits(&emitted);
}

/// Every AbsaDrift query of infra/grafana/dashboards has a metric name and
/// dimension set the monitor emitted; other queries read AWS's own
/// Step Functions and Lambda metrics; and every emitted metric is on a panel.
fn dashboards_query_what_the_monitor_emits(emitted: &BTreeSet<(String, BTreeSet<String>)>) {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/grafana/dashboards"));
    let mut shown = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let dashboard: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                let metric = target["metricName"].as_str().unwrap().to_owned();
                let dimensions: BTreeSet<String> = target["dimensions"].as_object().unwrap().keys().cloned().collect();
                let where_ = format!("{}: panel '{}'", path.display(), panel["title"]);
                match target["namespace"].as_str().unwrap() {
                    NAMESPACE => {
                        let query = (metric, dimensions);
                        assert!(emitted.contains(&query), "{where_} queries {query:?}, which the monitor never emits");
                        shown.insert(query);
                    }
                    "AWS/States" | "AWS/Lambda" => {}
                    other => panic!("{where_} queries namespace {other}"),
                }
            }
        }
    }
    let missing: Vec<_> = emitted.difference(&shown).collect();
    assert!(missing.is_empty(), "emitted but on no dashboard: {missing:?}");
}

/// Opens the report in headless Chromium or Chrome (`ABSA_BROWSER`, which
/// scripts/test.sh sets to what scripts/detect.sh finds; `chromium` by
/// default) and checks the screenshot: both chart colours cover real
/// areas, and the alarm badge is drawn.
fn assert_renders_charts(html: &std::path::Path, png: &std::path::Path) {
    let browser = std::env::var("ABSA_BROWSER").unwrap_or_else(|_| "chromium".into());
    let status = std::process::Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,2600"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{browser} does not run ({e}): scripts/system-deps.sh installs chromium"));
    assert!(status.success());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let count = |rgb: [u8; 3]| {
        buf[..info.buffer_size()]
            .chunks(channels)
            .filter(|p| p[..3].iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 6))
            .count()
    };
    let (reference, current, alarm) = (count([0x4c, 0x78, 0xa8]), count([0xf5, 0x85, 0x18]), count([0xc6, 0x28, 0x28]));
    assert!(reference > 20_000 && current > 20_000, "chart pixels: reference {reference}, current {current}");
    assert!(alarm > 200, "alarm badge pixels: {alarm}");
}
