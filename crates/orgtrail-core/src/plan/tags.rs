//! Tags are authoritative: missing or different tags are added, tags not in the spec removed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::model::{Action, FieldChange, change};
use super::out::Out;
use super::target::Target;

type Tags = BTreeMap<String, String>;

fn tag_change(k: &str, live: &Tags, after: Value) -> FieldChange {
    change(
        &format!("tags.{k}"),
        live.get(k).map_or(Value::Null, |v| json!(v)),
        after,
    )
}

pub(crate) fn update(out: &mut Out, t: &Target, live: &Tags, want: &Tags) {
    let add: Tags = want
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove: Vec<String> = live
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    if !add.is_empty() {
        let changes = add
            .iter()
            .map(|(k, v)| tag_change(k, live, json!(v)))
            .collect();
        out.step(
            t.step(
                "tags are authoritative",
                Action::AddTags {
                    region: t.region(),
                    trail_arn: t.trail_arn(),
                    tags: add,
                },
            )
            .with_changes(changes),
        );
    }
    if !remove.is_empty() {
        let changes = remove
            .iter()
            .map(|k| tag_change(k, live, Value::Null))
            .collect();
        out.step(
            t.step(
                "tags are authoritative: tags not in the spec are removed",
                Action::RemoveTags {
                    region: t.region(),
                    trail_arn: t.trail_arn(),
                    keys: remove,
                },
            )
            .with_changes(changes),
        );
    }
}
