//! EventBridge event patterns, matched the way EventBridge matches them ("Creating event
//! patterns", "Content filtering in Amazon EventBridge event patterns", EventBridge User Guide):
//! every field of the pattern must match (AND); a leaf is an array of alternatives (OR); a
//! pattern object descends into the event object of the same name (or into any element of an
//! array of objects); an event array matches when any of its elements does; `$or` holds when any of its sub-patterns does. Comparison
//! operators: exact values, `prefix`, `suffix`, `equals-ignore-case`, `wildcard`,
//! `anything-but` (a value, a list, or `prefix`/`suffix`), `exists`, `numeric`.
//!
//! Written here, not taken from moto: the layer delivers what moto's EventBridge cannot (SNS
//! targets), and judges with its own code.

use serde_json::Value;

use super::policy::glob;

/// Whether `event` matches `pattern` (an event pattern document).
pub fn matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        return false;
    };
    fields.iter().all(|(key, expected)| {
        if key == "$or" {
            return expected
                .as_array()
                .is_some_and(|alternatives| alternatives.iter().any(|p| matches(p, event)));
        }
        let actual = event.get(key);
        match expected {
            Value::Object(_) => match actual {
                Some(a @ Value::Object(_)) => matches(expected, a),
                // An array of objects: one element matches (EventBridge flattens arrays).
                Some(Value::Array(items)) => items.iter().any(|a| matches(expected, a)),
                _ => false,
            },
            Value::Array(alternatives) => leaf_matches(alternatives, actual),
            _ => false,
        }
    })
}

/// A leaf: any alternative matches the event's value (or, for an array, one of its elements).
fn leaf_matches(alternatives: &[Value], actual: Option<&Value>) -> bool {
    let present = actual.is_some_and(|v| !v.is_object());
    let values: Vec<&Value> = match actual {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Object(_)) | None => Vec::new(),
        Some(v) => vec![v],
    };
    alternatives.iter().any(|alt| match alt {
        Value::Object(op) => match op.get("exists") {
            Some(Value::Bool(wanted)) => *wanted == present,
            _ => values.iter().any(|v| operator(op, v)),
        },
        exact => values.contains(&exact),
    })
}

/// One comparison operator (`{"prefix": …}`, …) against one event value.
fn operator(op: &serde_json::Map<String, Value>, value: &Value) -> bool {
    let text = value.as_str();
    let Some((name, arg)) = op.iter().next() else {
        return false;
    };
    match name.as_str() {
        "prefix" => string_test(arg, text, |a, t| t.starts_with(a)),
        "suffix" => string_test(arg, text, |a, t| t.ends_with(a)),
        "equals-ignore-case" => text
            .zip(arg.as_str())
            .is_some_and(|(t, a)| t.eq_ignore_ascii_case(a)),
        "wildcard" => text.zip(arg.as_str()).is_some_and(|(t, a)| glob(a, t)),
        "anything-but" => anything_but(arg, value),
        "numeric" => value.as_f64().is_some_and(|n| numeric(arg, n)),
        _ => false,
    }
}

/// `prefix`/`suffix` with a plain string or `{"equals-ignore-case": …}`.
fn string_test(arg: &Value, text: Option<&str>, test: fn(&str, &str) -> bool) -> bool {
    let Some(text) = text else { return false };
    match arg {
        Value::String(a) => test(a, text),
        Value::Object(o) => o
            .get("equals-ignore-case")
            .and_then(Value::as_str)
            .is_some_and(|a| test(&a.to_lowercase(), &text.to_lowercase())),
        _ => false,
    }
}

fn anything_but(arg: &Value, value: &Value) -> bool {
    match arg {
        Value::Array(list) => !list.contains(value),
        Value::Object(o) => !operator(o, value),
        scalar => scalar != value,
    }
}

/// `[">", 0, "<=", 5]`: every comparison holds.
fn numeric(arg: &Value, n: f64) -> bool {
    let Some(parts) = arg.as_array() else {
        return false;
    };
    parts.chunks(2).all(|pair| {
        let (Some(op), Some(bound)) = (pair[0].as_str(), pair.get(1).and_then(Value::as_f64))
        else {
            return false;
        };
        match op {
            "<" => n < bound,
            "<=" => n <= bound,
            "=" => n == bound,
            ">=" => n >= bound,
            ">" => n > bound,
            _ => false,
        }
    })
}
