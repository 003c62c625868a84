use crate::plan::seed_trail;
use crate::{ARN, BIN, Specs, greenfield, spec_yaml};

#[test]
fn drift_reports_each_kind_of_drift_read_only() {
    let (moto, _org) = greenfield();
    let spec = "specs/org-trail.yaml";
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);
    let ct = moto.cloudtrail("us-east-2");

    moto.reset_requests();
    moto.orgtrail(BIN, &["drift", spec])
        .expect_code(0)
        .expect_contains("In sync");
    assert!(moto.writes().is_empty());

    // 1. logging stopped
    moto.block_on(ct.stop_logging().name(ARN).send()).unwrap();
    moto.reset_requests();
    moto.orgtrail(BIN, &["drift", spec])
        .expect_code(2)
        .expect_contains("coverage-lost [logging-stopped]")
        .expect_contains("`orgtrail apply` would fix it");
    assert!(
        moto.writes().is_empty(),
        "drift must be read-only: {:?}",
        moto.writes()
    );
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);

    // 2. out-of-band UpdateTrail to single region
    moto.block_on(
        ct.update_trail()
            .name(ARN)
            .is_multi_region_trail(false)
            .send(),
    )
    .unwrap();
    let out = moto.orgtrail(BIN, &["drift", spec, "--format", "json"]);
    out.expect_code(2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["findings"][0]["rule"], "not-multi-region");
    assert_eq!(v["findings"][0]["severity"], "coverage-lost");
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);

    // 3. bucket policy overwritten
    moto.put_bucket_policy("my-bucket", "us-east-2", r#"{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::my-bucket"}]}"#);
    moto.orgtrail(BIN, &["drift", spec])
        .expect_code(2)
        .expect_contains("[bucket-policy-drift]")
        .expect_contains("+++ planned");
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);

    // 4. trusted access removed
    moto.block_on(
        moto.organizations()
            .disable_aws_service_access()
            .service_principal("cloudtrail.amazonaws.com")
            .send(),
    )
    .unwrap();
    moto.orgtrail(BIN, &["drift", spec, "--format", "markdown"])
        .expect_code(2)
        .expect_contains("`trusted-access-removed`");
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);

    // 5. trail deleted (moto deletes by name only)
    moto.block_on(ct.delete_trail().name("my-trail").send())
        .unwrap();
    let sarif = moto.orgtrail(BIN, &["drift", spec, "--format", "sarif"]);
    sarif.expect_code(2);
    let s: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert!(
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "trail-missing" && r["level"] == "error")
    );
    validate_sarif(&sarif.stdout);
    moto.orgtrail(BIN, &["apply", spec, "--auto-approve"])
        .expect_code(0);
    moto.orgtrail(BIN, &["drift", spec]).expect_code(0);
}

/// The scoped policy a trail's bucket has in the seed situations (CreateTrail requires one).
fn put_scoped_policy(moto: &orgtrail_testsupport::Moto, org: &str) {
    let w = |id: &str| {
        serde_json::json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": format!("arn:aws:s3:::my-bucket/AWSLogs/{id}/*"),
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": ARN}}})
    };
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket",
         "Condition": {"StringEquals": {"aws:SourceArn": ARN}}},
        w("123456789012"), w(org)]});
    moto.put_bucket_policy("my-bucket", "us-east-2", &policy.to_string());
}

fn import_round_trip(moto: &orgtrail_testsupport::Moto) {
    moto.reset_requests();
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
    out.expect_code(0).expect_contains("# default");
    // The same nine reads as a plan, the bucket read once it is known from the trail, with
    // its seven protection reads (public access block, ownership, encryption, versioning,
    // lifecycle, Object Lock, access logging): what is on is imported as managed; and the
    // organization's guardrail policies (ListPolicies of SCPs and RCPs).
    let ops: Vec<String> = moto.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(ops.len(), 18, "import reads: {ops:?}");
    assert_eq!(
        ops.iter()
            .filter(|o| o.as_str() == "S3 GET ?policy")
            .count(),
        1,
        "{ops:?}"
    );
    assert!(moto.writes().is_empty());
    let specs = Specs::new();
    let spec = specs.write("imported.yaml", &out.stdout);
    moto.reset_requests();
    moto.orgtrail(BIN, &["plan", &spec, "--detailed-exitcode"])
        .expect_code(0)
        .expect_contains("No changes.");
    assert!(moto.writes().is_empty());
}

#[test]
fn import_round_trips_for_each_seed_situation() {
    // Converged org trail with selectors, insights and tags.
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let spec = specs.write(
        "t.yaml",
        &spec_yaml("  event_selectors:\n    - read_write_type: All\n      data_resources:\n        - type: AWS::S3::Object\n          values: [\"arn:aws:s3\"]\n  accept_log_bucket_data_events: true\n  insight_selectors: [ApiCallRateInsight]\n  tags:\n    team: security\n"),
    );
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0);
    import_round_trip(&moto);
    drop(moto);

    // An existing single-account trail.
    let (moto, org) = greenfield();
    put_scoped_policy(&moto, &org);
    seed_trail(&moto, false, true);
    import_round_trip(&moto);
    drop(moto);

    // A single-region organization trail.
    let (moto, org) = greenfield();
    put_scoped_policy(&moto, &org);
    moto.enable_trusted_access();
    seed_trail(&moto, true, false);
    import_round_trip(&moto);
}

/// Validate SARIF output against the SARIF 2.1.0 JSON Schema shipped in tests/schemas/.
pub(crate) fn validate_sarif(text: &str) {
    let root = orgtrail_testsupport::repo_root();
    let specs = Specs::new();
    let file = specs.write("drift.sarif", text);
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\njsonschema.Draft4Validator(schema).validate(doc)\nprint('valid')";
    let out = std::process::Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(root.join("tests/schemas/sarif-2.1.0-rtm.5.json"))
        .arg(&file)
        .output()
        .expect("run python jsonschema");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("valid"),
        "SARIF output does not validate against SARIF 2.1.0:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
