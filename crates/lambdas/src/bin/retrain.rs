//! The retrain Lambda: the retraining branch's train, evaluate and promote
//! jobs (`RetrainJob`). It trains challengers only when built with the
//! `xgboost` feature (XGBoost's C++); without it, the train job counts the
//! labels and fails clearly when a retrain is due (docs/retraining.md).
//!
//! Environment: `ABSA_DATA_BUCKET` (labels, clean partitions, training
//! data), `ABSA_MODEL_BUCKET` (the registry; default: the data bucket),
//! `ABSA_MODEL_NAME` (default `absa-sentiment`), and the thresholds of
//! `Retrainer::from_env`: `ABSA_RETRAIN_MIN_LABELS`,
//! `ABSA_PROMOTION_MARGIN`, `ABSA_PROMOTION_TOLERANCE`, `ABSA_AUTO_PROMOTE`.

use lambdas::{S3Store, serve};
use pipeline_events::RetrainJob;
use pipeline_store::{env_or, required_env};
use retrain::Retrainer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let data_bucket = required_env("ABSA_DATA_BUCKET")?;
    let model_bucket = env_or("ABSA_MODEL_BUCKET", &data_bucket);
    #[cfg(feature = "xgboost")]
    let trainer = absa_train::RecipeTrainer;
    #[cfg(not(feature = "xgboost"))]
    let trainer = retrain::Untrained(
        "this retrain function was built without XGBoost: build it with the `xgboost` feature \
         (a container image; docs/retraining.md)",
    );
    let retrainer = Retrainer::from_env(&env_or("ABSA_MODEL_NAME", "absa-sentiment"), trainer)?;
    let aws = lambdas::aws_config().await;
    let (data, models) = (S3Store::from_config(&aws, data_bucket), S3Store::from_config(&aws, model_bucket));
    let (retrainer, data, models) = (&retrainer, &data, &models);
    serve(move |job: RetrainJob| async move { retrainer.handle(data, models, &job).await }).await
}
