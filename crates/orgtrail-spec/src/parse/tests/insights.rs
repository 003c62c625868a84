//! Insight selectors: a bare type (management events) or a type with its event categories.

use super::{BASE, errs};
use crate::parse_bytes;

type Pairs = &'static [(&'static str, &'static [&'static str])];

/// (behaviour, `insight_selectors:` value, Ok(type -> categories) or an expected error)
const INSIGHT_CASES: &[(&str, &str, Result<Pairs, &str>)] = &[
    ("none", "[]", Ok(&[])),
    (
        "a_bare_type_means_management_events",
        "[ApiCallRateInsight]",
        Ok(&[("ApiCallRateInsight", &["Management"])]),
    ),
    (
        "a_map_names_its_event_categories",
        "[{type: ApiErrorRateInsight, event_categories: [Data, Management]}]",
        Ok(&[("ApiErrorRateInsight", &["Management", "Data"])]),
    ),
    (
        "a_map_without_categories_means_management_events",
        "[{type: ApiCallRateInsight}]",
        Ok(&[("ApiCallRateInsight", &["Management"])]),
    ),
    (
        "data_only",
        "[{type: ApiCallRateInsight, event_categories: [Data]}]",
        Ok(&[("ApiCallRateInsight", &["Data"])]),
    ),
    (
        "both_forms_in_one_list",
        "[{type: ApiErrorRateInsight, event_categories: [Data]}, ApiCallRateInsight]",
        Ok(&[
            ("ApiCallRateInsight", &["Management"]),
            ("ApiErrorRateInsight", &["Data"]),
        ]),
    ),
    (
        "unknown_category",
        "[{type: ApiCallRateInsight, event_categories: [Datas]}]",
        Err("7:69 trail.insight_selectors[0].event_categories[0]: unknown event category `Datas`"),
    ),
    (
        "no_category",
        "[{type: ApiCallRateInsight, event_categories: []}]",
        Err(
            "7:68 trail.insight_selectors[0].event_categories: `event_categories` is empty: the insight type would analyse nothing",
        ),
    ),
    (
        "category_twice",
        "[{type: ApiCallRateInsight, event_categories: [Data, Data]}]",
        Err("7:75 trail.insight_selectors[0].event_categories[1]: `Data` is listed twice"),
    ),
    (
        "type_twice_across_forms",
        "[ApiCallRateInsight, {type: ApiCallRateInsight, event_categories: [Data]}]",
        Err("7:50 trail.insight_selectors[1]: insight type `ApiCallRateInsight` is listed twice"),
    ),
    (
        "unknown_key",
        "[{type: ApiCallRateInsight, categories: [Data]}]",
        Err("7:50 trail.insight_selectors[0].categories: unknown field `categories`"),
    ),
    (
        "unknown_type_in_a_map",
        "[{type: ApiCallRate}]",
        Err("7:30 trail.insight_selectors[0].type: unknown insight type `ApiCallRate`"),
    ),
    (
        "neither_a_type_nor_a_map",
        "[7]",
        Err(
            "7:23 trail.insight_selectors[0]: expected an insight type or `{type, event_categories}`, found a number",
        ),
    ),
];

#[test]
fn insight_selectors_take_a_type_or_a_type_with_event_categories() {
    let mut failures = Vec::new();
    for (name, value, want) in INSIGHT_CASES {
        let yaml = format!("{BASE}  insight_selectors: {value}\n");
        let got = match parse_bytes("t.yaml", yaml.as_bytes()) {
            Ok(spec) => Ok(spec
                .trail
                .insight_selectors
                .iter()
                .map(|s| {
                    let cats: Vec<&str> = s.event_categories.iter().map(|c| c.as_str()).collect();
                    (s.insight_type.as_str(), cats)
                })
                .collect::<Vec<_>>()),
            Err(_) => Err(errs(&yaml)),
        };
        let ok = match (want, &got) {
            (Ok(pairs), Ok(g)) => {
                pairs.len() == g.len()
                    && pairs
                        .iter()
                        .zip(g)
                        .all(|((t, c), (gt, gc))| t == gt && c == gc)
            }
            (Err(e), Err(g)) => g.iter().any(|x| x == e),
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
