//! The extract Lambda: configuration from the environment, one S3 client
//! per container, the logic in the `extract` library.
//!
//! Environment: `ABSA_DATA_BUCKET` (raw input and outputs),
//! `ABSA_PSEUDONYM_KEY_PARAMETER` (the SSM SecureString holding the HMAC
//! key for user ids and @mentions, at least 16 bytes), `ABSA_MAX_OBJECT_MB`
//! (the largest input file; Terraform sets an eighth of the memory).

use extract::Extractor;
use lambdas::{S3Store, serve};
use pipeline_events::ExtractInput;
use pipeline_store::{env_number, required_env};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let parameter = required_env("ABSA_PSEUDONYM_KEY_PARAMETER")?;
    let aws = lambdas::aws_config().await;
    let key = lambdas::ssm::secure_parameter(&aws_sdk_ssm::Client::new(&aws), &parameter).await?;
    let max_mb = env_number("ABSA_MAX_OBJECT_MB", extract::MAX_OBJECT_MB)?;
    let extractor = Extractor::new(key.as_bytes())?.with_max_object_mb(max_mb);
    let store = S3Store::from_config(&aws, required_env("ABSA_DATA_BUCKET")?);
    let (extractor, store) = (&extractor, &store);
    serve(move |input: ExtractInput| async move { extractor.run(store, &input).await }).await
}
