//! The notification port, and its local adapter: a file and stdout.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{target}: {message}")]
    Failed { target: String, message: String },
}

pub trait Notifier: Send + Sync {
    /// Publishes one message; returns its id.
    fn publish(&self, subject: &str, body: &str) -> impl Future<Output = Result<String, NotifyError>> + Send;
}

/// Prints each message's subject and appends the message to a JSON Lines
/// file.
pub struct LocalNotifier {
    pub path: PathBuf,
}

impl Notifier for LocalNotifier {
    async fn publish(&self, subject: &str, body: &str) -> Result<String, NotifyError> {
        let failed =
            |e: std::io::Error| NotifyError::Failed { target: self.path.display().to_string(), message: e.to_string() };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(failed)?;
        let lines = std::fs::read_to_string(&self.path).map_or(0, |t| t.lines().count());
        let id = format!("local-{}", lines + 1);
        let record = serde_json::json!({ "message_id": id, "subject": subject, "message": body });
        // One write per message: concurrent runs append whole lines.
        file.write_all(format!("{record}\n").as_bytes()).map_err(failed)?;
        println!("ALERT {subject}");
        Ok(id)
    }
}
