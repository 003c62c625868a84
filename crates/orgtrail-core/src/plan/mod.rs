//! `diff(specs, live) -> Plan`: a plain, deterministic function.
//!
//! A plan is data ([`model`]): ordered steps, each with an [`Action`] (the exact call apply
//! makes), field-level before/after for review, a display-only reason, and a `reduces_coverage`
//! flag; plus findings (preflight errors that block apply, and warnings).
//!
//! `diff` only orchestrates; each rule lives in the module named after what it is about:
//! [`preflight`] (what must hold first, CIS warnings), [`organization`] (all features, trusted
//! access), [`bucket`] (creation, merged policy), [`trail`] (create or update) with [`fields`],
//! [`selectors`], [`tags`] and [`logging`]; [`staleness`] says when a saved plan is stale.

mod alert_places;
mod alerts;
mod alerts_preflight;
mod billing;
mod bucket;
mod bucket_group;
pub(crate) mod desired;
mod feedback;
mod fields;
mod finding;
mod guardrails;
mod guardrails_delivery;
mod logging;
mod model;
mod organization;
mod out;
mod preflight;
mod protection;
mod selectors;
mod staleness;
mod tags;
mod target;
mod trail;

pub use alert_places::places as alert_places;
pub use billing::{dollars, estimate_line};
pub use feedback::{LogDestination, logs_own_deliveries};
pub use guardrails::{names_caller, principal_arn};
pub use model::*;
pub use staleness::{fingerprint, live_components, spec_hash, stale_reasons, steps_differ};

pub use crate::kms::kms_policy_allows_cloudtrail;
use crate::model::LiveState;
use out::Out;

/// Version of the JSON plan format (`orgtrail plan --format json`, saved plans).
/// 2: bucket set-up as separate steps, coverage lost/restored per step.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// Compute the plan for `specs` against `live` (`live.trails[i]` belongs to `specs[i]`).
pub fn diff(specs: &[SpecInput], live: &LiveState) -> Plan {
    let mut out = Out::default();
    let partition = live.caller.partition.as_str();
    preflight::cross_spec(&mut out, specs);
    let org = preflight::organization(&mut out, live);
    if let Some(o) = org {
        organization::steps(&mut out, specs, o, &live.caller.account);
    }
    for g in bucket_group::groups(specs, live) {
        bucket::steps(&mut out, &g, live, partition);
    }
    for (s, tl) in specs.iter().zip(&live.trails) {
        let owner = desired::trail_owner(s.spec, live);
        let org_id = live.organization.as_ref().map(|o| o.id.as_str());
        trail::steps(
            &mut out,
            s,
            tl,
            partition,
            owner,
            &live.caller.account,
            org_id,
        );
    }
    preflight::management_events_logged(&mut out, specs);
    guardrails::steps(&mut out, specs, live);
    alerts::steps(&mut out, specs, live);
    finish(specs, live, out)
}

/// Sort steps into dependency order and findings by severity; attach the staleness hashes.
fn finish(specs: &[SpecInput], live: &LiveState, out: Out) -> Plan {
    let Out {
        mut steps,
        mut findings,
    } = out;
    // Stable: within one kind, steps keep the order of the specs.
    steps.sort_by_key(|s| order(s.kind));
    // After the sort: the billing of each step follows the trail through the steps before it.
    let estimates = billing::annotate(&mut steps, specs, live);
    let acknowledged = acknowledged(specs, &mut findings);
    findings.sort_by(|a, b| (a.severity, &a.spec, &a.code).cmp(&(b.severity, &b.spec, &b.code)));
    let live_components = live_components(specs, live);
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        specs: specs.iter().map(|s| s.path.clone()).collect(),
        steps,
        findings,
        live_fingerprint: fingerprint(&live_components),
        live_components,
        spec_hash: spec_hash(specs),
        estimates,
        acknowledged,
    }
}

/// The warnings each spec acknowledged, taken out of `findings` (each once, with its reason);
/// errors are never acknowledged.
fn acknowledged(specs: &[SpecInput], findings: &mut Vec<Finding>) -> Vec<Acknowledged> {
    let mut out: Vec<Acknowledged> = Vec::new();
    findings.retain(|f| {
        let ack = specs
            .iter()
            .filter(|s| s.path == f.spec)
            .flat_map(|s| &s.spec.acknowledge)
            .find(|a| a.code == f.code.as_str());
        match ack {
            Some(a) if f.severity == Severity::Warning => {
                let seen = out.iter().any(|o| o.spec == f.spec && o.code == f.code);
                if !seen {
                    out.push(Acknowledged {
                        spec: f.spec.clone(),
                        code: f.code,
                        reason: a.reason.clone(),
                    });
                }
                false
            }
            _ => true,
        }
    });
    out.sort_by(|a, b| (&a.spec, a.code).cmp(&(&b.spec, b.code)));
    out
}

/// Dependency order: organization, bucket (created, protected, its policy, then access logging
/// into a target whose policy is in place), trail, selectors, insights, tags, logging.
fn order(k: StepKind) -> u8 {
    match k {
        StepKind::EnableAllFeatures => 0,
        StepKind::EnableTrustedAccess
        | StepKind::DisableTrustedAccess
        | StepKind::RegisterDelegatedAdministrator
        | StepKind::DeregisterDelegatedAdministrator => 1,
        StepKind::CreateBucket => 2,
        StepKind::PutBucketOwnershipControls
        | StepKind::PutPublicAccessBlock
        | StepKind::PutBucketEncryption
        | StepKind::PutBucketVersioning
        | StepKind::PutObjectLockConfiguration
        | StepKind::PutBucketLifecycle
        | StepKind::RemoveLifecycleRules => 3,
        StepKind::PutBucketPolicy => 4,
        StepKind::PutBucketLogging => 5,
        StepKind::CreateTrail
        | StepKind::UpdateTrail
        | StepKind::ConvertToOrganizationTrail
        | StepKind::ConvertToMultiRegion => 6,
        StepKind::PutEventSelectors => 7,
        StepKind::PutInsightSelectors => 8,
        StepKind::TagTrail | StepKind::UntagTrail => 9,
        StepKind::StartLogging | StepKind::StopLogging => 10,
        // Guardrails last: every write before them is made while nothing denies it.
        StepKind::EnablePolicyType => 11,
        StepKind::CreatePolicy | StepKind::UpdatePolicy => 12,
        StepKind::AttachPolicy | StepKind::DetachPolicy => 13,
        StepKind::DeletePolicy => 14,
        StepKind::PutRule | StepKind::DeleteRule => 15,
        StepKind::PutTargets => 16,
    }
}

#[cfg(test)]
mod alerts_tests;
#[cfg(test)]
mod bucket_tests;
#[cfg(test)]
mod guardrails_tests;
#[cfg(test)]
mod organization_tests;
#[cfg(test)]
mod preflight_tests;
#[cfg(test)]
mod protection_tests;
#[cfg(test)]
mod staleness_tests;
#[cfg(test)]
mod trail_tests;
