//! Table-driven tests of the bucket builders (existence, region, the merged policy, buckets of another account) over hand-built live states: each case names the
//! behaviour it pins.

use orgtrail_spec::{Spec, parse_bytes};

use super::*;
use crate::fixtures::*;
use crate::model::*;

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
                l.bucket = BucketState::missing("my-bucket");
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

/// The live policy with `f` applied to its statements.
fn with_statements(live: &mut LiveState, f: impl FnOnce(&mut Vec<serde_json::Value>)) {
    let mut v: serde_json::Value =
        serde_json::from_str(live.trails[0].bucket.policy.as_deref().unwrap()).unwrap();
    f(v["Statement"].as_array_mut().unwrap());
    live.trails[0].bucket.policy = Some(v.to_string());
}

const MEMBER: &str = "222222222222";

/// (behaviour, statement added to the applied policy, accounts the error must name): a Deny
/// on any account's folder, region or digests, in any shape, blocks CloudTrail's delivery of
/// that account's logs; the error names the account, or every member account for a Deny the
/// policy cannot tell apart by id.
#[test]
fn a_deny_on_any_accounts_delivery_is_an_error_naming_it() {
    let deny = |resource: &str| serde_json::json!({"Sid": "X", "Effect": "Deny", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::my-bucket/{resource}")});
    let cases = [
        (
            "one member's folder",
            deny(&format!("AWSLogs/{ORG}/{MEMBER}/*")),
            MEMBER,
        ),
        (
            "every member's folder",
            deny(&format!("AWSLogs/{ORG}/*")),
            "<every member account>",
        ),
        (
            "members by pattern",
            deny(&format!("AWSLogs/{ORG}/2*")),
            "<accounts matching 2*>",
        ),
        (
            "a member under any organization",
            deny(&format!("AWSLogs/*/{MEMBER}/*")),
            MEMBER,
        ),
        (
            "a member anywhere in the key",
            deny(&format!("*/{MEMBER}/*")),
            MEMBER,
        ),
        (
            "a member in the file names",
            deny(&format!("AWSLogs/*/{MEMBER}_CloudTrail_*")),
            MEMBER,
        ),
        (
            "every log file by name",
            deny("*_CloudTrail_*"),
            "<every member account>",
        ),
        ("a year", deny("AWSLogs/*/2027/*"), MGMT),
        (
            "another region by pattern",
            deny(&format!("AWSLogs/{ORG}/*/CloudTrail/eu-*")),
            "CloudTrail/eu-x/",
        ),
        (
            "outside the organization (CloudTrail has no PrincipalOrgID)",
            serde_json::json!({"Sid": "X", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG}}}),
            "<every member account>",
        ),
        (
            "a time bomb",
            serde_json::json!({"Sid": "X", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}),
            "<every member account>",
        ),
        (
            "one region",
            deny(&format!("AWSLogs/{ORG}/*/CloudTrail/eu-west-1/*")),
            "CloudTrail/eu-west-1/",
        ),
        (
            "digests only",
            deny(&format!("AWSLogs/{ORG}/{MEMBER}/CloudTrail-Digest/*")),
            "digest file delivery",
        ),
        (
            "NotResource",
            serde_json::json!({"Sid": "X", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "NotResource": format!("arn:aws:s3:::my-bucket/AWSLogs/{ORG}/{MGMT}/*")}),
            "<every member account>",
        ),
        (
            "NotPrincipal",
            serde_json::json!({"Sid": "X", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:*", "Resource": format!("arn:aws:s3:::my-bucket/AWSLogs/{ORG}/{MEMBER}/*")}),
            MEMBER,
        ),
    ];
    for (name, statement, named) in cases {
        let s = spec("");
        let mut live = in_sync(&[&s]);
        with_statements(&mut live, |v| v.push(statement));
        let p = plan_of(&[&s], &live);
        let err = p
            .findings
            .iter()
            .find(|f| f.code == "bucket-policy-denies-trail")
            .unwrap_or_else(|| panic!("{name}: no error in {:?}", codes(&p)));
        assert!(err.message.contains(named), "{name}: {}", err.message);
    }
}

/// The organization grant narrowed to the management account's folder (or removed) denies
/// every member account's delivery: restoring it is coverage lost in drift, never "tidy".
#[test]
fn a_narrowed_or_removed_organization_grant_is_coverage_lost() {
    let narrow = |v: &mut Vec<serde_json::Value>| {
        for st in v.iter_mut() {
            let r = st["Resource"].as_str().unwrap_or_default().to_string();
            if r.ends_with(&format!("AWSLogs/{ORG}/*")) {
                st["Resource"] = r.replace("/*", &format!("/{MGMT}/*")).into();
            }
        }
    };
    let remove = |v: &mut Vec<serde_json::Value>| {
        v.retain(|st| !st["Resource"].as_str().unwrap_or_default().contains(ORG));
    };
    // Narrowed to a pattern the stand-in account could share (`0*`), and crippled by a
    // condition orgtrail cannot evaluate.
    let pattern = |v: &mut Vec<serde_json::Value>| {
        for st in v.iter_mut() {
            let r = st["Resource"].as_str().unwrap_or_default().to_string();
            if r.ends_with(&format!("AWSLogs/{ORG}/*")) {
                st["Resource"] = serde_json::json!([
                    r.replace("/*", "/0*"),
                    r.replace("/*", &format!("/{MGMT}/*"))
                ]);
            }
        }
    };
    let crippled = |v: &mut Vec<serde_json::Value>| {
        for st in v.iter_mut() {
            if st["Resource"]
                .as_str()
                .unwrap_or_default()
                .ends_with(&format!("AWSLogs/{ORG}/*"))
            {
                st["Condition"]["StringEquals"]["aws:SourceOrgID"] = "o-bogus".into();
            }
        }
    };
    for (name, change) in [
        ("narrowed", &narrow as &dyn Fn(&mut Vec<serde_json::Value>)),
        ("removed", &remove),
        ("narrowed to a pattern", &pattern),
        ("crippled by a condition", &crippled),
    ] {
        let s = spec("");
        let mut live = in_sync(&[&s]);
        with_statements(&mut live, change);
        let p = plan_of(&[&s], &live);
        assert_eq!(kinds(&p), [(StepKind::PutBucketPolicy, false)], "{name}");
        let restored = p.steps[0].coverage_restored.join("; ");
        assert!(
            restored.contains("<every member account>"),
            "{name}: {restored}"
        );
        let report = crate::drift::report(&p, &live);
        assert!(report.drifted(), "{name}");
        assert_eq!(report.findings[0].rule, "bucket-policy-drift", "{name}");
        assert_eq!(
            report.findings[0].severity,
            crate::drift::DriftSeverity::CoverageLost,
            "{name}"
        );
    }
}

/// (setting, lines under `bucket:` of the second spec): specs sharing a bucket that disagree
/// on a protection setting are an error naming both files and the setting.
#[test]
fn specs_sharing_a_bucket_that_disagree_on_protection_are_an_error() {
    let cases = [
        ("lifecycle", "  lifecycle: {expire_days: 30}\n"),
        (
            "object_lock",
            "  object_lock: {mode: GOVERNANCE, days: 1}\n",
        ),
        ("versioning", "  versioning: false\n"),
    ];
    for (setting, extra) in cases {
        let a = spec_with("trail-a", "shared", "");
        let yaml = format!(
            "version: 1\nbucket:\n  name: shared\n{extra}trail:\n  name: trail-b\n  home_region: us-east-2\n"
        );
        let b = parse_bytes("specs/b.yaml", yaml.as_bytes()).unwrap();
        let p = plan_of(&[&a, &b], &in_sync(&[&a, &b]));
        let err = p
            .findings
            .iter()
            .find(|f| f.code == "conflicting-bucket")
            .unwrap_or_else(|| panic!("{setting}: {:?}", codes(&p)));
        assert!(
            err.message.contains(&format!("`bucket.{setting}`")),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("specs/0.yaml") && err.message.contains("specs/1.yaml"),
            "{}",
            err.message
        );
    }
}

/// (behaviour, statement added to the applied policy, evidence at risk): a grant letting a
/// principal outside the bucket's account delete or overwrite log files, or change the
/// bucket's policy, lifecycle, versioning or Object Lock is coverage lost in drift; reading
/// them, or a grant inside the bucket's account, is not.
#[test]
fn a_grant_letting_another_account_destroy_the_logs_is_coverage_lost() {
    let allow = |principal: serde_json::Value, action: &str, resource: &str| serde_json::json!({"Sid": "Other", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": format!("arn:aws:s3:::my-bucket{resource}")});
    let other = serde_json::json!({"AWS": "arn:aws:iam::999988887777:root"});
    let cases = [
        (
            "another account deletes log files",
            allow(other.clone(), "s3:DeleteObject", "/AWSLogs/*"),
            true,
        ),
        (
            "another account's role overwrites them",
            allow(
                serde_json::json!({"AWS": "arn:aws:iam::999988887777:role/x"}),
                "s3:PutObject",
                "/*",
            ),
            true,
        ),
        (
            "another account rewrites the lifecycle",
            allow(other.clone(), "s3:PutLifecycleConfiguration", ""),
            true,
        ),
        (
            "another account may do anything",
            allow(other.clone(), "s3:*", "*"),
            true,
        ),
        (
            "every account of the organization deletes",
            serde_json::json!({"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::my-bucket/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}),
            true,
        ),
        (
            "another account lifts the Object Lock",
            allow(other.clone(), "s3:BypassGovernanceRetention", "/*"),
            true,
        ),
        (
            "a federated principal deletes",
            allow(
                serde_json::json!({"Federated": "cognito-identity.amazonaws.com"}),
                "s3:DeleteObject",
                "/*",
            ),
            true,
        ),
        (
            "another account reads",
            allow(other, "s3:GetObject", "/AWSLogs/*"),
            false,
        ),
        (
            "the bucket's own account deletes",
            allow(
                serde_json::json!({"AWS": format!("arn:aws:iam::{MGMT}:root")}),
                "s3:DeleteObject",
                "/*",
            ),
            false,
        ),
    ];
    for (name, statement, at_risk) in cases {
        let s = spec("");
        let mut live = in_sync(&[&s]);
        with_statements(&mut live, |v| v.push(statement));
        let p = plan_of(&[&s], &live);
        let found = p
            .findings
            .iter()
            .any(|f| f.code == "bucket-policy-allows-tampering");
        assert_eq!(found, at_risk, "{name}: {:?}", codes(&p));
        let report = crate::drift::report(&p, &live);
        assert_eq!(report.drifted(), at_risk, "{name}: {:?}", report.findings);
    }
}
