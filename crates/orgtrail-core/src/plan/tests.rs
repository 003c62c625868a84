//! Table-driven tests of the step builders over hand-built live states: each case names the
//! behaviour it pins.

use std::collections::BTreeMap;

use orgtrail_spec::{InsightSelector, InsightType, Spec, parse_bytes};

use super::*;
use crate::model::*;
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
                },
                trail: Some(live_trail(s)),
                other_trails: Vec::new(),
                kms: None,
                health: None,
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

fn kinds(p: &Plan) -> Vec<(StepKind, bool)> {
    p.steps
        .iter()
        .map(|s| (s.kind, s.reduces_coverage))
        .collect()
}

fn codes(p: &Plan) -> Vec<(Severity, String)> {
    p.findings
        .iter()
        .map(|f| (f.severity, f.code.as_str().to_string()))
        .filter(|(_, c)| !["no-kms", "no-cloudwatch-logs"].contains(&c.as_str()))
        .collect()
}

#[test]
fn applied_spec_plans_no_steps() {
    let s = spec("");
    let p = plan_of(&[&s], &in_sync(&[&s]));
    assert!(p.steps.is_empty(), "{:?}", kinds(&p));
    assert!(!p.has_errors());
}

#[test]
fn greenfield_plans_trusted_access_policy_trail_and_logging_in_order() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().trusted_access = false;
    live.trails[0].trail = None;
    live.trails[0].bucket.policy = None;
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [
            (StepKind::EnableTrustedAccess, false),
            (StepKind::PutBucketPolicy, false),
            (StepKind::CreateTrail, false),
            (StepKind::StartLogging, false),
        ]
    );
}

/// One row per trail setting: (behaviour, how live differs, step kind, reduces coverage).
#[test]
fn each_trail_field_is_compared_once_and_weakening_is_flagged() {
    type Mutate = fn(&mut TrailSettings);
    let cases: [(&str, Mutate, StepKind, bool); 8] = [
        (
            "validation turned on",
            |t| t.log_file_validation = false,
            StepKind::UpdateTrail,
            false,
        ),
        (
            "global events turned on",
            |t| t.include_global_service_events = false,
            StepKind::UpdateTrail,
            false,
        ),
        (
            "single region converted",
            |t| t.multi_region = false,
            StepKind::ConvertToMultiRegion,
            false,
        ),
        (
            "account trail converted",
            |t| t.organization = false,
            StepKind::ConvertToOrganizationTrail,
            false,
        ),
        (
            "sns topic cleared",
            |t| t.sns_topic = Some("arn:aws:sns:us-east-2:111111111111:t".into()),
            StepKind::UpdateTrail,
            false,
        ),
        (
            "prefix changed: logs go elsewhere",
            |t| t.s3_key_prefix = Some("old".into()),
            StepKind::UpdateTrail,
            true,
        ),
        (
            "bucket changed: logs go elsewhere",
            |t| t.s3_bucket = "other".into(),
            StepKind::UpdateTrail,
            true,
        ),
        (
            "log group cleared: its alarms stop",
            |t| {
                t.cloudwatch_logs = Some((
                    "arn:aws:logs:us-east-2:111111111111:log-group:g:*".into(),
                    "arn:aws:iam::111111111111:role/r".into(),
                ));
            },
            StepKind::UpdateTrail,
            true,
        ),
    ];
    let s = spec("");
    for (name, mutate, kind, reduces) in cases {
        let mut live = in_sync(&[&s]);
        mutate(&mut live.trails[0].trail.as_mut().unwrap().settings);
        let p = plan_of(&[&s], &live);
        assert_eq!(kinds(&p), [(kind, reduces)], "{name}");
        let Action::UpdateTrail { fields, .. } = &p.steps[0].action else {
            panic!("{name}: not an UpdateTrail");
        };
        assert_eq!(fields.len(), 1, "{name}: only the changed field is sent");
        assert_eq!(p.steps[0].changes.len(), 1, "{name}");
    }
}

#[test]
fn turning_a_trail_setting_off_reduces_coverage() {
    // (desired spec, live spec, the field turned off)
    for (want, was, field) in [
        ("  log_file_validation: false\n", "", "log_file_validation"),
        (
            "  multi_region: false\n  include_global_service_events: false\n",
            "  multi_region: false\n",
            "include_global_service_events",
        ),
        ("  multi_region: false\n", "", "multi_region"),
    ] {
        let s = spec(want);
        let mut live = in_sync(&[&s]);
        live.trails[0].trail = Some(live_trail(&spec(was)));
        let p = plan_of(&[&s], &live);
        assert_eq!(kinds(&p), [(StepKind::UpdateTrail, true)], "{field}");
        assert_eq!(p.steps[0].changes[0].field, field);
    }
}

#[test]
fn logging_is_started_or_stopped_and_stopping_reduces_coverage() {
    let on = spec("");
    let off = spec("  logging: false\n");
    for (s, live_logging, expected) in [
        (&on, false, (StepKind::StartLogging, false)),
        (&off, true, (StepKind::StopLogging, true)),
    ] {
        let mut live = in_sync(&[s]);
        live.trails[0].trail.as_mut().unwrap().logging = live_logging;
        assert_eq!(kinds(&plan_of(&[s], &live)), [expected]);
    }
}

#[test]
fn tags_are_authoritative_added_and_removed_in_two_steps() {
    let s = spec("  tags:\n    team: security\n    env: prod\n");
    let mut live = in_sync(&[&s]);
    let t = live.trails[0].trail.as_mut().unwrap();
    t.settings.tags = BTreeMap::from([
        ("team".to_string(), "ops".to_string()),
        ("stale".to_string(), "x".to_string()),
    ]);
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [(StepKind::TagTrail, false), (StepKind::UntagTrail, false)]
    );
    let Action::AddTags { tags, .. } = &p.steps[0].action else {
        panic!()
    };
    assert_eq!(
        tags.len(),
        2,
        "changed and missing tags are added: {tags:?}"
    );
    let Action::RemoveTags { keys, .. } = &p.steps[1].action else {
        panic!()
    };
    assert_eq!(keys, &["stale"]);
}

#[test]
fn insight_selectors_are_compared_as_a_set() {
    let s = spec("  insight_selectors: [ApiCallRateInsight]\n");
    let mut live = in_sync(&[&s]);
    let t = live.trails[0].trail.as_mut().unwrap();
    t.insights = vec![
        InsightSelector::management(InsightType::ApiCallRateInsight),
        InsightSelector::management(InsightType::ApiCallRateInsight),
    ];
    assert!(plan_of(&[&s], &live).steps.is_empty());
    live.trails[0].trail.as_mut().unwrap().insights = Vec::new();
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [(StepKind::PutInsightSelectors, false)]
    );
}

#[test]
fn trusted_access_follows_the_specs_and_disabling_reduces_coverage() {
    let s = spec("  organization: false\n");
    let mut off = spec("  organization: false\n");
    off.organization.trusted_access = false;
    let live = in_sync(&[&s]);
    assert_eq!(
        kinds(&plan_of(&[&off], &live)),
        [(StepKind::DisableTrustedAccess, true)]
    );
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().trusted_access = false;
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [(StepKind::EnableTrustedAccess, false)]
    );
}

#[test]
fn all_features_off_plans_the_step_and_warns() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().all_features = false;
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::EnableAllFeatures, false)]);
    assert!(codes(&p).contains(&(Severity::Warning, "enable-all-features".into())));
}

/// (behaviour, live change, expected error code or steps)
#[test]
fn bucket_existence_region_and_policy_mode() {
    type Mutate = fn(&mut Spec, &mut TrailLive);
    let cases: [(&str, Mutate, Option<&str>, Vec<StepKind>); 5] = [
        (
            "missing without create is an error",
            |_, l| l.bucket.exists = false,
            Some("bucket-missing"),
            vec![],
        ),
        (
            "missing with create is created",
            |s, l| {
                s.bucket.create = true;
                l.bucket = BucketState {
                    name: "my-bucket".into(),
                    exists: false,
                    region: None,
                    policy: None,
                    protection: None,
                    denied: false,
                    logging_target: None,
                };
            },
            None,
            vec![
                StepKind::CreateBucket,
                StepKind::PutBucketOwnershipControls,
                StepKind::PutPublicAccessBlock,
                StepKind::PutBucketEncryption,
                StepKind::PutBucketVersioning,
                StepKind::PutBucketPolicy,
            ],
        ),
        (
            "another region is an error",
            |_, l| l.bucket.region = Some("eu-west-1".into()),
            Some("bucket-region"),
            vec![],
        ),
        (
            "verify mode never writes",
            |s, l| {
                s.bucket.policy = orgtrail_spec::PolicyMode::Verify;
                l.bucket.policy = None;
            },
            Some("bucket-policy-lacking"),
            vec![],
        ),
        (
            "public allow is refused",
            |_, l| {
                l.bucket.policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}"#.into());
            },
            Some("bucket-policy"),
            vec![],
        ),
    ];
    for (name, mutate, error, steps) in cases {
        let mut s = spec("");
        let mut live = in_sync(&[&s]);
        mutate(&mut s, &mut live.trails[0]);
        let p = plan_of(&[&s], &live);
        let errors: Vec<String> = codes(&p)
            .into_iter()
            .filter(|(sev, _)| *sev == Severity::Error)
            .map(|(_, c)| c)
            .collect();
        assert_eq!(
            errors,
            error.into_iter().map(String::from).collect::<Vec<_>>(),
            "{name}"
        );
        let got: Vec<StepKind> = p.steps.iter().map(|s| s.kind).collect();
        assert_eq!(got, steps, "{name}");
    }
}

/// (behaviour, live change, expected error)
/// Another trail of the management account, homed in `region`.
fn other_trail(name: &str, region: &str, multi_region: bool) -> OtherTrail {
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

#[test]
fn preflight_errors_name_the_blocking_fact() {
    type Mutate = fn(&mut LiveState);
    let cases: [(&str, Mutate, &str); 6] = [
        (
            "no organization",
            |l| l.organization = None,
            "not-in-organization",
        ),
        (
            "member account caller",
            |l| l.caller.account = "222222222222".into(),
            "not-management-account",
        ),
        (
            "name taken in another region",
            |l| {
                l.trails[0].trail = None;
                l.trails[0]
                    .other_trails
                    .push(other_trail("my-trail", "eu-west-1", false));
            },
            "trail-name-taken",
        ),
        (
            "four here and a multi-region trail from elsewhere",
            |l| {
                l.trails[0].trail = None;
                let here = (0..4).map(|i| other_trail(&format!("t{i}"), "us-east-2", false));
                l.trails[0].other_trails.extend(here);
                l.trails[0]
                    .other_trails
                    .push(other_trail("everywhere", "eu-west-1", true));
            },
            "trail-limit",
        ),
        (
            "five trails already",
            |l| {
                l.trails[0].trail = None;
                let here = (0..5).map(|i| other_trail(&format!("t{i}"), "us-east-2", false));
                l.trails[0].other_trails.extend(here);
            },
            "trail-limit",
        ),
        (
            "kms key missing",
            |l| {
                l.trails[0].kms = Some(KmsState {
                    key_arn: None,
                    policy: None,
                    enabled: None,
                })
            },
            "kms-key-missing",
        ),
    ];
    for (name, mutate, code) in cases {
        let s = spec("  kms_key_id: alias/x\n");
        let mut live = in_sync(&[&s]);
        if let Some(t) = live.trails[0].trail.as_mut() {
            t.settings.kms_key_id = Some("alias/x".into());
        }
        mutate(&mut live);
        let p = plan_of(&[&s], &live);
        assert!(
            codes(&p).contains(&(Severity::Error, code.to_string())),
            "{name}: {:?}",
            codes(&p)
        );
    }
}

#[test]
fn a_directory_of_specs_refuses_duplicate_trails_and_conflicting_buckets() {
    let a = spec("");
    let b = spec("");
    let p = plan_of(&[&a, &b], &in_sync(&[&a, &b]));
    assert!(codes(&p).contains(&(Severity::Error, "duplicate-trail".into())));
    let c = spec_with("other", "my-bucket", "");
    let mut c2 = c.clone();
    c2.bucket.create = true;
    let p = plan_of(&[&a, &c2], &in_sync(&[&a, &c2]));
    assert!(codes(&p).contains(&(Severity::Error, "conflicting-bucket".into())));
}

const DESCRIBE: &str = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:DescribeKey","Resource":"*"}"#;

/// (behaviour, key policy, allows CloudTrail to encrypt `ARN`'s logs)
#[test]
fn kms_policy_check_evaluates_allow_deny_and_conditions() {
    let allow = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}"#;
    let doc = |stmts: &[&str]| format!(r#"{{"Statement":[{}]}}"#, stmts.join(","));
    let cases = [
        ("the guide's statements", doc(&[allow]), true),
        (
            "encrypt without describe",
            doc(&[
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*"}"#,
            ]),
            false,
        ),
        (
            "resource is the key's ARN",
            doc(&[&allow.replace(
                r#""Resource":"*""#,
                r#""Resource":"arn:aws:kms:us-east-2:111111111111:key/k""#,
            )]),
            true,
        ),
        (
            "account root only",
            doc(&[
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}"#,
            ]),
            false,
        ),
        (
            "decrypt only",
            doc(&[
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}"#,
            ]),
            false,
        ),
        (
            "an explicit deny wins",
            doc(&[
                allow,
                r#"{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*"}"#,
            ]),
            false,
        ),
        (
            "scoped to this trail",
            doc(&[
                &format!(
                    r#"{{"Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{{"StringLike":{{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:{MGMT}:trail/*"}}}}}}"#
                ),
                DESCRIBE,
            ]),
            true,
        ),
        (
            "scoped to another account's trails",
            doc(&[
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:999999999999:trail/*"}}}"#,
            ]),
            false,
        ),
        (
            "source arn of another trail",
            doc(&[
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-2:111111111111:trail/other"}}}"#,
            ]),
            false,
        ),
        ("not json", "not json".to_string(), false),
    ];
    for (name, policy, ok) in cases {
        assert_eq!(
            kms_policy_allows_cloudtrail(&policy, "arn:aws:kms:us-east-2:111111111111:key/k", ARN),
            ok,
            "{name}"
        );
    }
}

/// Live protection matching the secure defaults (no KMS key in the spec).
fn defaults_applied() -> BucketProtection {
    BucketProtection {
        public_access_blocked: true,
        encryption: Some("AES256".into()),
        bucket_key: false,
        ownership: Some("BucketOwnerEnforced".into()),
        versioning: Some("Enabled".into()),
        retention: None,
        object_lock: None,
        logging: None,
    }
}

/// A bucket whose protection drifted or never got applied (a step failed half way): the next
/// plan applies exactly what is missing; stronger live settings are kept.
#[test]
fn bucket_protection_missing_is_planned_again_setting_by_setting() {
    type Mutate = fn(&mut BucketProtection);
    let cases: [(&str, Mutate, Vec<StepKind>); 6] = [
        ("all applied", |_| {}, vec![]),
        (
            "public access block deleted",
            |p| p.public_access_blocked = false,
            vec![StepKind::PutPublicAccessBlock],
        ),
        (
            "no default encryption",
            |p| p.encryption = None,
            vec![StepKind::PutBucketEncryption],
        ),
        (
            "stronger SSE-KMS kept",
            |p| p.encryption = Some("aws:kms".into()),
            vec![],
        ),
        (
            "versioning suspended",
            |p| p.versioning = Some("Suspended".into()),
            vec![StepKind::PutBucketVersioning],
        ),
        (
            "ACLs enabled",
            |p| p.ownership = Some("ObjectWriter".into()),
            vec![StepKind::PutBucketOwnershipControls],
        ),
    ];
    for (name, mutate, want) in cases {
        let s = spec("");
        let mut live = in_sync(&[&s]);
        let mut p = defaults_applied();
        mutate(&mut p);
        live.trails[0].bucket.protection = Some(p);
        let plan = plan_of(&[&s], &live);
        let got: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
        assert_eq!(got, want, "{name}");
        // Drift calls each of these coverage lost except ownership (a setting, not coverage).
        let report = crate::drift::report(&plan, &live);
        let lost = report
            .findings
            .iter()
            .any(|f| f.severity == crate::drift::DriftSeverity::CoverageLost);
        assert_eq!(
            lost,
            !want.is_empty() && name != "ACLs enabled",
            "{name}: {:?}",
            report.findings
        );
    }
}

/// (behaviour, spec lines under bucket, live retention/lock, step reduces coverage)
#[test]
fn shortening_retention_or_lock_reduces_coverage() {
    let lock = |days| {
        Some(orgtrail_spec::ObjectLock {
            mode: orgtrail_spec::LockMode::Governance,
            days,
        })
    };
    let keep = |days| {
        Some(orgtrail_spec::Lifecycle {
            expire_days: days,
            noncurrent_expire_days: None,
            archive_after_days: None,
        })
    };
    let cases = [
        (
            "retention shortened",
            "  lifecycle: {expire_days: 90}\n",
            keep(400),
            None,
            true,
        ),
        (
            "retention lengthened",
            "  lifecycle: {expire_days: 800}\n",
            keep(400),
            None,
            false,
        ),
        (
            "lock shortened",
            "  object_lock: {mode: GOVERNANCE, days: 30}\n",
            None,
            lock(365),
            true,
        ),
        (
            "lock added",
            "  object_lock: {mode: GOVERNANCE, days: 365}\n",
            None,
            None,
            false,
        ),
    ];
    for (name, extra, retention, object_lock, reduces) in cases {
        let yaml = format!(
            "version: 1\nbucket:\n  name: my-bucket\n{extra}trail:\n  name: my-trail\n  home_region: us-east-2\n"
        );
        let s = parse_bytes("t.yaml", yaml.as_bytes()).expect("valid");
        let mut live = in_sync(&[&s]);
        live.trails[0].bucket.protection = Some(BucketProtection {
            retention,
            object_lock,
            ..defaults_applied()
        });
        let plan = plan_of(&[&s], &live);
        assert_eq!(plan.steps.len(), 1, "{name}: {:?}", kinds(&plan));
        assert_eq!(plan.steps[0].reduces_coverage, reduces, "{name}");
    }
}

/// The TLS-only statement is merged into the bucket policy like CloudTrail's; removing it out
/// of band is coverage lost in drift.
#[test]
fn tls_only_statement_is_merged_and_its_removal_is_drift() {
    let s = spec("");
    let live = in_sync(&[&s]);
    assert!(
        live.trails[0]
            .bucket
            .policy
            .as_deref()
            .unwrap()
            .contains("aws:SecureTransport")
    );
    assert!(plan_of(&[&s], &live).steps.is_empty());
    let mut bare = live.clone();
    let mut v: serde_json::Value =
        serde_json::from_str(bare.trails[0].bucket.policy.as_deref().unwrap()).unwrap();
    v["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|st| st["Sid"] != "DenyInsecureTransport");
    bare.trails[0].bucket.policy = Some(v.to_string());
    let plan = plan_of(&[&s], &bare);
    assert_eq!(kinds(&plan), [(StepKind::PutBucketPolicy, false)]);
    let report = crate::drift::report(&plan, &bare);
    assert_eq!(
        report.findings[0].severity,
        crate::drift::DriftSeverity::CoverageLost,
        "{:?}",
        report.findings
    );
    let mut off = s.clone();
    off.bucket.require_tls = false;
    assert!(
        plan_of(&[&off], &bare).steps.is_empty(),
        "false means: not managed"
    );
}

const DATA_ONLY: &str = "  advanced_event_selectors:\n    - field_selectors:\n        - field: eventCategory\n          equals: [Data]\n        - field: resources.type\n          equals: [AWS::S3::Object]\n        - field: resources.ARN\n          not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]\n";

/// Situation 3: a trail that does not exist has no coverage to lose; that no trail logs
/// management events is a warning, not a reducing step.
#[test]
fn new_data_only_trail_reduces_nothing_and_warns_about_management_events() {
    let s = spec(DATA_ONLY);
    let mut live = in_sync(&[&s]);
    live.trails[0].trail = None;
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::CreateTrail, false),
            (StepKind::PutEventSelectors, false),
            (StepKind::StartLogging, false),
        ]
    );
    assert!(codes(&p).contains(&(Severity::Warning, "no-management-events".into())));
    let with_mgmt = spec_with("mgmt", "my-bucket", "");
    let p = plan_of(&[&s, &with_mgmt], &in_sync(&[&s, &with_mgmt]));
    assert!(!codes(&p).iter().any(|(_, c)| c == "no-management-events"));
}

/// Situation 4: every way of logging less is a reducing step, and drift calls the opposite
/// difference coverage lost (plan and drift use one model).
#[test]
fn narrowing_selectors_or_insights_reduces_and_drift_agrees() {
    let cases = [
        (
            "read only",
            "  event_selectors:\n    - read_write_type: ReadOnly\n",
            "",
        ),
        (
            "kms events excluded",
            "  event_selectors:\n    - exclude_management_event_sources: [kms.amazonaws.com]\n",
            "",
        ),
        (
            "advanced read only",
            "  advanced_event_selectors:\n    - field_selectors:\n        - field: eventCategory\n          equals: [Management]\n        - field: readOnly\n          equals: [\"true\"]\n",
            "",
        ),
        (
            "insights removed",
            "",
            "  insight_selectors: [ApiCallRateInsight]\n",
        ),
    ];
    for (name, narrower, wider) in cases {
        let want = spec(narrower);
        let mut live = in_sync(&[&want]);
        live.trails[0].trail = Some(live_trail(&spec(wider)));
        let p = plan_of(&[&want], &live);
        assert!(
            !p.steps.is_empty() && p.steps.iter().all(|s| s.reduces_coverage),
            "{name}: {:?}",
            kinds(&p)
        );
        // The other way round: live is the narrower one, drift says coverage lost.
        let want = spec(wider);
        let mut live = in_sync(&[&want]);
        live.trails[0].trail = Some(live_trail(&spec(narrower)));
        let p = plan_of(&[&want], &live);
        let report = crate::drift::report(&p, &live);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.severity == crate::drift::DriftSeverity::CoverageLost),
            "{name}: {:?}",
            report.findings
        );
        assert!(p.steps.iter().all(|s| !s.reduces_coverage), "{name}");
    }
}

/// Drift and plan agree on a bucket change: reducing in plan, coverage lost in drift.
#[test]
fn bucket_change_is_reducing_in_plan_and_coverage_lost_in_drift() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().unwrap().settings.s3_bucket = "elsewhere".into();
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::UpdateTrail, true)]);
    let report = crate::drift::report(&p, &live);
    assert_eq!(
        report.findings[0].severity,
        crate::drift::DriftSeverity::CoverageLost
    );
}

fn delegated_admin_live(s: &Spec) -> LiveState {
    let mut live = in_sync(&[s]);
    live.caller.account = "444444444444".into();
    live.organization.as_mut().unwrap().delegated_admins = vec!["444444444444".into()];
    live
}

/// Situation 8: a delegated administrator cannot change the organization: those steps are
/// preflight errors with the fix; its own (non-organization) trails belong to its account.
#[test]
fn delegated_admin_gets_management_only_steps_as_errors() {
    let s = spec("");
    let mut live = delegated_admin_live(&s);
    live.organization.as_mut().unwrap().trusted_access = false;
    let p = plan_of(&[&s], &live);
    assert!(
        p.steps
            .iter()
            .all(|s| s.kind != StepKind::EnableTrustedAccess),
        "{:?}",
        kinds(&p)
    );
    let f = p
        .findings
        .iter()
        .find(|f| f.code == "management-account-only")
        .expect("error");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("enable-trusted-access") && f.fix.contains(MGMT),
        "{f:?}"
    );
    // The organization trail keeps the management account's ARN.
    assert!(plan_of(&[&s], &delegated_admin_live(&s)).steps.is_empty());
}

#[test]
fn delegated_admins_own_non_organization_trail_is_in_its_account() {
    let s = spec("  organization: false\n");
    let mut live = delegated_admin_live(&s);
    live.trails[0].trail = None;
    let p = plan_of(&[&s], &live);
    let create = p
        .steps
        .iter()
        .find(|s| s.kind == StepKind::CreateTrail)
        .unwrap();
    assert_eq!(
        create.target,
        "arn:aws:cloudtrail:us-east-2:444444444444:trail/my-trail"
    );
}

/// Situation 9: the key must be in the bucket's region; a key of another account whose policy
/// cannot be read is a warning, not an error.
#[test]
fn kms_key_region_and_cross_account_key() {
    let s = spec("  kms_key_id: arn:aws:kms:us-east-2:555555555555:key/k\n");
    let mut live = in_sync(&[&s]);
    live.trails[0].kms = Some(KmsState {
        key_arn: Some("arn:aws:kms:us-east-2:555555555555:key/k".into()),
        policy: None,
        enabled: None,
    });
    let p = plan_of(&[&s], &live);
    assert!(!p.has_errors(), "{:?}", codes(&p));
    assert!(codes(&p).contains(&(Severity::Warning, "kms-key-policy-unreadable".into())));
    live.trails[0].kms = Some(KmsState {
        key_arn: Some("arn:aws:kms:eu-west-1:555555555555:key/k".into()),
        policy: None,
        enabled: None,
    });
    assert!(codes(&plan_of(&[&s], &live)).contains(&(Severity::Error, "kms-key-region".into())));
}

/// Situation 5: a saved plan must run exactly the reviewed steps; staleness keys are unique per
/// spec and region.
#[test]
fn fresh_steps_are_compared_with_the_reviewed_ones() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().unwrap().logging = false;
    let reviewed = plan_of(&[&s], &live);
    assert!(steps_differ(&reviewed, &reviewed).is_empty());
    live.trails[0]
        .trail
        .as_mut()
        .unwrap()
        .settings
        .log_file_validation = false;
    let fresh = plan_of(&[&s], &live);
    let diff = steps_differ(&reviewed, &fresh);
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(
        diff[0].contains("update-trail") && diff[0].contains("not reviewed"),
        "{diff:?}"
    );
}

#[test]
fn staleness_keys_of_specs_sharing_a_bucket_do_not_collide() {
    let a = spec("");
    let mut b = spec_with("other", "my-bucket", "");
    b.trail.home_region = "eu-west-1".into();
    b.bucket.region = Some("us-east-2".into());
    let p = plan_of(&[&a, &b], &in_sync(&[&a, &b]));
    assert!(
        p.live_components
            .contains_key("trails beside `my-trail` in us-east-2")
    );
    assert!(
        p.live_components
            .contains_key("trails beside `other` in eu-west-1")
    );
}

/// Situation 2 through the plan: the member account's grants are kept, so the policy step does
/// not reduce coverage, and the warning names the account.
#[test]
fn member_account_grants_make_no_reducing_step() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].bucket.policy = Some(
        r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"AclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::my-bucket"},
        {"Sid":"Member","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::my-bucket/AWSLogs/222222222222/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}"#
            .into(),
    );
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::PutBucketPolicy, false)]);
    assert!(
        p.findings
            .iter()
            .any(|f| f.code == "legacy-statement-kept" && f.message.contains("222222222222"))
    );
}

const LOG_ARCHIVE: &str = "222222222222";

fn log_archive_spec(role: bool) -> Spec {
    let mut s = spec("");
    s.bucket.account = Some(LOG_ARCHIVE.into());
    if role {
        s.bucket.role_arn = Some(format!("arn:aws:iam::{LOG_ARCHIVE}:role/orgtrail"));
    }
    s
}

/// A bucket in a log-archive account is addressed as owned by that account and, with a role,
/// changed through it.
#[test]
fn log_archive_bucket_steps_name_its_owner_and_role() {
    let s = log_archive_spec(true);
    let mut live = in_sync(&[&s]);
    live.trails[0].bucket.policy = None;
    let p = plan_of(&[&s], &live);
    let Action::PutBucketPolicy { bucket, .. } = &p.steps[0].action else {
        panic!("{:?}", kinds(&p));
    };
    assert_eq!(bucket.owner, LOG_ARCHIVE);
    assert_eq!(
        bucket.role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/orgtrail")
    );
}

/// (behaviour, role, S3 refused, expected finding, steps planned)
#[test]
fn a_bucket_of_another_account_is_verified_changed_through_its_role_or_refused() {
    let cases = [
        (
            "no role, unreadable: verify only, the plan goes on",
            false,
            true,
            (Severity::Warning, "bucket-verify-only"),
            0,
        ),
        (
            "role, refused: not the owner's bucket",
            true,
            true,
            (Severity::Error, "bucket-not-owned"),
            0,
        ),
        (
            "no role, readable, lacking: cannot be fixed from here",
            false,
            false,
            (Severity::Error, "bucket-policy-lacking"),
            0,
        ),
        (
            "role, readable, lacking: merged through the role",
            true,
            false,
            (Severity::Warning, "no-kms"),
            1,
        ),
    ];
    for (name, role, refused, finding, steps) in cases {
        let s = log_archive_spec(role);
        let mut live = in_sync(&[&s]);
        let b = &mut live.trails[0].bucket;
        b.policy = None;
        b.denied = refused;
        if refused {
            b.region = None;
        }
        let p = plan_of(&[&s], &live);
        assert!(
            p.findings
                .iter()
                .any(|f| (f.severity, f.code.as_str()) == finding),
            "{name}: {:?}",
            codes(&p)
        );
        assert_eq!(p.steps.len(), steps, "{name}: {:?}", kinds(&p));
    }
}

#[test]
fn delegated_administrators_are_registered_and_deregistering_reduces() {
    let mut s = spec("");
    s.organization.delegated_administrators = Some(vec!["444444444444".into()]);
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().delegated_admins = vec!["555555555555".into()];
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::RegisterDelegatedAdministrator, false),
            (StepKind::DeregisterDelegatedAdministrator, true),
        ]
    );
    let Action::RegisterDelegatedAdmin { account, .. } = &p.steps[0].action else {
        panic!()
    };
    assert_eq!(account, "444444444444");
    // Not listed at all: left alone.
    let s = spec("");
    assert!(plan_of(&[&s], &live).steps.is_empty());
}

#[test]
fn a_delegated_admin_cannot_register_delegated_admins() {
    let mut s = spec("");
    s.organization.delegated_administrators =
        Some(vec!["444444444444".into(), "666666666666".into()]);
    let live = delegated_admin_live(&s);
    let p = plan_of(&[&s], &live);
    assert!(p.steps.is_empty(), "{:?}", kinds(&p));
    assert!(codes(&p).contains(&(Severity::Error, "management-account-only".into())));
}

/// Control Tower's trail is refused by name or tag; next to it, a second organization trail
/// that logs management events is a warning.
#[test]
fn landing_zone_trails_are_refused_and_a_second_org_trail_warned_about() {
    let ct = spec_with("aws-controltower-BaselineCloudTrail", "my-bucket", "");
    let p = plan_of(&[&ct], &in_sync(&[&ct]));
    assert!(
        codes(&p).contains(&(Severity::Error, "managed-by-landing-zone".into())),
        "{:?}",
        codes(&p)
    );
    assert!(p.steps.is_empty());
    let s = spec("");
    let mut tagged = in_sync(&[&s]);
    tagged.trails[0]
        .trail
        .as_mut()
        .unwrap()
        .settings
        .tags
        .insert("Accelerator".into(), "AWSAccelerator".into());
    assert!(
        codes(&plan_of(&[&s], &tagged))
            .contains(&(Severity::Error, "managed-by-landing-zone".into()))
    );
    let mut beside = in_sync(&[&s]);
    beside.trails[0].other_trails.push(OtherTrail {
        arn: "arn:aws:cloudtrail:us-east-1:111111111111:trail/aws-controltower-BaselineCloudTrail"
            .into(),
        name: "aws-controltower-BaselineCloudTrail".into(),
        home_region: "us-east-1".into(),
        account: MGMT.into(),
        s3_bucket: Some("aws-controltower-logs".into()),
        organization: true,
        multi_region: true,
    });
    assert!(
        codes(&plan_of(&[&s], &beside))
            .contains(&(Severity::Warning, "second-organization-trail".into()))
    );
}

#[test]
fn a_disabled_kms_key_is_an_error() {
    let s = spec("  kms_key_id: arn:aws:kms:us-east-2:111111111111:key/k\n");
    let mut live = in_sync(&[&s]);
    live.trails[0].kms = Some(KmsState {
        key_arn: Some("arn:aws:kms:us-east-2:111111111111:key/k".into()),
        policy: Some(r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#.into()),
        enabled: Some(false),
    });
    assert!(codes(&plan_of(&[&s], &live)).contains(&(Severity::Error, "kms-key-disabled".into())));
}

/// A Deny in the live policy that blocks CloudTrail (orgtrail never removes it) is a preflight
/// error: the trail could not deliver whatever orgtrail adds.
#[test]
fn a_live_deny_that_blocks_cloudtrail_is_an_error() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    let mut v: serde_json::Value =
        serde_json::from_str(live.trails[0].bucket.policy.as_deref().unwrap()).unwrap();
    v["Statement"].as_array_mut().unwrap().push(serde_json::json!({"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/*"}));
    live.trails[0].bucket.policy = Some(v.to_string());
    let p = plan_of(&[&s], &live);
    assert!(
        codes(&p).contains(&(Severity::Error, "bucket-policy-denies-trail".into())),
        "{:?}",
        codes(&p)
    );
}

#[test]
fn trails_created_earlier_in_the_same_plan_count_against_the_trail_limit() {
    // Five new multi-region trails, one homed in each region: each counts in every region
    // ("Quotas in AWS CloudTrail"), so the region that already holds one trail of its own has no
    // room left for the fifth. One spec at a time each would look fine.
    let regions = [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
    ];
    let specs: Vec<Spec> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let yaml = format!(
                "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: trail-{i}\n  home_region: {r}\n"
            );
            parse_bytes("test.yaml", yaml.as_bytes()).expect("test spec is valid")
        })
        .collect();
    let refs: Vec<&Spec> = specs.iter().collect();
    let mut live = in_sync(&refs);
    for tl in &mut live.trails {
        tl.trail = None;
    }
    live.trails[4]
        .other_trails
        .push(other_trail("local", "eu-west-1", false));
    let p = plan_of(&refs, &live);
    let limited: Vec<&str> = p
        .findings
        .iter()
        .filter(|f| f.code == "trail-limit")
        .map(|f| f.spec.as_str())
        .collect();
    assert_eq!(limited, ["specs/4.yaml"]);

    live.trails[4].other_trails.clear();
    let p = plan_of(&refs, &live);
    assert!(p.findings.iter().all(|f| f.code != "trail-limit"));
}
