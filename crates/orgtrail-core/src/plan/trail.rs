//! Trail steps: preflight for the trail, then either creation (CreateTrail and what a new trail
//! needs after it) or in-place updates. Fields, selectors, tags and logging each have their own
//! module; this one only orders them.

use serde_json::{Value, json};

use super::desired::{Desired, desired};
use super::fields;
use super::model::{Action, SpecInput, change};
use super::out::Out;
use super::target::Target;
use super::{feedback, logging, preflight, selectors, tags};
use crate::coverage;
use crate::model::{TrailLive, TrailState};

/// All steps and findings for one spec's trail. `owner`: the account that owns the trail;
/// `org_id`: the caller's organization.
pub(crate) fn steps(
    out: &mut Out,
    s: &SpecInput,
    tl: &TrailLive,
    partition: &str,
    owner: &str,
    caller: &str,
    org_id: Option<&str>,
) {
    let path = s.path.as_str();
    let d = desired(s.spec, partition, owner, tl.kms.as_ref());
    preflight::kms_key(out, path, s.spec, tl.kms.as_ref(), caller, &d.arn);
    if preflight::name_taken(out, path, s.spec, tl, &d.arn)
        || preflight::managed_by_landing_zone(out, path, s.spec, tl)
    {
        return;
    }
    preflight::beside_landing_zone_trail(out, path, s.spec, tl);
    preflight::cis_warnings(out, path, s.spec);
    preflight::bucket_cis_warnings(out, path, s.spec);
    preflight::duplicate_management_events(out, path, s.spec, tl, owner, &d.arn);
    feedback::log_bucket_loop(out, path, s.spec, partition, owner, org_id);
    let target = Target {
        path,
        arn: &d.arn,
        region: &d.region,
    };
    match &tl.trail {
        None => {
            preflight::trail_limit(out, path, s.spec, tl, owner);
            create(out, &target, &d);
        }
        Some(live) => update(out, &target, live, &d),
    }
}

/// A new trail: CreateTrail, then selectors and insights (CreateTrail takes neither), then
/// StartLogging (a new trail does not log until started).
fn create(out: &mut Out, t: &Target, d: &Desired) {
    let nt = d.trail.clone();
    let mut changes: Vec<_> = fields::compared_new(&nt)
        .into_iter()
        .map(|f| change(f.name, Value::Null, f.desired))
        .collect();
    if !nt.tags.is_empty() {
        changes.push(change("tags", Value::Null, json!(nt.tags)));
    }
    out.step(
        t.step(
            format!("trail `{}` does not exist in {}", nt.name, t.region),
            Action::CreateTrail {
                region: t.region(),
                trail: nt,
            },
        )
        .with_changes(changes)
        .coverage(Vec::new(), coverage::missing("the trail does not exist")),
    );
    selectors::for_new_trail(out, t, d);
    if d.logging {
        out.step(logging::start_new(t));
    }
}

/// An existing trail, updated in place: the ARN never changes and logging is not stopped in
/// between.
fn update(out: &mut Out, t: &Target, live: &TrailState, d: &Desired) {
    if let Some(step) = fields::update_step(t, live, &d.trail) {
        out.step(step);
    }
    selectors::update(out, t, live, d);
    tags::update(out, t, &live.settings.tags, &d.trail.tags);
    if live.logging != d.logging {
        out.step(logging::change_existing(t, live.logging, d.logging));
    }
}
