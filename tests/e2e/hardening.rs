//! The log archive's protection end to end: created with every protection on (each read back
//! with the S3 API here, not through orgtrail), weakening out of band is drift, a spec that
//! weakens it is a coverage reduction, and an existing bucket is brought up to the spec without
//! losing its other configuration or policy statements.

use orgtrail_testsupport::{Moto, s3};

use crate::{BIN, Specs};

const REGION: &str = "us-east-2";

fn hardened(specs: &Specs, expire_days: u32) -> String {
    specs.write(
        "hardened.yaml",
        &format!(
            "version: 1\nbucket:\n  name: hardened-logs\n  create: true\n  encryption: {{type: SSE-S3}}\n  lifecycle: {{expire_days: {expire_days}, noncurrent_expire_days: 90, archive_after_days: 90}}\n  object_lock: {{mode: GOVERNANCE, days: 365}}\n  access_logging: {{target_bucket: access-logs, prefix: cloudtrail/}}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n"
        ),
    )
}

/// An S3 client that reads as AWS answers: through the contract layer (moto names the root
/// element of GetBucketVersioning's answer wrongly; the layer answers as S3 does).
fn client(moto: &Moto) -> s3::Client {
    let creds = s3::config::Credentials::new(
        orgtrail_testsupport::ACCESS_KEY,
        orgtrail_testsupport::SECRET_KEY,
        None,
        None,
        "test",
    );
    let conf = moto.config_for(REGION, moto.aws_endpoint(), creds);
    s3::Client::from_conf(
        s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}

/// Every protection, as S3 itself reports it.
fn assert_fully_protected(moto: &Moto) {
    let c = client(moto);
    let b = "hardened-logs";
    let pab = moto
        .block_on(c.get_public_access_block().bucket(b).send())
        .unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.ignore_public_acls(),
            pab.block_public_policy(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let own = moto
        .block_on(c.get_bucket_ownership_controls().bucket(b).send())
        .unwrap();
    assert_eq!(
        own.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );
    let enc = moto
        .block_on(c.get_bucket_encryption().bucket(b).send())
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str(),
        "AES256"
    );
    let ver = moto
        .block_on(c.get_bucket_versioning().bucket(b).send())
        .unwrap();
    assert_eq!(ver.status().map(|s| s.as_str()), Some("Enabled"));
    let lc = moto
        .block_on(c.get_bucket_lifecycle_configuration().bucket(b).send())
        .unwrap();
    let ours = lc
        .rules()
        .iter()
        .find(|r| r.id() == Some("orgtrail-log-retention"))
        .expect("retention rule");
    assert_eq!(
        ours.expiration().and_then(|e| e.days()),
        Some(400),
        "current log files expire"
    );
    let lock = moto
        .block_on(c.get_object_lock_configuration().bucket(b).send())
        .unwrap();
    let retention = lock
        .object_lock_configuration()
        .unwrap()
        .rule()
        .unwrap()
        .default_retention()
        .unwrap();
    assert_eq!(
        (retention.mode().map(|m| m.as_str()), retention.days()),
        (Some("GOVERNANCE"), Some(365))
    );
    let log = moto
        .block_on(c.get_bucket_logging().bucket(b).send())
        .unwrap();
    assert_eq!(
        log.logging_enabled().map(|l| l.target_bucket()),
        Some("access-logs")
    );
    let policy = moto.bucket_policy(b, REGION).unwrap();
    assert!(policy.contains("aws:SecureTransport"), "{policy}");
    let target = moto.bucket_policy("access-logs", REGION).unwrap();
    assert!(target.contains("logging.s3.amazonaws.com"), "{target}");
}

#[test]
fn a_hardened_bucket_is_created_read_back_and_kept() {
    let moto = Moto::start();
    moto.create_org(true);
    moto.create_bucket("access-logs", REGION);
    let specs = Specs::new();
    let spec = hardened(&specs, 400);
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    assert_fully_protected(&moto);
    moto.orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("No changes.");
    let c = client(&moto);
    // Each weakening out of band is drift, coverage lost; apply restores it.
    type Weaken = fn(&Moto, &s3::Client);
    let weakenings: [(&str, Weaken, &str); 3] = [
        (
            "versioning suspended",
            |m, c| {
                m.block_on(
                    c.put_bucket_versioning()
                        .bucket("hardened-logs")
                        .versioning_configuration(
                            s3::types::VersioningConfiguration::builder()
                                .status(s3::types::BucketVersioningStatus::Suspended)
                                .build(),
                        )
                        .send(),
                )
                .unwrap();
            },
            "bucket-versioning-off",
        ),
        (
            "public access block deleted",
            |m, c| {
                m.block_on(
                    c.delete_public_access_block()
                        .bucket("hardened-logs")
                        .send(),
                )
                .unwrap();
            },
            "bucket-public-access",
        ),
        (
            "TLS statement removed",
            |m, _| {
                let p = m.bucket_policy("hardened-logs", REGION).unwrap();
                let mut v: serde_json::Value = serde_json::from_str(&p).unwrap();
                v["Statement"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|s| s["Sid"] != "DenyInsecureTransport");
                m.put_bucket_policy("hardened-logs", REGION, &v.to_string());
            },
            "bucket-policy-drift",
        ),
    ];
    for (name, weaken, rule) in weakenings {
        weaken(&moto, &c);
        moto.orgtrail(BIN, &["drift", &spec])
            .expect_code(2)
            .expect_contains(&format!("coverage-lost [{rule}]"));
        moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
            .expect_code(0)
            .expect_contains("Apply complete:");
        assert_fully_protected(&moto);
        let _ = name;
    }
    // A spec that shortens retention is a coverage reduction: refused without the flag.
    let shorter = hardened(&specs, 380);
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &shorter, "--auto-approve"])
        .expect_code(1)
        .expect_contains("! put-bucket-lifecycle")
        .expect_contains("--allow-coverage-reduction");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
}

/// An existing bucket without protection is brought up to the spec; its own lifecycle rule and
/// its other policy statements survive.
#[test]
fn an_existing_bucket_is_hardened_without_losing_its_configuration() {
    let moto = Moto::start();
    moto.create_org(true);
    moto.create_bucket("my-bucket", REGION);
    let c = client(&moto);
    let theirs = s3::types::LifecycleRule::builder()
        .id("their-tmp-cleanup")
        .status(s3::types::ExpirationStatus::Enabled)
        .filter(
            s3::types::LifecycleRuleFilter::builder()
                .prefix("tmp/")
                .build(),
        )
        .expiration(s3::types::LifecycleExpiration::builder().days(7).build())
        .build()
        .unwrap();
    moto.block_on(
        c.put_bucket_lifecycle_configuration()
            .bucket("my-bucket")
            .lifecycle_configuration(
                s3::types::BucketLifecycleConfiguration::builder()
                    .rules(theirs)
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .unwrap();
    let config_stmt = serde_json::json!({"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"});
    moto.put_bucket_policy(
        "my-bucket",
        REGION,
        &serde_json::json!({"Version": "2012-10-17", "Statement": [config_stmt]}).to_string(),
    );
    let specs = Specs::new();
    let spec = specs.write(
        "s.yaml",
        "version: 1\nbucket:\n  name: my-bucket\n  lifecycle: {expire_days: 400}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
    );
    // Expiring log files that were kept forever deletes the oldest ones: the plan says so.
    moto.orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("! put-bucket-lifecycle")
        .expect_contains("log files kept without expiry");
    moto.orgtrail(
        BIN,
        &[
            "apply",
            &spec,
            "--auto-approve",
            "--allow-coverage-reduction",
        ],
    )
    .expect_code(0)
    .expect_contains("put-bucket-versioning")
    .expect_contains("put-bucket-lifecycle");
    let lc = moto
        .block_on(
            c.get_bucket_lifecycle_configuration()
                .bucket("my-bucket")
                .send(),
        )
        .unwrap();
    let ids: Vec<&str> = lc.rules().iter().filter_map(|r| r.id()).collect();
    assert!(
        ids.contains(&"their-tmp-cleanup") && ids.contains(&"orgtrail-log-retention"),
        "{ids:?}"
    );
    let policy: serde_json::Value =
        serde_json::from_str(&moto.bucket_policy("my-bucket", REGION).unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0], config_stmt,
        "their statement kept, first"
    );
    moto.orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("No changes.");
}
