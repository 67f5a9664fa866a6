//! The transform Lambda. The model is loaded on the first batch and kept
//! for the container's life (reloaded only when the alias moves).
//!
//! Environment: `ABSA_DATA_BUCKET`, `ABSA_MODEL_BUCKET` (the registry;
//! default: the data bucket), `ABSA_MODEL_NAME` (default `absa-sentiment`),
//! `ABSA_MODEL_ALIAS` (default `production`).

use lambdas::{S3Store, serve};
use pipeline_events::ExtractOutput;
use pipeline_store::{env_or, required_env};
use transform::Transformer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let data_bucket = required_env("ABSA_DATA_BUCKET")?;
    let model_bucket = env_or("ABSA_MODEL_BUCKET", &data_bucket);
    let transformer =
        Transformer::new(env_or("ABSA_MODEL_NAME", "absa-sentiment"), env_or("ABSA_MODEL_ALIAS", "production"));
    let aws = lambdas::aws_config().await;
    let (data, models) = (S3Store::from_config(&aws, data_bucket), S3Store::from_config(&aws, model_bucket));
    let (transformer, data, models) = (&transformer, &data, &models);
    serve(move |input: ExtractOutput| async move { transformer.run(data, models, &input).await }).await
}
