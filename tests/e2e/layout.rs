//! The layout AWS recommends, end to end against moto with real separate accounts: the trail in
//! the management account, its bucket in a log-archive account (reached through a role), its
//! KMS key in a security account. moto keeps accounts apart: AssumeRole into
//! `arn:aws:iam::<account>:role/...` gives that account's credentials.

use orgtrail_testsupport::Moto;
use orgtrail_testsupport::s3;

use crate::{BIN, Specs};

/// A member account of the organization (moto creates it at once).
pub(crate) fn member_account(moto: &Moto, name: &str) -> String {
    let out = moto
        .block_on(
            moto.organizations()
                .create_account()
                .account_name(name)
                .email(format!("{name}@example.com"))
                .send(),
        )
        .expect("create account");
    out.create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_string()
}

/// An SDK configuration acting as `account` (through its organization access role).
fn as_account(moto: &Moto, account: &str, region: &str) -> aws_config::SdkConfig {
    let role = format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole");
    let out = moto
        .block_on(
            moto.sts()
                .assume_role()
                .role_arn(&role)
                .role_session_name("test")
                .send(),
        )
        .expect("assume role");
    let c = out.credentials().expect("credentials");
    let creds = s3::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "test",
    );
    moto.config(region)
        .into_builder()
        .credentials_provider(s3::config::SharedCredentialsProvider::new(creds))
        .build()
}

fn bucket_as(moto: &Moto, conf: &aws_config::SdkConfig, name: &str) {
    let s3c = s3::Client::from_conf(
        s3::config::Builder::from(conf)
            .force_path_style(true)
            .build(),
    );
    moto.block_on(
        s3c.create_bucket()
            .bucket(name)
            .create_bucket_configuration(
                s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(s3::types::BucketLocationConstraint::UsEast2)
                    .build(),
            )
            .send(),
    )
    .expect("create bucket in the log-archive account");
}

fn key_as(moto: &Moto, conf: &aws_config::SdkConfig) -> String {
    let kms = orgtrail_testsupport::kms::Client::new(conf);
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-placeholder"}}},
        {"Sid": "AllowCloudTrailEncrypt", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}
    ]});
    let out = moto
        .block_on(kms.create_key().policy(policy.to_string()).send())
        .expect("create key in the security account");
    out.key_metadata()
        .and_then(|m| m.arn())
        .expect("key arn")
        .to_string()
}

/// Greenfield in the recommended layout converges, a second plan has nothing to do, drift is in
/// sync, and every S3 request orgtrail sends names the log-archive account as the bucket owner.
#[test]
fn log_archive_bucket_and_security_key_greenfield_converges() {
    let moto = Moto::start();
    moto.create_org(true);
    let log_archive = member_account(&moto, "log-archive");
    let security = member_account(&moto, "security");
    bucket_as(
        &moto,
        &as_account(&moto, &log_archive, "us-east-2"),
        "org-logs",
    );
    let key = key_as(&moto, &as_account(&moto, &security, "us-east-2"));
    let specs = Specs::new();
    let spec = specs.write(
        "layout.yaml",
        &format!(
            "version: 1\nbucket:\n  name: org-logs\n  account: \"{log_archive}\"\n  role_arn: arn:aws:iam::{log_archive}:role/OrganizationAccountAccessRole\ntrail:\n  name: org-trail\n  home_region: us-east-2\n  kms_key_id: {key}\n  kms_role_arn: arn:aws:iam::{security}:role/OrganizationAccountAccessRole\n"
        ),
    );
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("put-bucket-policy  s3://org-logs")
        .expect_contains("Apply complete:");
    let s3_requests: Vec<_> = moto
        .requests()
        .into_iter()
        .filter(|r| r.operation.starts_with("S3 "))
        .collect();
    assert!(!s3_requests.is_empty());
    for r in &s3_requests {
        assert_eq!(
            r.headers.get("x-amz-expected-bucket-owner"),
            Some(&log_archive),
            "{} {}",
            r.operation,
            r.url
        );
    }
    moto.orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("No changes.");
    moto.orgtrail(BIN, &["drift", &spec])
        .expect_code(0)
        .expect_contains("In sync");
}

fn credentials_of(moto: &Moto, account: &str) -> [(String, String); 3] {
    let conf = as_account(moto, account, "us-east-2");
    let creds = moto.block_on(async {
        use orgtrail_testsupport::s3::config::ProvideCredentials;
        conf.credentials_provider()
            .unwrap()
            .provide_credentials()
            .await
            .unwrap()
    });
    [
        (
            "AWS_ACCESS_KEY_ID".into(),
            creds.access_key_id().to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY".into(),
            creds.secret_access_key().to_string(),
        ),
        (
            "AWS_SESSION_TOKEN".into(),
            creds.session_token().unwrap_or_default().to_string(),
        ),
    ]
}

fn run_as(moto: &Moto, creds: &[(String, String); 3], args: &[&str]) -> orgtrail_testsupport::Run {
    let env: Vec<(&str, &str)> = creds
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    moto.orgtrail_with(BIN, args, &env)
}

/// Delegated administrator registration is planned and applied from the management account
/// (CloudTrail's call, which the contract layer serves on top of moto's Organizations data).
/// Run as the delegated administrator, organization changes are preflight errors naming the
/// management account (nothing written), and the organization trail is planned and applied.
#[test]
fn delegated_admin_is_registered_by_the_management_account_then_applies_the_trail() {
    let moto = Moto::start();
    moto.create_org(true);
    moto.create_bucket("my-bucket", "us-east-2");
    let admin = member_account(&moto, "security");
    let other = member_account(&moto, "audit");
    let specs = Specs::new();
    let spec_for = |admins: &str| {
        specs.write(
            "da.yaml",
            &format!(
                "version: 1\norganization:\n  delegated_administrators: [{admins}]\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n"
            ),
        )
    };
    let spec = spec_for(&format!("\"{admin}\""));
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("register-delegated-administrator");
    // Read back through orgtrail (moto's own Organizations API does not know CloudTrail as a
    // delegable service; the contract layer keeps CloudTrail's registrations).
    moto.orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("No changes.");
    // As the delegated administrator: adding another one is the management account's to do.
    let creds = credentials_of(&moto, &admin);
    let wider = spec_for(&format!("\"{admin}\", \"{other}\""));
    moto.reset_requests();
    run_as(&moto, &creds, &["apply", &wider, "--auto-approve"])
        .expect_code(1)
        .expect_contains("management-account-only");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    // As the delegated administrator, the organization trail (the management account's, by its
    // ARN) is planned and applied: a tag change converges and a second plan has nothing to do.
    let tagged = specs.write(
        "da.yaml",
        &format!(
            "version: 1\norganization:\n  delegated_administrators: [\"{admin}\"]\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  tags:\n    owner: security\n"
        ),
    );
    run_as(&moto, &creds, &["apply", &tagged, "--auto-approve"])
        .expect_code(0)
        .expect_contains("tag-trail  arn:aws:cloudtrail:us-east-2:123456789012:trail/my-trail")
        .expect_contains("Apply complete:");
    run_as(&moto, &creds, &["plan", &tagged])
        .expect_code(0)
        .expect_contains("No changes.");
}

struct Layout {
    moto: Moto,
    log_archive: String,
    security: String,
}

/// An organization with a log-archive account owning `org-logs` and a security account.
fn layout() -> Layout {
    let moto = Moto::start();
    moto.create_org(true);
    let log_archive = member_account(&moto, "log-archive");
    let security = member_account(&moto, "security");
    bucket_as(
        &moto,
        &as_account(&moto, &log_archive, "us-east-2"),
        "org-logs",
    );
    Layout {
        moto,
        log_archive,
        security,
    }
}

fn bucket_spec(specs: &Specs, account: &str, role_account: Option<&str>) -> String {
    let role = role_account.map_or(String::new(), |a| {
        format!("  role_arn: arn:aws:iam::{a}:role/OrganizationAccountAccessRole\n")
    });
    specs.write(
        "b.yaml",
        &format!(
            "version: 1\nbucket:\n  name: org-logs\n  account: \"{account}\"\n{role}trail:\n  name: org-trail\n  home_region: us-east-2\n"
        ),
    )
}

/// A bucket whose owner is not `bucket.account` (here the name is the log-archive account's,
/// the spec says the security account's): S3 refuses it under ExpectedBucketOwner, the plan
/// says so, and apply writes nothing.
#[test]
fn a_bucket_owned_by_another_account_than_declared_is_refused_with_zero_writes() {
    let l = layout();
    let specs = Specs::new();
    let spec = bucket_spec(&specs, &l.security, Some(&l.security));
    l.moto.reset_requests();
    l.moto
        .orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("bucket-not-owned");
    assert!(l.moto.writes().is_empty(), "{:?}", l.moto.writes());
}

/// Without a role, a log-archive bucket cannot be read from the management account: the plan
/// says what it cannot read and what CloudTrail needs, and does not fail.
#[test]
fn without_a_role_a_log_archive_bucket_is_verify_only() {
    let l = layout();
    let specs = Specs::new();
    let spec = bucket_spec(&specs, &l.log_archive, None);
    l.moto
        .orgtrail(BIN, &["plan", &spec])
        .expect_code(0)
        .expect_contains("bucket-verify-only")
        .expect_contains("CloudTrail needs these statements");
}

/// `import` of a trail whose bucket is in the log-archive account: without `--bucket-account`
/// it says why it cannot read the bucket; with it, the spec names the account and role, and
/// plans "No changes".
#[test]
fn import_fills_in_the_bucket_account() {
    let l = layout();
    let specs = Specs::new();
    let spec = bucket_spec(&specs, &l.log_archive, Some(&l.log_archive));
    l.moto
        .orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0);
    l.moto
        .orgtrail(
            BIN,
            &[
                "import",
                "--trail",
                "org-trail",
                "--home-region",
                "us-east-2",
            ],
        )
        .expect_code(1)
        .expect_contains("--bucket-account");
    let role = format!(
        "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
        l.log_archive
    );
    let out = l.moto.orgtrail(
        BIN,
        &[
            "import",
            "--trail",
            "org-trail",
            "--home-region",
            "us-east-2",
            "--bucket-account",
            &l.log_archive,
            "--bucket-role-arn",
            &role,
        ],
    );
    out.expect_code(0)
        .expect_contains(&format!("account: \"{}\"", l.log_archive));
    let imported = specs.write("imported.yaml", &out.stdout);
    l.moto
        .orgtrail(BIN, &["plan", &imported])
        .expect_code(0)
        .expect_contains("No changes.");
}

/// `aws iam ...` straight to moto as the management account (the suite's SDK has no IAM client).
fn aws_iam(moto: &Moto, args: &[&str]) {
    let out = std::process::Command::new(orgtrail_testsupport::repo_root().join(".venv/bin/aws"))
        .arg("iam")
        .args(args)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", orgtrail_testsupport::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", orgtrail_testsupport::SECRET_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("run .venv/bin/aws (scripts/setup-moto installs it)");
    assert!(
        out.status.success(),
        "aws iam {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A role in the management account (moto's IAM) with `policy` as its one inline policy.
fn role_with_policy(moto: &Moto, name: &str, policy: &str) {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
    aws_iam(
        moto,
        &[
            "create-role",
            "--role-name",
            name,
            "--assume-role-policy-document",
            trust,
        ],
    );
    aws_iam(
        moto,
        &[
            "put-role-policy",
            "--role-name",
            name,
            "--policy-name",
            "orgtrail",
            "--policy-document",
            policy,
        ],
    );
}

/// An S3 client through the contract layer as `role` (assumed with orgtrail's session name).
fn s3_as(moto: &Moto, role: &str) -> s3::Client {
    let creds = moto
        .block_on(
            moto.sts()
                .assume_role()
                .role_arn(role)
                .role_session_name("orgtrail")
                .send(),
        )
        .expect("assume the role");
    let c = creds.credentials().expect("credentials");
    let creds = orgtrail_testsupport::sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "role",
    );
    let conf = moto.config_for("us-east-2", moto.aws_endpoint(), creds);
    s3::Client::from_conf(
        s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}

/// Through the contract layer, which holds an assumed role to its identity policy: the bucket's
/// read role (`bucket.read_role_arn`) with exactly the policy `iam-policy --for plan` prints lets
/// plan and drift read the bucket, and cannot write it; apply writes as `role_arn`.
#[test]
fn the_read_role_plans_and_drifts_but_cannot_write_the_bucket() {
    let (moto, _) = crate::greenfield();
    let read = "arn:aws:iam::123456789012:role/orgtrail-bucket-read";
    let specs = Specs::new();
    let spec = specs.write(
        "roles.yaml",
        &format!(
            "version: 1\nbucket:\n  name: my-bucket\n  role_arn: arn:aws:iam::123456789012:role/orgtrail-bucket-write\n  read_role_arn: {read}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n"
        ),
    );
    let policy = moto.orgtrail(BIN, &["iam-policy", &spec, "--for", "plan", "--role", read]);
    policy.expect_code(0);
    role_with_policy(&moto, "orgtrail-bucket-read", policy.stdout.trim());

    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0);
    // From now on apply's role may only write: plan and drift, which read as the read role,
    // would be refused if they assumed it.
    let writes_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Put*"],"Resource":"*"}]}"#;
    role_with_policy(&moto, "orgtrail-bucket-write", writes_only);
    moto.orgtrail(BIN, &["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
    moto.orgtrail(BIN, &["drift", &spec]).expect_code(0);
    assert!(
        moto.contract()
            .refusals()
            .iter()
            .all(|v| v.rule != "s3-identity-policy"),
        "the read role's policy refused a read: {:?}",
        moto.contract().refusals()
    );

    // The read role's own credentials: every write to the bucket is refused.
    let as_read = s3_as(&moto, read);
    let denied = moto
        .block_on(
            as_read
                .put_bucket_policy()
                .bucket("my-bucket")
                .policy("{}")
                .send(),
        )
        .expect_err("the read role must not write the bucket policy");
    assert_eq!(
        denied.raw_response().map(|r| r.status().as_u16()),
        Some(403),
        "{denied:?}"
    );
    let read_back = moto.block_on(as_read.get_bucket_policy().bucket("my-bucket").send());
    assert!(
        read_back.is_ok(),
        "the read role reads the policy: {read_back:?}"
    );
}
