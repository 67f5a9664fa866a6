//! Pipeline step 4, **alert**: turns monitor's verdict, or a failure the
//! workflow caught, into at most one notification.
//!
//! - **Dedup**: one message per batch (or per run, for failures). The claim
//!   `alerts/sent/<id>.json` is created with a conditional write before
//!   publishing and marked `sent` after, so a rerun or a retry of a
//!   delivered alert publishes nothing; a claim left `pending` by a crash
//!   is retried (at least once, never silently lost).
//! - **Cooldown**: after an alert, the same or a lower severity is not
//!   repeated for `cooldown_hours` of batch time; a higher one is sent at
//!   once. State: `alerts/state/<model>.json`.
//! - Below `min_severity` nothing is sent.

use pipeline_events::{AlertInput, AlertOutput, Failure, Severity, StepError, Verdict, keys};
use pipeline_store::{Notifier, NotifyError, ObjectStore, StoreError};
use serde::{Deserialize, Serialize};

/// SNS caps subjects at 100 characters.
pub const MAX_SUBJECT: usize = 99;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alert input must have exactly one of 'verdict' and 'failure'")]
    BadInput,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error("{key}: {message}")]
    State { key: String, message: String },
}

impl StepError for AlertError {
    fn error_type(&self) -> &'static str {
        "AlertError"
    }
}

/// `alerts/sent/<id>.json`: the dedup claim of one message.
#[derive(Debug, Serialize, Deserialize)]
struct Claim {
    status: ClaimStatus,
    #[serde(default)]
    message_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ClaimStatus {
    /// Claimed before publishing; left so by a crash between the two.
    Pending,
    Sent,
}

#[derive(Debug, Serialize, Deserialize)]
struct CooldownState {
    severity: Severity,
    /// Batch time of the last alert, hours since 1970.
    hour: i64,
    batch_id: String,
}

pub struct Alerter {
    pub model: String,
    pub min_severity: Severity,
    pub cooldown_hours: i64,
    /// Prefixed to report keys in messages, e.g. `s3://absa-data/`.
    pub report_location: String,
}

impl Alerter {
    pub async fn run<S: ObjectStore, N: Notifier>(
        &self,
        store: &S,
        notifier: &N,
        input: &AlertInput,
    ) -> Result<AlertOutput, AlertError> {
        match (&input.verdict, &input.failure) {
            (Some(v), None) => self.verdict(store, notifier, v).await,
            (None, Some(f)) => {
                let id = input.run_id.clone().unwrap_or_else(|| format!("{}-{}", f.failed_step, f.error));
                let (subject, body) = failure_message(f, input.run_id.as_deref());
                self.send_once(store, notifier, &format!("failure-{}", sanitize(&id)), subject, body).await
            }
            _ => Err(AlertError::BadInput),
        }
    }

    async fn verdict<S: ObjectStore, N: Notifier>(
        &self,
        store: &S,
        notifier: &N,
        v: &Verdict,
    ) -> Result<AlertOutput, AlertError> {
        if v.severity < self.min_severity {
            return Ok(skipped(format!("severity {:?} is below {:?}", v.severity, self.min_severity)));
        }
        let state_key = keys::alert_cooldown(&sanitize(&self.model));
        let hour = v.batch_hour().map_or(0, |h| h.hours_since_epoch());
        match store.get(&state_key).await {
            Ok(bytes) => {
                let last: CooldownState = serde_json::from_slice(&bytes)
                    .map_err(|e| AlertError::State { key: state_key.clone(), message: e.to_string() })?;
                let within = (0..self.cooldown_hours).contains(&(hour - last.hour));
                if within && v.severity <= last.severity && last.batch_id != v.batch_id {
                    return Ok(skipped(format!(
                        "cooldown: {:?} was sent for batch {} {} h ago",
                        last.severity,
                        last.batch_id,
                        hour - last.hour
                    )));
                }
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let report = self.report_location.clone() + &v.report_key;
        let (subject, body) = verdict_message(v, &report, &self.report_location);
        let out = self.send_once(store, notifier, &format!("batch-{}", sanitize(&v.batch_id)), subject, body).await?;
        if out.sent {
            let state = CooldownState { severity: v.severity, hour, batch_id: v.batch_id.clone() };
            store.put(&state_key, serde_json::to_vec(&state).expect("serialisable")).await?;
        }
        Ok(out)
    }

    async fn send_once<S: ObjectStore, N: Notifier>(
        &self,
        store: &S,
        notifier: &N,
        id: &str,
        subject: String,
        body: String,
    ) -> Result<AlertOutput, AlertError> {
        let key = keys::alert_claim(id);
        let pending =
            serde_json::to_vec(&Claim { status: ClaimStatus::Pending, message_id: None }).expect("serialisable");
        if !store.put_if_absent(&key, pending).await? {
            let claim: Claim = serde_json::from_slice(&store.get(&key).await?)
                .map_err(|e| AlertError::State { key: key.clone(), message: e.to_string() })?;
            if claim.status == ClaimStatus::Sent {
                return Ok(skipped(format!(
                    "already sent for {id} (message {})",
                    claim.message_id.unwrap_or_default()
                )));
            }
        }
        let message_id = notifier.publish(&subject, &body).await?;
        let sent = Claim { status: ClaimStatus::Sent, message_id: Some(message_id.clone()) };
        store.put(&key, serde_json::to_vec(&sent).expect("serialisable")).await?;
        Ok(AlertOutput {
            sent: true,
            reason: format!("sent for {id}"),
            subject: Some(subject),
            message_id: Some(message_id),
        })
    }
}

fn skipped(reason: String) -> AlertOutput {
    AlertOutput { sent: false, reason, subject: None, message_id: None }
}

/// Keys stay within one path segment of safe characters.
fn sanitize(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Cuts at a character boundary, marking the cut.
pub fn subject_line(s: &str) -> String {
    if s.chars().count() <= MAX_SUBJECT {
        return s.to_owned();
    }
    s.chars().take(MAX_SUBJECT - 1).collect::<String>() + "…"
}

pub fn verdict_message(v: &Verdict, report: &str, location: &str) -> (String, String) {
    let level = format!("{:?}", v.severity).to_uppercase();
    let subject = subject_line(&format!(
        "[absa-drift] {level}: {} drifted in the {} {}:00 batch",
        match v.drifted_columns.len() {
            1 => "1 feature".to_owned(),
            n => format!("{n} features"),
        },
        v.dt,
        v.hour
    ));
    let mut body = format!(
        "Severity: {level}\nBatch: {} ({} {}:00 UTC)\nShare of drifted columns: {:.2}\n\nDrifted:\n",
        v.batch_id, v.dt, v.hour, v.share_of_drifted_columns
    );
    for c in v.drifted_columns.iter().take(10) {
        body.push_str(&format!("  - {c}\n"));
    }
    if v.drifted_columns.len() > 10 {
        body.push_str(&format!("  … and {} more\n", v.drifted_columns.len() - 10));
    }
    body.push_str(&format!("\nReport: {report}\nHTML report: {location}{}\n", v.html_key));
    (subject, body)
}

/// The message inside a Lambda function error's `Cause`, which Step
/// Functions passes on as the JSON `{"errorType", "errorMessage"}`; any
/// other cause as it is.
pub fn readable_cause(cause: &str) -> String {
    #[derive(Deserialize)]
    struct LambdaError {
        #[serde(rename = "errorMessage")]
        error_message: String,
    }
    serde_json::from_str::<LambdaError>(cause).map_or_else(|_| cause.to_owned(), |e| e.error_message)
}

pub fn failure_message(f: &Failure, run_id: Option<&str>) -> (String, String) {
    let subject = subject_line(&format!("[absa-drift] pipeline FAILED at {}: {}", f.failed_step, f.error));
    let cause: String = readable_cause(&f.cause).chars().take(4000).collect();
    let body = format!(
        "The pipeline failed.\nStep: {}\nError: {}\nRun: {}\n\nCause:\n{cause}\n",
        f.failed_step,
        f.error,
        run_id.unwrap_or("(unknown)")
    );
    (subject, body)
}
