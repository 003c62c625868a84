//! Table-driven tests of the preflight checks (what must hold first: KMS key, name, landing zone, trail limit) over hand-built live states: each case names the
//! behaviour it pins.

use orgtrail_spec::{Spec, parse_bytes};

use super::*;
use crate::fixtures::*;
use crate::model::*;

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

/// A warning the spec acknowledges is taken out of the findings and listed once with its
/// reason; an error is never acknowledged, and another spec's warning stays.
#[test]
fn an_acknowledged_warning_is_listed_once_with_its_reason() {
    let yaml = "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nacknowledge:\n  - code: no-kms\n    reason: SSE-S3 is our standard for audit logs\n  - code: no-cloudwatch-logs\n    reason: the SIEM reads the bucket\n";
    let s = orgtrail_spec::parse_bytes("a.yaml", yaml.as_bytes()).expect("valid spec");
    let p = crate::fixtures::plan_of(&[&s], &crate::fixtures::in_sync(&[&s]));
    let codes: Vec<&str> = p.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(
        !codes.contains(&"no-kms") && !codes.contains(&"no-cloudwatch-logs"),
        "{codes:?}"
    );
    assert!(codes.contains(&"bucket-access-logging-off"), "{codes:?}");
    let acked: Vec<(&str, &str)> = p
        .acknowledged
        .iter()
        .map(|a| (a.code.as_str(), a.reason.as_str()))
        .collect();
    assert_eq!(
        acked,
        vec![
            ("no-cloudwatch-logs", "the SIEM reads the bucket"),
            ("no-kms", "SSE-S3 is our standard for audit logs")
        ]
    );
}

/// Every code a spec may acknowledge is a warning the plan can give.
#[test]
fn every_acknowledgeable_code_is_a_finding_code() {
    for code in orgtrail_spec::ACKNOWLEDGEABLE {
        assert!(
            crate::plan::FindingCode::ALL
                .iter()
                .any(|c| c.as_str() == *code),
            "{code}"
        );
    }
}
