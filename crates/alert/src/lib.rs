//! Pipeline step 4, **alert**: turns monitor's verdict, or a failure the
//! workflow caught, into at most one notification.
//!
//! - **Dedup**: one message per batch (or per run, for failures). Before
//!   publishing, an execution claims `alerts/sent/<id>.json` with a
//!   conditional write; the claim is a lease of [`LEASE_SECONDS`] held by
//!   the execution (`run_id`), marked `sent` after publishing. Another
//!   execution that finds the claim sends nothing: not when it is `sent`,
//!   not while the lease runs. A retry of the owner, or anyone after the
//!   lease expired (a crash between claim and publish), takes it over with
//!   a compare-and-swap, so a crashed alert is sent late, never lost.
//! - **Cooldown**, per stream: after an alert, the same or a lower severity
//!   of the same stream is not repeated for `cooldown_hours` of batch time;
//!   a higher one is sent at once. `alerts/state/<model>/<stream>.json`
//!   keeps the stream's recent alerts by batch hour; it only grows
//!   (compare-and-swap), and a batch is judged by the last alert at or
//!   before its own hour. So overlapping executions of the same hours, each
//!   going forward in time, decide exactly as one sequential run does.
//! - Below `min_severity` nothing is sent.

use pipeline_events::{
    AlertInput, AlertOutput, ApprovalRequest, Failure, REJECTED, Severity, StepError, Verdict, keys, time,
};
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

/// How long a claimed, unsent alert is left to its owner: far longer than
/// the alert task's timeout (60 s) and its retries.
pub const LEASE_SECONDS: i64 = 900;

/// How far back the cooldown state remembers alerts, in hours of batch time.
const HISTORY_HOURS: i64 = 24 * 30;

/// `alerts/sent/<id>.json`: the dedup claim of one message.
#[derive(Debug, Serialize, Deserialize)]
struct Claim {
    status: ClaimStatus,
    #[serde(default)]
    message_id: Option<String>,
    /// The execution that claimed it.
    #[serde(default)]
    owner: Option<String>,
    /// Unix seconds after which another execution may take a pending claim over.
    #[serde(default)]
    lease_until: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ClaimStatus {
    /// Claimed before publishing; left so by a crash between the two.
    Pending,
    Sent,
}

/// `alerts/state/<model>/<stream>.json`: the stream's alerts of the last [`HISTORY_HOURS`].
#[derive(Debug, Default, Serialize, Deserialize)]
struct CooldownState {
    /// Absent in the single-alert state of earlier versions, which reads as
    /// no history.
    #[serde(default)]
    alerts: Vec<SentAlert>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SentAlert {
    severity: Severity,
    /// The batch's hour, hours since 1970.
    hour: i64,
    batch_id: String,
}

/// What the cooldown says about one verdict.
enum Cooldown {
    Send,
    Suppressed(String),
}

impl CooldownState {
    /// Judged by the last alert at or before the batch's hour: a faster
    /// concurrent run may already have recorded later ones.
    fn judge(&self, v: &Verdict, hour: i64, cooldown_hours: i64) -> Cooldown {
        let last = self.alerts.iter().filter(|a| a.hour <= hour).max_by_key(|a| a.hour);
        match last {
            Some(last) if hour - last.hour < cooldown_hours && v.severity <= last.severity => {
                Cooldown::Suppressed(format!(
                    "cooldown: {:?} was sent for batch {} {} h before",
                    last.severity,
                    last.batch_id,
                    hour - last.hour
                ))
            }
            _ => Cooldown::Send,
        }
    }

    fn with(mut self, alert: SentAlert) -> Self {
        self.alerts.push(alert);
        self.alerts.sort_by_key(|a| a.hour);
        let newest = self.alerts.last().map_or(0, |a| a.hour);
        self.alerts.retain(|a| newest - a.hour < HISTORY_HOURS);
        self
    }
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
        // Executions are named. A hand-made input without a name gets a
        // name of its own, so that no other call counts as its owner.
        static UNNAMED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let unnamed = || {
            let n = UNNAMED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("unnamed-{}-{}-{n}", std::process::id(), time::unix_now())
        };
        let owner = input.run_id.clone().unwrap_or_else(unnamed);
        let owner = owner.as_str();
        match (&input.verdict, &input.failure, &input.approval) {
            (Some(v), None, None) => self.verdict(store, notifier, v, owner).await,
            (None, None, Some(a)) => {
                let c = &a.evaluation.challenger;
                let id = format!("approval-{}-{}", sanitize(&c.model), c.version);
                let (subject, body) = approval_message(a);
                self.send_once(store, notifier, &id, owner, subject, body).await
            }
            (None, Some(f), None) => {
                let id = input.run_id.clone().unwrap_or_else(|| format!("{}-{}", f.failed_step, f.error));
                let (subject, body) = failure_message(f, input.run_id.as_deref());
                self.send_once(store, notifier, &format!("failure-{}", sanitize(&id)), owner, subject, body).await
            }
            _ => Err(AlertError::BadInput),
        }
    }

    async fn verdict<S: ObjectStore, N: Notifier>(
        &self,
        store: &S,
        notifier: &N,
        v: &Verdict,
        owner: &str,
    ) -> Result<AlertOutput, AlertError> {
        if v.severity < self.min_severity {
            return Ok(skipped(format!("severity {:?} is below {:?}", v.severity, self.min_severity)));
        }
        let hour = v.batch_hour().map_or(0, |h| h.hours_since_epoch());
        if let Cooldown::Suppressed(reason) = self.record(store, v, hour).await? {
            return Ok(skipped(reason));
        }
        let report = self.report_location.clone() + &v.report_key;
        let (subject, body) = verdict_message(v, &report, &self.report_location);
        self.send_once(store, notifier, &format!("batch-{}", sanitize(&v.batch_id)), owner, subject, body).await
    }

    /// Judges the verdict against the cooldown state and, if it is to be
    /// sent, records it there first (compare-and-swap, judged again when
    /// another run wrote in between), so that a concurrent run of a later
    /// hour sees it.
    async fn record<S: ObjectStore>(&self, store: &S, v: &Verdict, hour: i64) -> Result<Cooldown, AlertError> {
        let key = keys::alert_cooldown(&sanitize(&self.model), &sanitize(&v.stream));
        let state_error = |e: serde_json::Error| AlertError::State { key: key.clone(), message: e.to_string() };
        loop {
            let (state, version) = match store.get_versioned(&key).await {
                Ok((bytes, version)) => (serde_json::from_slice(&bytes).map_err(state_error)?, Some(version)),
                Err(StoreError::NotFound { .. }) => (CooldownState::default(), None),
                Err(e) => return Err(e.into()),
            };
            // Recorded by another run, which may not have sent it yet: the claim decides.
            if state.alerts.iter().any(|a| a.batch_id == v.batch_id) {
                return Ok(Cooldown::Send);
            }
            if let Cooldown::Suppressed(reason) = state.judge(v, hour, self.cooldown_hours) {
                return Ok(Cooldown::Suppressed(reason));
            }
            let alert = SentAlert { severity: v.severity, hour, batch_id: v.batch_id.clone() };
            let bytes = serde_json::to_vec(&state.with(alert)).expect("serialisable");
            let written = match version {
                Some(version) => store.put_if_version(&key, bytes, &version).await?,
                None => store.put_if_absent(&key, bytes).await?,
            };
            if written {
                return Ok(Cooldown::Send);
            }
        }
    }

    async fn send_once<S: ObjectStore, N: Notifier>(
        &self,
        store: &S,
        notifier: &N,
        id: &str,
        owner: &str,
        subject: String,
        body: String,
    ) -> Result<AlertOutput, AlertError> {
        let key = keys::alert_claim(id);
        let now = time::unix_now();
        let claim = |status, message_id| Claim {
            status,
            message_id,
            owner: Some(owner.to_owned()),
            lease_until: now + LEASE_SECONDS,
        };
        let pending = serde_json::to_vec(&claim(ClaimStatus::Pending, None)).expect("serialisable");
        if !store.put_if_absent(&key, pending.clone()).await? {
            let (bytes, version) = store.get_versioned(&key).await?;
            let found: Claim = serde_json::from_slice(&bytes)
                .map_err(|e| AlertError::State { key: key.clone(), message: e.to_string() })?;
            let mine = found.owner.as_deref() == Some(owner);
            match found.status {
                ClaimStatus::Sent => {
                    return Ok(skipped(format!(
                        "already sent for {id} (message {})",
                        found.message_id.unwrap_or_default()
                    )));
                }
                ClaimStatus::Pending if !mine && found.lease_until > now => {
                    return Ok(skipped(format!(
                        "{id} is being sent by {} (claimed for another {} s)",
                        found.owner.unwrap_or_default(),
                        found.lease_until - now
                    )));
                }
                ClaimStatus::Pending => {
                    if !store.put_if_version(&key, pending, &version).await? {
                        return Ok(skipped(format!("{id} was taken over by another execution")));
                    }
                }
            }
        }
        let message_id = notifier.publish(&subject, &body).await?;
        let sent = serde_json::to_vec(&claim(ClaimStatus::Sent, Some(message_id.clone()))).expect("serialisable");
        store.put(&key, sent).await?;
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
        "Severity: {level}\nBatch: {} ({} {}:00 UTC), {} rows\nShare of drifted columns: {:.2}\n\nDrifted:\n",
        v.batch_id, v.dt, v.hour, v.rows, v.share_of_drifted_columns
    );
    for c in v.drifted_columns.iter().take(10) {
        body.push_str(&format!("  - {c}\n"));
    }
    if v.drifted_columns.len() > 10 {
        body.push_str(&format!("  … and {} more\n", v.drifted_columns.len() - 10));
    }
    if !v.untested.is_empty() {
        body.push_str(&format!("\nNot tested, too few rows: {}\n", v.untested.join(", ")));
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

/// The approval request: the comparison, and the two answers a person can
/// give (in AWS with the AWS CLI, locally with `absa-drift`).
pub fn approval_message(a: &ApprovalRequest) -> (String, String) {
    let (e, c) = (&a.evaluation, &a.evaluation.challenger);
    let subject = subject_line(&format!("[absa-drift] approve {} version {} for production?", c.model, c.version));
    let mut body = format!(
        "A challenger was trained on {} labels that came back ({} held out to judge it).\n{}\n\n\
         test                         challenger  production  rows\n",
        c.trained_labels, c.held_out_labels, e.summary
    );
    for (test, s) in &e.scores {
        body.push_str(&format!("{test:<28} {:>10.3}  {:>10.3}  {:>4}\n", s.challenger, s.champion, s.rows));
    }
    body.push_str(&format!(
        "\nApprove (in AWS):\n  aws stepfunctions send-task-success --task-token '{token}' \\\n    \
         --task-output '{{\"approved_by\":\"<you>\"}}'\n\
         Reject:\n  aws stepfunctions send-task-failure --task-token '{token}' --error {REJECTED} --cause '<why>'\n\
         Locally: absa-drift approve --token '{token}' (or absa-drift reject --token … --why …)\n",
        token = a.token
    ));
    (subject, body)
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
