//! Event selectors (basic or advanced) and CloudTrail Insights selectors.

use orgtrail_spec::InsightSelector;
use serde_json::{Value, json};

use super::desired::Desired;
use super::model::{Action, Step, change};
use super::out::Out;
use super::target::Target;
use crate::coverage;
use crate::model::{Selectors, TrailState};

fn value(s: &Selectors) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn put_event_selectors(t: &Target, reason: &str, live: &Selectors, want: &Selectors) -> Step {
    t.step(
        reason,
        Action::PutEventSelectors {
            region: t.region(),
            trail_arn: t.trail_arn(),
            selectors: want.clone(),
        },
    )
    .with_changes(vec![change("event_selectors", value(live), value(want))])
}

fn put_insight_selectors(t: &Target, reason: &str, live: &[InsightSelector], d: &Desired) -> Step {
    t.step(
        reason,
        Action::PutInsightSelectors {
            region: t.region(),
            trail_arn: t.trail_arn(),
            insights: d.insights.clone(),
        },
    )
    .with_changes(vec![change(
        "insight_selectors",
        json!(live),
        json!(d.insights),
    )])
}

/// A new trail starts with AWS's default selector and no insights.
pub(crate) fn for_new_trail(out: &mut Out, t: &Target, d: &Desired) {
    let default = Selectors::aws_default();
    if d.selectors.clone().normalised() != default {
        out.step(
            // A trail that does not exist yet has no coverage to lose.
            put_event_selectors(t, "the spec sets event selectors", &default, &d.selectors),
        );
    }
    if !d.insights.is_empty() {
        out.step(put_insight_selectors(
            t,
            "the spec enables CloudTrail Insights",
            &[],
            d,
        ));
    }
}

/// What a selector change does, in the coverage model's words: the events it adds (naming the
/// resources, as the coverage model finds them), whether it also loses some (listed as the
/// step's `loses:` lines), or that only the form differs.
fn selectors_reason(gained: &[String], loses: bool) -> String {
    let shown: Vec<&str> = gained.iter().take(2).map(String::as_str).collect();
    let more = if gained.len() > 2 { " and more" } else { "" };
    match (shown.is_empty(), loses) {
        (true, false) => "the spec's selectors log the same events in another form".to_string(),
        (true, true) => "the spec's selectors log fewer events (listed under `loses:`)".to_string(),
        (false, false) => format!("the spec's selectors also log: {}{more}", shown.join("; ")),
        (false, true) => format!(
            "the spec's selectors log other events: they add {}{more}, and lose those listed under `loses:`",
            shown.join("; ")
        ),
    }
}

/// An existing trail's selectors, replaced when they differ (order carries no meaning).
pub(crate) fn update(out: &mut Out, t: &Target, live: &TrailState, d: &Desired) {
    if live.selectors.clone().normalised() != d.selectors.clone().normalised() {
        let lost = coverage::selectors(&live.selectors, &d.selectors);
        let restored = coverage::selectors(&d.selectors, &live.selectors);
        let gained = coverage::events_added(&live.selectors, &d.selectors);
        let reason = selectors_reason(&gained, !lost.is_empty());
        out.step(
            put_event_selectors(t, &reason, &live.selectors, &d.selectors).coverage(lost, restored),
        );
    }
    let live_ins = InsightSelector::normalise(&live.insights);
    if live_ins != d.insights {
        let lost = coverage::insights(&live_ins, &d.insights);
        let restored = coverage::insights(&d.insights, &live_ins);
        out.step(
            put_insight_selectors(t, "insight selectors differ from the spec", &live_ins, d)
                .coverage(lost, restored),
        );
    }
}
