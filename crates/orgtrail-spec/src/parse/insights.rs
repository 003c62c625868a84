//! `trail.insight_selectors` -> [`InsightSelector`]s: each an insight type alone (on management
//! events) or `{type, event_categories}`; each type once, the list sorted.

use serde_saphyr::Spanned;

use super::cx::{Cx, did_you_mean_or, join};
use super::fields::Fields;
use super::node::Node;
use crate::insights::{InsightCategory, InsightSelector, InsightType};

pub(super) fn insight_selectors(cx: &mut Cx, n: &Spanned<Node>) -> Vec<InsightSelector> {
    let mut out: Vec<InsightSelector> = Vec::new();
    for (idx, item) in cx.list(n, "trail.insight_selectors").iter().enumerate() {
        let p = format!("trail.insight_selectors[{idx}]");
        let Some((sel, at)) = insight_selector(cx, item, &p) else {
            continue;
        };
        if out.iter().any(|s| s.insight_type == sel.insight_type) {
            cx.err(
                at,
                &p,
                format!(
                    "insight type `{}` is listed twice",
                    sel.insight_type.as_str()
                ),
                "list each insight type once, with all its event categories",
            );
        } else {
            out.push(sel);
        }
    }
    out.sort();
    out
}

/// One selector, and where its type is written (for the "listed twice" error).
fn insight_selector<'a>(
    cx: &mut Cx,
    item: &'a Spanned<Node>,
    p: &str,
) -> Option<(InsightSelector, &'a Spanned<Node>)> {
    if let Node::Str(s) = &item.value {
        let t = insight_type(cx, item, p, s)?;
        return Some((InsightSelector::management(t), item));
    }
    if !matches!(item.value, Node::Map(_)) {
        cx.err(
            item,
            p,
            format!(
                "expected an insight type or `{{type, event_categories}}`, found {}",
                item.value.kind()
            ),
            "write `ApiCallRateInsight`, or `{type: ApiCallRateInsight, event_categories: [Management, Data]}`",
        );
        return None;
    }
    let f = cx.fields(item, p, &["type", "event_categories"])?;
    let categories = insight_categories(cx, &f);
    let (s, at) = cx.req_string(&f, "type")?;
    let t = insight_type(cx, &at, &join(p, "type"), &s)?;
    let mut event_categories = categories?;
    event_categories.sort();
    Some((
        InsightSelector {
            insight_type: t,
            event_categories,
        },
        f.map.get("type").copied().unwrap_or(item),
    ))
}

fn insight_type(cx: &mut Cx, at: &Spanned<Node>, p: &str, s: &str) -> Option<InsightType> {
    let t = InsightType::parse(s);
    if t.is_none() {
        let allowed = ["ApiCallRateInsight", "ApiErrorRateInsight"];
        let help = did_you_mean_or(s, &allowed, "use ApiCallRateInsight or ApiErrorRateInsight");
        cx.err(at, p, format!("unknown insight type `{s}`"), help);
    }
    t
}

/// `event_categories`: `Management` and/or `Data`, each once (default `[Management]`).
fn insight_categories(cx: &mut Cx, f: &Fields) -> Option<Vec<InsightCategory>> {
    let Some(n) = f.map.get("event_categories").copied() else {
        return Some(vec![InsightCategory::Management]);
    };
    let path = join(&f.path, "event_categories");
    let items = cx.list(n, &path);
    if items.is_empty() {
        cx.err(
            n,
            &path,
            "`event_categories` is empty: the insight type would analyse nothing",
            "list `Management`, `Data` or both, or remove the insight type",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let ip = format!("{path}[{i}]");
        let Some(s) = cx.string(item, &ip) else {
            ok = false;
            continue;
        };
        match InsightCategory::parse(&s) {
            Some(c) if out.contains(&c) => {
                cx.err(item, &ip, format!("`{s}` is listed twice"), "list it once");
                ok = false;
            }
            Some(c) => out.push(c),
            None => {
                let help = did_you_mean_or(
                    &s,
                    &["Management", "Data"],
                    "Insights analyse `Management` or `Data` events",
                );
                cx.err(item, &ip, format!("unknown event category `{s}`"), help);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}
