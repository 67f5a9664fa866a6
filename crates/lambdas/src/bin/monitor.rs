//! The monitor Lambda. For a fresh batch, prints the CloudWatch EMF metric
//! lines to stdout (CloudWatch Logs turns them into `AbsaDrift` metrics)
//! and returns the verdict; also does the jobs on past batches (a
//! backfill's plan and items, a baseline: `MonitorJob`).
//!
//! Environment: `ABSA_DATA_BUCKET`, `ABSA_MODEL_BUCKET` (default: the data
//! bucket), `ABSA_DRIFT_SHARE` (default 0.5), `ABSA_METRICS` (`detailed`,
//! the default, or `summary`: see [`MetricDetail`]).

use lambdas::{S3Store, serve};
use monitor::{Answer, MetricDetail, Monitor, emf_lines};
use pipeline_events::MonitorRequest;
use pipeline_store::{env_number, env_or, required_env};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let data_bucket = required_env("ABSA_DATA_BUCKET")?;
    let model_bucket = env_or("ABSA_MODEL_BUCKET", &data_bucket);
    let mut monitor = Monitor::default();
    monitor.options.drift_share = env_number("ABSA_DRIFT_SHARE", monitor.options.drift_share)?;
    let detail = match env_or("ABSA_METRICS", "detailed").as_str() {
        "detailed" => MetricDetail::Detailed,
        "summary" => MetricDetail::Summary,
        other => return Err(format!("ABSA_METRICS '{other}' is not detailed or summary").into()),
    };
    let aws = lambdas::aws_config().await;
    let (data, models) = (S3Store::from_config(&aws, data_bucket), S3Store::from_config(&aws, model_bucket));
    let (monitor, data, models) = (&monitor, &data, &models);
    serve(move |request: MonitorRequest| async move {
        let answer = monitor.handle(data, models, &request).await?;
        // Metrics are for the hour being watched, not for a past one monitored again.
        if let (MonitorRequest::Batch(_), Answer::Monitored(report, _)) = (&request, &answer) {
            for line in emf_lines(report, detail) {
                println!("{line}");
            }
        }
        Ok::<_, monitor::MonitorError>(answer.output())
    })
    .await
}
