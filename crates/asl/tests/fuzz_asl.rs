//! The interpreter on mutated state machine documents (the fuzzing crate
//! says how many and for how long): the pipeline's own document with its
//! values replaced (other states, paths, types, numbers, nothing) or its
//! bytes mutated. Validation never panics, and a document it accepts runs
//! to an end, an outcome or an error, against functions that fail now and
//! then.

use asl::{Invoker, TaskFailure, execute, validate};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

fn pipeline() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../statemachine/absa_drift_pipeline.asl.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// JSON pointers of every value in `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn replacements(doc: &Value) -> Vec<Value> {
    let mut values: Vec<Value> = doc["States"].as_object().unwrap().keys().map(|k| json!(k)).collect();
    values.extend([
        json!("$"),
        json!("$.x"),
        json!("$.verdict.severity"),
        json!("$$.Execution.Name"),
        json!("$$"),
        json!("$."),
        json!("States.ALL"),
        json!("States.Timeout"),
        json!("Task"),
        json!("Pass"),
        json!("Choice"),
        json!("Map"),
        json!("Succeed"),
        json!("Fail"),
        json!("${extract_function_arn}"),
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1e300),
        json!(u64::MAX),
        json!({}),
        json!([]),
        json!(""),
        json!({"Next": "Done"}),
        json!([{"ErrorEquals": []}]),
    ]);
    values
}

#[derive(Debug, Clone)]
enum Edit {
    Set(Index, Index),
    Remove(Index),
}

/// The pipeline's document with up to six values replaced or removed.
fn edited() -> impl Strategy<Value = Value> {
    let edit = prop_oneof![
        (any::<Index>(), any::<Index>()).prop_map(|(at, with)| Edit::Set(at, with)),
        any::<Index>().prop_map(Edit::Remove),
    ];
    prop::collection::vec(edit, 0..6).prop_map(|edits| {
        let mut doc = pipeline();
        let with = replacements(&doc);
        for edit in edits {
            let mut at = Vec::new();
            pointers(&doc, String::new(), &mut at);
            match edit {
                Edit::Set(i, w) => {
                    if let Some(v) = doc.pointer_mut(&at[i.index(at.len())]) {
                        *v = with[w.index(with.len())].clone();
                    }
                }
                Edit::Remove(i) => {
                    let target = &at[i.index(at.len())];
                    if let Some((parent, key)) = target.rsplit_once('/')
                        && let Some(Value::Object(map)) = doc.pointer_mut(parent)
                    {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                }
            }
        }
        doc
    })
}

/// Canned answers; every `fail_every`-th call fails with the next error.
struct Flaky {
    calls: usize,
    fail_every: usize,
}

impl Invoker for Flaky {
    fn invoke(&mut self, resource: &str, _input: Value) -> Result<Value, TaskFailure> {
        self.calls += 1;
        if self.fail_every > 0 && self.calls.is_multiple_of(self.fail_every) {
            let errors = ["States.Timeout", "ExtractNoInput", "Lambda.ServiceException", "ExtractError"];
            let error = errors[self.calls / self.fail_every % errors.len()];
            return Err(TaskFailure { error: error.into(), cause: "{\"errorMessage\":\"x\"}".into() });
        }
        Ok(match resource {
            "${monitor_function_arn}" => json!({"severity": "alarm", "report_key": "r.json", "batch_id": "b1"}),
            _ => json!({"batch_id": "b1", "sent": true}),
        })
    }
}

#[test]
fn the_interpreter_survives_mutated_documents() {
    let documents = prop_oneof![
        edited(),
        fuzzing::mutated(vec![serde_json::to_vec(&pipeline()).unwrap()])
            .prop_map(|bytes| serde_json::from_slice(&bytes.0).unwrap_or(Value::Null)),
    ];
    let inputs = prop_oneof![
        Just(json!({"key": "raw/x.csv"})),
        Just(json!({"time": "2026-11-02T06:00:00Z"})),
        Just(json!(null))
    ];
    fuzzing::check("state machine documents", (documents, inputs, 0..5usize), |(doc, input, fail_every)| {
        if validate(&doc).is_ok() {
            let mut visited = Vec::new();
            let _ = execute(&doc, input, "fuzz", &mut Flaky { calls: 0, fail_every }, &mut visited);
            prop_assert!(visited.len() <= asl::MAX_EVENTS);
        }
        Ok(())
    });
}
