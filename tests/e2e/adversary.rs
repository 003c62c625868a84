//! Coverage against an adversary: the techniques attackers use on the audit evidence (Stratus
//! Red Team's CloudTrail set and their variants, see docs/plan.md) done out of band through the
//! S3 and KMS APIs, and what plan, apply and drift answer. Every orgtrail run goes through the
//! AWS contract layer; the attacker's calls are seeded on moto directly.

use orgtrail_testsupport::{Moto, s3};
use serde_json::{Value, json};

use crate::{ARN, BIN, Specs, greenfield, spec_yaml};

const BUCKET: &str = "my-bucket";
const REGION: &str = "us-east-2";
const MANAGEMENT: &str = "123456789012";
const MEMBER: &str = "222222222222";

fn apply(moto: &Moto, spec: &str) {
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);
}

/// Apply a spec whose first retention rule is itself a reduction (logs kept forever until now).
fn apply_reducing(moto: &Moto, spec: &str) {
    moto.orgtrail(
        BIN,
        &[
            "apply",
            spec,
            "--auto-approve",
            "--allow-coverage-reduction",
        ],
    )
    .expect_code(0);
}

/// A spec for `my-trail` whose bucket carries `bucket_extra` lines.
fn spec_with_bucket(specs: &Specs, name: &str, bucket_extra: &str) -> String {
    specs.write(
        name,
        &format!(
            "version: 1\nbucket:\n  name: {BUCKET}\n{bucket_extra}trail:\n  name: my-trail\n  home_region: {REGION}\n"
        ),
    )
}

/// The live bucket policy with `f` applied to its statements, written back as the attacker.
fn rewrite_policy(moto: &Moto, f: impl FnOnce(&mut Vec<Value>)) {
    let text = moto.bucket_policy(BUCKET, REGION).expect("a policy");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    f(v["Statement"].as_array_mut().unwrap());
    moto.put_bucket_policy(BUCKET, REGION, &v.to_string());
}

fn lifecycle_rule(id: &str, prefix: &str, days: i32) -> s3::types::LifecycleRule {
    s3::types::LifecycleRule::builder()
        .id(id)
        .status(s3::types::ExpirationStatus::Enabled)
        .filter(
            s3::types::LifecycleRuleFilter::builder()
                .prefix(prefix)
                .build(),
        )
        .expiration(s3::types::LifecycleExpiration::builder().days(days).build())
        .build()
        .unwrap()
}

fn put_lifecycle(moto: &Moto, rules: Vec<s3::types::LifecycleRule>) {
    let conf = s3::types::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .unwrap();
    moto.block_on(
        moto.s3(REGION)
            .put_bucket_lifecycle_configuration()
            .bucket(BUCKET)
            .lifecycle_configuration(conf)
            .send(),
    )
    .unwrap();
}

/// The IDs of the bucket's lifecycle rules, as S3 reports them.
fn lifecycle_ids(moto: &Moto) -> Vec<String> {
    moto.block_on(
        moto.s3(REGION)
            .get_bucket_lifecycle_configuration()
            .bucket(BUCKET)
            .send(),
    )
    .map(|o| {
        o.rules()
            .iter()
            .map(|r| r.id().unwrap_or_default().to_string())
            .collect()
    })
    .unwrap_or_default()
}

fn drift_json(moto: &Moto, spec: &str, code: i32) -> Value {
    let out = moto.orgtrail(BIN, &["drift", spec, "--format", "json"]);
    out.expect_code(code);
    serde_json::from_str(&out.stdout).unwrap()
}

fn rules_of(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(report: &Value, rule: &str) -> bool {
    rules_of(report)
        .iter()
        .any(|(r, s)| r == rule && s == "coverage-lost")
}

/// Case 1 (`cloudtrail-lifecycle-rule`): a foreign lifecycle rule that expires every object
/// after a day is coverage lost in drift; apply removes it without the flag and keeps a rule
/// that cannot touch the logs; beside the spec's own retention, setting orgtrail's rule is not
/// a reduction.
#[test]
fn a_foreign_lifecycle_rule_deleting_the_logs_is_removed_and_is_coverage_lost() {
    let (moto, _org) = greenfield();
    let spec = "specs/org-trail.yaml";
    apply(&moto, spec);
    put_lifecycle(
        &moto,
        vec![
            lifecycle_rule("nuke", "", 1),
            lifecycle_rule("tmp", "tmp/", 1),
        ],
    );
    let report = drift_json(&moto, spec, 2);
    assert!(has(&report, "bucket-lifecycle-deletes-logs"), "{report}");
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("remove-lifecycle-rules");
    assert_eq!(
        lifecycle_ids(&moto),
        ["tmp"],
        "only the rule that deletes logs goes"
    );
    drift_json(&moto, spec, 0);

    // With the spec's own retention: the restoring steps need no flag, and the nuke goes.
    let specs = Specs::new();
    let kept = spec_with_bucket(&specs, "kept.yaml", "  lifecycle: {expire_days: 3650}\n");
    apply_reducing(&moto, &kept);
    put_lifecycle(&moto, vec![lifecycle_rule("nuke", "AWSLogs/", 1)]);
    let report = drift_json(&moto, &kept, 2);
    assert!(has(&report, "bucket-lifecycle-deletes-logs"), "{report}");
    moto.orgtrail(BIN, &["apply", &kept, "--auto-approve"])
        .expect_code(0)
        .expect_contains("0 reducing coverage");
    assert_eq!(lifecycle_ids(&moto), ["orgtrail-log-retention"]);
    drift_json(&moto, &kept, 0);
}

/// Case 2: a Deny on one member account's folder: that account's logs are gone. Plan refuses
/// with an error naming the account; drift is coverage lost (exit 2).
#[test]
fn a_deny_on_one_member_accounts_folder_is_coverage_lost_naming_it() {
    let (moto, org) = greenfield();
    let spec = "specs/org-trail.yaml";
    apply(&moto, spec);
    rewrite_policy(&moto, |v| {
        v.push(json!({"Sid": "Quiet", "Effect": "Deny", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{BUCKET}/AWSLogs/{org}/{MEMBER}/*")}));
    });
    moto.orgtrail(BIN, &["plan", spec])
        .expect_code(1)
        .expect_contains("bucket-policy-denies-trail")
        .expect_contains(&format!("AWSLogs/{org}/{MEMBER}/"));
    let report = drift_json(&moto, spec, 2);
    assert!(has(&report, "bucket-policy-denies-trail"), "{report}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
}

/// Case 3: the organization grant narrowed to the management account's folder denies every
/// member account: coverage lost, restored by apply.
#[test]
fn a_narrowed_organization_grant_is_coverage_lost_and_restored() {
    let (moto, org) = greenfield();
    let spec = "specs/org-trail.yaml";
    apply(&moto, spec);
    rewrite_policy(&moto, |v| {
        for s in v.iter_mut() {
            let r = s["Resource"].as_str().unwrap_or_default().to_string();
            if r.ends_with(&format!("AWSLogs/{org}/*")) {
                s["Resource"] = r.replace("/*", &format!("/{MANAGEMENT}/*")).into();
            }
        }
    });
    let out = moto.orgtrail(BIN, &["drift", spec]);
    out.expect_code(2)
        .expect_contains("coverage-lost [bucket-policy-drift]")
        .expect_contains("<every member account>");
    apply(&moto, spec);
    drift_json(&moto, spec, 0);
}

/// Case 4 (`cloudtrail-event-selectors`): a data-event selector narrowed by a suffix is a
/// reduction: refused without the flag.
#[test]
fn selectors_narrowed_by_a_suffix_are_a_reduction() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let selector = |extra: &str| {
        spec_yaml(&format!(
            "  advanced_event_selectors:\n    - name: mgmt\n      field_selectors:\n        - {{field: eventCategory, equals: [Management]}}\n    - name: data\n      field_selectors:\n        - {{field: eventCategory, equals: [Data]}}\n        - {{field: resources.type, equals: [\"AWS::S3::Object\"]}}\n        - {{field: resources.ARN, starts_with: [\"arn:aws:s3:::data-bucket/\"]}}\n{extra}"
        ))
    };
    // (wide, narrow): a suffix condition added; a suffix made longer.
    let cases = [
        (
            "",
            "        - {field: resources.ARN, not_ends_with: [\".json\"]}\n",
        ),
        (
            "        - {field: resources.ARN, ends_with: [\".gz\"]}\n",
            "        - {field: resources.ARN, ends_with: [\"x.gz\"]}\n",
        ),
    ];
    for (wide, narrow) in cases {
        let wide = specs.write("wide.yaml", &selector(wide));
        // Set up (from the previous case's selectors, itself a narrowing for the second case).
        apply_reducing(&moto, &wide);
        let narrow = specs.write("narrow.yaml", &selector(narrow));
        moto.reset_requests();
        moto.orgtrail(BIN, &["apply", &narrow, "--auto-approve"])
            .expect_code(1)
            .expect_contains("! put-event-selectors")
            .expect_contains("--allow-coverage-reduction");
        assert!(moto.writes().is_empty(), "{narrow}: {:?}", moto.writes());
    }
}

/// Case 5: weakening the bucket's protection: noncurrent versions kept for a day, ACLs on
/// again (plan: reductions), and a grant letting another account delete the logs (drift:
/// coverage lost).
#[test]
fn protection_weakened_is_a_reduction_and_a_tampering_grant_is_coverage_lost() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let keep = spec_with_bucket(
        &specs,
        "keep.yaml",
        "  lifecycle: {expire_days: 3650, noncurrent_expire_days: 3650}\n",
    );
    apply_reducing(&moto, &keep);
    for (name, bucket_extra, step) in [
        (
            "noncurrent versions for a day",
            "  lifecycle: {expire_days: 3650, noncurrent_expire_days: 1}\n",
            "! put-bucket-lifecycle",
        ),
        (
            "ACLs on again",
            "  lifecycle: {expire_days: 3650, noncurrent_expire_days: 3650}\n  ownership: ObjectWriter\n",
            "! put-bucket-ownership-controls",
        ),
    ] {
        let weak = spec_with_bucket(&specs, "weak.yaml", bucket_extra);
        moto.reset_requests();
        moto.orgtrail(BIN, &["apply", &weak, "--auto-approve"])
            .expect_code(1)
            .expect_contains(step)
            .expect_contains("--allow-coverage-reduction");
        assert!(moto.writes().is_empty(), "{name}");
    }
    drift_json(&moto, &keep, 0);
    rewrite_policy(&moto, |v| {
        v.push(json!({"Sid": "Cleanup", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "s3:DeleteObject", "Resource": format!("arn:aws:s3:::{BUCKET}/AWSLogs/*")}));
    });
    let report = drift_json(&moto, &keep, 2);
    assert!(has(&report, "bucket-policy-allows-tampering"), "{report}");
}

/// Case 6: a finding plan treats as a preflight error that puts delivery at risk is drift exit
/// 2 (a finding), not 1: a Deny on the management account's folder, and a KMS key policy
/// without CloudTrail's grant.
#[test]
fn evidence_at_risk_makes_drift_exit_2_not_1() {
    let (moto, _org) = greenfield();
    let spec = "specs/org-trail.yaml";
    apply(&moto, spec);
    rewrite_policy(&moto, |v| {
        v.push(
            json!({"Sid": "Quiet", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{BUCKET}/AWSLogs/{MANAGEMENT}/*")}),
        );
    });
    let report = drift_json(&moto, spec, 2);
    assert!(has(&report, "bucket-policy-denies-trail"), "{report}");

    let (moto, _org) = greenfield();
    let kms = moto.kms(REGION);
    let key = moto.block_on(kms.create_key().send()).unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    let grant = |cloudtrail: bool| {
        let mut statements = vec![
            json!({"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MANAGEMENT}:root")}, "Action": "kms:*", "Resource": "*"}),
        ];
        if cloudtrail {
            statements.push(json!({"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}));
        }
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    };
    let put = |policy: String| {
        moto.block_on(
            kms.put_key_policy()
                .key_id(&key_id)
                .policy_name("default")
                .policy(policy)
                .send(),
        )
        .unwrap();
    };
    put(grant(true));
    let specs = Specs::new();
    let spec = specs.write(
        "kms.yaml",
        &spec_yaml(&format!(
            "  kms_key_id: {}\n",
            key.key_metadata().unwrap().arn().unwrap()
        )),
    );
    apply(&moto, &spec);
    put(grant(false));
    let report = drift_json(&moto, &spec, 2);
    assert!(has(&report, "kms-key-policy"), "{report}");
    assert!(moto.is_logging(REGION, ARN));
}

/// Case 7: two specs sharing a bucket that disagree on a protection setting: an error naming
/// both files and the setting.
#[test]
fn specs_sharing_a_bucket_that_disagree_on_protection_are_an_error() {
    let (moto, _org) = greenfield();
    for (setting, extra) in [
        ("lifecycle", "  lifecycle: {expire_days: 30}\n"),
        (
            "object_lock",
            "  object_lock: {mode: GOVERNANCE, days: 1}\n",
        ),
        ("versioning", "  versioning: false\n"),
    ] {
        let specs = Specs::new();
        let a = specs.write("a.yaml", &spec_yaml(""));
        specs.write(
            "b.yaml",
            &format!("version: 1\nbucket:\n  name: {BUCKET}\n{extra}trail:\n  name: other-trail\n  home_region: {REGION}\n"),
        );
        let dir = std::path::Path::new(&a)
            .parent()
            .unwrap()
            .display()
            .to_string();
        moto.orgtrail(BIN, &["plan", &dir])
            .expect_code(1)
            .expect_contains("conflicting-bucket")
            .expect_contains(&format!("`bucket.{setting}`"))
            .expect_contains("a.yaml")
            .expect_contains("b.yaml");
    }
}
