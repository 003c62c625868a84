//! Guardrails end to end through the contract layer, which enforces SCPs for member-account
//! callers and delivers EventBridge's "AWS API Call via CloudTrail" events as AWS does: the
//! recommended layout's log bucket is protected from a member account's administrator (denied
//! with AWS's SCP wording, alerted in the topic's queue), another bucket is not, the exempt CI
//! role's apply still converges, a spec that does not exempt the caller writes nothing, a
//! detached SCP is drift, and removing guardrails needs `--allow-coverage-reduction`.

use orgtrail_testsupport::contract::testkit::{AlertQueue, Cli, assume};
use orgtrail_testsupport::{Moto, Run};
use serde_json::Value;

use crate::layout::member_account;
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

/// The recommended layout with guardrails and alerts: the log bucket (and another bucket) in a
/// log-archive account, the alerts' topic in the management account.
struct Layout {
    moto: Moto,
    log_archive: String,
    owner: Cli,
    mgmt: Cli,
    alerts: AlertQueue,
    spec: String,
    _specs: Specs,
}

fn layout() -> Layout {
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
            "version: 1\nbucket:\n  name: org-logs\n  account: \"{log_archive}\"\n  role_arn: arn:aws:iam::{log_archive}:role/OrganizationAccountAccessRole\ntrail:\n  name: org-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"{CI_ROLE}\"]\n  alerts:\n    sns_topic: {}\n    execution_role_name: orgtrail-alerts\n",
            alerts.topic_arn
        ),
    );
    Layout {
        moto,
        log_archive,
        owner,
        mgmt,
        alerts,
        spec,
        _specs: specs,
    }
}

/// The topic's policy: EventBridge of its own account, and `role` from another.
fn let_publish(mgmt: &Cli, topic: &str, role: &str) {
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "sns:Publish", "Resource": topic},
        {"Effect": "Allow", "Principal": {"AWS": role},
         "Action": "sns:Publish", "Resource": topic}]});
    mgmt.ok(&[
        "sns",
        "set-topic-attributes",
        "--topic-arn",
        topic,
        "--attribute-name",
        "Policy",
        "--attribute-value",
        &policy.to_string(),
    ]);
}

fn denied_by_scp(answer: Result<Value, String>) {
    let err = answer.expect_err("the SCP denies it");
    assert!(
        err.contains("with an explicit deny in a service control policy"),
        "{err}"
    );
}

/// Exactly one alert, for the denied PutBucketLifecycle on the log bucket.
fn the_denied_lifecycle_call_alerted(events: &[Value]) {
    let lifecycle: Vec<&Value> = events
        .iter()
        .filter(|e| e["detail"]["eventName"] == "PutBucketLifecycle")
        .collect();
    assert_eq!(lifecycle.len(), 1, "{events:#?}");
    let d = &lifecycle[0]["detail"];
    assert_eq!(d["requestParameters"]["bucketName"], "org-logs");
    assert_eq!(d["errorCode"], "AccessDenied");
    assert!(
        events
            .iter()
            .all(|e| e["detail"]["requestParameters"]["bucketName"] == "org-logs"),
        "only the log bucket alerts: {events:#?}"
    );
}

#[test]
fn guardrails_deny_a_member_admin_on_the_log_bucket_alert_on_it_and_let_ci_converge() {
    let l = layout();
    let (moto, spec) = (&l.moto, l.spec.as_str());
    // The bucket's rule publishes from the log-archive account to the management account's
    // topic: as the execution role there, which the topic's policy must let publish.
    let role = format!("arn:aws:iam::{}:role/orgtrail-alerts", l.log_archive);
    moto.reset_requests();
    as_ci(moto, &["apply", spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("alerts-topic-policy")
        .expect_contains(&role);
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    let_publish(&l.mgmt, &l.alerts.topic_arn, &role);
    // The execution role itself, in the log-archive account, trusting EventBridge (the contract
    // layer delivers nothing across accounts without it, as AWS).
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    l.owner.ok(&[
        "iam",
        "create-role",
        "--role-name",
        "orgtrail-alerts",
        "--assume-role-policy-document",
        trust,
    ]);
    as_ci(moto, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("create-policy")
        .expect_contains("attach-policy")
        .expect_contains("put-rule")
        .expect_contains("put-targets")
        .expect_contains("Apply complete:");
    l.alerts.drain(&l.mgmt);
    let admin = cli_as(moto, &l.log_archive, "Admin");
    tamper(&admin, "org-logs")
        .into_iter()
        .for_each(denied_by_scp);
    // A forged file put over a delivered one is denied too.
    let forged = ["--bucket", "org-logs", "--key", "AWSLogs/evidence.json.gz"];
    denied_by_scp(admin.run(&[&["s3api", "put-object"][..], &forged[..]].concat()));
    let evidence = ["--bucket", "team-data", "--key", "AWSLogs/evidence.json.gz"];
    admin.ok(&[&["s3api", "put-object"][..], &evidence[..]].concat());
    for answer in tamper(&admin, "team-data") {
        answer.expect("another bucket is not protected");
    }
    // Silencing the alarm first is denied too.
    let rule = ["--name", "orgtrail-protect-org-trail"];
    denied_by_scp(admin.run(&[&["events", "disable-rule"][..], &rule[..]].concat()));
    the_denied_lifecycle_call_alerted(&l.alerts.drain(&l.mgmt));
    // The exempt CI role (and the bucket role it acts through) still converges.
    as_ci(moto, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("No changes.");
    as_ci(moto, &["drift", spec]).expect_code(0);
    // The alert rule disabled out of band (by the exempt bucket role): coverage lost, restored.
    l.owner
        .ok(&[&["events", "disable-rule"][..], &rule[..]].concat());
    as_ci(moto, &["drift", spec])
        .expect_code(2)
        .expect_contains("alert-missing");
    as_ci(moto, &["apply", spec, "--auto-approve"])
        .expect_code(0)
        .expect_contains("put-rule");
    as_ci(moto, &["drift", spec]).expect_code(0);
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
