//! What a reviewer needs to decide (issue 21), end to end through the contract layer: a bucket
//! built from the AWS guide converges to the scoped statements once every trail that could rely
//! on the guide's unscoped grants is known, and `orgtrail import` keeps a protected bucket's
//! protection as managed settings.

use orgtrail_testsupport::Moto;
use serde_json::{Value, json};

use crate::{BIN, greenfield};

const MGMT: &str = "123456789012";

/// The policy of the guide "Creating a trail for an organization with the AWS CLI": no
/// `aws:SourceArn`, the two write statements sharing one Sid.
fn guide_policy(org: &str) -> Value {
    let write = |id: &str| json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::my-bucket/AWSLogs/{id}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}});
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"},
        write(MGMT),
        write(org),
    ]})
}

/// The plan as JSON, with how many DescribeTrails calls it made.
fn plan_json(moto: &Moto, spec: &str) -> (Value, usize) {
    moto.reset_requests();
    let out = moto.orgtrail(BIN, &["plan", spec, "--format", "json"]);
    out.expect_code(0);
    let calls = moto
        .requests()
        .iter()
        .filter(|r| r.operation.ends_with(".DescribeTrails"))
        .count();
    (serde_json::from_str(&out.stdout).unwrap(), calls)
}

/// The messages of the plan's `legacy-statement-kept` warnings.
fn kept(plan: &Value) -> Vec<String> {
    plan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "legacy-statement-kept")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

fn policy_step(plan: &Value) -> Value {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "put-bucket-policy")
        .cloned()
        .expect("a bucket policy step")
}

fn live_statements(moto: &Moto) -> Vec<Value> {
    let text = moto.bucket_policy("my-bucket", "us-east-2").unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["Statement"].as_array().unwrap().clone()
}

fn is_cloudtrail(s: &Value) -> bool {
    s["Principal"]
        .to_string()
        .contains("cloudtrail.amazonaws.com")
}

/// No other trail delivers to the bucket: the plan reads every region once (the management
/// account's trails are then all known), replaces the guide's three statements in a normal,
/// non-reducing step without a warning, and the applied policy has only scoped CloudTrail
/// statements. Without the unscoped grant the next plan makes no extra read.
#[test]
fn a_guide_built_bucket_converges_to_scoped_statements_when_no_other_trail_delivers_there() {
    let (moto, org) = greenfield();
    moto.put_bucket_policy("my-bucket", "us-east-2", &guide_policy(&org).to_string());
    let (plan, calls) = plan_json(&moto, "specs/org-trail.yaml");
    // The home region's read and one for each of the other 33 regions of the partition.
    assert_eq!(calls, 34);
    assert!(kept(&plan).is_empty(), "{:?}", kept(&plan));
    let step = policy_step(&plan);
    assert_eq!(step["reduces_coverage"], false, "{step:#}");
    assert!(
        step["reason"]
            .as_str()
            .unwrap()
            .contains("replace 3 CloudTrail statement(s)"),
        "{step:#}"
    );
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    let stmts = live_statements(&moto);
    let cloudtrail: Vec<&Value> = stmts.iter().filter(|s| is_cloudtrail(s)).collect();
    assert_eq!(cloudtrail.len(), 3, "{stmts:#?}");
    for s in &cloudtrail {
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceArn"],
            crate::ARN,
            "{s}"
        );
        assert!(!s["Sid"].as_str().unwrap().contains("20150319"), "{s}");
    }
    let (plan, calls) = plan_json(&moto, "specs/org-trail.yaml");
    assert_eq!(plan["steps"].as_array().unwrap().len(), 0, "{plan:#}");
    assert!(kept(&plan).is_empty());
    assert_eq!(calls, 1, "no unscoped grant left: no extra read");
}

/// A second trail of the management account, homed in another region (so only the read of every
/// region sees it), delivers to the bucket through the guide's grants: the ACL check and the
/// account's path are kept, each warning naming that trail; the organization path, which a
/// single-account trail never writes, is replaced. Nothing is lost, and the result is stable.
#[test]
fn a_second_trail_relying_on_the_guide_grants_keeps_them_and_is_named() {
    let (moto, org) = greenfield();
    moto.put_bucket_policy("my-bucket", "us-east-2", &guide_policy(&org).to_string());
    let legacy = format!("arn:aws:cloudtrail:eu-west-1:{MGMT}:trail/legacy");
    moto.block_on(
        moto.cloudtrail("eu-west-1")
            .create_trail()
            .name("legacy")
            .s3_bucket_name("my-bucket")
            .send(),
    )
    .unwrap();
    let (plan, calls) = plan_json(&moto, "specs/org-trail.yaml");
    assert_eq!(calls, 34);
    let warnings = kept(&plan);
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    for (w, sid) in warnings.iter().zip([
        "AWSCloudTrailAclCheck20150319",
        "AWSCloudTrailWrite20150319",
    ]) {
        assert!(w.contains(&format!("`{sid}`")), "{w}");
        assert!(w.contains(&format!("trail {legacy}")), "{w}");
    }
    let step = policy_step(&plan);
    assert_eq!(step["reduces_coverage"], false, "{step:#}");
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    let stmts = live_statements(&moto);
    let unscoped: Vec<&Value> = stmts
        .iter()
        .filter(|s| is_cloudtrail(s) && s["Condition"]["StringEquals"]["aws:SourceArn"].is_null())
        .collect();
    assert_eq!(unscoped.len(), 2, "{stmts:#?}");
    assert!(
        unscoped
            .iter()
            .all(|s| !s["Resource"].to_string().contains(&org)),
        "{unscoped:#?}"
    );
    let (plan, _) = plan_json(&moto, "specs/org-trail.yaml");
    assert_eq!(plan["steps"].as_array().unwrap().len(), 0, "{plan:#}");
    assert_eq!(kept(&plan).len(), 2);
}

/// A bucket protected the way a Terraform module protects a CloudTrail bucket, none of it by
/// orgtrail: public access blocked, ACLs disabled, default encryption, versioning, Object Lock,
/// access logging, a TLS-only statement under its own Sid, and its own lifecycle rule expiring
/// log files (and one for `tmp/` that never touches them).
fn protect_like_terraform(moto: &Moto, org: &str) {
    use orgtrail_testsupport::s3::types as t;
    let region = "us-east-2";
    let s3 = moto.s3(region);
    let place = t::CreateBucketConfiguration::builder()
        .location_constraint(t::BucketLocationConstraint::from(region))
        .build();
    moto.create_bucket("access-logs", region);
    moto.block_on(
        s3.create_bucket()
            .bucket("my-bucket")
            .object_lock_enabled_for_bucket(true)
            .create_bucket_configuration(place)
            .send(),
    )
    .unwrap();
    let b = "my-bucket";
    let block = t::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    moto.block_on(
        s3.put_public_access_block()
            .bucket(b)
            .public_access_block_configuration(block)
            .send(),
    )
    .unwrap();
    let owner = t::OwnershipControlsRule::builder()
        .object_ownership(t::ObjectOwnership::BucketOwnerEnforced)
        .build()
        .unwrap();
    let controls = t::OwnershipControls::builder()
        .rules(owner)
        .build()
        .unwrap();
    moto.block_on(
        s3.put_bucket_ownership_controls()
            .bucket(b)
            .ownership_controls(controls)
            .send(),
    )
    .unwrap();
    let sse = t::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(t::ServerSideEncryption::Aes256)
        .build()
        .unwrap();
    let sse = t::ServerSideEncryptionConfiguration::builder()
        .rules(
            t::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(sse)
                .build(),
        )
        .build()
        .unwrap();
    moto.block_on(
        s3.put_bucket_encryption()
            .bucket(b)
            .server_side_encryption_configuration(sse)
            .send(),
    )
    .unwrap();
    let on = t::VersioningConfiguration::builder()
        .status(t::BucketVersioningStatus::Enabled)
        .build();
    moto.block_on(
        s3.put_bucket_versioning()
            .bucket(b)
            .versioning_configuration(on)
            .send(),
    )
    .unwrap();
    terraform_lifecycle(moto);
    terraform_lock_and_logging(moto);
    moto.put_bucket_policy(b, region, &terraform_policy(org).to_string());
}

/// Object Lock's default retention (GOVERNANCE, 180 days) and access logging into
/// `access-logs`, whose policy lets S3 deliver them.
fn terraform_lock_and_logging(moto: &Moto) {
    use orgtrail_testsupport::s3::types as t;
    let region = "us-east-2";
    let s3 = moto.s3(region);
    let b = "my-bucket";
    let lock = t::ObjectLockConfiguration::builder()
        .object_lock_enabled(t::ObjectLockEnabled::Enabled)
        .rule(
            t::ObjectLockRule::builder()
                .default_retention(
                    t::DefaultRetention::builder()
                        .mode(t::ObjectLockRetentionMode::Governance)
                        .days(180)
                        .build(),
                )
                .build(),
        )
        .build();
    moto.block_on(
        s3.put_object_lock_configuration()
            .bucket(b)
            .object_lock_configuration(lock)
            .send(),
    )
    .unwrap();
    let delivery = json!({"Version": "2012-10-17", "Statement": [{"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::access-logs/s3-access/*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::my-bucket"}, "StringEquals": {"aws:SourceAccount": MGMT}}}]});
    moto.put_bucket_policy("access-logs", region, &delivery.to_string());
    let logging = t::LoggingEnabled::builder()
        .target_bucket("access-logs")
        .target_prefix("s3-access/")
        .build()
        .unwrap();
    moto.block_on(
        s3.put_bucket_logging()
            .bucket(b)
            .bucket_logging_status(
                t::BucketLoggingStatus::builder()
                    .logging_enabled(logging)
                    .build(),
            )
            .send(),
    )
    .unwrap();
}

/// Terraform's rules: log files expire after a year (noncurrent versions after 90 days); `tmp/`
/// is cleaned weekly.
fn terraform_lifecycle(moto: &Moto) {
    use orgtrail_testsupport::s3::types as t;
    let rule = |id: &str, prefix: &str, days: i32, noncurrent: Option<i32>| {
        let mut r = t::LifecycleRule::builder()
            .id(id)
            .status(t::ExpirationStatus::Enabled)
            .filter(t::LifecycleRuleFilter::builder().prefix(prefix).build())
            .expiration(t::LifecycleExpiration::builder().days(days).build());
        if let Some(n) = noncurrent {
            r = r.noncurrent_version_expiration(
                t::NoncurrentVersionExpiration::builder()
                    .noncurrent_days(n)
                    .build(),
            );
        }
        r.build().unwrap()
    };
    let config = t::BucketLifecycleConfiguration::builder()
        .rules(rule("expire-logs", "", 365, Some(90)))
        .rules(rule("tmp-cleanup", "tmp/", 7, None))
        .build()
        .unwrap();
    moto.block_on(
        moto.s3("us-east-2")
            .put_bucket_lifecycle_configuration()
            .bucket("my-bucket")
            .lifecycle_configuration(config)
            .send(),
    )
    .unwrap();
}

/// CloudTrail's statements scoped to the trail, and Terraform's TLS-only statement under its
/// own Sid.
fn terraform_policy(org: &str) -> Value {
    let arn = crate::ARN;
    let write = |id: &str| json!({"Sid": format!("CloudTrailWrite{}", id.replace('-', "")), "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::my-bucket/AWSLogs/{id}/*"), "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": arn}}});
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket", "Condition": {"StringEquals": {"aws:SourceArn": arn}}},
        write(MGMT),
        write(org),
        {"Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]})
}

/// `orgtrail import` of a trail whose bucket has every protection on (none of it set by
/// orgtrail) writes a spec that manages each one as it is, says per setting what it read, and
/// plans "No changes": Terraform's lifecycle rules are kept, not removed.
#[test]
fn import_of_a_bucket_with_every_protection_on_manages_each_and_plans_no_changes() {
    let moto = Moto::start();
    let org = moto.create_org(true);
    protect_like_terraform(&moto, &org);
    moto.enable_trusted_access();
    crate::plan::seed_trail(&moto, true, true);
    let out = moto.orgtrail(
        BIN,
        &[
            "import",
            "--trail",
            "my-trail",
            "--home-region",
            "us-east-2",
        ],
    );
    out.expect_code(0);
    let yaml = &out.stdout;
    for (setting, value) in [
        ("public_access_block", "true"),
        ("ownership", "BucketOwnerEnforced"),
        ("versioning", "true"),
        ("require_tls", "true"),
        ("encryption", "{type: SSE-S3, bucket_key: false}"),
        (
            "lifecycle",
            "{expire_days: 365, noncurrent_expire_days: 90}",
        ),
        ("object_lock", "{mode: GOVERNANCE, days: 180}"),
        (
            "access_logging",
            "{target_bucket: access-logs, prefix: s3-access/}",
        ),
    ] {
        let line = yaml
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{setting}:")))
            .unwrap_or_else(|| panic!("no `{setting}` in\n{yaml}"));
        assert!(
            line.contains(&format!("{setting}: {value}  # read: ")),
            "{line}\n{yaml}"
        );
    }
    assert!(yaml.contains("`expire-logs`"), "{yaml}");
    assert!(!yaml.contains("not managed yet"), "{yaml}");
    let specs = crate::Specs::new();
    let spec = specs.write("imported.yaml", yaml);
    moto.reset_requests();
    moto.orgtrail(BIN, &["plan", &spec, "--detailed-exitcode"])
        .expect_code(0)
        .expect_contains("No changes.");
    assert!(moto.writes().is_empty());
    // Terraform's rules stay as they are.
    let lc = moto
        .block_on(
            moto.s3("us-east-2")
                .get_bucket_lifecycle_configuration()
                .bucket("my-bucket")
                .send(),
        )
        .unwrap();
    let ids: Vec<&str> = lc.rules().iter().filter_map(|r| r.id()).collect();
    assert_eq!(ids, ["expire-logs", "tmp-cleanup"]);
}
