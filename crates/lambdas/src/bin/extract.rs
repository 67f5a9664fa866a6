//! The extract Lambda: configuration from the environment, one S3 client
//! per container, the logic in the `extract` library.
//!
//! Environment: `ABSA_DATA_BUCKET` (raw input and outputs),
//! `ABSA_PSEUDONYM_KEY` (HMAC key for user ids, at least 16 bytes).

use extract::Extractor;
use lambdas::{S3Store, serve};
use pipeline_events::ExtractInput;
use pipeline_store::required_env;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let extractor = Extractor::new(required_env("ABSA_PSEUDONYM_KEY")?.as_bytes())?;
    let store = S3Store::from_env(required_env("ABSA_DATA_BUCKET")?).await;
    let (extractor, store) = (&extractor, &store);
    serve(move |input: ExtractInput| async move { extractor.run(store, &input).await }).await
}
