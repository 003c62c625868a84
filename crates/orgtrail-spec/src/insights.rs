//! CloudTrail Insights selectors: an insight type and the event categories it analyses
//! (PutInsightSelectors' `InsightSelectors: [{InsightType, EventCategories}]`).
//!
//! A spec lists either the type alone (`ApiCallRateInsight`: Insights on management events, as
//! before event categories existed, and as AWS does when `EventCategories` is not sent) or
//! `{type, event_categories: [Management, Data]}`.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CloudTrail Insights types.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum InsightType {
    ApiCallRateInsight,
    ApiErrorRateInsight,
}

impl InsightType {
    pub fn as_str(self) -> &'static str {
        match self {
            InsightType::ApiCallRateInsight => "ApiCallRateInsight",
            InsightType::ApiErrorRateInsight => "ApiErrorRateInsight",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ApiCallRateInsight" => Some(InsightType::ApiCallRateInsight),
            "ApiErrorRateInsight" => Some(InsightType::ApiErrorRateInsight),
            _ => None,
        }
    }
}

/// The event categories CloudTrail Insights analyses (`SourceEventCategory`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum InsightCategory {
    Management,
    Data,
}

impl InsightCategory {
    pub const ALL: [InsightCategory; 2] = [InsightCategory::Management, InsightCategory::Data];

    pub fn as_str(self) -> &'static str {
        match self {
            InsightCategory::Management => "Management",
            InsightCategory::Data => "Data",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Words for a reviewer.
    pub fn describe(self) -> &'static str {
        match self {
            InsightCategory::Management => "management events",
            InsightCategory::Data => "data events",
        }
    }
}

/// One insight selector: an Insights type and the event categories it analyses.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct InsightSelector {
    #[serde(rename = "type")]
    pub insight_type: InsightType,
    /// The event categories it analyses: `Management`, `Data` or both (default `[Management]`).
    /// Parsed specs hold them sorted, each once.
    #[serde(default = "management_only")]
    #[schemars(length(min = 1))]
    pub event_categories: Vec<InsightCategory>,
}

fn management_only() -> Vec<InsightCategory> {
    vec![InsightCategory::Management]
}

impl InsightSelector {
    /// The type on management events: what a bare type name means.
    pub fn management(insight_type: InsightType) -> Self {
        InsightSelector {
            insight_type,
            event_categories: management_only(),
        }
    }

    /// What a list of selectors analyses: (type, category) pairs.
    pub fn pairs(list: &[InsightSelector]) -> BTreeSet<(InsightType, InsightCategory)> {
        list.iter()
            .flat_map(|s| s.event_categories.iter().map(|c| (s.insight_type, *c)))
            .collect()
    }

    /// One selector per type with its categories sorted, types sorted: selectors with the same
    /// meaning compare equal. A type with no category is dropped (it analyses nothing).
    pub fn normalise(list: &[InsightSelector]) -> Vec<InsightSelector> {
        let mut out: Vec<InsightSelector> = Vec::new();
        for (t, c) in Self::pairs(list) {
            match out.last_mut() {
                Some(last) if last.insight_type == t => last.event_categories.push(c),
                _ => out.push(InsightSelector {
                    insight_type: t,
                    event_categories: vec![c],
                }),
            }
        }
        out
    }
}

/// An insight selector: an insight type alone, or a type with its event categories. (This type
/// only describes the JSON Schema; parsed specs hold `InsightSelector` values.)
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code, reason = "describes the schema, never built")]
pub(crate) enum InsightSelectorForm {
    /// The type alone: Insights on management events.
    Type(InsightType),
    /// The type and the event categories to analyse.
    Selector(InsightSelector),
}
