//! The extract Lambda: configuration from the environment, one S3 client
//! per container, the logic in the library.
//!
//! Environment: `ABSA_DATA_BUCKET` (raw input and outputs),
//! `ABSA_PSEUDONYM_KEY` (HMAC key for user ids, at least 16 bytes).

use extract::{ExtractInput, Extractor};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use pipeline_store::{S3Store, required_env};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let extractor = Extractor::new(required_env("ABSA_PSEUDONYM_KEY")?.as_bytes())?;
    let store = S3Store::from_env(required_env("ABSA_DATA_BUCKET")?).await;
    let (extractor, store) = (&extractor, &store);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ExtractInput>| async move {
        extractor
            .run(store, &event.payload)
            .await
            .map_err(|e| Diagnostic { error_type: e.error_type().into(), error_message: e.to_string() })
    }))
    .await
}
