//! Where a spec's alert rules live (`guardrails::alerts::places` over the desired trail, the
//! bucket's owner and role, the key's ARN and role, the log group), and how a place reads in
//! messages: shared by the alert steps and their preflight.

use orgtrail_spec::Spec;

use super::desired::{desired, trail_owner};
use crate::guardrails::alerts::{self, Part, Watch};
use crate::model::{AlertPlace, LiveState, TrailLive};

/// The places of `spec`'s resources and what each watches (orgtrail-aws reads the rules
/// there).
pub fn places(spec: &Spec, tl: &TrailLive, live: &LiveState) -> Vec<(AlertPlace, Vec<Part>)> {
    let owner = trail_owner(spec, live);
    let d = desired(spec, &live.caller.partition, owner, tl.kms.as_ref());
    let mgmt = live
        .organization
        .as_ref()
        .map_or(live.caller.account.as_str(), |o| {
            o.management_account.as_str()
        });
    let b = &spec.bucket;
    let key = d
        .trail
        .kms_key_id
        .as_deref()
        .filter(|k| k.contains(":key/"));
    let group = d.trail.cloudwatch_logs.as_ref().map(|(g, _)| g.as_str());
    alerts::places(&Watch {
        caller: &live.caller.account,
        trail: (&spec.trail.name, &d.arn, owner, &spec.trail.home_region),
        bucket: (
            &b.name,
            b.owner(mgmt),
            spec.bucket_region(),
            b.role_arn.as_deref(),
            b.read_role_arn.as_deref(),
            b.external_id.as_deref(),
        ),
        key: key.map(|k| (k, spec.trail.kms_role_arn.as_deref())),
        log_group_arn: group,
    })
}

pub(crate) fn where_(p: &AlertPlace) -> String {
    format!("account {} {}", p.account, p.region)
}
