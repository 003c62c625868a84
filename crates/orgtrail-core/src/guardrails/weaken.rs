//! What changing a guardrail loses, in words: the calls it stops denying (grouped by resource),
//! the principals it newly exempts, any other condition a Deny gains (it then denies only
//! sometimes: an intruder's `StringEquals aws:PrincipalAccount: 000000000000` neuters it), and
//! `NotAction`/`NotResource` (what it denies can no longer be told). A reordering, a Sid renamed
//! or a document formatted otherwise loses nothing. A document orgtrail cannot read is never
//! claimed to protect.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The calls a document denies, as (resource, action, condition) triples, and the principals its Deny
/// statements exempt by `aws:PrincipalArn`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Denies {
    /// (resource, action, the Deny's condition besides the exemption): the same call denied
    /// always (`None`) or only when a condition holds.
    pub triples: BTreeSet<(String, String, Option<String>)>,
    pub exempt: BTreeSet<String>,
    /// A Deny uses NotAction or NotResource.
    pub negated: bool,
}

impl Denies {
    /// Whether `(r, a)` stays denied at least whenever it was under `c`: denied always, or
    /// under the same condition.
    fn covers(&self, r: &str, a: &str, c: Option<&String>) -> bool {
        self.triples
            .iter()
            .any(|(r2, a2, c2)| r2 == r && a2 == a && (c2.is_none() || c2.as_ref() == c))
    }

    /// The condition `(r, a)` is denied under, if only under one.
    fn condition_of(&self, r: &str, a: &str) -> Option<&String> {
        self.triples
            .iter()
            .find(|(r2, a2, _)| r2 == r && a2 == a)
            .and_then(|(_, _, c)| c.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.triples.is_empty()
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The Deny statements of `text`; empty when it is not a policy document.
pub fn denies(text: &str) -> Denies {
    let mut out = Denies::default();
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return out;
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    for st in statements.iter().filter(|s| s["Effect"] == "Deny") {
        let other = other_condition(st.get("Condition"));
        for r in strings(st.get("Resource")) {
            for a in strings(st.get("Action")) {
                out.triples.insert((r.clone(), a, other.clone()));
            }
        }
        let exempt = st
            .pointer("/Condition/ArnNotLike/aws:PrincipalArn")
            .or_else(|| st.pointer("/Condition/ArnNotEquals/aws:PrincipalArn"));
        out.exempt.extend(strings(exempt));
        out.negated |= st.get("NotAction").is_some() || st.get("NotResource").is_some();
    }
    out
}

/// A condition without the exemption (`ArnNotLike`/`ArnNotEquals` on `aws:PrincipalArn`), as
/// canonical JSON; `None` when nothing else is left.
fn other_condition(c: Option<&Value>) -> Option<String> {
    let mut c = c?.as_object()?.clone();
    for op in ["ArnNotLike", "ArnNotEquals"] {
        if let Some(Value::Object(keys)) = c.get_mut(op) {
            keys.remove("aws:PrincipalArn");
            if keys.is_empty() {
                c.remove(op);
            }
        }
    }
    // One line, members sorted: the same condition always reads the same.
    (!c.is_empty()).then(|| {
        let pretty = crate::policy::canonical_pretty(&Value::Object(c));
        pretty.split_whitespace().collect::<Vec<_>>().join(" ")
    })
}

/// What going from `from` to `to` loses (both policy texts of one guardrail): each call on
/// each resource `from` denied (always, or under a condition) that `to` denies no longer, or
/// only under another condition; principals newly exempted; NotAction/NotResource.
pub fn lost(what: &str, from: &str, to: &str) -> Vec<String> {
    let (a, b) = (denies(from), denies(to));
    // (resource, the condition `to` still denies under) -> actions
    let mut grouped: BTreeMap<(&str, Option<&String>), Vec<&str>> = BTreeMap::new();
    for (r, act, c) in &a.triples {
        if !b.covers(r, act, c.as_ref()) {
            grouped
                .entry((r, b.condition_of(r, act)))
                .or_default()
                .push(act);
        }
    }
    let mut out: Vec<String> = grouped
        .into_iter()
        .map(|((r, still), mut acts)| {
            acts.dedup();
            let acts = acts.join(", ");
            match still {
                None => format!("{what} no longer denies {acts} on {r}"),
                Some(c) => format!("{what} denies {acts} on {r} only when {c}"),
            }
        })
        .collect();
    if !b.is_empty() {
        out.extend(
            b.exempt
                .difference(&a.exempt)
                .map(|p| format!("{what} newly exempts {p}")),
        );
        if b.negated && !a.negated {
            out.push(format!(
                "{what} uses NotAction or NotResource: what it denies cannot be told"
            ));
        }
    }
    out
}

/// What a guardrail protects everywhere it applies, in one line per resource: what detaching or
/// deleting it loses at `target`.
pub fn everything(what: &str, text: &str, target: &str) -> Vec<String> {
    let d = denies(text);
    let mut by_resource: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, act, _) in &d.triples {
        by_resource.entry(r).or_default().push(act);
    }
    by_resource
        .into_iter()
        .map(|(r, acts)| {
            format!(
                "{what} at {target} no longer denies {} on {r}",
                acts.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guardrails::{Protected, scp, text};

    fn protected() -> Protected {
        Protected {
            partition: "aws".into(),
            trail_arn: "arn:aws:cloudtrail:us-east-2:111111111111:trail/org".into(),
            bucket: "logs".into(),
            logs_prefix: "AWSLogs/".into(),
            key_arn: None,
            log_group_arn: None,
            alert_rules_arn: None,
            alert_topic_arn: None,
        }
    }

    #[test]
    fn the_same_guardrail_reformatted_loses_nothing() {
        let doc = scp::document(&protected(), &["arn:aws:iam::111111111111:role/ci".into()]);
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        assert!(lost("the SCP", &pretty, &text(&doc)).is_empty());
    }

    #[test]
    fn a_new_exemption_and_an_action_dropped_are_each_named() {
        let ci = "arn:aws:iam::111111111111:role/ci".to_string();
        let from = text(&scp::document(&protected(), std::slice::from_ref(&ci)));
        let mut narrowed = scp::document(
            &protected(),
            &[ci, "arn:aws:iam::222222222222:role/*".into()],
        );
        narrowed["Statement"][1]["Action"] = serde_json::json!(["s3:DeleteBucket"]);
        let lines = lost("the SCP", &from, &text(&narrowed));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("s3:PutLifecycleConfiguration")
                    && l.ends_with("arn:aws:s3:::logs")),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"the SCP newly exempts arn:aws:iam::222222222222:role/*".to_string()),
            "{lines:?}"
        );
    }

    #[test]
    fn a_condition_that_neuters_a_deny_is_lost() {
        let ci = "arn:aws:iam::111111111111:role/ci".to_string();
        let from = text(&scp::document(&protected(), std::slice::from_ref(&ci)));
        let mut neutered = scp::document(&protected(), &[ci]);
        neutered["Statement"][1]["Condition"]["StringEquals"] =
            serde_json::json!({"aws:PrincipalAccount": "000000000000"});
        let lines = lost("the SCP", &from, &text(&neutered));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("only when") && l.contains("000000000000")),
            "{lines:?}"
        );
    }

    #[test]
    fn an_rcp_that_lost_its_organization_statement_is_lost() {
        let resources = [
            "arn:aws:s3:::logs".to_string(),
            "arn:aws:s3:::logs/*".to_string(),
        ];
        let rcp = crate::guardrails::rcp::document(&resources, "o-example");
        let mut edited = rcp.clone();
        edited["Statement"].as_array_mut().unwrap().remove(0);
        let lines = lost("the RCP", &text(&rcp), &text(&edited));
        assert!(
            !lines.is_empty(),
            "removing the identity perimeter loses it"
        );
        assert!(lost("the RCP", &text(&rcp), &text(&rcp)).is_empty());
    }

    #[test]
    fn an_unreadable_live_document_is_never_claimed_to_protect() {
        let to = text(&scp::document(&protected(), &[]));
        assert!(lost("the SCP", "not json", &to).is_empty());
        assert!(everything("the SCP", "{}", "r-1").is_empty());
    }
}
