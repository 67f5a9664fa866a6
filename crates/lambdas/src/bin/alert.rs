//! The alert Lambda.
//!
//! Environment: `ABSA_DATA_BUCKET` (dedup claims and cooldown state),
//! `ABSA_ALERT_TOPIC_ARN`, `ABSA_MODEL_NAME` (default `absa-sentiment`),
//! `ABSA_ALERT_MIN_SEVERITY` (`warning` or `alarm`, default `alarm`),
//! `ABSA_ALERT_COOLDOWN_HOURS` (default 6).

use alert::Alerter;
use lambdas::{S3Store, SnsNotifier, serve};
use pipeline_events::{AlertInput, Severity};
use pipeline_store::{env_number, env_or, required_env};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let bucket = required_env("ABSA_DATA_BUCKET")?;
    let min_severity = match env_or("ABSA_ALERT_MIN_SEVERITY", "alarm").as_str() {
        "alarm" => Severity::Alarm,
        "warning" => Severity::Warning,
        other => return Err(format!("ABSA_ALERT_MIN_SEVERITY '{other}' is not warning or alarm").into()),
    };
    let alerter = Alerter {
        model: env_or("ABSA_MODEL_NAME", "absa-sentiment"),
        min_severity,
        cooldown_hours: env_number("ABSA_ALERT_COOLDOWN_HOURS", 6)?,
        report_location: format!("s3://{bucket}/"),
    };
    let aws = lambdas::aws_config().await;
    let store = S3Store::from_config(&aws, bucket);
    let notifier = SnsNotifier::from_config(&aws, required_env("ABSA_ALERT_TOPIC_ARN")?);
    let (alerter, store, notifier) = (&alerter, &store, &notifier);
    serve(move |input: AlertInput| async move { alerter.run(store, notifier, &input).await }).await
}
