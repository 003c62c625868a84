//! Which items of two lists are the same item. CloudTrail and IAM give the order of a list no
//! meaning (selectors, field selectors, insight selectors, policy statements, actions), so items
//! are matched by the member that names them, as Terraform diffs a set: by position a selector
//! added in front of another would read as that other one renamed.
//!
//! Items without a name are matched by content; those left over on both sides are paired in
//! order when they share a member (a basic selector that gained a data resource is the same
//! selector, changed), otherwise one is removed and the other added.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Members that name a list item, in the order tried: an advanced selector's `name`, a field
/// selector's `field`, an insight selector's or a data resource's `type`, a policy statement's
/// `Sid`.
pub(crate) const KEYS: [&str; 4] = ["name", "field", "type", "Sid"];

/// One item of the live list, the other list, or both.
#[derive(Debug, PartialEq)]
pub(crate) enum Pair<'a> {
    Removed(&'a Value),
    Added(&'a Value),
    Changed(&'a Value, &'a Value),
}

/// Equal once every list is sorted: a list that is only reordered is no change.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    canon(a) == canon(b)
}

/// Lists sorted and object members in key order, at every level.
fn canon(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canon).collect();
            items.sort_by_cached_key(Value::to_string);
            Value::Array(items)
        }
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by_key(|(k, _)| *k);
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, x)| (k.clone(), canon(x)))
                    .collect::<Map<String, Value>>(),
            )
        }
        other => other.clone(),
    }
}

/// The name `key` gives an item (a string or a number), if it has one.
pub(crate) fn name_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The member that names the items of these lists: the first of [`KEYS`] some item has.
fn list_key(a: &[Value], b: &[Value]) -> Option<&'static str> {
    KEYS.into_iter()
        .find(|k| a.iter().chain(b).any(|v| name_of(v, k).is_some()))
}

/// The names two items of one side share: such a name names nothing (the AWS guide's policy
/// repeats `AWSCloudTrailWrite20150319`), so those items are matched by content; every other
/// item keeps its name.
fn repeated(a: &[Value], b: &[Value], key: Option<&str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for list in [a, b] {
        let mut seen = BTreeSet::new();
        for n in list.iter().filter_map(|v| key.and_then(|k| name_of(v, k))) {
            if !seen.insert(n.clone()) {
                out.insert(n);
            }
        }
    }
    out
}

/// Two unnamed objects with a member in common that tells items apart (every statement has
/// an `Effect`, a shared `Sid` named nothing).
fn share_a_member(x: &Value, y: &Value) -> bool {
    match (x, y) {
        (Value::Object(m), Value::Object(n)) => m
            .iter()
            .filter(|(k, _)| !["Effect", "Sid"].contains(&k.as_str()))
            .any(|(k, v)| n.get(k).is_some_and(|w| same(v, w))),
        _ => false,
    }
}

/// The items that differ: removed ones first (in live order), then changed and added ones in
/// the order of the other side. Items equal on both sides are left out.
pub(crate) fn pairs<'a>(a: &'a [Value], b: &'a [Value]) -> Vec<Pair<'a>> {
    let key = list_key(a, b);
    let shared = repeated(a, b, key);
    let name = |v: &Value| {
        key.and_then(|k| name_of(v, k))
            .filter(|n| !shared.contains(n))
    };
    // partner[j]: the live item matched with b[j].
    let mut partner: Vec<Option<usize>> = vec![None; b.len()];
    let mut taken = vec![false; a.len()];
    let mut pair = |i: usize, fits: &dyn Fn(&Value) -> bool, taken: &mut [bool]| {
        if let Some(j) = (0..b.len()).find(|&j| partner[j].is_none() && fits(&b[j])) {
            partner[j] = Some(i);
            taken[i] = true;
        }
    };
    for (i, x) in a.iter().enumerate() {
        match name(x) {
            Some(n) => pair(i, &|y| name(y).as_ref() == Some(&n), &mut taken),
            None => pair(i, &|y| name(y).is_none() && same(x, y), &mut taken),
        }
    }
    for (i, x) in a.iter().enumerate() {
        if !taken[i] && name(x).is_none() {
            let fits = |y: &Value| name(y).is_none() && share_a_member(x, y);
            pair(i, &fits, &mut taken);
        }
    }
    let mut out: Vec<Pair<'a>> = a
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(x, _)| Pair::Removed(x))
        .collect();
    for (y, p) in b.iter().zip(&partner) {
        match p {
            None => out.push(Pair::Added(y)),
            Some(i) if !same(&a[*i], y) => out.push(Pair::Changed(&a[*i], y)),
            Some(_) => {}
        }
    }
    out
}
