//! The retraining branch run locally: `absa-drift retrain` starts it on
//! demand, and an execution that reaches the approval task pauses (as a
//! Step Functions execution waits for its task token) until `absa-drift
//! approve` or `reject` answers the token the alert carried. Paused
//! executions are kept in `<store>/.waiting/` (dot files are not objects
//! of the store), with the document they run.

use std::path::{Path, PathBuf};

use asl::{Outcome, Suspension, TaskFailure, execute, resume};
use clap::Args;
use pipeline_events::{Approval, REJECTED, RetrainRequest};
use pipeline_store::LocalDirStore;
use serde_json::{Value, json};

use crate::local_functions::LocalFunctions;
use crate::run_command::{RunError, read_state_machine};

const WAITING_DIR: &str = ".waiting";

#[derive(Args, Debug)]
pub struct RetrainArgs {
    /// The local store the pipeline ran on (`absa-drift run --store`).
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    /// Why, for the record.
    #[arg(long, default_value = "on demand")]
    reason: String,
    #[arg(long, value_name = "FILE", default_value = "statemachine/absa_drift_pipeline.asl.json")]
    state_machine: PathBuf,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    /// The token the approval request carried.
    #[arg(long)]
    token: String,
    /// Who approves, for the record.
    #[arg(long, default_value_t = default_person())]
    by: String,
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Args, Debug)]
pub struct RejectArgs {
    #[arg(long, value_name = "DIR", default_value = ".absa-drift")]
    store: PathBuf,
    #[arg(long)]
    token: String,
    /// Why the challenger is rejected.
    #[arg(long)]
    why: String,
}

fn default_person() -> String {
    std::env::var("USER").unwrap_or_else(|_| "someone".into())
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Workflow(#[from] asl::WorkflowError),
    #[error("no execution in {store} waits for token '{token}' (answered already, or another store)")]
    NoSuchToken { store: PathBuf, token: String },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("the retraining branch failed: {error}: {cause}")]
    Failed { error: String, cause: String },
}

/// `absa-drift retrain`: the pipeline document from its retrain entry.
pub fn retrain(args: &RetrainArgs) -> Result<(), ApprovalError> {
    let doc = read_state_machine(&args.state_machine)?;
    let (runtime, store) = open(&args.store)?;
    crate::run_command::upload_training_data_if_missing(&runtime, &store)?;
    let mut functions = LocalFunctions::new(&runtime, &store)?;
    let request = RetrainRequest { reason: args.reason.clone(), batch_id: None };
    let execution = format!("retrain-{}-{}", std::process::id(), pipeline_events::time::unix_now());
    let outcome = execute(&doc, json!({ "retrain": request }), &execution, &mut functions, &mut Vec::new())?;
    report(&args.store, &args.state_machine, outcome)
}

pub fn approve(args: &ApproveArgs) -> Result<(), ApprovalError> {
    let approval = Approval { approved_by: args.by.clone(), note: args.note.clone() };
    answer(&args.store, &args.token, Ok(serde_json::to_value(approval).expect("serialisable")))
}

pub fn reject(args: &RejectArgs) -> Result<(), ApprovalError> {
    answer(&args.store, &args.token, Err(TaskFailure { error: REJECTED.into(), cause: args.why.clone() }))
}

/// Resumes the execution waiting for `token`: with `answer`, or with
/// `States.Timeout` when its task's timeout has passed.
fn answer(store_dir: &Path, token: &str, answer: Result<Value, TaskFailure>) -> Result<(), ApprovalError> {
    let path = waiting_file(store_dir, token);
    let kept: Value = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ApprovalError::File { path: path.clone(), message: e.to_string() })?,
        Err(_) => return Err(ApprovalError::NoSuchToken { store: store_dir.to_owned(), token: token.to_owned() }),
    };
    let bad = |message: &str| ApprovalError::File { path: path.clone(), message: message.to_owned() };
    let paused = Suspension::from_json(&kept["suspension"]).ok_or_else(|| bad("not a paused execution"))?;
    let doc_path = PathBuf::from(kept["state_machine"].as_str().ok_or_else(|| bad("no state machine"))?);
    let doc = read_state_machine(&doc_path)?;
    let waited = pipeline_events::time::unix_now() - kept["paused_at"].as_i64().unwrap_or(0);
    let answer = match paused.timeout_seconds {
        Some(limit) if waited > limit as i64 => {
            println!("the approval timed out ({waited} s waited, {limit} s allowed)");
            Err(TaskFailure { error: "States.Timeout".into(), cause: "no answer within the task's timeout".into() })
        }
        _ => answer,
    };
    let (runtime, store) = open(store_dir)?;
    let mut functions = LocalFunctions::new(&runtime, &store)?;
    let outcome = resume(&doc, &paused, answer, &mut functions, &mut Vec::new())?;
    std::fs::remove_file(&path).map_err(|e| ApprovalError::File { path: path.clone(), message: e.to_string() })?;
    report(store_dir, &doc_path, outcome)
}

fn open(store_dir: &Path) -> Result<(tokio::runtime::Runtime, LocalDirStore), ApprovalError> {
    if !store_dir.is_dir() {
        let message = "no store here: run the pipeline on it first".to_owned();
        return Err(RunError::File { path: store_dir.to_owned(), message }.into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    Ok((runtime, LocalDirStore::new(store_dir)))
}

/// Says how the retraining branch ended, or keeps a paused execution.
fn report(store_dir: &Path, doc_path: &Path, outcome: Outcome) -> Result<(), ApprovalError> {
    match outcome {
        Outcome::Succeeded(out) => {
            println!("{}", ended(&out));
            Ok(())
        }
        Outcome::Waiting(paused) => {
            keep_waiting(store_dir, doc_path, &paused)?;
            println!("{}", waiting_line(&paused));
            Ok(())
        }
        Outcome::Failed(f) => {
            Err(ApprovalError::Failed { error: f.error, cause: crate::printable(&alert::readable_cause(&f.cause)) })
        }
    }
}

/// One line on how a retraining branch ended, from the execution's output.
pub fn ended(out: &Value) -> String {
    if let Some(p) = out.get("promotion") {
        return format!(
            "production is now {} version {} (was {})",
            p["model"].as_str().unwrap_or("?"),
            p["version"],
            p["previous_version"]
        );
    }
    if let Some(r) = out.get("retrain_result") {
        return format!("{} (challenger version {})", r["message"].as_str().unwrap_or("?"), r["version"]);
    }
    match out.get("training") {
        Some(t) => format!("no retrain: {}", t["reason"].as_str().unwrap_or("?")),
        None => "the retraining branch did not run".into(),
    }
}

/// Keeps a paused execution until its token is answered.
pub fn keep_waiting(store_dir: &Path, doc_path: &Path, paused: &Suspension) -> Result<(), ApprovalError> {
    let path = waiting_file(store_dir, &paused.token);
    let kept = json!({
        "suspension": paused.to_json(),
        "state_machine": doc_path.canonicalize().unwrap_or_else(|_| doc_path.to_owned()),
        "paused_at": pipeline_events::time::unix_now(),
    });
    let write = |p: &Path| {
        std::fs::create_dir_all(p.parent().expect("in a directory"))?;
        std::fs::write(p, serde_json::to_vec_pretty(&kept).expect("serialisable"))
    };
    write(&path).map_err(|e| ApprovalError::File { path, message: e.to_string() })
}

pub fn waiting_line(paused: &Suspension) -> String {
    format!(
        "a challenger awaits approval (see the alert): absa-drift approve --token '{}' (or reject --token … --why …)",
        paused.token
    )
}

fn waiting_file(store_dir: &Path, token: &str) -> PathBuf {
    let name: String = token.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    store_dir.join(WAITING_DIR).join(format!("{name}.json"))
}
