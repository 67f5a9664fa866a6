//! Tracking and registration through MLflow's REST API (no Python): an
//! experiment, a run with params, metrics (the validation curve per round)
//! and artifacts, and a registered model version pointing at them, with
//! the aliases the pipeline's own registry moves (`production`, `challenger`).
//!
//! Artifacts go through the tracking server's artifact proxy
//! (`mlflow server`'s default `--serve-artifacts`), so the trainer needs no
//! access to the artifact store itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use ureq::Agent;

#[derive(Debug, thiserror::Error)]
pub enum MlflowError {
    #[error("MLflow at {uri}: {message}")]
    Http { uri: String, message: String },
    #[error("MLflow {endpoint}: HTTP {status}: {body}")]
    Api { endpoint: String, status: u16, body: String },
    #[error(
        "MLflow gave the run artifact URI '{0}', which this trainer cannot upload to: start the server with artifact proxying (mlflow server --serve-artifacts, the default)"
    )]
    ArtifactUri(String),
}

/// The tag of a registered MLflow version holding its version number in
/// the pipeline's own registry (which transform reads).
pub const REGISTRY_VERSION_TAG: &str = "registry_version";

pub struct Client {
    base: String,
    agent: Agent,
}

/// What MLflow recorded.
#[derive(Debug, Clone)]
pub struct Logged {
    pub experiment_id: String,
    pub run_id: String,
    pub model_version: String,
}

pub struct RunRecord<'a> {
    pub experiment: &'a str,
    pub run_name: &'a str,
    pub params: Vec<(String, String)>,
    /// (key, value, step)
    pub metrics: Vec<(String, f64, u32)>,
    /// (path under the run's artifacts, contents)
    pub artifacts: Vec<(String, &'a [u8])>,
    pub registered_model: &'a str,
    /// Tags of the registered version (the pipeline registry's version number).
    pub version_tags: Vec<(String, String)>,
    /// Aliases moved to the registered version (`production`, `challenger`).
    pub aliases: Vec<&'a str>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl Client {
    pub fn new(tracking_uri: &str) -> Self {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client { base: tracking_uri.trim_end_matches('/').to_owned(), agent }
    }

    /// Calls an endpoint; `Ok(Err(..))` carries MLflow's `error_code`.
    fn call(&self, method: &str, endpoint: &str, body: Option<Value>) -> Result<Result<Value, String>, MlflowError> {
        let url = format!("{}/api/2.0/mlflow/{endpoint}", self.base);
        let http = |e: ureq::Error| MlflowError::Http { uri: self.base.clone(), message: e.to_string() };
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call().map_err(http)?,
            (_, Some(body)) => self.agent.post(&url).send_json(body).map_err(http)?,
            (_, None) => self.agent.post(&url).send_empty().map_err(http)?,
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(http)?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status == 200 {
            return Ok(Ok(value));
        }
        match value.get("error_code").and_then(Value::as_str) {
            Some(code) if status < 500 => Ok(Err(code.to_owned())),
            _ => Err(MlflowError::Api { endpoint: endpoint.to_owned(), status, body: text }),
        }
    }

    fn expect(&self, method: &str, endpoint: &str, body: Option<Value>) -> Result<Value, MlflowError> {
        self.call(method, endpoint, body)?.map_err(|code| MlflowError::Api {
            endpoint: endpoint.to_owned(),
            status: 400,
            body: code,
        })
    }

    fn experiment_id(&self, name: &str) -> Result<String, MlflowError> {
        let query = format!("experiments/get-by-name?experiment_name={}", url_encode(name));
        let value = match self.call("GET", &query, None)? {
            Ok(found) => found["experiment"]["experiment_id"].clone(),
            Err(_) => {
                self.expect("POST", "experiments/create", Some(json!({ "name": name })))?["experiment_id"].clone()
            }
        };
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    fn upload(&self, artifact_uri: &str, path: &str, bytes: &[u8]) -> Result<(), MlflowError> {
        let relative = artifact_uri
            .strip_prefix("mlflow-artifacts:/")
            .ok_or_else(|| MlflowError::ArtifactUri(artifact_uri.into()))?;
        let url =
            format!("{}/api/2.0/mlflow-artifacts/artifacts/{}/{path}", self.base, relative.trim_start_matches('/'));
        let http = |e: ureq::Error| MlflowError::Http { uri: self.base.clone(), message: e.to_string() };
        let mut response = self.agent.put(&url).send(bytes).map_err(http)?;
        if response.status().as_u16() != 200 {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            return Err(MlflowError::Api {
                endpoint: format!("artifacts/{path}"),
                status: response.status().as_u16(),
                body,
            });
        }
        Ok(())
    }

    /// Logs a finished training run and registers its model as a new version.
    pub fn log_run(&self, record: &RunRecord) -> Result<Logged, MlflowError> {
        let experiment_id = self.experiment_id(record.experiment)?;
        let run = self.expect(
            "POST",
            "runs/create",
            Some(json!({
                "experiment_id": experiment_id,
                "run_name": record.run_name,
                "start_time": now_ms(),
                "tags": [{ "key": "mlflow.source.name", "value": "absa-drift train" }],
            })),
        )?;
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap_or_default().to_owned();
        let artifact_uri = run["run"]["info"]["artifact_uri"].as_str().unwrap_or_default().to_owned();

        let params: Vec<Value> = record.params.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();
        let timestamp = now_ms();
        let metrics: Vec<Value> = record
            .metrics
            .iter()
            .map(|(k, v, step)| json!({ "key": k, "value": v, "timestamp": timestamp, "step": step }))
            .collect();
        // log-batch takes at most 100 params and 1000 metrics per call.
        for chunk in params.chunks(100) {
            self.expect("POST", "runs/log-batch", Some(json!({ "run_id": run_id, "params": chunk })))?;
        }
        for chunk in metrics.chunks(1000) {
            self.expect("POST", "runs/log-batch", Some(json!({ "run_id": run_id, "metrics": chunk })))?;
        }
        for (path, bytes) in &record.artifacts {
            self.upload(&artifact_uri, path, bytes)?;
        }
        self.expect(
            "POST",
            "runs/update",
            Some(json!({ "run_id": run_id, "status": "FINISHED", "end_time": now_ms() })),
        )?;

        if let Err(code) =
            self.call("POST", "registered-models/create", Some(json!({ "name": record.registered_model })))?
            && code != "RESOURCE_ALREADY_EXISTS"
        {
            return Err(MlflowError::Api { endpoint: "registered-models/create".into(), status: 400, body: code });
        }
        let version = self.expect(
            "POST",
            "model-versions/create",
            Some(json!({
                "name": record.registered_model,
                "source": format!("{artifact_uri}/model"),
                "run_id": run_id,
                "tags": record.version_tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
            })),
        )?;
        let model_version = version["model_version"]["version"].as_str().unwrap_or_default().to_owned();
        for alias in &record.aliases {
            self.set_alias(record.registered_model, alias, &model_version)?;
        }
        Ok(Logged { experiment_id, run_id, model_version })
    }

    /// Points a registered model's alias at one of its versions.
    pub fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), MlflowError> {
        let body = json!({ "name": model, "alias": alias, "version": version });
        self.expect("POST", "registered-models/alias", Some(body)).map(|_| ())
    }

    /// The version an alias of `model` points at (with its tags), if any.
    pub fn version_by_alias(&self, model: &str, alias: &str) -> Result<Option<Value>, MlflowError> {
        let query = format!("registered-models/alias?name={}&alias={}", url_encode(model), url_encode(alias));
        Ok(self.call("GET", &query, None)?.ok().map(|found| found["model_version"].clone()))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
