//! A small interpreter of the Amazon States Language subset the pipeline's
//! state machine uses, so one JSON document drives both the cloud and the
//! local run. Supported: `Task`, `Choice` (`Variable` + `StringEquals`,
//! `BooleanEquals` or `IsPresent`), `Pass`, `Succeed`, `Fail`, `Map`
//! (`ItemsPath`, `ItemSelector` with `$$.Map.Item.Value` / `Index`,
//! `ItemProcessor`, `ToleratedFailurePercentage`; items run one after the
//! other, so `MaxConcurrency` only matters in the cloud); `InputPath`,
//! `Parameters` (with `.$` keys and `$$.Execution.Name` / `$$.State.Name`),
//! `ResultSelector`, `ResultPath`, `OutputPath`, `Retry` and `Catch` with
//! Step Functions' semantics (retry waits are skipped locally); a Task on
//! `arn:aws:states:::lambda:invoke.waitForTaskToken` (its `FunctionName`
//! is invoked with its `Payload`, where `$$.Task.Token` is the token; the
//! execution then pauses as an [`Outcome::Waiting`] until [`resume`] brings
//! the token's result). Anything else is refused before the run starts,
//! with the state and field named. A path that is missing at run
//! time ends the run with an error naming state and path, where Step
//! Functions fails the execution with `States.Runtime`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// A task's failure, as Step Functions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    pub error: String,
    pub cause: String,
}

/// Runs a Task's `Resource` with its input.
pub trait Invoker {
    fn invoke(&mut self, resource: &str, input: Value) -> Result<Value, TaskFailure>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded(Value),
    Failed(TaskFailure),
    /// Paused at a callback task until its token's result comes.
    Waiting(Suspension),
}

/// The Task resource that pauses an execution until someone answers the
/// token the function was given (Step Functions' `SendTaskSuccess` or
/// `SendTaskFailure`).
pub const WAIT_FOR_TASK_TOKEN: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/// An execution paused at a callback task: what [`resume`] needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspension {
    pub token: String,
    pub execution: String,
    /// The callback task.
    pub state: String,
    /// The execution's data when the task started (the state's raw input).
    pub data: Value,
    /// The task's `TimeoutSeconds`: how long the token may stay unanswered.
    pub timeout_seconds: Option<u64>,
}

impl Suspension {
    /// As JSON, to keep until the answer comes.
    pub fn to_json(&self) -> Value {
        json!({
            "token": self.token, "execution": self.execution, "state": self.state,
            "data": self.data, "timeout_seconds": self.timeout_seconds,
        })
    }

    pub fn from_json(v: &Value) -> Option<Suspension> {
        Some(Suspension {
            token: v["token"].as_str()?.to_owned(),
            execution: v["execution"].as_str()?.to_owned(),
            state: v["state"].as_str()?.to_owned(),
            data: v["data"].clone(),
            timeout_seconds: v["timeout_seconds"].as_u64(),
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorkflowError {
    #[error("state machine: {0}")]
    Invalid(String),
    #[error("state '{state}': {field} is not supported by the local runner")]
    Unsupported { state: String, field: String },
    #[error("state '{state}': path '{path}': {reason}")]
    Path { state: String, path: String, reason: String },
    #[error("state '{state}': more than {MAX_EVENTS} states entered and task attempts: the document loops")]
    TooLong { state: String },
}

/// Step Functions ends an execution at 25 000 history events; a document
/// that loops (a `Next` back, a huge `MaxAttempts`) ends here too.
pub const MAX_EVENTS: usize = 25_000;

const STATE_FIELDS: &[&str] = &[
    "Type",
    "Comment",
    "Next",
    "End",
    "Resource",
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "TimeoutSeconds",
    "Retry",
    "Catch",
    "Choices",
    "Default",
    "Result",
    "Error",
    "Cause",
    "ErrorPath",
    "CausePath",
    "ItemsPath",
    "ItemSelector",
    "ItemProcessor",
    "MaxConcurrency",
    "ToleratedFailurePercentage",
    "Label",
];

/// A Map item's processor: its own states, run once per item.
const PROCESSOR_FIELDS: &[&str] = &["Comment", "ProcessorConfig", "StartAt", "States"];

/// Refuses documents that use what this interpreter does not implement.
pub fn validate(doc: &Value) -> Result<(), WorkflowError> {
    let states = doc["States"].as_object().ok_or_else(|| WorkflowError::Invalid("no States".into()))?;
    let start = doc["StartAt"].as_str().ok_or_else(|| WorkflowError::Invalid("no StartAt".into()))?;
    if !states.contains_key(start) {
        return Err(WorkflowError::Invalid(format!("StartAt '{start}' is not a state")));
    }
    for (name, s) in states {
        let unsupported = |field: &str| WorkflowError::Unsupported { state: name.clone(), field: field.to_owned() };
        let kind = s["Type"].as_str().unwrap_or_default();
        if !["Task", "Choice", "Pass", "Succeed", "Fail", "Map"].contains(&kind) {
            return Err(unsupported(&format!("Type '{kind}'")));
        }
        for field in s.as_object().into_iter().flat_map(|o| o.keys()) {
            if !STATE_FIELDS.contains(&field.as_str()) {
                return Err(unsupported(field));
            }
        }
        for c in s["Choices"].as_array().into_iter().flatten() {
            for field in c.as_object().into_iter().flat_map(|o| o.keys()) {
                if !["Variable", "StringEquals", "BooleanEquals", "IsPresent", "Next"].contains(&field.as_str()) {
                    return Err(unsupported(&format!("Choice rule {field}")));
                }
            }
        }
        if kind == "Map" {
            let processor = &s["ItemProcessor"];
            for field in processor.as_object().into_iter().flat_map(|o| o.keys()) {
                if !PROCESSOR_FIELDS.contains(&field.as_str()) {
                    return Err(unsupported(&format!("ItemProcessor.{field}")));
                }
            }
            validate(processor).map_err(|e| match e {
                WorkflowError::Invalid(why) => WorkflowError::Invalid(format!("state '{name}': ItemProcessor: {why}")),
                other => other,
            })?;
        }
        check_transitions(name, s, kind, states)?;
    }
    Ok(())
}

/// Every way out of a state leads to a state: `Next` or `End` for a Task
/// or a Pass, `Next` in every Choice rule and Catch, and `Default` if any.
fn check_transitions(name: &str, s: &Value, kind: &str, states: &Map<String, Value>) -> Result<(), WorkflowError> {
    let invalid = |why: String| Err(WorkflowError::Invalid(format!("state '{name}': {why}")));
    let target = |field: &str, v: &Value| match v.as_str() {
        Some(next) if states.contains_key(next) => Ok(()),
        Some(next) => invalid(format!("{field} leads to unknown state '{next}'")),
        None => invalid(format!("{field} is not a state name")),
    };
    match kind {
        "Task" | "Pass" | "Map" if s["End"] == true => {}
        "Task" | "Pass" | "Map" => target("Next", &s["Next"])?,
        "Choice" => {
            let rules = s["Choices"].as_array().filter(|r| !r.is_empty());
            let Some(rules) = rules else { return invalid("Choices must be a non-empty list".into()) };
            for rule in rules {
                target("a Choice rule's Next", &rule["Next"])?;
            }
            if let Some(default) = s.get("Default") {
                target("Default", default)?;
            }
        }
        _ => {}
    }
    for catcher in s["Catch"].as_array().into_iter().flatten() {
        target("a Catch's Next", &catcher["Next"])?;
    }
    Ok(())
}

struct Context<'a> {
    execution: &'a str,
    state: &'a str,
    /// In a Map's `ItemSelector`: the item's index and value.
    item: Option<(usize, &'a Value)>,
    /// In a callback task's `Parameters`: its token.
    token: Option<&'a str>,
}

/// `$`, `$.a.b`, `$$.Execution.Name`, `$$.State.Name`, `$$.Map.Item.Value`,
/// `$$.Map.Item.Index`, `$$.Task.Token`.
fn read(path: &str, input: &Value, ctx: &Context) -> Result<Value, String> {
    if let Some(rest) = path.strip_prefix("$$.") {
        return match (rest, ctx.item) {
            ("Execution.Name", _) => Ok(json!(ctx.execution)),
            ("State.Name", _) => Ok(json!(ctx.state)),
            ("Map.Item.Value", Some((_, value))) => Ok(value.clone()),
            ("Map.Item.Index", Some((index, _))) => Ok(json!(index)),
            ("Task.Token", _) if ctx.token.is_some() => Ok(json!(ctx.token)),
            (other, _) => Err(format!("context field '{other}' is not supported here")),
        };
    }
    let rest = path.strip_prefix('$').ok_or("a path starts with $")?;
    let mut at = input;
    for part in rest.split('.').skip(1) {
        if part.is_empty() || part.contains(['[', ']', '*', '?']) {
            return Err("only $.field.field paths are supported".into());
        }
        at = at.get(part).ok_or_else(|| format!("'{part}' is not in the input"))?;
    }
    Ok(at.clone())
}

/// Sets `value` at `path` (`$` replaces), creating objects on the way.
fn write(path: &str, mut target: Value, value: Value) -> Result<Value, String> {
    let rest = path.strip_prefix('$').ok_or("a path starts with $")?;
    if rest.is_empty() {
        return Ok(value);
    }
    let parts: Vec<&str> = rest.split('.').skip(1).collect();
    let mut at = &mut target;
    for (i, part) in parts.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let object = at.as_object_mut().expect("made an object");
        if i == parts.len() - 1 {
            object.insert((*part).to_owned(), value);
            break;
        }
        at = object.entry((*part).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(target)
}

/// `Parameters` / `ResultSelector`: `key.$` fields are paths.
fn template(t: &Value, input: &Value, ctx: &Context) -> Result<Value, String> {
    match t {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                match k.strip_suffix(".$") {
                    Some(key) => {
                        out.insert(key.to_owned(), read(v.as_str().ok_or("a .$ field holds a path")?, input, ctx)?)
                    }
                    None => out.insert(k.clone(), template(v, input, ctx)?),
                };
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

fn matches(list: &Value, error: &str) -> bool {
    list["ErrorEquals"].as_array().into_iter().flatten().any(|e| e == "States.ALL" || e == error)
}

/// Runs the document from `StartAt` with `input`. `visited` receives the
/// names of the states entered, in order.
pub fn execute(
    doc: &Value,
    input: Value,
    execution: &str,
    invoker: &mut dyn Invoker,
    visited: &mut Vec<String>,
) -> Result<Outcome, WorkflowError> {
    validate(doc)?;
    let start = doc["StartAt"].as_str().expect("validated").to_owned();
    run(doc, start, input, None, execution, invoker, visited)
}

/// Goes on with a paused execution: its callback task ends with `answer`
/// (a result, or a failure that its `Retry` does not retry and its `Catch`
/// may take, as `States.Timeout` or a rejection).
pub fn resume(
    doc: &Value,
    paused: &Suspension,
    answer: Result<Value, TaskFailure>,
    invoker: &mut dyn Invoker,
    visited: &mut Vec<String>,
) -> Result<Outcome, WorkflowError> {
    validate(doc)?;
    let state = &doc["States"][&paused.state];
    if state["Resource"].as_str() != Some(WAIT_FOR_TASK_TOKEN) {
        return Err(WorkflowError::Invalid(format!("state '{}' is not a callback task", paused.state)));
    }
    run(doc, paused.state.clone(), paused.data.clone(), Some(answer), &paused.execution, invoker, visited)
}

fn run(
    doc: &Value,
    start: String,
    input: Value,
    mut answer: Option<Result<Value, TaskFailure>>,
    execution: &str,
    invoker: &mut dyn Invoker,
    visited: &mut Vec<String>,
) -> Result<Outcome, WorkflowError> {
    let states = doc["States"].as_object().expect("validated");
    let mut name = start;
    let mut data = input;
    let mut events = 0;
    let mut count_event = |state: &str| {
        events += 1;
        if events > MAX_EVENTS { Err(WorkflowError::TooLong { state: state.to_owned() }) } else { Ok(()) }
    };
    loop {
        count_event(&name)?;
        visited.push(name.clone());
        let s = &states[&name]; // validated: every transition leads to a state
        let token = format!("{execution}/{name}/{}", visited.len());
        let callback = s["Resource"].as_str() == Some(WAIT_FOR_TASK_TOKEN);
        let ctx = Context { execution, state: &name, item: None, token: callback.then_some(token.as_str()) };
        let path_err =
            |path: &str, reason: String| WorkflowError::Path { state: name.clone(), path: path.to_owned(), reason };
        let field = |f: &str, default: &'static str| s[f].as_str().unwrap_or(default).to_owned();
        let (input_path, result_path, output_path) =
            (field("InputPath", "$"), field("ResultPath", "$"), field("OutputPath", "$"));
        let resumed = answer.take();
        let effective = match resumed {
            // The task's input was used when it started.
            Some(_) => Value::Null,
            None => {
                let effective = read(&input_path, &data, &ctx).map_err(|r| path_err(&input_path, r))?;
                match s.get("Parameters") {
                    Some(p) => template(p, &effective, &ctx).map_err(|r| path_err("Parameters", r))?,
                    None => effective,
                }
            }
        };
        let kind = s["Type"].as_str().expect("validated");
        let result = match kind {
            _ if resumed.is_some() => resumed.expect("some"),
            "Succeed" => return Ok(Outcome::Succeeded(data)),
            "Fail" => {
                let pick = |path: &str, fixed: &str| match s[path].as_str() {
                    Some(p) => {
                        read(p, &data, &ctx).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                    }
                    None => s[fixed].as_str().unwrap_or_default().to_owned(),
                };
                return Ok(Outcome::Failed(TaskFailure {
                    error: pick("ErrorPath", "Error"),
                    cause: pick("CausePath", "Cause"),
                }));
            }
            "Choice" => {
                let mut next = s["Default"].clone();
                for c in s["Choices"].as_array().into_iter().flatten() {
                    let variable = c["Variable"].as_str().unwrap_or("$");
                    let value = read(variable, &effective, &ctx);
                    let matched = match c["IsPresent"].as_bool() {
                        Some(present) => value.is_ok() == present,
                        // Step Functions fails the execution (States.Runtime, which
                        // no Catch takes) when a comparison's path is missing.
                        None => {
                            let value = value.map_err(|r| path_err(variable, r))?;
                            match c.get("BooleanEquals") {
                                Some(expected) => value.as_bool().is_some() && &value == expected,
                                None => value.as_str() == c["StringEquals"].as_str(),
                            }
                        }
                    };
                    if matched {
                        next = c["Next"].clone();
                        break;
                    }
                }
                name = next
                    .as_str()
                    .ok_or_else(|| path_err("Default", "no rule matched and no Default".into()))?
                    .to_owned();
                continue;
            }
            "Pass" => Ok(s.get("Result").cloned().unwrap_or(effective)),
            "Map" => map(s, &effective, &ctx, invoker, visited).map_err(|r| path_err(&r.0, r.1))?,
            _ => {
                let resource = s["Resource"].as_str().ok_or_else(|| path_err("Resource", "missing".into()))?;
                let (resource, effective) = if callback {
                    let function = effective["FunctionName"].as_str().ok_or_else(|| {
                        path_err("Parameters.FunctionName", "a callback task names its function".into())
                    })?;
                    (function.to_owned(), effective["Payload"].clone())
                } else {
                    (resource.to_owned(), effective)
                };
                let mut attempts: BTreeMap<usize, u64> = BTreeMap::new();
                let invoked = loop {
                    count_event(&name)?;
                    match invoker.invoke(&resource, effective.clone()) {
                        Ok(v) => break Ok(v),
                        Err(f) => {
                            let retry = s["Retry"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .enumerate()
                                .find(|(_, r)| matches(r, &f.error));
                            match retry {
                                Some((i, r))
                                    if *attempts.entry(i).or_default() < r["MaxAttempts"].as_u64().unwrap_or(3) =>
                                {
                                    *attempts.get_mut(&i).expect("inserted") += 1;
                                }
                                _ => break Err(f),
                            }
                        }
                    }
                };
                match invoked {
                    Ok(_) if callback => {
                        return Ok(Outcome::Waiting(Suspension {
                            token,
                            execution: execution.to_owned(),
                            state: name.clone(),
                            data,
                            timeout_seconds: s["TimeoutSeconds"].as_u64(),
                        }));
                    }
                    other => other,
                }
            }
        };
        match result {
            Ok(value) => {
                let value = match s.get("ResultSelector") {
                    Some(t) => template(t, &value, &ctx).map_err(|r| path_err("ResultSelector", r))?,
                    None => value,
                };
                data = if s["ResultPath"].is_null() && s.get("ResultPath").is_some() {
                    data
                } else {
                    write(&result_path, data, value).map_err(|r| path_err(&result_path, r))?
                };
                data = read(&output_path, &data, &ctx).map_err(|r| path_err(&output_path, r))?;
                if s["End"] == true {
                    return Ok(Outcome::Succeeded(data));
                }
                name = field("Next", "");
            }
            Err(failure) => {
                let catcher = s["Catch"].as_array().into_iter().flatten().find(|c| matches(c, &failure.error));
                let Some(c) = catcher else { return Ok(Outcome::Failed(failure)) };
                let error = json!({ "Error": failure.error, "Cause": failure.cause });
                let path = c["ResultPath"].as_str().unwrap_or("$");
                data = write(path, data, error).map_err(|r| path_err(path, r))?;
                name = c["Next"].as_str().unwrap_or_default().to_owned();
            }
        }
    }
}

/// What a `Map` state fails with when more items failed than it tolerates.
pub const TOLERATED_FAILURE_EXCEEDED: &str = "States.ExceedToleratedFailureThreshold";

/// Runs a `Map` state's processor once per item, in order. The result is the
/// items' outputs in item order, a failed item's as `{"Error", "Cause"}`;
/// the state fails when the share of failed items exceeds
/// `ToleratedFailurePercentage` (0 unless set). An `Err` names the field
/// and why it cannot be evaluated.
fn map(
    s: &Value,
    input: &Value,
    ctx: &Context,
    invoker: &mut dyn Invoker,
    visited: &mut Vec<String>,
) -> Result<Result<Value, TaskFailure>, (String, String)> {
    let items_path = s["ItemsPath"].as_str().unwrap_or("$");
    let items = read(items_path, input, ctx).map_err(|r| (items_path.to_owned(), r))?;
    let items = items.as_array().ok_or_else(|| (items_path.to_owned(), "not a list".to_owned()))?;
    let processor = &s["ItemProcessor"];
    let mut outputs = Vec::with_capacity(items.len());
    let mut failed = 0;
    for (index, item) in items.iter().enumerate() {
        let item_ctx = Context { item: Some((index, item)), ..*ctx };
        let item_input = match s.get("ItemSelector") {
            Some(t) => template(t, input, &item_ctx).map_err(|r| ("ItemSelector".to_owned(), r))?,
            None => item.clone(),
        };
        let child = format!("{}:{index}", ctx.execution);
        match execute(processor, item_input, &child, invoker, visited) {
            Ok(Outcome::Succeeded(out)) => outputs.push(out),
            Ok(Outcome::Waiting(_)) => {
                return Err(("ItemProcessor".to_owned(), "a callback task in a Map is not supported locally".into()));
            }
            Ok(Outcome::Failed(f)) => {
                failed += 1;
                outputs.push(json!({ "Error": f.error, "Cause": f.cause }));
            }
            Err(e) => return Err(("ItemProcessor".to_owned(), e.to_string())),
        }
    }
    let tolerated = s["ToleratedFailurePercentage"].as_f64().unwrap_or(0.0);
    if failed > 0 && failed as f64 * 100.0 > tolerated * items.len() as f64 {
        return Ok(Err(TaskFailure {
            error: TOLERATED_FAILURE_EXCEEDED.to_owned(),
            cause: format!("{failed} of {} items failed; {tolerated} % tolerated", items.len()),
        }));
    }
    Ok(Ok(Value::Array(outputs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/absa_drift_pipeline.asl.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Answers each function with a canned result and records its inputs;
    /// `failures` are returned first, in order, for the named function.
    /// The retrain function trains when `labels` came back.
    struct Fake {
        severity: &'static str,
        calls: Vec<(String, Value)>,
        failures: Vec<(&'static str, TaskFailure)>,
        labels: bool,
    }

    impl Invoker for Fake {
        fn invoke(&mut self, resource: &str, input: Value) -> Result<Value, TaskFailure> {
            self.calls.push((resource.to_owned(), input.clone()));
            if let Some(i) = self.failures.iter().position(|(r, _)| resource.contains(r)) {
                return Err(self.failures.remove(i).1);
            }
            let challenger = json!({"model": "m", "version": 2, "champion_version": 1});
            Ok(match resource {
                "${retrain_function_arn}" if input.get("train").is_some() => {
                    json!({"trained": self.labels, "reason": "r", "challenger": challenger})
                }
                "${retrain_function_arn}" if input.get("evaluate").is_some() => {
                    json!({"challenger": challenger, "promote_automatically": false})
                }
                "${retrain_function_arn}" => json!({"model": "m", "version": 2, "previous_version": 1}),
                "${extract_function_arn}" => json!({"batch_id": "b1", "partitions": []}),
                "${transform_function_arn}" => json!({"batch_id": "b1", "model_version": 1}),
                "${monitor_function_arn}" => {
                    json!({"severity": self.severity, "report_key": "r.json", "batch_id": "b1"})
                }
                _ => json!({"sent": true}),
            })
        }
    }

    fn fake(severity: &'static str) -> Fake {
        Fake { severity, calls: vec![], failures: vec![], labels: false }
    }

    fn failure(error: &str) -> TaskFailure {
        TaskFailure { error: error.into(), cause: format!("{error} happened") }
    }

    #[test]
    fn a_quiet_hour_takes_the_success_path_without_alert() {
        let (mut f, mut visited) = (fake("ok"), vec![]);
        let out = execute(&pipeline(), json!({"key": "raw/h.csv"}), "run-1", &mut f, &mut visited).unwrap();
        assert_eq!(visited, ["HowStarted", "Extract", "Transform", "Monitor", "DriftOrNot", "NoDrift", "Done"]);
        let Outcome::Succeeded(output) = out else { panic!("{out:?}") };
        assert_eq!(output["recorded"], json!({"severity": "ok", "report_key": "r.json", "batch_id": "b1"}));
        // Each step gets the previous step's result, not the whole state.
        assert_eq!(f.calls[0].1, json!({"key": "raw/h.csv"}));
        assert_eq!(f.calls[1].1, json!({"batch_id": "b1", "partitions": []}));
        assert_eq!(f.calls[2].1, json!({"batch_id": "b1", "model_version": 1}));
    }

    #[test]
    fn alarms_and_warnings_go_to_alert_with_the_run_name() {
        for severity in ["alarm", "warning"] {
            let (mut f, mut visited) = (fake(severity), vec![]);
            execute(&pipeline(), json!({"key": "k"}), "run-7", &mut f, &mut visited).unwrap();
            assert_eq!(visited[5], "Alert", "{severity}");
            let alert_input = &f.calls[3].1;
            assert_eq!(alert_input["run_id"], "run-7");
            assert_eq!(alert_input["verdict"]["severity"], severity);
        }
    }

    #[test]
    fn transient_errors_are_retried_and_others_caught_into_a_failure_alert() {
        let mut f = fake("ok");
        f.failures = vec![
            ("transform", failure("Lambda.ServiceException")),
            ("transform", failure("Lambda.TooManyRequestsException")),
        ];
        let mut visited = vec![];
        let out = execute(&pipeline(), json!({"key": "k"}), "r", &mut f, &mut visited).unwrap();
        assert!(matches!(out, Outcome::Succeeded(_)), "{out:?}");
        assert_eq!(f.calls.iter().filter(|(r, _)| r.contains("transform")).count(), 3, "two retries");

        let mut f = fake("ok");
        f.failures = vec![("extract", failure("ExtractError"))];
        let mut visited = vec![];
        let out = execute(&pipeline(), json!({"key": "k"}), "run-9", &mut f, &mut visited).unwrap();
        assert_eq!(visited, ["HowStarted", "Extract", "ExtractFailed", "FailureAlert", "PipelineFailed"]);
        assert_eq!(out, Outcome::Failed(failure("ExtractError")), "the error is kept");
        let alert_input = &f.calls.last().unwrap().1;
        assert_eq!(
            alert_input,
            &json!({"failure": {"error": "ExtractError", "cause": "ExtractError happened", "failed_step": "Extract"}, "run_id": "run-9"})
        );
    }

    #[test]
    fn an_alarm_with_labels_pauses_for_approval_and_the_answer_decides() {
        let doc = pipeline();
        let paused = |f: &mut Fake| {
            let mut visited = vec![];
            let out = execute(&doc, json!({"key": "k"}), "run-3", f, &mut visited).unwrap();
            let tail = &visited[visited.len() - 6..];
            assert_eq!(
                tail,
                ["RetrainAfterAlarm", "Retrain", "TrainedOrNot", "Evaluate", "PromoteOrAsk", "AwaitApproval"]
            );
            let Outcome::Waiting(paused) = out else { panic!("{out:?}") };
            paused
        };
        let mut f = Fake { labels: true, ..fake("alarm") };
        let waiting = paused(&mut f);
        // The alert function got the token, with the evaluation, as its payload.
        let (function, payload) = f.calls.last().unwrap();
        assert_eq!(function, "${alert_function_arn}");
        assert_eq!(payload["approval"]["token"], waiting.token.as_str());
        assert_eq!(payload["approval"]["evaluation"]["challenger"]["version"], 2);
        assert_eq!(waiting.timeout_seconds, Some(604_800));
        // Kept and read back, as the local runner keeps a paused execution.
        let waiting = Suspension::from_json(&waiting.to_json()).unwrap();

        let mut visited = vec![];
        let approved = resume(&doc, &waiting, Ok(json!({"approved_by": "me"})), &mut f, &mut visited).unwrap();
        assert_eq!(visited, ["AwaitApproval", "Promote", "Done"]);
        let Outcome::Succeeded(out) = approved else { panic!("{approved:?}") };
        assert_eq!(out["promotion"]["version"], 2);
        assert_eq!(out["approval"]["approved_by"], "me");
        assert_eq!(f.calls.last().unwrap().1, json!({"promote": {"model": "m", "version": 2, "champion_version": 1}}));

        for (error, end, message) in [
            ("Rejected", "ChallengerRejected", "challenger rejected; production unchanged"),
            ("States.Timeout", "ApprovalTimedOut", "no approval within a week; production unchanged"),
        ] {
            let mut f = Fake { labels: true, ..fake("alarm") };
            let waiting = paused(&mut f);
            let calls = f.calls.len();
            let mut visited = vec![];
            let answer = Err(TaskFailure { error: error.into(), cause: "why".into() });
            let Outcome::Succeeded(out) = resume(&doc, &waiting, answer, &mut f, &mut visited).unwrap() else {
                panic!("{error} ends the execution cleanly")
            };
            assert_eq!(visited, ["AwaitApproval", end, "Done"]);
            assert_eq!(out["retrain_result"]["message"], message);
            assert_eq!(f.calls.len(), calls, "{error}: nothing promoted");
        }
        // Without labels, an alarm ends after the retrain function says why not.
        let mut f = fake("alarm");
        let mut visited = vec![];
        assert!(matches!(execute(&doc, json!({"key": "k"}), "r", &mut f, &mut visited), Ok(Outcome::Succeeded(_))));
        assert_eq!(visited[visited.len() - 3..], ["Retrain", "TrainedOrNot", "Done"]);
    }

    #[test]
    fn only_a_callback_task_can_be_resumed() {
        let waiting = Suspension {
            token: "t".into(),
            execution: "e".into(),
            state: "Promote".into(),
            data: json!({}),
            timeout_seconds: None,
        };
        assert!(matches!(
            resume(&pipeline(), &waiting, Ok(json!({})), &mut fake("ok"), &mut vec![]),
            Err(WorkflowError::Invalid(_))
        ));
    }

    #[test]
    fn a_scheduled_event_becomes_the_scheduled_time_and_an_empty_hour_succeeds() {
        let event = json!({"version": "0", "detail-type": "Scheduled Event", "time": "2026-11-02T06:00:00Z"});
        let mut f = fake("ok");
        f.failures = vec![("extract", failure("ExtractNoInput"))];
        let mut visited = vec![];
        let out = execute(&pipeline(), event, "r", &mut f, &mut visited).unwrap();
        assert_eq!(f.calls[0].1, json!({"scheduled_time": "2026-11-02T06:00:00Z"}));
        assert_eq!(visited, ["HowStarted", "FromSchedule", "Extract", "NothingNew"]);
        assert!(matches!(out, Outcome::Succeeded(_)), "{out:?}");
        assert_eq!(f.calls.len(), 1, "no alert for an hour without files");
    }

    #[test]
    fn what_the_runner_does_not_implement_is_refused_before_running() {
        let mut doc = pipeline();
        doc["States"]["NoDrift"]["Type"] = json!("Parallel");
        assert!(matches!(validate(&doc), Err(WorkflowError::Unsupported { state, .. }) if state == "NoDrift"));
        let mut doc = pipeline();
        doc["States"]["DriftOrNot"]["Choices"][0]["NumericGreaterThan"] = json!(1);
        assert!(matches!(validate(&doc), Err(WorkflowError::Unsupported { .. })));
        let mut doc = pipeline();
        doc["States"]["Extract"]["Next"] = json!("Nowhere");
        assert!(matches!(validate(&doc), Err(WorkflowError::Invalid(_))));
        let mut doc = pipeline();
        doc["States"]["Transform"]["InputPath"] = json!("$.items[0]");
        let err = execute(&doc, json!({}), "r", &mut fake("ok"), &mut vec![]).unwrap_err();
        assert!(matches!(err, WorkflowError::Path { ref state, .. } if state == "Transform"), "{err}");
    }

    #[test]
    fn a_comparison_on_a_missing_path_fails_instead_of_taking_the_default() {
        let mut doc = pipeline();
        doc["States"]["DriftOrNot"]["Choices"][0]["Variable"] = json!("$.verdict.level");
        let mut visited = vec![];
        let err = execute(&doc, json!({"key": "k"}), "r", &mut fake("ok"), &mut visited).unwrap_err();
        assert!(
            matches!(err, WorkflowError::Path { ref state, ref path, .. } if state == "DriftOrNot" && path == "$.verdict.level"),
            "{err}"
        );
        assert_eq!(visited.last().unwrap(), "DriftOrNot", "no state after it ran");
    }

    #[test]
    fn a_document_that_loops_ends_as_step_functions_would() {
        let mut doc = pipeline();
        doc["States"]["NoDrift"]["Next"] = json!("DriftOrNot");
        let err = execute(&doc, json!({"key": "k"}), "r", &mut fake("ok"), &mut vec![]).unwrap_err();
        assert!(matches!(err, WorkflowError::TooLong { .. }), "{err}");

        let mut doc = pipeline();
        doc["States"]["Extract"]["Retry"][0]["MaxAttempts"] = json!(u64::MAX);
        let mut failing = fake("ok");
        failing.failures = vec![("extract", failure("States.Timeout")); MAX_EVENTS + 1];
        let err = execute(&doc, json!({"key": "k"}), "r", &mut failing, &mut vec![]).unwrap_err();
        assert!(matches!(err, WorkflowError::TooLong { ref state } if state == "Extract"), "{err}");
    }

    fn backfill() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/absa_drift_backfill.asl.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The monitor plans three batches and answers each with `severity`;
    /// the batches named in `failing` fail.
    struct Past {
        severity: &'static str,
        failing: Vec<&'static str>,
        calls: Vec<(String, Value)>,
    }

    impl Invoker for Past {
        fn invoke(&mut self, resource: &str, input: Value) -> Result<Value, TaskFailure> {
            self.calls.push((resource.to_owned(), input.clone()));
            if input.get("plan_backfill").is_some() {
                return Ok(json!({"history_keys": ["h/a", "h/b", "h/c"], "alert": input["plan_backfill"]["alert"]}));
            }
            if resource == "${alert_function_arn}" {
                return Ok(json!({"sent": true}));
            }
            let key = input["remonitor"]["history_key"].as_str().unwrap();
            if self.failing.iter().any(|f| key.ends_with(f)) {
                return Err(failure("MonitorError"));
            }
            Ok(json!({"batch_id": key, "dt": "2026-11-01", "hour": "00", "severity": self.severity, "report_key": "r"}))
        }
    }

    #[test]
    fn a_map_runs_its_processor_per_item_with_the_item_in_context() {
        let mut past = Past { severity: "alarm", failing: vec![], calls: vec![] };
        let input = json!({"from": "2026-11-01", "to": "2026-11-01", "alert": false});
        let Outcome::Succeeded(out) = execute(&backfill(), input, "bf", &mut past, &mut vec![]).unwrap() else {
            panic!()
        };
        let batches: Vec<&str> =
            out["batches"].as_array().unwrap().iter().map(|b| b["batch_id"].as_str().unwrap()).collect();
        assert_eq!(batches, ["h/a", "h/b", "h/c"], "outputs in item order");
        assert_eq!(past.calls[1].1, json!({"remonitor": {"history_key": "h/a"}}));
        assert!(past.calls.iter().all(|(r, _)| r != "${alert_function_arn}"), "muted");

        let mut past = Past { severity: "alarm", failing: vec![], calls: vec![] };
        let input = json!({"from": "2026-11-01", "to": "2026-11-01", "alert": true});
        execute(&backfill(), input, "bf", &mut past, &mut vec![]).unwrap();
        let alerts: Vec<&Value> =
            past.calls.iter().filter(|(r, _)| r == "${alert_function_arn}").map(|(_, i)| i).collect();
        assert_eq!(alerts.len(), 3);
        assert_eq!(alerts[2]["run_id"], "bf:2", "each item runs as its own child execution");
    }

    #[test]
    fn a_map_fails_when_more_items_fail_than_it_tolerates() {
        // One of three is 33 %, over the document's 10 %.
        let mut past = Past { severity: "ok", failing: vec!["b"], calls: vec![] };
        let input = json!({"from": "2026-11-01", "to": "2026-11-01"});
        let out = execute(&backfill(), input.clone(), "bf", &mut past, &mut vec![]).unwrap();
        assert!(matches!(&out, Outcome::Failed(f) if f.error == TOLERATED_FAILURE_EXCEEDED), "{out:?}");
        // Tolerated, the failed item's output is its error.
        let mut doc = backfill();
        doc["States"]["Remonitor"]["ToleratedFailurePercentage"] = json!(50);
        let mut past = Past { severity: "ok", failing: vec!["b"], calls: vec![] };
        let Outcome::Succeeded(out) = execute(&doc, input, "bf", &mut past, &mut vec![]).unwrap() else { panic!() };
        assert_eq!(out["batches"][1]["Error"], "MonitorError");
        assert_eq!(out["batches"][2]["severity"], "ok");
    }
}
