//! Field changes for reviewers: a scalar on one line, a structured value (event selectors,
//! advanced selectors, insight selectors, tags, CloudWatch settings) as a short YAML-style diff
//! of only what differs. Empty and null members are left out of both sides, so a selector
//! change never shows `starts_with: []`.
//!
//! The plan data is not touched: this works on the `serde_json::Value`s of [`FieldChange`].

use orgtrail_core::FieldChange;
use serde_json::{Map, Value};

use crate::keyed::{self, KEYS, Pair};

/// Which two sides a change compares: a plan goes from live to planned, drift compares live
/// with the spec (nothing is "before" or "after" there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    Plan,
    Drift,
}

impl Sides {
    pub(crate) fn legend(self) -> &'static str {
        match self {
            Sides::Plan => "# - live, + planned",
            Sides::Drift => "# - live, + spec",
        }
    }
}

/// One rendered line: `' '` context, `'-'` the live side, `'+'` the planned / spec side, `'~'`
/// the header of a list item that is on both sides with members changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub mark: char,
    pub text: String,
}

impl Line {
    pub(crate) fn new(mark: char, indent: usize, text: &str) -> Line {
        Line {
            mark,
            text: format!("{:indent$}{text}", ""),
        }
    }
}

/// How a field change is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// A scalar (or absent) value on each side.
    Scalar {
        field: String,
        live: String,
        want: String,
    },
    /// A structured value: a header naming the field and its sides, then diff lines.
    Block { header: String, lines: Vec<Line> },
}

/// The field under which delegated administrators are listed, one account per item.
const ADMINS: &str = "delegated_administrators";

/// The changes as shown: grouped (see [`grouped`]), those that only reorder a list left out.
pub fn shown(changes: &[FieldChange], sides: Sides) -> Vec<Shown> {
    grouped(changes)
        .iter()
        .filter(|c| !keyed::same(&prune(&c.before), &prune(&c.after)))
        .map(|c| show(c, sides))
        .collect()
}

/// Tags arrive as one change per key (`tags.KEY`), delegated administrators as one per account
/// (`delegated_administrators[ACCOUNT]`, true when it is one); reviewers read them as one map
/// and one list.
pub fn grouped(changes: &[FieldChange]) -> Vec<FieldChange> {
    let mut out: Vec<FieldChange> = Vec::new();
    for c in changes {
        if let Some(account) = admin_account(&c.field) {
            add_admin(&mut out, account, c);
            continue;
        }
        let Some(key) = c.field.strip_prefix("tags.") else {
            out.push(c.clone());
            continue;
        };
        if out.last().is_none_or(|l| l.field != "tags") {
            out.push(FieldChange {
                field: "tags".into(),
                before: Value::Object(Map::new()),
                after: Value::Object(Map::new()),
            });
        }
        if let Some(last) = out.last_mut() {
            insert(&mut last.before, key, &c.before);
            insert(&mut last.after, key, &c.after);
        }
    }
    out
}

fn admin_account(field: &str) -> Option<&str> {
    field
        .strip_prefix(ADMINS)?
        .strip_prefix('[')?
        .strip_suffix(']')
}

/// The account into the last change's lists of administrators, on each side where it is one.
fn add_admin(out: &mut Vec<FieldChange>, account: &str, c: &FieldChange) {
    if out.last().is_none_or(|l| l.field != ADMINS) {
        out.push(FieldChange {
            field: ADMINS.into(),
            before: Value::Array(Vec::new()),
            after: Value::Array(Vec::new()),
        });
    }
    if let Some(last) = out.last_mut() {
        for (side, is) in [(&mut last.before, &c.before), (&mut last.after, &c.after)] {
            if let (Value::Array(list), Value::Bool(true)) = (side, is) {
                list.push(Value::String(account.into()));
            }
        }
    }
}

fn insert(map: &mut Value, key: &str, v: &Value) {
    if let (Value::Object(m), false) = (map, v.is_null()) {
        m.insert(key.to_string(), v.clone());
    }
}

/// Render one change.
pub fn show(c: &FieldChange, sides: Sides) -> Shown {
    let (live, want) = (prune(&c.before), prune(&c.after));
    // A step names only the administrators it changes: `[] → [a]` would misstate the live list,
    // so they are always items added or removed.
    if c.field == ADMINS
        && let (Value::Array(a), Value::Array(b)) = (&live, &want)
    {
        let mut lines = Vec::new();
        diff_array(&mut lines, 2, a, b);
        return block(&c.field, sides, lines);
    }
    if is_scalar(&live) && is_scalar(&want) {
        return Shown::Scalar {
            field: c.field.clone(),
            live: scalar_text(&live),
            want: scalar_text(&want),
        };
    }
    let mut lines = Vec::new();
    diff_value(&mut lines, 2, &live, &want);
    block(&c.field, sides, lines)
}

pub(crate) fn block(field: &str, sides: Sides, lines: Vec<Line>) -> Shown {
    Shown::Block {
        header: format!("{field}:  {}", sides.legend()),
        lines,
    }
}

/// A scalar or an absent value, as plans always showed it: `(none)`, `"text"`, `true`, `3`;
/// short lists of scalars inline.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => inline(v).unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(_) => inline(v).is_some(),
        _ => true,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Drop null, empty-list and empty-map members of every object (they are defaults).
fn prune(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), prune(x)))
                .filter(|(_, x)| !is_empty(x))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(prune).collect()),
        other => other.clone(),
    }
}

/// A scalar as YAML: strings by the one quoting rule (`crate::yaml`), `null`, numbers and
/// booleans as JSON writes them.
fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => crate::yaml::scalar(s),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// `[a, b]` for a short list of scalars.
fn inline(v: &Value) -> Option<String> {
    let Value::Array(a) = v else {
        return Some(yaml_scalar(v));
    };
    if a.iter().any(|x| x.is_object() || x.is_array()) {
        return None;
    }
    let text = format!(
        "[{}]",
        a.iter().map(yaml_scalar).collect::<Vec<_>>().join(", ")
    );
    (text.len() <= 72).then_some(text)
}

/// The members of an object, those that name it ([`KEYS`]) first: a list item is read by its
/// name (a policy statement's `Sid` comes last in canonical JSON).
fn named_first(m: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    let named = KEYS.into_iter().filter_map(|k| m.get_key_value(k));
    named.chain(m.iter().filter(|(k, _)| !KEYS.contains(&k.as_str())))
}

/// The whole of `v` under `key` (or as a list item when `key` is `None`), every line marked.
fn emit(out: &mut Vec<Line>, mark: char, indent: usize, key: Option<&str>, v: &Value) {
    let label = key.map_or_else(String::new, |k| format!("{k}:"));
    match (v, inline(v)) {
        (_, Some(text)) => {
            let sep = if label.is_empty() { "" } else { " " };
            out.push(Line::new(mark, indent, &format!("{label}{sep}{text}")));
        }
        (Value::Object(m), None) => {
            let inner = if key.is_some() { indent + 2 } else { indent };
            if key.is_some() {
                out.push(Line::new(mark, indent, &label));
            }
            for (k, x) in m {
                emit(out, mark, inner, Some(k), x);
            }
        }
        (Value::Array(a), None) => {
            let inner = if key.is_some() { indent + 2 } else { indent };
            if key.is_some() {
                out.push(Line::new(mark, indent, &label));
            }
            for x in a {
                emit_item(out, mark, inner, x);
            }
        }
        _ => {}
    }
}

/// A list item: `- ` before its first line, its other lines two further in.
pub(crate) fn emit_item(out: &mut Vec<Line>, mark: char, indent: usize, v: &Value) {
    let start = out.len();
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in named_first(m) {
                emit(out, mark, indent + 2, Some(k), x);
            }
            dash(&mut out[start], indent);
        }
        Value::Array(_) => {
            emit(out, mark, indent + 2, None, v);
            dash(&mut out[start], indent);
        }
        _ => out.push(Line::new(mark, indent, &format!("- {}", yaml_scalar(v)))),
    }
}

/// Turn the two spaces at `indent` of a line into the list marker `- `.
fn dash(line: &mut Line, indent: usize) {
    line.text.replace_range(indent..indent + 2, "- ");
}

/// Lines for `live` -> `want` at `indent` (both already pruned).
fn diff_value(out: &mut Vec<Line>, indent: usize, live: &Value, want: &Value) {
    match (live, want) {
        (a, b) if keyed::same(a, b) => {}
        (Value::Object(a), Value::Object(b)) => diff_object(out, indent, a, b),
        (Value::Array(a), Value::Array(b)) if inline(live).is_none() || inline(want).is_none() => {
            diff_array(out, indent, a, b);
        }
        (Value::Null, b) => emit(out, '+', indent, None, b),
        (a, Value::Null) => emit(out, '-', indent, None, a),
        (a, b) => {
            emit(out, '-', indent, None, a);
            emit(out, '+', indent, None, b);
        }
    }
}

fn diff_object(out: &mut Vec<Line>, indent: usize, a: &Map<String, Value>, b: &Map<String, Value>) {
    for k in KEYS {
        if let (Some(x), Some(y)) = (a.get(k), b.get(k))
            && x == y
            && inline(x).is_some()
        {
            emit(out, ' ', indent, Some(k), x);
        }
    }
    let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
    for k in keys {
        match (a.get(k), b.get(k)) {
            (Some(x), None) => emit(out, '-', indent, Some(k), x),
            (None, Some(y)) => emit(out, '+', indent, Some(k), y),
            (Some(x), Some(y)) if !keyed::same(x, y) => diff_member(out, indent, k, x, y),
            _ => {}
        }
    }
}

/// A member present on both sides with different values.
fn diff_member(out: &mut Vec<Line>, indent: usize, key: &str, x: &Value, y: &Value) {
    let nested = match (x, y) {
        (Value::Object(_), Value::Object(_)) => true,
        (Value::Array(_), Value::Array(_)) => inline(x).is_none() || inline(y).is_none(),
        _ => false,
    };
    if nested {
        out.push(Line::new(' ', indent, &format!("{key}:")));
        diff_value(out, indent + 2, x, y);
    } else {
        emit(out, '-', indent, Some(key), x);
        emit(out, '+', indent, Some(key), y);
    }
}

/// Lists: items are matched by name (`crate::keyed`), not position; equal items are left out,
/// a changed item is shown as a diff of its members under `~` (with its name as context),
/// added and removed items whole.
fn diff_array(out: &mut Vec<Line>, indent: usize, a: &[Value], b: &[Value]) {
    for pair in keyed::pairs(a, b) {
        match pair {
            Pair::Removed(x) => emit_item(out, '-', indent, x),
            Pair::Added(y) => emit_item(out, '+', indent, y),
            Pair::Changed(Value::Object(m), Value::Object(n)) => changed_item(out, indent, m, n),
            Pair::Changed(x, y) => {
                emit_item(out, '-', indent, x);
                emit_item(out, '+', indent, y);
            }
        }
    }
}

/// A list item whose members changed: `~ - name: …` (or a bare `~ -`) as its header, then the
/// member diff two further in.
pub(crate) fn changed_item(
    out: &mut Vec<Line>,
    indent: usize,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) {
    let start = out.len();
    diff_object(out, indent + 2, a, b);
    match out.get_mut(start) {
        Some(first) if first.mark == ' ' => {
            dash(first, indent);
            first.mark = '~';
        }
        _ => out.insert(start, Line::new('~', indent, "-")),
    }
}
