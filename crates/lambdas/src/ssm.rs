//! Secrets from SSM Parameter Store. The pseudonym key is a SecureString,
//! read and decrypted once per container: never in an environment
//! variable, never in Terraform's state.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::SdkError;

/// The decrypted value of the SecureString `name`.
pub async fn secure_parameter(client: &Client, name: &str) -> Result<String, String> {
    let response = client.get_parameter().name(name).with_decryption(true).send().await;
    match response {
        Ok(out) => out
            .parameter()
            .and_then(|p| p.value())
            .map(str::to_owned)
            .ok_or_else(|| format!("SSM parameter {name} has no value")),
        Err(SdkError::ServiceError(e)) if e.err().is_parameter_not_found() => {
            Err(format!("SSM parameter {name} does not exist: create it once as a SecureString (docs/deploying.md)"))
        }
        Err(e) => Err(format!("SSM parameter {name}: {}", aws_sdk_ssm::error::DisplayErrorContext(e))),
    }
}
