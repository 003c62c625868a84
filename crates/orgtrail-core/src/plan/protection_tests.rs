//! Table-driven tests of the bucket protection builders (one step per setting, weakening reduces coverage) over hand-built live states: each case names the
//! behaviour it pins.

use orgtrail_spec::parse_bytes;

use super::*;
use crate::fixtures::*;
use crate::model::*;

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
