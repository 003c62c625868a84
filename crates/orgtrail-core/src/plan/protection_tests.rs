//! Table-driven tests of the bucket protection builders (one step per setting, weakening
//! reduces coverage) over hand-built live states: each case names the behaviour it pins.

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
        // Drift calls each of these coverage lost, ownership included: ACLs on again let a
        // writer own the log files it puts.
        let report = crate::drift::report(&plan, &live);
        let lost = report
            .findings
            .iter()
            .any(|f| f.severity == crate::drift::DriftSeverity::CoverageLost);
        assert_eq!(lost, !want.is_empty(), "{name}: {:?}", report.findings);
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
            "noncurrent versions kept shorter",
            "  lifecycle: {expire_days: 3650, noncurrent_expire_days: 1}\n",
            Some(orgtrail_spec::Lifecycle {
                expire_days: 3650,
                noncurrent_expire_days: Some(3650),
                archive_after_days: None,
            }),
            None,
            true,
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

fn rule(id: &str, prefix: &str, expire: Option<u32>, noncurrent: Option<u32>) -> LifecycleRule {
    LifecycleRule {
        id: id.into(),
        prefix: prefix.into(),
        expire_days: expire,
        noncurrent_expire_days: noncurrent,
    }
}

/// (behaviour, spec lines under bucket, someone else's rule, removed): a lifecycle rule that
/// deletes log or digest files earlier than the spec keeps them is removed by a restoring step
/// (no flag needed) and is coverage lost in drift; a rule that cannot touch the log prefixes,
/// or deletes later than the spec, is kept untouched.
#[allow(clippy::too_many_lines, reason = "a table of cases, one per line")]
#[test]
fn a_foreign_lifecycle_rule_that_deletes_logs_is_removed_and_coverage_lost() {
    let keep = "  lifecycle: {expire_days: 3650, noncurrent_expire_days: 3650}\n";
    let cases = [
        (
            "every object, 1 day, no retention in the spec",
            "",
            rule("nuke", "", Some(1), None),
            true,
        ),
        (
            "every object, 1 day, spec keeps 10 years",
            keep,
            rule("nuke", "", Some(1), None),
            true,
        ),
        (
            "the log prefix, by date",
            "",
            rule("d", "AWSLogs/", Some(0), None),
            true,
        ),
        (
            "one account's folder",
            "",
            rule("f", &format!("AWSLogs/{ORG}/222222222222/"), Some(7), None),
            true,
        ),
        (
            "noncurrent versions only",
            keep,
            rule("nc", "", None, Some(1)),
            true,
        ),
        (
            "orgtrail's own ID, no lifecycle in the spec",
            "",
            rule(RETENTION_RULE, "", Some(1), None),
            true,
        ),
        (
            "another prefix",
            "",
            rule("tmp", "tmp/", Some(1), None),
            false,
        ),
        (
            "later than the spec",
            keep,
            rule("late", "", Some(4000), Some(4000)),
            false,
        ),
    ];
    for (name, bucket_extra, foreign, removed) in cases {
        let yaml = format!(
            "version: 1\nbucket:\n  name: my-bucket\n{bucket_extra}trail:\n  name: my-trail\n  home_region: us-east-2\n"
        );
        let s = parse_bytes("specs/0.yaml", yaml.as_bytes()).expect("valid spec");
        let mut live = in_sync(&[&s]);
        let mut p = defaults_applied();
        p.retention = s.bucket.lifecycle;
        p.other_lifecycle_rules = vec![foreign];
        live.trails[0].bucket.protection = Some(p);
        let plan = plan_of(&[&s], &live);
        assert_eq!(
            kinds(&plan),
            if removed {
                vec![(StepKind::RemoveLifecycleRules, false)]
            } else {
                vec![]
            },
            "{name}"
        );
        let report = crate::drift::report(&plan, &live);
        assert_eq!(report.drifted(), removed, "{name}: {:?}", report.findings);
        if removed {
            assert_eq!(
                report.findings[0].rule, "bucket-lifecycle-deletes-logs",
                "{name}"
            );
        }
    }
}

/// Setting orgtrail's retention rule next to someone else's shorter rule loses nothing: the
/// bucket keeps the logs for a day today, whatever orgtrail's rule says.
#[test]
fn setting_retention_beside_a_shorter_foreign_rule_is_not_reducing() {
    let yaml = "version: 1\nbucket:\n  name: my-bucket\n  lifecycle: {expire_days: 3650}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";
    let s = parse_bytes("specs/0.yaml", yaml.as_bytes()).unwrap();
    let mut live = in_sync(&[&s]);
    let mut p = defaults_applied();
    p.other_lifecycle_rules = vec![rule("nuke", "", Some(1), None)];
    live.trails[0].bucket.protection = Some(p);
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [
            (StepKind::PutBucketLifecycle, false),
            (StepKind::RemoveLifecycleRules, false)
        ]
    );
}

/// Object ownership away from BucketOwnerEnforced turns ACLs on again: reducing in plan.
#[test]
fn ownership_away_from_bucket_owner_enforced_reduces_coverage() {
    let yaml = "version: 1\nbucket:\n  name: my-bucket\n  ownership: ObjectWriter\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";
    let s = parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
    let mut live = in_sync(&[&s]);
    live.trails[0].bucket.protection = Some(defaults_applied());
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [(StepKind::PutBucketOwnershipControls, true)]
    );
}

/// Retention of current files only, with versioning on, keeps every expired or overwritten file
/// as a noncurrent version forever: a warning naming the setting that expires them.
#[test]
fn expiring_current_files_only_with_versioning_warns_of_old_versions_kept_forever() {
    let with = |bucket_lines: &str| {
        let yaml = format!(
            "version: 1\nbucket:\n  name: my-bucket\n{bucket_lines}trail:\n  name: my-trail\n  home_region: us-east-2\n"
        );
        let s = parse_bytes("test.yaml", yaml.as_bytes()).expect("valid spec");
        let p = plan_of(&[&s], &in_sync(&[&s]));
        p.findings
            .iter()
            .any(|f| f.code == FindingCode::NoncurrentKeptForever)
    };
    assert!(with("  lifecycle: {expire_days: 365}\n"));
    assert!(!with(
        "  lifecycle: {expire_days: 365, noncurrent_expire_days: 30}\n"
    ));
    assert!(!with(
        "  lifecycle: {expire_days: 365}\n  versioning: false\n"
    ));
    assert!(!with(""));
}
