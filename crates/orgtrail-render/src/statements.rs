//! A bucket policy change as its statements keyed by `Sid`: which statements are added, which
//! removed, and for a statement on both sides only the members that changed. Shown above the
//! unified JSON diff (the exact text), as an index of it: an added or removed statement is one
//! line (its Sid, effect, actions and resources), the JSON diff below has the rest.

use serde_json::Value;

use crate::fields::{self, Line, Shown, Sides};
use crate::keyed::{self, Pair};

/// The statements of the policy texts of a step or finding (`policy_diff`: canonical live JSON,
/// empty when there is no policy, and the planned JSON). `None` when a side is not a policy
/// document (its text is shown as it is) or no statement differs.
pub(crate) fn statements(before: &str, after: &str, sides: Sides) -> Option<Shown> {
    let (live, want) = (listed(before)?, listed(after)?);
    let mut lines = Vec::new();
    for pair in keyed::pairs(&live, &want) {
        match pair {
            Pair::Removed(x) => lines.push(Line::new('-', 2, &format!("- {}", summary(x)))),
            Pair::Added(y) => lines.push(Line::new('+', 2, &format!("- {}", summary(y)))),
            Pair::Changed(Value::Object(m), Value::Object(n)) => {
                fields::changed_item(&mut lines, 2, m, n);
            }
            Pair::Changed(x, y) => {
                lines.push(Line::new('-', 2, &format!("- {}", summary(x))));
                lines.push(Line::new('+', 2, &format!("- {}", summary(y))));
            }
        }
    }
    (!lines.is_empty()).then(|| fields::block("policy statements", sides, lines))
}

/// The statements of a policy text: none for no policy, one for a lone statement object.
fn listed(text: &str) -> Option<Vec<Value>> {
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    let doc: Value = serde_json::from_str(text).ok()?;
    match doc.get("Statement")? {
        Value::Array(list) => Some(list.clone()),
        one @ Value::Object(_) => Some(vec![one.clone()]),
        _ => None,
    }
}

/// `Sid: X  # Allow s3:PutObject on arn:…`: enough to tell statements apart.
fn summary(s: &Value) -> String {
    let words = |key: &str| match s.get(key) {
        Some(Value::String(one)) => Some(one.clone()),
        Some(Value::Array(many)) => Some(
            many.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    };
    let mut what = words("Effect").unwrap_or_default();
    for (key, label) in [
        ("Action", ""),
        ("NotAction", "all but "),
        ("Resource", "on "),
        ("NotResource", "on all but "),
    ] {
        if let Some(list) = words(key) {
            what = format!("{what} {label}{list}");
        }
    }
    match keyed::name_of(s, "Sid") {
        Some(sid) => format!("Sid: {}  # {what}", crate::yaml::scalar(&sid)),
        None => format!("# {what}"),
    }
}
