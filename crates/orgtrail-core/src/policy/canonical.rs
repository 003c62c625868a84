//! Canonical pretty JSON (keys sorted at every level), so policy diffs and hashes are stable.

use serde_json::{Map, Value};

/// Canonical pretty JSON (keys sorted at every level) for stable diffs and hashes.
pub fn canonical_pretty(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    let mut s = serde_json::to_string_pretty(&sort(v)).unwrap_or_default();
    s.push('\n');
    s
}

/// Canonical pretty form of a policy text; unparsable text is shown as it is.
pub fn canonical_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => canonical_pretty(&v),
        Err(_) => text.to_string(),
    }
}
