//! `trail.tags` -> the trail's tag map, with AWS's tagging limits (at most 50 tags, key and
//! value rules, each key once).

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::cx::Cx;
use super::node::Node;
use crate::rules;

pub(super) fn tags(cx: &mut Cx, n: &Spanned<Node>) -> Option<BTreeMap<String, String>> {
    let Node::Map(entries) = &n.value else {
        cx.err(
            n,
            "trail.tags",
            format!(
                "expected a mapping of tag keys to values, found {}",
                n.value.kind()
            ),
            "write tags as `key: value` lines",
        );
        return None;
    };
    if entries.len() > 50 {
        cx.err(
            n,
            "trail.tags",
            format!(
                "{} tags; CloudTrail allows at most 50 per trail",
                entries.len()
            ),
            "remove some tags",
        );
    }
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let p = format!("trail.tags.{}", k.value);
        // Booleans and whole numbers read back as written; a float may not (`1.10` is 1.1), so
        // it must be quoted like a list or a mapping.
        let value = match &v.value {
            Node::Str(s) => s.clone(),
            Node::Null => String::new(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            other => {
                cx.err(
                    v,
                    &p,
                    format!("a tag value must be a string, found {}", other.kind()),
                    "quote the value",
                );
                continue;
            }
        };
        cx.check(k, &p, rules::tag_key(&k.value));
        cx.check(v, &p, rules::tag_value(&value));
        if out.insert(k.value.clone(), value).is_some() {
            cx.err(
                k,
                &p,
                format!("duplicate tag `{}`", k.value),
                "keep one of the two",
            );
        }
    }
    Some(out)
}
