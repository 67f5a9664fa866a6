//! The workflow document (statemachine/absa_drift_pipeline.asl.json) keeps
//! the rules the deployment relies on: every Task retries Lambda's
//! transient errors with backoff and jitter, has a timeout, and catches
//! everything into the failure alert; the failure path ends in Fail with
//! the error kept; function ARNs are placeholders from one list; every
//! transition goes to a state that exists.

use std::collections::BTreeSet;

use serde_json::Value;

const TRANSIENT: [&str; 5] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
];
/// The placeholders of statemachine/functions.json, the one list that
/// Terraform, the moto test and this runner fill them from.
fn functions() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/functions.json");
    let list: serde_json::Map<String, Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    list.keys().map(|k| format!("${{{k}}}")).collect()
}

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/absa_drift_pipeline.asl.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The state a state leads to, through Next, Default, Choices and Catch.
fn targets(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["Next", "Default"] {
        if let Some(t) = state[key].as_str() {
            out.push(t.to_owned());
        }
    }
    for list in ["Choices", "Catch"] {
        for c in state[list].as_array().into_iter().flatten() {
            out.push(c["Next"].as_str().unwrap().to_owned());
        }
    }
    out
}

#[test]
fn every_task_retries_times_out_and_catches() {
    let doc = document();
    let states = doc["States"].as_object().unwrap();
    let mut resources = BTreeSet::new();
    for (name, s) in states.iter().filter(|(_, s)| s["Type"] == "Task") {
        // A callback task invokes its function, then waits up to a week for
        // a person: a timeout is an answer (Catch), not a retry.
        let callback = s["Resource"] == asl::WAIT_FOR_TASK_TOKEN;
        let function = if callback { &s["Parameters"]["FunctionName"] } else { &s["Resource"] };
        resources.insert(function.as_str().unwrap().to_owned());
        let longest = if callback { 7 * 24 * 3600 } else { 900 };
        assert!(s["TimeoutSeconds"].as_u64().is_some_and(|t| t > 0 && t <= longest), "{name} has a timeout");
        let retry = &s["Retry"][0];
        let errors: BTreeSet<&str> =
            retry["ErrorEquals"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        let transient: BTreeSet<&str> = TRANSIENT.into_iter().filter(|e| !callback || *e != "States.Timeout").collect();
        assert_eq!(errors, transient, "{name} retries Lambda's transient errors");
        assert!(
            retry["BackoffRate"].as_f64().unwrap() > 1.0 && retry["JitterStrategy"] == "FULL",
            "{name}: backoff with jitter"
        );
        // States.ALL must come last; only Extract has one before it (an empty hour).
        let catchers = s["Catch"].as_array().unwrap();
        let catch = catchers.last().unwrap();
        assert_eq!(catch["ErrorEquals"], serde_json::json!(["States.ALL"]), "{name} catches everything");
        let before: Vec<Value> = catchers[..catchers.len() - 1].iter().map(|c| c["ErrorEquals"].clone()).collect();
        let expected = match name.as_str() {
            "Extract" => vec![serde_json::json!(["ExtractNoInput"])],
            // A rejection and no answer end the branch cleanly, production unchanged.
            "AwaitApproval" => vec![serde_json::json!(["Rejected"]), serde_json::json!(["States.Timeout"])],
            _ => vec![],
        };
        assert_eq!(before, expected, "{name}'s other catchers");
        // Every catch ends, through the failure alert, in Fail.
        let mut at = catch["Next"].as_str().unwrap().to_owned();
        let mut seen = 0;
        while states[&at]["Type"] != "Fail" {
            at = states[&at]["Next"].as_str().unwrap_or_else(|| panic!("{at} leads on")).to_owned();
            seen += 1;
            assert!(seen < 5, "{name}'s failure path ends in Fail");
        }
        assert!(states[&at]["ErrorPath"].is_string() && states[&at]["CausePath"].is_string(), "the error is kept");
    }
    assert_eq!(resources, functions(), "ARNs are the placeholders of statemachine/functions.json");
    assert_eq!(functions().len(), 5);
}

#[test]
fn every_transition_reaches_an_existing_state_and_every_state_is_reachable() {
    let doc = document();
    let states = doc["States"].as_object().unwrap();
    let mut reached = BTreeSet::from([doc["StartAt"].as_str().unwrap().to_owned()]);
    let mut frontier: Vec<String> = reached.iter().cloned().collect();
    while let Some(name) = frontier.pop() {
        let state = states.get(&name).unwrap_or_else(|| panic!("'{name}' is a state"));
        for t in targets(state) {
            if reached.insert(t.clone()) {
                frontier.push(t);
            }
        }
    }
    let all: BTreeSet<String> = states.keys().cloned().collect();
    assert_eq!(reached, all, "no unreachable state");
    // The Choice sends alarm and warning to Alert and the rest on.
    let choice = &states["DriftOrNot"];
    let to_alert: BTreeSet<&str> = choice["Choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["Next"] == "Alert")
        .map(|c| c["StringEquals"].as_str().unwrap())
        .collect();
    assert_eq!(to_alert, BTreeSet::from(["alarm", "warning"]));
    assert_eq!(choice["Default"], "NoDrift");
}

fn backfill() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/absa_drift_backfill.asl.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every state of `machine` is reached from its StartAt, every transition
/// leads to one of its states; returns its states.
fn reachable_states(machine: &Value) -> &serde_json::Map<String, Value> {
    let states = machine["States"].as_object().unwrap();
    let mut reached = BTreeSet::from([machine["StartAt"].as_str().unwrap().to_owned()]);
    let mut frontier: Vec<String> = reached.iter().cloned().collect();
    while let Some(name) = frontier.pop() {
        let state = states.get(&name).unwrap_or_else(|| panic!("'{name}' is a state"));
        for t in targets(state).into_iter().filter(|t| reached.insert(t.clone())) {
            frontier.push(t);
        }
    }
    assert_eq!(reached, states.keys().cloned().collect(), "no unreachable state");
    states
}

#[test]
fn the_backfill_is_a_bounded_distributed_map_over_the_monitor_function() {
    let doc = backfill();
    let states = reachable_states(&doc);
    let map = &states["Remonitor"];
    assert_eq!(map["Type"], "Map");
    assert_eq!(map["ItemProcessor"]["ProcessorConfig"]["Mode"], "DISTRIBUTED");
    // Bounded: a backfill must not take the Lambda concurrency the hourly runs need.
    assert!(map["MaxConcurrency"].as_u64().is_some_and(|c| (1..=40).contains(&c)), "MaxConcurrency");
    assert!(map["ToleratedFailurePercentage"].as_f64().is_some_and(|p| p > 0.0 && p < 50.0));
    let items = reachable_states(&map["ItemProcessor"]);

    // Every Task, at either level, retries Lambda's transient errors and times out.
    let mut resources = BTreeSet::new();
    for (name, s) in states.iter().chain(items.iter()).filter(|(_, s)| s["Type"] == "Task") {
        resources.insert(s["Resource"].as_str().unwrap().to_owned());
        assert!(s["TimeoutSeconds"].as_u64().is_some_and(|t| t > 0 && t <= 900), "{name} has a timeout");
        let errors: BTreeSet<&str> =
            s["Retry"][0]["ErrorEquals"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert_eq!(errors, TRANSIENT.into_iter().collect(), "{name} retries Lambda's transient errors");
    }
    assert!(resources.is_subset(&functions()), "ARNs are placeholders of statemachine/functions.json");
    assert_eq!(states["PlanBackfill"]["Resource"], "${monitor_function_arn}");
    assert_eq!(items["MonitorAgain"]["Resource"], "${monitor_function_arn}");
    // Muted unless asked: the first rule sends a muted item past the alert.
    let first = &items["AlertOrNot"]["Choices"][0];
    assert_eq!(
        (&first["Variable"], &first["BooleanEquals"], &first["Next"]),
        (&"$.alert".into(), &false.into(), &"Recorded".into())
    );
    asl::validate(&doc).expect("the local runner runs it");
}
