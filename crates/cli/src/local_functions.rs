//! The five functions of the state machines, run in-process on a local
//! store, as `absa-drift run`, `backfill`, `retrain` and `approve` use them:
//! what the Lambdas do, with the local store and notifier in place of S3
//! and SNS.

use std::io::{Read, Write};
use std::path::Path;

use alert::Alerter;
use asl::{Invoker, TaskFailure};
use extract::Extractor;
use monitor::Monitor;
use pipeline_events::{AlertInput, ExtractInput, RetrainJob, Severity, StepError};
use pipeline_store::{LocalDirStore, LocalNotifier};
use retrain::Retrainer;
use serde_json::Value;
use transform::Transformer;

use crate::publish_command::{ALIAS, MODEL};
use crate::run_command::RunError;

/// The store's own pseudonym key, made on first use when
/// `ABSA_PSEUDONYM_KEY` is not set (dot files are not objects of the store).
const KEY_FILE: &str = ".pseudonym-key";

/// The functions of the state machine, run in-process.
pub struct LocalFunctions<'a> {
    runtime: &'a tokio::runtime::Runtime,
    store: &'a LocalDirStore,
    pub extractor: Extractor,
    pub transformer: Transformer,
    pub monitor: Monitor,
    alerter: Alerter,
    notifier: LocalNotifier,
    retrainer: Retrainer<LocalTrainer>,
}

/// Training needs XGBoost's C++, which only the `train` feature links.
#[cfg(feature = "train")]
type LocalTrainer = absa_train::RecipeTrainer;
#[cfg(feature = "train")]
const LOCAL_TRAINER: LocalTrainer = absa_train::RecipeTrainer;
#[cfg(not(feature = "train"))]
type LocalTrainer = retrain::Untrained;
#[cfg(not(feature = "train"))]
const LOCAL_TRAINER: LocalTrainer = retrain::Untrained(
    "this absa-drift was built without training: build it with `make build-train` \
     (cargo build --release --features train) to train challengers locally",
);

impl<'a> LocalFunctions<'a> {
    /// The functions as deployed, on `store`: its pseudonym key (or
    /// `ABSA_PSEUDONYM_KEY`), `ABSA_MAX_OBJECT_MB`, the production model,
    /// alerts to `<store>/alerts.jsonl`.
    pub fn new(runtime: &'a tokio::runtime::Runtime, store: &'a LocalDirStore) -> Result<Self, RunError> {
        let key = match std::env::var("ABSA_PSEUDONYM_KEY") {
            Ok(key) => key,
            Err(_) => store_key(store.root())?,
        };
        // As the Lambda: the largest input file, in MB.
        let max_mb = pipeline_store::env_number("ABSA_MAX_OBJECT_MB", extract::MAX_OBJECT_MB)
            .map_err(|message| RunError::File { path: "ABSA_MAX_OBJECT_MB".into(), message })?;
        Ok(LocalFunctions {
            runtime,
            store,
            extractor: Extractor::new(key.as_bytes())
                .map_err(|e| RunError::File { path: "ABSA_PSEUDONYM_KEY".into(), message: e.to_string() })?
                .with_max_object_mb(max_mb),
            transformer: Transformer::new(MODEL, ALIAS),
            monitor: Monitor::default(),
            alerter: Alerter {
                model: MODEL.into(),
                // As deployed: warnings are in the reports, history and metrics;
                // only alarms notify.
                min_severity: Severity::Alarm,
                cooldown_hours: 6,
                report_location: format!("{}/", store.root().display()),
            },
            notifier: LocalNotifier { path: store.root().join("alerts.jsonl") },
            retrainer: Retrainer::from_env(MODEL, LOCAL_TRAINER)
                .map_err(|message| RunError::File { path: "environment".into(), message })?,
        })
    }
}

fn failure(error: &str, e: impl std::fmt::Display) -> TaskFailure {
    TaskFailure { error: error.to_owned(), cause: e.to_string() }
}

/// A function's own error, as Step Functions reports one from Lambda: the
/// error type as `Error`, the function's error object as `Cause`.
fn function_error(e: impl StepError) -> TaskFailure {
    let cause = serde_json::json!({ "errorType": e.error_type(), "errorMessage": e.to_string() });
    TaskFailure { error: e.error_type().to_owned(), cause: cause.to_string() }
}

fn payload<T: serde::de::DeserializeOwned>(input: Value) -> Result<T, TaskFailure> {
    serde_json::from_value(input)
        .map_err(|e| failure("States.Runtime", format!("the input does not fit the function: {e}")))
}

fn result(value: impl serde::Serialize) -> Result<Value, TaskFailure> {
    Ok(serde_json::to_value(value).expect("serialisable"))
}

impl Invoker for LocalFunctions<'_> {
    fn invoke(&mut self, resource: &str, input: Value) -> Result<Value, TaskFailure> {
        let (rt, store) = (self.runtime, self.store);
        match resource {
            "${extract_function_arn}" => {
                let input: ExtractInput = payload(input)?;
                result(rt.block_on(self.extractor.run(store, &input)).map_err(function_error)?)
            }
            "${transform_function_arn}" => {
                let input = payload(input)?;
                result(rt.block_on(self.transformer.run(store, store, &input)).map_err(function_error)?)
            }
            "${monitor_function_arn}" => {
                let request = payload(input)?;
                Ok(rt.block_on(self.monitor.handle(store, store, &request)).map_err(function_error)?.output())
            }
            "${alert_function_arn}" => {
                let input: AlertInput = payload(input)?;
                result(rt.block_on(self.alerter.run(store, &self.notifier, &input)).map_err(function_error)?)
            }
            "${retrain_function_arn}" => {
                let job: RetrainJob = payload(input)?;
                let output = rt.block_on(self.retrainer.handle(store, store, &job)).map_err(function_error)?;
                #[cfg(feature = "train")]
                crate::mlflow_mirror::mirror(rt, store, &job, &output);
                Ok(output)
            }
            other => Err(failure("States.Runtime", format!("no local function for resource '{other}'"))),
        }
    }
}

/// The pseudonym key of a local store: `<store>/.pseudonym-key`, 32 random
/// bytes (hex) made on first use, readable by the owner only and never
/// printed. A fixed, public key would let anyone reverse the pseudonyms of
/// known user ids.
fn store_key(store: &Path) -> Result<String, RunError> {
    let path = store.join(KEY_FILE);
    let file_error = |e: std::io::Error| RunError::File { path: path.clone(), message: e.to_string() };
    match std::fs::read_to_string(&path) {
        Ok(key) => return Ok(key.trim().to_owned()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(file_error(e)),
        Err(_) => {}
    }
    let mut random = [0u8; 32];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut random)).map_err(file_error)?;
    let key: String = random.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(store).map_err(file_error)?;
    // Written whole to a temporary file, then linked into place: a second
    // run at the same moment sees no key or a whole one, never half of one.
    let tmp = store.join(format!("{KEY_FILE}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&tmp).and_then(|mut f| f.write_all(key.as_bytes()).and_then(|()| f.sync_all())).map_err(file_error)?;
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        // Another run made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return store_key(store),
        Err(e) => return Err(file_error(e)),
    }
    println!(
        "made a pseudonym key for {} in {} (owner-only; set ABSA_PSEUDONYM_KEY to use your own)",
        store.display(),
        path.display()
    );
    Ok(key)
}
