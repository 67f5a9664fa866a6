//! What only the Lambda binaries need: the AWS adapters of the pipeline's
//! ports ([`S3Store`], [`SnsNotifier`]), the pseudonym key from SSM
//! ([`ssm`]) and [`serve`], the runtime loop all the binaries share. The
//! step libraries never see the AWS SDK.

mod s3;
mod sns;
pub mod ssm;

use std::future::Future;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use pipeline_events::StepError;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use s3::S3Store;
pub use sns::SnsNotifier;

/// The SDK configuration from the environment (region, credentials,
/// endpoint), loaded once per process and shared by its clients: each load
/// builds an HTTPS client and reads the system's root certificates, the
/// bulk of a cold start.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_from_env().await
}

/// Serves `handler` on the Lambda runtime API. A step's error reaches Step
/// Functions as `{errorType, errorMessage}` with the error's
/// [`StepError::error_type`], the name the state machine's `Catch` matches.
pub async fn serve<I, O, E, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    I: DeserializeOwned + Send,
    O: Serialize,
    E: StepError,
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<I>| async move {
        // Boxed: a step's future nested in the runtime's own is too deep a
        // type for rustc's layout computation.
        Box::pin(handler(event.payload))
            .await
            .map_err(|e| Diagnostic { error_type: e.error_type().into(), error_message: e.to_string() })
    }))
    .await
}
