//! The S3, SNS and SSM adapters against a real AWS API: moto's server (pinned
//! in scripts/moto/requirements.txt, installed into .venv-moto by
//! scripts/test.sh; run by tests/moto_server.py), started on a free loopback
//! port for this test and killed when it ends, pass or fail. The registry, extract and alert run
//! on them unchanged; what SNS received is read back through moto's
//! inspection API.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alert::Alerter;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use extract::Extractor;
use lambdas::{S3Store, SnsNotifier};
use pipeline_events::{AlertInput, ExtractInput, Severity, Verdict};
use pipeline_store::{ModelRegistry, ObjectStore, StoreError};

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto's server on a free port, with S3's conditional writes made atomic
/// as S3's are (tests/moto_server.py says why).
fn start_moto() -> Moto {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv-moto/bin/python");
    let server = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/moto_server.py");
    assert!(
        std::path::Path::new(python).exists(),
        "{python} is missing: run `bash scripts/python-venv.sh .venv-moto scripts/moto/requirements.txt` (scripts/test.sh does)"
    );
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(python)
        .args([server, "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen within 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    moto
}

fn s3_client(moto: &Moto) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(&moto.url)
            .force_path_style(true)
            .build(),
    )
}

async fn bucket(moto: &Moto, name: &str) -> S3Store {
    let client = s3_client(moto);
    client.create_bucket().bucket(name).send().await.unwrap();
    S3Store::new(client, name)
}

async fn topic(moto: &Moto) -> SnsNotifier {
    let client = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::Config::builder()
            .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
            .region(aws_sdk_sns::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sns::config::Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(&moto.url)
            .build(),
    );
    let arn = client.create_topic().name("absa-alerts").send().await.unwrap().topic_arn().unwrap().to_owned();
    SnsNotifier { client, topic_arn: arn }
}

/// (subject, message) of everything SNS received, from moto's inspection API.
fn published(moto: &Moto) -> Vec<(String, String)> {
    let data: serde_json::Value =
        ureq::get(format!("{}/moto-api/data.json", moto.url)).call().unwrap().body_mut().read_json().unwrap();
    data["sns"]["Topic"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["sent_notifications"].as_array().cloned().unwrap_or_default())
        .map(|n| (n[2].as_str().unwrap_or_default().to_owned(), n[1].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn the_aws_adapters_work_against_moto() {
    let moto = start_moto();
    let store = bucket(&moto, "absa-data").await;
    store.put("clean/dt=2026-11-01/hour=00/a.parquet", b"a".to_vec()).await.unwrap();
    store.put("clean/dt=2026-11-01/hour=01/b.parquet", b"b".to_vec()).await.unwrap();
    store.put("raw/x.csv", b"x".to_vec()).await.unwrap();
    assert_eq!(store.get("raw/x.csv").await.unwrap(), b"x");
    assert_eq!(
        store.list("clean/").await.unwrap(),
        ["clean/dt=2026-11-01/hour=00/a.parquet", "clean/dt=2026-11-01/hour=01/b.parquet"]
    );
    assert!(matches!(store.get("raw/missing.csv").await, Err(StoreError::NotFound { .. })));
    assert_eq!(store.size("raw/x.csv").await.unwrap(), 1);
    assert!(matches!(store.size("raw/missing.csv").await, Err(StoreError::NotFound { .. })));
    assert!(matches!(store.put("../x", vec![]).await, Err(StoreError::InvalidKey { .. })));

    // The conditional write S3 offers (If-None-Match) is what dedup relies on.
    assert!(store.put_if_absent("alerts/run-1", b"first".to_vec()).await.unwrap());
    assert!(!store.put_if_absent("alerts/run-1", b"second".to_vec()).await.unwrap());
    assert_eq!(store.get("alerts/run-1").await.unwrap(), b"first");
    // And the compare-and-swap (If-Match on the ETag) the cooldown state relies on.
    let (_, version) = store.get_versioned("alerts/run-1").await.unwrap();
    assert!(store.put_if_version("alerts/run-1", b"second".to_vec(), &version).await.unwrap());
    assert!(!store.put_if_version("alerts/run-1", b"third".to_vec(), &version).await.unwrap(), "a stale version");
    assert!(!store.put_if_version("alerts/none", b"x".to_vec(), &version).await.unwrap(), "no object");
    assert_eq!(store.get("alerts/run-1").await.unwrap(), b"second");

    // The registry and extract run unchanged on S3.
    let registry = ModelRegistry::new(&store);
    let v = registry.publish("absa", &[("model.json", b"{}".to_vec())]).await.unwrap();
    registry.set_alias("absa", "production", v).await.unwrap();
    assert_eq!(registry.resolve("absa", "production").await.unwrap(), 1);
    let raw = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/hourly/2026-11-01T00.csv")).unwrap();
    store.put("raw/2026-11-01T00.csv", raw.clone()).await.unwrap();
    let out = Extractor::new(b"a test key of enough bytes")
        .unwrap()
        .run(&store, &ExtractInput { key: Some("raw/2026-11-01T00.csv".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(out.counts.clean_rows, 400);
    assert!(!store.get(&out.partitions[0].key).await.unwrap().is_empty());
    assert_eq!(store.get("raw/2026-11-01T00.csv").await.unwrap(), raw);

    // A bucket that does not exist is an error naming the key, not a panic.
    let missing = S3Store::new(s3_client(&moto), "no-such-bucket");
    let err = missing.put("k", vec![1]).await.unwrap_err();
    assert!(matches!(&err, StoreError::Backend { key, .. } if key == "k"), "{err}");

    // alert on S3 + SNS: one message for the batch, none for its rerun.
    let notifier = topic(&moto).await;
    let alerter = Alerter {
        model: "absa".into(),
        min_severity: Severity::Warning,
        cooldown_hours: 6,
        report_location: "s3://absa-data/".into(),
    };
    let verdict = Verdict {
        batch_id: out.batch_id.clone(),
        dt: "2026-11-01".into(),
        hour: "00".into(),
        stream: "default".into(),
        drift_detected: true,
        severity: Severity::Alarm,
        share_of_drifted_columns: 0.3,
        drifted_columns: vec!["aspect".into()],
        rows: 400,
        untested: vec![],
        report_key: "reports/r.json".into(),
        html_key: "reports/r.html".into(),
        labelling_queue: None,
    };
    let input = AlertInput { verdict: Some(verdict), ..Default::default() };
    assert!(alerter.run(&store, &notifier, &input).await.unwrap().sent);
    assert!(!alerter.run(&store, &notifier, &input).await.unwrap().sent);
    let messages = published(&moto);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].0.starts_with("[absa-drift] ALARM"), "{messages:?}");
    assert!(messages[0].1.contains("s3://absa-data/reports/r.json"), "{messages:?}");

    // The pseudonym key from an SSM SecureString, and a clear error without one.
    let ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ssm::config::Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(&moto.url)
            .build(),
    );
    let name = "/absa-drift-test/pseudonym-key";
    ssm.put_parameter()
        .name(name)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .value("a key of thirty-two characters!!")
        .send()
        .await
        .unwrap();
    assert_eq!(lambdas::ssm::secure_parameter(&ssm, name).await.unwrap(), "a key of thirty-two characters!!");
    let missing = lambdas::ssm::secure_parameter(&ssm, "/absa-drift-test/none").await.unwrap_err();
    assert!(missing.contains("/absa-drift-test/none does not exist"), "{missing}");

    // A topic that does not exist: a typed error naming it.
    let wrong =
        SnsNotifier { client: notifier.client.clone(), topic_arn: "arn:aws:sns:us-east-1:123456789012:nope".into() };
    let failure = pipeline_events::Failure { error: "E".into(), cause: "C".into(), failed_step: "S".into() };
    let input = AlertInput { failure: Some(failure), run_id: Some("r1".into()), ..Default::default() };
    let err = alerter.run(&store, &wrong, &input).await.unwrap_err();
    assert!(err.to_string().contains(":nope"), "{err}");
}

/// One run over a day of verdicts (warnings, an alarm at 9), one execution
/// per batch, in order.
async fn alert_day(store: S3Store, notifier: std::sync::Arc<SnsNotifier>, run: usize) {
    let alerter = Alerter {
        model: "absa".into(),
        min_severity: Severity::Warning,
        cooldown_hours: 6,
        report_location: "s3://absa-data/".into(),
    };
    for h in 0..24 {
        let verdict = Verdict {
            batch_id: format!("b{h:02}"),
            dt: "2026-11-02".into(),
            hour: format!("{h:02}"),
            stream: "default".into(),
            drift_detected: true,
            severity: if h == 9 { Severity::Alarm } else { Severity::Warning },
            share_of_drifted_columns: 0.3,
            drifted_columns: vec!["aspect".into()],
            rows: 400,
            untested: vec![],
            report_key: format!("reports/b{h:02}.json"),
            html_key: format!("reports/b{h:02}.html"),
            labelling_queue: None,
        };
        let input =
            AlertInput { run_id: Some(format!("run{run}-b{h:02}")), verdict: Some(verdict), ..Default::default() };
        alerter.run(&store, notifier.as_ref(), &input).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_alert_runs_on_s3_send_what_one_run_sends() {
    let moto = start_moto();
    let notifier = std::sync::Arc::new(topic(&moto).await);
    let subjects = |moto: &Moto| {
        let mut subjects: Vec<String> = published(moto).into_iter().map(|(subject, _)| subject).collect();
        subjects.sort();
        subjects
    };
    alert_day(bucket(&moto, "sequential").await, notifier.clone(), 0).await;
    let one_run = subjects(&moto);
    assert_eq!(one_run.len(), 5, "{one_run:#?}");

    let store = bucket(&moto, "concurrent").await;
    let runs: Vec<_> = (1..=4).map(|run| tokio::spawn(alert_day(store.clone(), notifier.clone(), run))).collect();
    for run in runs {
        run.await.unwrap();
    }
    let mut expected: Vec<String> = one_run.iter().chain(&one_run).cloned().collect();
    expected.sort();
    assert_eq!(subjects(&moto), expected, "four concurrent runs send what one sends");
}
