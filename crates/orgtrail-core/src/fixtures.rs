//! Test fixtures of the core, shared by the test modules beside each builder: specs written as
//! YAML, live states in which those specs are already applied, and the plan of a spec set.
//! Test-only: nothing outside `#[cfg(test)]` imports it.

use orgtrail_spec::{Spec, parse_bytes};

use crate::model::*;
use crate::plan::{Plan, Severity, SpecInput, StepKind, desired, diff};
use crate::policy::{self, TrailRef};

pub(crate) const MGMT: &str = "111111111111";
pub(crate) const ORG: &str = "o-exampleorgid";
pub(crate) const ARN: &str = "arn:aws:cloudtrail:us-east-2:111111111111:trail/my-trail";

/// A spec for `my-trail` / `my-bucket` in us-east-2 with extra lines under `trail:`.
pub(crate) fn spec(trail_extra: &str) -> Spec {
    spec_with("my-trail", "my-bucket", trail_extra)
}

pub(crate) fn spec_with(name: &str, bucket: &str, trail_extra: &str) -> Spec {
    let yaml = format!(
        "version: 1\nbucket:\n  name: {bucket}\ntrail:\n  name: {name}\n  home_region: us-east-2\n{trail_extra}"
    );
    parse_bytes("test.yaml", yaml.as_bytes()).expect("test spec is valid")
}

pub(crate) fn org() -> OrgState {
    OrgState {
        id: ORG.into(),
        all_features: true,
        management_account: MGMT.into(),
        trusted_access: true,
        delegated_admins: Vec::new(),
        policies: None,
        policies_denied: false,
    }
}

/// The policy orgtrail derives for `specs` on an empty bucket.
pub(crate) fn derived_policy(specs: &[&Spec]) -> String {
    let refs: Vec<TrailRef> = specs
        .iter()
        .map(|s| TrailRef {
            partition: "aws".into(),
            home_region: s.trail.home_region.clone(),
            account: MGMT.into(),
            trail_name: s.trail.name.clone(),
            org_id: ORG.into(),
            bucket: s.bucket.name.clone(),
            prefix: s.trail.s3_key_prefix.clone(),
        })
        .collect();
    let tls = [policy::require_tls("aws", &specs[0].bucket.name)];
    let m = policy::merge_with(&specs[0].bucket.name, None, &refs, &[], &tls).unwrap();
    serde_json::to_string(&m.new_policy.unwrap()).unwrap()
}

/// The live trail exactly as `spec` describes it, logging.
pub(crate) fn live_trail(spec: &Spec) -> TrailState {
    let d = desired::desired(spec, "aws", MGMT, None);
    TrailState {
        arn: d.arn,
        home_region: d.region,
        settings: d.trail,
        logging: d.logging,
        selectors: d.selectors,
        insights: d.insights,
    }
}

/// Live state in which every spec is already applied.
pub(crate) fn in_sync(specs: &[&Spec]) -> LiveState {
    let policy = derived_policy(specs);
    LiveState {
        caller: Caller {
            account: MGMT.into(),
            arn: format!("arn:aws:iam::{MGMT}:role/admin"),
            partition: "aws".into(),
        },
        organization: Some(org()),
        trails: specs
            .iter()
            .map(|s| TrailLive {
                bucket: BucketState {
                    name: s.bucket.name.clone(),
                    exists: true,
                    region: Some(s.bucket_region().to_string()),
                    policy: Some(policy.clone()),
                    protection: None,
                    denied: false,
                    logging_target: None,
                    known_trails: None,
                },
                trail: Some(live_trail(s)),
                other_trails: Vec::new(),
                kms: None,
                health: None,
                alerts: None,
            })
            .collect(),
    }
}

pub(crate) fn plan_of(specs: &[&Spec], live: &LiveState) -> Plan {
    let inputs: Vec<SpecInput> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| SpecInput {
            path: format!("specs/{i}.yaml"),
            source: b"",
            spec: s,
        })
        .collect();
    diff(&inputs, live)
}

pub(crate) fn kinds(p: &Plan) -> Vec<(StepKind, bool)> {
    p.steps
        .iter()
        .map(|s| (s.kind, s.reduces_coverage))
        .collect()
}

pub(crate) fn codes(p: &Plan) -> Vec<(Severity, String)> {
    p.findings
        .iter()
        .map(|f| (f.severity, f.code.as_str().to_string()))
        .filter(|(_, c)| !["no-kms", "no-cloudwatch-logs"].contains(&c.as_str()))
        .collect()
}

/// (behaviour, live change, expected error)
/// Another trail of the management account, homed in `region`.
pub(crate) fn other_trail(name: &str, region: &str, multi_region: bool) -> OtherTrail {
    OtherTrail {
        arn: format!("arn:aws:cloudtrail:{region}:{MGMT}:trail/{name}"),
        name: name.into(),
        home_region: region.into(),
        account: MGMT.into(),
        s3_bucket: None,
        organization: false,
        multi_region,
    }
}

pub(crate) const DESCRIBE: &str = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:DescribeKey","Resource":"*"}"#;

/// Live protection matching the secure defaults (no KMS key in the spec).
pub(crate) fn defaults_applied() -> BucketProtection {
    BucketProtection {
        public_access_blocked: true,
        encryption: Some("AES256".into()),
        bucket_key: false,
        ownership: Some("BucketOwnerEnforced".into()),
        versioning: Some("Enabled".into()),
        retention: None,
        object_lock: None,
        logging: None,
        other_lifecycle_rules: Vec::new(),
    }
}

pub(crate) const DATA_ONLY: &str = "  advanced_event_selectors:\n    - field_selectors:\n        - field: eventCategory\n          equals: [Data]\n        - field: resources.type\n          equals: [AWS::S3::Object]\n        - field: resources.ARN\n          not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]\n";

pub(crate) fn delegated_admin_live(s: &Spec) -> LiveState {
    let mut live = in_sync(&[s]);
    live.caller.account = "444444444444".into();
    live.organization.as_mut().unwrap().delegated_admins = vec!["444444444444".into()];
    live
}

pub(crate) const LOG_ARCHIVE: &str = "222222222222";

pub(crate) fn log_archive_spec(role: bool) -> Spec {
    let mut s = spec("");
    s.bucket.account = Some(LOG_ARCHIVE.into());
    if role {
        s.bucket.role_arn = Some(format!("arn:aws:iam::{LOG_ARCHIVE}:role/orgtrail"));
    }
    s
}
