//! The safety promises end to end (the safety issue's situations), against moto: an apply never
//! creates a blind spot unless `--allow-coverage-reduction` says so, and runs exactly what was
//! reviewed.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{BIN, Specs, greenfield, spec_yaml};

fn statements(policy: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(policy).unwrap();
    v["Statement"].as_array().unwrap().clone()
}

/// Situation 1: two trails writing to one bucket (one under `data/`) get one policy whose Sids
/// are unique (S3 answers MalformedPolicy to repeats), and a second plan has nothing to do.
#[test]
fn shared_bucket_directory_applies_with_unique_sids_and_then_plans_no_changes() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    specs.write("a.yaml", &spec_yaml(""));
    specs.write(
        "b.yaml",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: data-trail\n  home_region: us-east-2\n  s3_key_prefix: data\n",
    );
    let dir = specs.dir.path().display().to_string();
    moto.orgtrail(BIN, &["apply", &dir, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    let stmts = statements(&moto.bucket_policy("my-bucket", "us-east-2").unwrap());
    let sids: Vec<&str> = stmts.iter().filter_map(|s| s["Sid"].as_str()).collect();
    let unique: BTreeSet<&str> = sids.iter().copied().collect();
    // Three per trail, and the TLS-only statement.
    assert_eq!(sids.len(), 7, "{sids:?}");
    assert_eq!(unique.len(), 7, "repeated Sids: {sids:?}");
    // The scenario the contract layer was built for: it refused nothing of this apply.
    assert_eq!(moto.contract().refusals(), []);
    moto.orgtrail(BIN, &["plan", &dir])
        .expect_code(0)
        .expect_contains("No changes.");
}

/// Situation 2: a central bucket already carrying AWS's classic multi-account grants for a member
/// account keeps them through an apply without `--allow-coverage-reduction`, and the plan names
/// the member account.
#[test]
fn member_account_grants_survive_an_apply_without_the_flag() {
    let (moto, _org) = greenfield();
    let member = serde_json::json!([
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"},
        {"Sid": "AWSCloudTrailWriteMember", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/222222222222/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
    ]);
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": member});
    moto.put_bucket_policy("my-bucket", "us-east-2", &policy.to_string());
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0)
        .expect_contains("222222222222")
        .expect_contains("0 reducing coverage");
    let stmts = statements(&moto.bucket_policy("my-bucket", "us-east-2").unwrap());
    assert_eq!(
        &stmts[..2],
        member.as_array().unwrap().as_slice(),
        "kept as written, in place"
    );
    // Three scoped CloudTrail statements and the TLS-only statement appended.
    assert_eq!(stmts.len(), 6);
}

/// Situation 3: a new trail that logs only data events has no coverage to lose: it applies
/// without the flag, with a warning that no trail logs management events.
#[test]
fn new_data_only_trail_applies_without_the_flag() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let spec = specs.write(
        "data.yaml",
        &spec_yaml("  advanced_event_selectors:\n    - field_selectors:\n        - field: eventCategory\n          equals: [Data]\n        - field: resources.type\n          equals: [AWS::S3::Object]\n        - field: resources.ARN\n          not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]\n"),
    );
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("no-management-events")
        .expect_contains("Apply complete:");
}

/// Situation 4 end to end: narrowing an existing trail's selectors to read-only is refused
/// without the flag (nothing written), and drift calls the same difference coverage lost.
#[test]
fn narrowing_to_read_only_is_refused_and_drift_agrees() {
    let (moto, _org) = greenfield();
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0);
    let specs = Specs::new();
    let narrow = specs.write(
        "ro.yaml",
        &spec_yaml("  event_selectors:\n    - read_write_type: ReadOnly\n"),
    );
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &narrow, "--auto-approve"])
        .expect_code(1)
        .expect_contains("! put-event-selectors")
        .expect_contains("loses: write management events are no longer logged");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    moto.orgtrail(
        BIN,
        &[
            "apply",
            &narrow,
            "--auto-approve",
            "--allow-coverage-reduction",
        ],
    )
    .expect_code(0);
    moto.orgtrail(BIN, &["drift", "specs/org-trail.yaml"])
        .expect_code(2)
        .expect_contains("coverage-lost [events-not-logged]");
}

/// Situation 5: a saved plan whose steps were changed after review (here, the policy it would
/// write) is refused with the difference, and nothing is written.
#[test]
fn a_saved_plan_runs_only_the_reviewed_steps() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let plan_file = specs.dir.path().join("plan.json").display().to_string();
    moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml", "--out", &plan_file])
        .expect_code(0);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    let step = v["steps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["kind"] == "put-bucket-policy")
        .unwrap();
    step["action"]["policy"] = r#"{"Version":"2012-10-17","Statement":[]}"#.into();
    std::fs::write(&plan_file, v.to_string()).unwrap();
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &plan_file, "--auto-approve"])
        .expect_code(1)
        .expect_contains("the saved plan is not what would run now")
        .expect_contains("put-bucket-policy s3://my-bucket");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
}

/// Situation 6: an edit made to the bucket policy while apply waited at its `[y/N]` prompt is
/// never overwritten: the re-read right before the write sees it and apply stops there.
#[test]
fn an_edit_made_while_apply_waits_for_confirmation_is_not_overwritten() {
    let (moto, _org) = greenfield();
    moto.enable_trusted_access();
    // `script` gives orgtrail a terminal, so it asks.
    let mut child = orgtrail_testsupport::Reaped::spawn(
        moto.command(
            "script",
            &[
                "-q",
                "-e",
                "-c",
                &format!("{BIN} apply specs/org-trail.yaml"),
                "/dev/null",
            ],
            moto.aws_endpoint(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()),
    );
    let seen = Arc::new(Mutex::new(String::new()));
    let mut out = child.stdout.take().unwrap();
    let sink = Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let start = Instant::now();
    while !seen.lock().unwrap().contains("[y/N]") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no prompt: {}",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Someone else edits the policy meanwhile.
    let theirs = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Theirs","Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::my-bucket"}]}"#;
    moto.put_bucket_policy("my-bucket", "us-east-2", theirs);
    moto.reset_requests();
    child.stdin.as_mut().unwrap().write_all(b"y\n").unwrap();
    let status = child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let text = seen.lock().unwrap().clone();
    assert_eq!(status.code(), Some(1), "{text}");
    // Read as a person reads it: the message may wrap over lines.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("bucket `my-bucket` changed since the plan read it (its bucket policy)"),
        "{text}"
    );
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    assert_eq!(
        moto.bucket_policy("my-bucket", "us-east-2").as_deref(),
        Some(theirs)
    );
}

/// Situation 10: a bucket orgtrail creates is set up in separate steps, and a set-up that went
/// missing later (public access block removed) is planned again, alone.
#[test]
fn created_bucket_setup_is_read_back_and_planned_again_when_missing() {
    let moto = orgtrail_testsupport::Moto::start();
    moto.create_org(true);
    let specs = Specs::new();
    let spec = specs.write(
        "new.yaml",
        "version: 1\nbucket:\n  name: fresh-bucket\n  create: true\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
    );
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("create-bucket")
        .expect_contains("put-public-access-block")
        .expect_contains("put-bucket-encryption");
    moto.block_on(
        moto.s3("us-east-2")
            .delete_public_access_block()
            .bucket("fresh-bucket")
            .send(),
    )
    .unwrap();
    let out = moto.orgtrail(BIN, &["plan", &spec, "--format", "json"]);
    out.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let kinds: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["put-public-access-block"]);
    moto.orgtrail(BIN, &["drift", &spec])
        .expect_code(2)
        .expect_contains("[bucket-public-access]");
}
