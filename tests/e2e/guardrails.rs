//! Guardrails end to end through the contract layer, which enforces SCPs for member-account
//! callers and delivers EventBridge's "AWS API Call via CloudTrail" events as AWS does: the
//! recommended layout's log bucket is protected from a member account's administrator (denied
//! with AWS's SCP wording, alerted in the topic's queue), another bucket is not, the exempt CI
//! role's apply still converges, a spec that does not exempt the caller writes nothing, a
//! detached SCP is drift, and removing guardrails needs `--allow-coverage-reduction`.

use orgtrail_testsupport::contract::testkit::{AlertQueue, Cli, assume};
use orgtrail_testsupport::{Moto, Run};
use serde_json::Value;

use crate::{BIN, Specs, greenfield};

const CI_ROLE: &str = "arn:aws:iam::123456789012:role/orgtrail-ci";

/// orgtrail run as the management account's CI role (an assumed-role session).
fn as_ci(moto: &Moto, args: &[&str]) -> Run {
    let c = assume(moto, CI_ROLE);
    let env = [
        ("AWS_ACCESS_KEY_ID", c.access_key_id()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key()),
        ("AWS_SESSION_TOKEN", c.session_token().unwrap_or_default()),
    ];
    moto.orgtrail_with(BIN, args, &env)
}

fn member_account(moto: &Moto, name: &str) -> String {
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

/// The CLI as `role` of `account`.
fn cli_as(moto: &Moto, account: &str, role: &str) -> Cli {
    let creds = assume(moto, &format!("arn:aws:iam::{account}:role/{role}"));
    Cli::new(moto.aws_endpoint(), "us-east-2").as_principal(&creds)
}

fn make_bucket(cli: &Cli, name: &str) {
    cli.ok(&[
        "s3api",
        "create-bucket",
        "--bucket",
        name,
        "--create-bucket-configuration",
        "LocationConstraint=us-east-2",
    ]);
}

/// The three calls an intruder erases tracks with, on `bucket`: each answer.
fn tamper(admin: &Cli, bucket: &str) -> [Result<Value, String>; 3] {
    let lifecycle = r#"{"Rules":[{"ID":"wipe","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":1}}]}"#;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    );
    [
        admin.run(&[
            "s3api",
            "put-bucket-lifecycle-configuration",
            "--bucket",
            bucket,
            "--lifecycle-configuration",
            lifecycle,
        ]),
        admin.run(&[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            bucket,
            "--policy",
            &policy,
        ]),
        admin.run(&[
            "s3api",
            "delete-object",
            "--bucket",
            bucket,
            "--key",
            "AWSLogs/evidence.json.gz",
        ]),
    ]
}

#[test]
fn guardrails_deny_a_member_admin_on_the_log_bucket_alert_on_it_and_let_ci_converge() {
    let moto = Moto::start();
    moto.create_org(true);
    let log_archive = member_account(&moto, "log-archive");
    let owner = cli_as(&moto, &log_archive, "OrganizationAccountAccessRole");
    make_bucket(&owner, "org-logs");
    make_bucket(&owner, "team-data");
    let mgmt = Cli::new(moto.aws_endpoint(), "us-east-2");
    let alerts = AlertQueue::create(&mgmt, "audit-alerts");
    let specs = Specs::new();
    let spec = specs.write(
        "layout.yaml",
        &format!(
            "version: 1\nbucket:\n  name: org-logs\n  account: \"{log_archive}\"\n  role_arn: arn:aws:iam::{log_archive}:role/OrganizationAccountAccessRole\ntrail:\n  name: org-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"{CI_ROLE}\"]\n  alerts:\n    sns_topic: {}\n",
            alerts.topic_arn
        ),
    );
    as_ci(&moto, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("create-policy")
        .expect_contains("attach-policy")
        .expect_contains("put-rule")
        .expect_contains("put-targets")
        .expect_contains("Apply complete:");
    alerts.drain(&mgmt);
    let admin = cli_as(&moto, &log_archive, "Admin");
    for answer in tamper(&admin, "org-logs") {
        let err = answer.expect_err("the SCP denies it");
        assert!(
            err.contains("with an explicit deny in a service control policy"),
            "{err}"
        );
    }
    admin.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "team-data",
        "--key",
        "AWSLogs/evidence.json.gz",
    ]);
    for answer in tamper(&admin, "team-data") {
        answer.expect("another bucket is not protected");
    }
    let events = alerts.drain(&mgmt);
    let lifecycle: Vec<&Value> = events
        .iter()
        .filter(|e| e["detail"]["eventName"] == "PutBucketLifecycle")
        .collect();
    assert_eq!(lifecycle.len(), 1, "{events:#?}");
    assert_eq!(
        lifecycle[0]["detail"]["requestParameters"]["bucketName"],
        "org-logs"
    );
    assert_eq!(lifecycle[0]["detail"]["errorCode"], "AccessDenied");
    assert!(
        events
            .iter()
            .all(|e| e["detail"]["requestParameters"]["bucketName"] == "org-logs"),
        "only the log bucket alerts: {events:#?}"
    );
    // The exempt CI role (and the bucket role it acts through) still converges.
    as_ci(&moto, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("No changes.");
    as_ci(&moto, &["drift", &spec]).expect_code(0);
    // The alert rule in the log-archive account disabled out of band: coverage lost, restored.
    owner.ok(&[
        "events",
        "disable-rule",
        "--name",
        "orgtrail-protect-org-trail",
    ]);
    as_ci(&moto, &["drift", &spec])
        .expect_code(2)
        .expect_contains("alert-missing");
    as_ci(&moto, &["apply", &spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("put-rule");
    as_ci(&moto, &["drift", &spec]).expect_code(0);
}

#[test]
fn a_spec_whose_exemptions_omit_the_caller_is_refused_with_zero_writes() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let spec = specs.write(
        "locked.yaml",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::123456789012:role/someone-else\"]\n",
    );
    moto.reset_requests();
    as_ci(&moto, &["apply", &spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("guardrail-locks-out-caller")
        .expect_contains(CI_ROLE);
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
}

#[test]
fn a_detached_scp_is_drift_and_removing_guardrails_needs_the_flag() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let guarded = specs.write(
        "guarded.yaml",
        &format!("version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"{CI_ROLE}\"]\n"),
    );
    as_ci(&moto, &["apply", &guarded, "--auto-approve"]).expect_code(0);
    as_ci(&moto, &["drift", &guarded]).expect_code(0);
    // Out of band, from the management account: the SCP detached from the root.
    let mgmt = Cli::new(moto.aws_endpoint(), "us-east-2");
    let listed = mgmt.ok(&[
        "organizations",
        "list-policies",
        "--filter",
        "SERVICE_CONTROL_POLICY",
    ]);
    let id = listed["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Name"] == "orgtrail-protect-my-trail")
        .and_then(|p| p["Id"].as_str())
        .expect("the SCP")
        .to_string();
    let root = mgmt.ok(&["organizations", "list-roots"])["Roots"][0]["Id"]
        .as_str()
        .unwrap()
        .to_string();
    mgmt.ok(&[
        "organizations",
        "detach-policy",
        "--policy-id",
        &id,
        "--target-id",
        &root,
    ]);
    as_ci(&moto, &["drift", &guarded])
        .expect_code(2)
        .expect_contains("guardrail-detached");
    as_ci(&moto, &["apply", &guarded, "--auto-approve"])
        .expect_code(0)
        .expect_contains("attach-policy");
    // The spec drops its guardrails: detaching them reduces coverage.
    let plain = specs.write(
        "guarded.yaml",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
    );
    moto.reset_requests();
    as_ci(&moto, &["apply", &plain, "--auto-approve"])
        .expect_code(1)
        .expect_contains("! detach-policy")
        .expect_contains("--allow-coverage-reduction");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    as_ci(
        &moto,
        &[
            "apply",
            &plain,
            "--auto-approve",
            "--allow-coverage-reduction",
        ],
    )
    .expect_code(0)
    .expect_contains("delete-policy");
    let left = mgmt.ok(&[
        "organizations",
        "list-policies",
        "--filter",
        "SERVICE_CONTROL_POLICY",
    ]);
    assert!(!left.to_string().contains("orgtrail-protect-"), "{left}");
}
