//! The RCP against CloudTrail's own deliveries: every delivery the coverage model lists for the
//! trails writing to the RCP's bucket (the ACL check, log and digest files of each account and
//! region sampled) is evaluated under the RCP with the context CloudTrail sends, including
//! `aws:SourceOrgID` (present for a request on behalf of a resource in an organization, IAM user
//! guide, "AWS global condition context keys"). A delivery the RCP denies is a preflight
//! error: a guardrail must never create the blind spot it is meant to prevent.

use super::desired::trail_owner;
use super::model::{FindingCode, SpecInput};
use super::out::Out;
use crate::coverage::sample;
use crate::iam::{self, Decision, NormStatement, normalise_statement, parse_document};
use crate::model::{LiveState, TrailRef};

/// Error when the RCP `content` denies a delivery of a trail writing to its bucket.
pub(crate) fn denies_delivery(
    out: &mut Out,
    path: &str,
    content: &str,
    specs: &[SpecInput],
    live: &LiveState,
) {
    let Some(org) = live.organization.as_ref() else {
        return;
    };
    let Ok(doc) = parse_document(content) else {
        return;
    };
    let statements: Vec<NormStatement> = doc
        .statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .collect();
    let refs: Vec<TrailRef> = specs
        .iter()
        .filter(|s| s.spec.guardrails.as_ref().is_some_and(|g| g.rcp))
        .map(|s| TrailRef {
            partition: live.caller.partition.clone(),
            home_region: s.spec.trail.home_region.clone(),
            account: trail_owner(s.spec, live).to_string(),
            trail_name: s.spec.trail.name.clone(),
            org_id: org.id.clone(),
            bucket: s.spec.bucket.name.clone(),
            prefix: s.spec.trail.s3_key_prefix.clone(),
        })
        .collect();
    let denied = sample::of_trails(&refs, &[]).into_iter().find(|d| {
        let mut r = d.request();
        r.context
            .insert("aws:sourceorgid".into(), Some(org.id.clone()));
        iam::evaluate(&statements, &r) == Decision::ExplicitlyDenied
    });
    if let Some(d) = denied {
        out.error(
            path,
            FindingCode::GuardrailDeniesDelivery,
            format!(
                "the RCP would deny CloudTrail's {} of {} by trail {}",
                d.action, d.resource, d.source_arn
            ),
            "report this as an orgtrail bug: the RCP it derives must let the organization's trails deliver",
        );
    }
}
