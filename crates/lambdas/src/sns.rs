//! The notifier on an SNS topic.

use pipeline_store::{Notifier, NotifyError};

pub struct SnsNotifier {
    pub client: aws_sdk_sns::Client,
    pub topic_arn: String,
}

impl SnsNotifier {
    /// A client on the process's shared configuration ([`crate::aws_config`]).
    pub fn from_config(config: &aws_config::SdkConfig, topic_arn: impl Into<String>) -> Self {
        SnsNotifier { client: aws_sdk_sns::Client::new(config), topic_arn: topic_arn.into() }
    }
}

impl Notifier for SnsNotifier {
    async fn publish(&self, subject: &str, body: &str) -> Result<String, NotifyError> {
        let out =
            self.client.publish().topic_arn(&self.topic_arn).subject(subject).message(body).send().await.map_err(
                |e| NotifyError::Failed {
                    target: self.topic_arn.clone(),
                    message: format!("SNS: {}", aws_sdk_sns::error::DisplayErrorContext(&e)),
                },
            )?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
