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
    if d.selectors != default {
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

/// An existing trail's selectors, replaced when they differ (order carries no meaning).
pub(crate) fn update(out: &mut Out, t: &Target, live: &TrailState, d: &Desired) {
    if live.selectors.clone().normalised() != d.selectors {
        let lost = coverage::selectors(&live.selectors, &d.selectors);
        let restored = coverage::selectors(&d.selectors, &live.selectors);
        let reason = if lost.is_empty() {
            "event selectors differ from the spec"
        } else {
            "the new selectors log fewer events"
        };
        out.step(
            put_event_selectors(t, reason, &live.selectors, &d.selectors).coverage(lost, restored),
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
