use orgtrail_testsupport::Moto;

use crate::plan::seed_trail;
use crate::{ARN, BIN, Specs, greenfield, spec_yaml};

fn apply(moto: &Moto, spec: &str) {
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
}

/// A second apply makes zero write calls (counted at moto, not from orgtrail's output).
fn second_apply_writes_nothing(moto: &Moto, spec: &str) {
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("No changes.");
    let writes = moto.writes();
    assert!(writes.is_empty(), "second apply wrote: {writes:?}");
    assert!(
        !moto.requests().is_empty(),
        "the recorder saw no requests at all"
    );
}

#[test]
fn greenfield_converges_and_second_apply_writes_nothing() {
    let (moto, org) = greenfield();
    apply(&moto, "specs/org-trail.yaml");
    let t = moto.trail("us-east-2", "my-trail").expect("trail created");
    assert_eq!(t.trail_arn(), Some(ARN));
    assert_eq!(t.is_organization_trail(), Some(true));
    assert_eq!(t.is_multi_region_trail(), Some(true));
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert!(moto.is_logging("us-east-2", ARN));
    let policy = moto
        .bucket_policy("my-bucket", "us-east-2")
        .expect("policy written");
    assert!(policy.contains(&format!("AWSLogs/{org}/*")) && policy.contains("aws:SourceArn"));
    second_apply_writes_nothing(&moto, "specs/org-trail.yaml");
}

/// Greenfield apply: one read of the live state; before the first write to each resource
/// (organization, bucket, trail) a re-read of just that resource (compare before write), and no
/// other read between the writes; then one re-read that proves convergence. Counted at moto's
/// recorder.
#[test]
fn greenfield_apply_rereads_each_resource_once_right_before_its_first_write() {
    let (moto, _) = greenfield();
    moto.reset_requests();
    apply(&moto, "specs/org-trail.yaml");
    let reqs = moto.requests();
    let is_write: Vec<bool> = reqs.iter().map(|r| r.is_write()).collect();
    let first = is_write.iter().position(|w| *w).expect("some write");
    let last = is_write.iter().rposition(|w| *w).expect("some write");
    let sorted = |r: &[orgtrail_testsupport::Request]| -> Vec<String> {
        let mut v: Vec<String> = r.iter().map(|r| r.operation.clone()).collect();
        v.sort();
        v
    };
    // The organization is re-read with two concurrent calls, in either order.
    let mut between: Vec<String> = reqs[first - 2..=last]
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    between[..2].sort();
    assert_eq!(
        between,
        [
            "AWSOrganizationsV20161128.DescribeOrganization",
            "AWSOrganizationsV20161128.ListAWSServiceAccessForOrganization",
            "AWSOrganizationsV20161128.EnableAWSServiceAccess",
            "S3 GET ?policy",
            "S3 PUT ?ownershipControls",
            "S3 PUT ?publicAccessBlock",
            "S3 PUT ?versioning",
            "S3 PUT ?policy",
            "CloudTrail_20131101.DescribeTrails",
            "CloudTrail_20131101.CreateTrail",
            "CloudTrail_20131101.StartLogging",
        ],
        "writes in dependency order, each resource re-read right before its first write"
    );
    // Before: the reads of a plan without a trail. After: the full read.
    let before = sorted(&reqs[..first - 2]);
    let after = sorted(&reqs[last + 1..]);
    // The bucket's protection and lifecycle are read with its policy (5 more calls, same round);
    // the organization's guardrail policies are listed (SCPs, RCPs) beside them.
    assert_eq!(before.len(), 12, "reads before the writes: {before:?}");
    assert_eq!(after.len(), 16, "reads after the writes: {after:?}");
    assert!(
        before.iter().all(|op| after.contains(op)),
        "{before:?} vs {after:?}"
    );
}

#[test]
fn converts_existing_single_account_trail_to_organization_trail_in_place() {
    let (moto, _org) = greenfield();
    seed_trail(&moto, false, true);
    let ct = moto.cloudtrail("us-east-2");
    let sel = orgtrail_testsupport::cloudtrail::types::EventSelector::builder()
        .read_write_type(orgtrail_testsupport::cloudtrail::types::ReadWriteType::WriteOnly)
        .include_management_events(true)
        .build();
    moto.block_on(
        ct.put_event_selectors()
            .trail_name("my-trail")
            .event_selectors(sel)
            .send(),
    )
    .unwrap();
    let specs = Specs::new();
    // The spec keeps the trail's tags and selectors: only the organization flag changes.
    let spec = specs.write(
        "t.yaml",
        &spec_yaml(
            "  event_selectors:\n    - read_write_type: WriteOnly\n  tags:\n    team: security\n",
        ),
    );
    moto.reset_requests();
    apply(&moto, &spec);
    let ops: Vec<String> = moto.writes().iter().map(|r| r.operation.clone()).collect();
    assert!(ops.iter().any(|o| o.ends_with(".UpdateTrail")), "{ops:?}");
    assert!(
        !ops.iter().any(|o| o.ends_with(".CreateTrail")
            || o.ends_with(".DeleteTrail")
            || o.ends_with(".StopLogging")),
        "{ops:?}"
    );
    let t = moto.trail("us-east-2", "my-trail").unwrap();
    assert_eq!(t.trail_arn(), Some(ARN), "same ARN");
    assert_eq!(t.is_organization_trail(), Some(true));
    let tags = moto
        .block_on(ct.list_tags().resource_id_list(ARN).send())
        .unwrap();
    assert_eq!(tags.resource_tag_list()[0].tags_list()[0].key(), "team");
    let sels = moto
        .block_on(ct.get_event_selectors().trail_name(ARN).send())
        .unwrap();
    assert_eq!(
        sels.event_selectors()[0]
            .read_write_type()
            .map(|r| r.as_str()),
        Some("WriteOnly")
    );
    second_apply_writes_nothing(&moto, &spec);
}

#[test]
fn converts_single_region_org_trail_to_multi_region() {
    let (moto, _org) = greenfield();
    moto.enable_trusted_access();
    seed_trail(&moto, true, false);
    let specs = Specs::new();
    let spec = specs.write("t.yaml", &spec_yaml("  tags:\n    team: security\n"));
    moto.reset_requests();
    apply(&moto, &spec);
    let ops: Vec<String> = moto.writes().iter().map(|r| r.operation.clone()).collect();
    assert!(
        !ops.iter()
            .any(|o| o.ends_with(".StopLogging") || o.ends_with(".CreateTrail")),
        "logging never stopped: {ops:?}"
    );
    let t = moto.trail("us-east-2", "my-trail").unwrap();
    assert_eq!(t.trail_arn(), Some(ARN));
    assert_eq!(t.is_multi_region_trail(), Some(true));
    assert!(moto.is_logging("us-east-2", ARN));
    second_apply_writes_nothing(&moto, &spec);
}

#[test]
fn apply_from_another_region_writes_to_the_home_region() {
    let (moto, _org) = greenfield();
    moto.orgtrail_with(
        BIN,
        &["apply", "specs/org-trail.yaml", "--auto-approve"],
        &[("AWS_REGION", "eu-west-1")],
    )
    .expect_code(0)
    .expect_contains("Apply complete: 7 steps");
    assert!(
        moto.trail("us-east-2", "my-trail")
            .is_some_and(|t| t.home_region() == Some("us-east-2"))
    );
    moto.reset_requests();
    moto.orgtrail_with(
        BIN,
        &[
            "apply",
            "specs/org-trail.yaml",
            "--auto-approve",
            "--region",
            "ap-southeast-2",
        ],
        &[],
    )
    .expect_code(0)
    .expect_contains("No changes.");
    assert!(moto.writes().is_empty());
}

#[test]
fn foreign_bucket_policy_statements_survive_apply() {
    let (moto, _org) = greenfield();
    let foreign = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"}
        ]
    });
    moto.put_bucket_policy("my-bucket", "us-east-2", &foreign.to_string());
    apply(&moto, "specs/org-trail.yaml");
    let after: serde_json::Value =
        serde_json::from_str(&moto.bucket_policy("my-bucket", "us-east-2").unwrap()).unwrap();
    let stmts = after["Statement"].as_array().unwrap();
    assert_eq!(stmts.len(), 5);
    assert_eq!(stmts[0], foreign["Statement"][0]);
    assert_eq!(stmts[1], foreign["Statement"][1]);
}

/// The guide's unscoped statements let any trail of the account write, which is more than the
/// scoped statements allow: while another organization trail (homed in another region) relies
/// on them they are kept (with a warning), the scoped ones added, and the repeated Sid made
/// unique so that S3 accepts the policy. (With no such trail they are replaced: review.rs.)
#[test]
fn seed_policy_unscoped_grants_are_kept_and_sids_made_unique() {
    let (moto, org) = greenfield();
    moto.block_on(
        moto.cloudtrail("us-west-2")
            .create_trail()
            .name("older-org-trail")
            .s3_bucket_name("my-bucket")
            .is_organization_trail(true)
            .send(),
    )
    .unwrap();
    let seed = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/123456789012/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::my-bucket/AWSLogs/{org}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    ]});
    moto.put_bucket_policy("my-bucket", "us-east-2", &seed.to_string());
    moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml"])
        .expect_code(0)
        .expect_contains("keeps the CloudTrail statement `AWSCloudTrailAclCheck20150319`")
        .expect_contains("Plan: 1 to add, 6 to change, 0 reducing coverage.");
    apply(&moto, "specs/org-trail.yaml");
    let after: serde_json::Value =
        serde_json::from_str(&moto.bucket_policy("my-bucket", "us-east-2").unwrap()).unwrap();
    let stmts = after["Statement"].as_array().unwrap();
    // The guide's three, the three scoped ones, and the TLS-only statement.
    assert_eq!(stmts.len(), 7);
    let sids: std::collections::BTreeSet<&str> =
        stmts.iter().filter_map(|s| s["Sid"].as_str()).collect();
    assert_eq!(sids.len(), 7, "{sids:?}");
    assert_eq!(
        stmts
            .iter()
            .filter(|s| s["Condition"]["StringEquals"]["aws:SourceArn"] == ARN)
            .count(),
        3
    );
    second_apply_writes_nothing(&moto, "specs/org-trail.yaml");
}

#[test]
fn saved_plan_is_refused_when_the_trail_changed_out_of_band() {
    let (moto, _org) = greenfield();
    moto.enable_trusted_access();
    seed_trail(&moto, true, false);
    let specs = Specs::new();
    let spec = specs.write("t.yaml", &spec_yaml("  tags:\n    team: security\n"));
    let plan_file = specs.dir.path().join("plan.json").display().to_string();
    moto.orgtrail(BIN, &["plan", &spec, "--out", &plan_file])
        .expect_code(0);
    // Saved plans carry no secrets, and neither does the most verbose output.
    let saved = std::fs::read_to_string(&plan_file).unwrap();
    for secret in [
        orgtrail_testsupport::ACCESS_KEY,
        orgtrail_testsupport::SECRET_KEY,
        orgtrail_testsupport::MANAGEMENT_EMAIL,
    ] {
        assert!(!saved.contains(secret), "saved plan contains {secret}");
    }
    moto.orgtrail(BIN, &["plan", &spec, "-vvv"]).expect_code(0);
    // Someone changes the trail after the plan was reviewed.
    moto.block_on(moto.cloudtrail("us-east-2").stop_logging().name(ARN).send())
        .unwrap();
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &plan_file, "--auto-approve"])
        .expect_code(1)
        .expect_contains("plan is stale: trail `arn:aws:cloudtrail:us-east-2:123456789012:trail/my-trail` changed in AWS");
    assert!(moto.writes().is_empty());
    // A fresh saved plan applies.
    moto.orgtrail(BIN, &["plan", &spec, "--out", &plan_file])
        .expect_code(0);
    moto.orgtrail(BIN, &["apply", &plan_file, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
}

#[test]
fn apply_without_tty_or_auto_approve_changes_nothing() {
    let (moto, _org) = greenfield();
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml"])
        .expect_code(1)
        .expect_contains("--auto-approve");
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());
}

#[test]
fn coverage_reduction_needs_the_flag() {
    let (moto, _org) = greenfield();
    apply(&moto, "specs/org-trail.yaml");
    let specs = Specs::new();
    let spec = specs.write("off.yaml", &spec_yaml("  logging: false\n"));
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("! stop-logging")
        .expect_contains("--allow-coverage-reduction");
    assert!(moto.writes().is_empty());
    moto.orgtrail(
        BIN,
        &[
            "apply",
            &spec,
            "--auto-approve",
            "--allow-coverage-reduction",
        ],
    )
    .expect_code(0);
    assert!(!moto.is_logging("us-east-2", ARN));
}

#[test]
fn failed_step_is_named_and_rerun_converges() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    // moto rejects CreateTrail for a topic that does not exist: the failure happens after the
    // trusted-access and bucket-policy steps succeeded.
    let broken = specs.write("t.yaml", &spec_yaml("  sns_topic: no-such-topic\n"));
    moto.orgtrail(BIN, &["apply", &broken, "--auto-approve"])
        .expect_code(1)
        .expect_contains("step 6/7 create-trail")
        .expect_contains("cloudtrail:CreateTrail")
        .expect_contains("run apply again");
    assert!(
        moto.bucket_policy("my-bucket", "us-east-2").is_some(),
        "earlier steps stay done"
    );
    let fixed = specs.write("t.yaml", &spec_yaml(""));
    moto.orgtrail(BIN, &["apply", &fixed, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete: 2 steps");
}

#[test]
fn kms_alias_and_log_group_arn_are_normalised_and_key_policy_is_checked() {
    let (moto, _org) = greenfield();
    let kms = moto.kms("us-east-2");
    // A key whose policy does not let CloudTrail use it: preflight error, nothing written.
    let key = moto.block_on(kms.create_key().send()).unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    moto.block_on(
        kms.create_alias()
            .alias_name("alias/cloudtrail")
            .target_key_id(&key_id)
            .send(),
    )
    .unwrap();
    let specs = Specs::new();
    let spec = specs.write(
        "kms.yaml",
        &spec_yaml(
            "  kms_key_id: alias/cloudtrail\n  cloudwatch_logs:\n    log_group_arn: arn:aws:logs:us-east-2:123456789012:log-group:ct\n    role_arn: arn:aws:iam::123456789012:role/ct\n",
        ),
    );
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("kms-key-policy")
        .expect_contains("kms:GenerateDataKey*");
    assert!(moto.writes().is_empty());
    // With the key policy from the CloudTrail guide, apply converges; the trail stores the key
    // ARN (not the alias) and the log group ARN with `:*`, and a second plan sees no change.
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow CloudTrail to encrypt logs", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:GenerateDataKey*", "Resource": "*"},
        {"Sid": "Allow CloudTrail to describe key", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:DescribeKey", "Resource": "*"}]});
    moto.block_on(
        kms.put_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .policy(policy.to_string())
            .send(),
    )
    .unwrap();
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    let t = moto.trail("us-east-2", "my-trail").unwrap();
    assert_eq!(t.kms_key_id(), key.key_metadata().unwrap().arn());
    assert_eq!(
        t.cloud_watch_logs_log_group_arn(),
        Some("arn:aws:logs:us-east-2:123456789012:log-group:ct:*")
    );
    moto.orgtrail(BIN, &["plan", &spec, "--detailed-exitcode"])
        .expect_code(0)
        .expect_contains("No changes.");
}
