//! The contract layer's guardrails and alerts (issue #23, "Contract layer"): the organization's
//! SCPs bind member-account principals and its RCPs member-account buckets, answered as AWS
//! answers them; an EventBridge rule fed by CloudTrail publishes the matching call, allowed or
//! denied, to its SNS topic, where a test reads it from a subscribed SQS queue.

use orgtrail_testsupport::Moto;
use orgtrail_testsupport::contract::pattern::matches;
use orgtrail_testsupport::contract::testkit::{AlertQueue, Cli, assume};
use orgtrail_testsupport::organizations::types::PolicyType;
use orgtrail_testsupport::s3;
use orgtrail_testsupport::s3::error::ProvideErrorMetadata;
use orgtrail_testsupport::sts::config::Credentials;
use serde_json::{Value, json};

const REGION: &str = "us-east-2";
const LOGS: &str = "org-logs";
const OTHER: &str = "other-bucket";
/// The management account's own bucket, named in the SCP too: never bound.
const MGMT_BUCKET: &str = "mgmt-logs";
const CI_ROLE: &str = "orgtrail-ci";

/// An organization with a log-archive member account holding `org-logs` and `other-bucket`,
/// and `mgmt-logs` in the management account. Returns (moto, org id, log-archive account).
fn organization() -> (Moto, String, String) {
    let moto = Moto::start();
    let org = moto.create_org(true);
    let (archive, creds) = moto.member_account("log-archive");
    let direct = s3_client(&moto, &moto.endpoint, creds);
    for bucket in [LOGS, OTHER] {
        let config = s3::types::CreateBucketConfiguration::builder()
            .location_constraint(s3::types::BucketLocationConstraint::UsEast2)
            .build();
        moto.block_on(
            direct
                .create_bucket()
                .bucket(bucket)
                .create_bucket_configuration(config)
                .send(),
        )
        .expect("create bucket in the log-archive account");
    }
    moto.create_bucket(MGMT_BUCKET, REGION);
    (moto, org, archive)
}

fn s3_client(moto: &Moto, endpoint: &str, creds: Credentials) -> s3::Client {
    let conf = moto.config_for(REGION, endpoint, creds);
    s3::Client::from_conf(
        s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}

/// An S3 client through the contract layer as `role` in `account`.
fn s3_as(moto: &Moto, account: &str, role: &str) -> s3::Client {
    let creds = assume(moto, &format!("arn:aws:iam::{account}:role/{role}"));
    s3_client(moto, moto.aws_endpoint(), creds)
}

fn root_id(moto: &Moto) -> String {
    let roots = moto
        .block_on(moto.organizations().list_roots().send())
        .expect("list roots");
    roots.roots()[0].id().expect("root id").to_string()
}

fn enable(moto: &Moto, kind: PolicyType) {
    moto.block_on(
        moto.organizations()
            .enable_policy_type()
            .root_id(root_id(moto))
            .policy_type(kind)
            .send(),
    )
    .expect("enable policy type");
}

/// Create a policy (straight in moto) and return its id.
fn create_policy(moto: &Moto, name: &str, kind: PolicyType, doc: &Value) -> String {
    let out = moto
        .block_on(
            moto.organizations()
                .create_policy()
                .name(name)
                .description(name)
                .r#type(kind)
                .content(doc.to_string())
                .send(),
        )
        .expect("create policy");
    let summary = out.policy().and_then(|p| p.policy_summary());
    summary.and_then(|s| s.id()).expect("policy id").to_string()
}

/// Attach through the contract layer, as the management account.
fn attach(moto: &Moto, policy: &str, target: &str) -> Result<(), String> {
    let conf = moto.config_for(
        "us-east-1",
        moto.aws_endpoint(),
        Credentials::new(
            orgtrail_testsupport::ACCESS_KEY,
            orgtrail_testsupport::SECRET_KEY,
            None,
            None,
            "test",
        ),
    );
    let client = orgtrail_testsupport::organizations::Client::new(&conf);
    moto.block_on(
        client
            .attach_policy()
            .policy_id(policy)
            .target_id(target)
            .send(),
    )
    .map(|_| ())
    .map_err(|e| format!("{}: {}", e.code().unwrap_or("?"), e.message().unwrap_or("")))
}

/// The guardrail SCP orgtrail will write: deny changing the log bucket (and the management
/// account's bucket) unless the caller is the exempt CI role.
fn protect_scp() -> Value {
    let buckets = [LOGS, MGMT_BUCKET];
    let resources: Vec<String> = buckets
        .iter()
        .flat_map(|b| [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")])
        .collect();
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ProtectTrailBucket", "Effect": "Deny",
        "Action": ["s3:PutLifecycleConfiguration", "s3:PutBucketPolicy", "s3:DeleteObject"],
        "Resource": resources,
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::*:role/{CI_ROLE}")}}
    }]})
}

fn lifecycle() -> s3::types::BucketLifecycleConfiguration {
    let rule = s3::types::LifecycleRule::builder()
        .id("expire-everything")
        .status(s3::types::ExpirationStatus::Enabled)
        .filter(s3::types::LifecycleRuleFilter::builder().prefix("").build())
        .expiration(s3::types::LifecycleExpiration::builder().days(1).build())
        .build()
        .expect("lifecycle rule");
    s3::types::BucketLifecycleConfiguration::builder()
        .rules(rule)
        .build()
        .expect("lifecycle configuration")
}

fn open_policy(bucket: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadersInTheOrg", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]})
    .to_string()
}

/// The three calls the guardrail protects, on `bucket`: each one's error (code and message),
/// or `None` where it succeeded.
fn tamper(moto: &Moto, client: &s3::Client, bucket: &str) -> Vec<Option<(String, String)>> {
    let err = |e: &dyn ProvideErrorMetadata| {
        Some((
            e.code().unwrap_or("?").to_string(),
            e.message().unwrap_or("").to_string(),
        ))
    };
    let put_object = client
        .put_object()
        .bucket(bucket)
        .key("AWSLogs/x.json.gz")
        .body(b"log".to_vec().into())
        .send();
    let _ = moto.block_on(put_object);
    let lifecycle = moto.block_on(
        client
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(lifecycle())
            .send(),
    );
    let policy = moto.block_on(
        client
            .put_bucket_policy()
            .bucket(bucket)
            .policy(open_policy(bucket))
            .send(),
    );
    let delete = moto.block_on(
        client
            .delete_object()
            .bucket(bucket)
            .key("AWSLogs/x.json.gz")
            .send(),
    );
    vec![
        lifecycle.err().and_then(|e| err(&e)),
        policy.err().and_then(|e| err(&e)),
        delete.err().and_then(|e| err(&e)),
    ]
}

/// S3 as the management account, through the contract layer.
fn management_s3(moto: &Moto) -> s3::Client {
    s3_client(
        moto,
        moto.aws_endpoint(),
        Credentials::new(
            orgtrail_testsupport::ACCESS_KEY,
            orgtrail_testsupport::SECRET_KEY,
            None,
            None,
            "test",
        ),
    )
}

/// The rules the contract layer refused requests by, in order.
fn refusal_rules(moto: &Moto) -> Vec<String> {
    moto.contract()
        .refusals()
        .iter()
        .map(|v| v.rule.to_string())
        .collect()
}

/// An SCP denying the log bucket's lifecycle, policy and object deletion unless the caller is
/// the exempt CI role: the member account's administrator is denied with AWS's SCP wording, the
/// same calls on another bucket pass, the exempt role passes, and the management account is
/// never bound. AttachPolicy first needs the policy type enabled; an account level left without
/// any allowing SCP denies everything ("no service control policy allows").
#[test]
fn scp_denies_a_member_admin_on_the_log_bucket_but_not_the_exempt_role_nor_the_management_account()
{
    let (moto, _org, archive) = organization();
    let scp = create_policy(
        &moto,
        "orgtrail-protect",
        PolicyType::ServiceControlPolicy,
        &protect_scp(),
    );
    let refused = attach(&moto, &scp, &root_id(&moto)).expect_err("SCPs not enabled yet");
    assert!(
        refused.starts_with("PolicyTypeNotEnabledException"),
        "{refused}"
    );
    enable(&moto, PolicyType::ServiceControlPolicy);
    attach(&moto, &scp, &root_id(&moto)).expect("attach the SCP to the root");

    let admin = s3_as(&moto, &archive, "OrganizationAccountAccessRole");
    let denied = tamper(&moto, &admin, LOGS);
    for (outcome, action) in denied.iter().zip([
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:DeleteObject",
    ]) {
        let (code, message) = outcome
            .as_ref()
            .unwrap_or_else(|| panic!("{action} passed"));
        assert_eq!(code, "AccessDenied");
        assert!(
            message.contains(&format!(
                "assumed-role/OrganizationAccountAccessRole/test is not authorized to perform: {action} on resource: \"arn:aws:s3:::{LOGS}"
            )) && message.ends_with("with an explicit deny in a service control policy"),
            "{message}"
        );
    }
    assert_eq!(
        tamper(&moto, &admin, OTHER),
        vec![None, None, None],
        "another bucket"
    );
    let ci = s3_as(&moto, &archive, CI_ROLE);
    assert_eq!(
        tamper(&moto, &ci, LOGS),
        vec![None, None, None],
        "the exempt role"
    );
    assert_eq!(
        tamper(&moto, &management_s3(&moto), MGMT_BUCKET),
        vec![None, None, None],
        "the management account"
    );
    assert_eq!(
        refusal_rules(&moto),
        [
            "organizations-policy-type-not-enabled",
            "scp-deny",
            "scp-deny",
            "scp-deny"
        ]
    );

    // Without FullAWSAccess on the account, no SCP at that level allows anything.
    moto.block_on(
        moto.organizations()
            .detach_policy()
            .policy_id("p-FullAWSAccess")
            .target_id(&archive)
            .send(),
    )
    .expect("detach FullAWSAccess from the account");
    let (code, message) = tamper(&moto, &admin, OTHER)[0]
        .clone()
        .expect("implicitly denied");
    assert_eq!(code, "AccessDenied");
    assert!(
        message.ends_with(
            "because no service control policy allows the s3:PutLifecycleConfiguration action"
        ),
        "{message}"
    );
}

/// An RCP denying the log bucket to principals outside the organization: an outside account the
/// bucket policy lets read is denied with AWS's RCP wording once the RCP is attached, while
/// member accounts keep reading.
#[test]
fn rcp_denies_the_log_bucket_to_principals_outside_the_organization() {
    let (moto, org, archive) = organization();
    let (reader_account, _) = moto.member_account("reader");
    let outsider_account = "999999999999";
    let owner = s3_as(&moto, &archive, "OrganizationAccountAccessRole");
    let readers = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "Readers", "Effect": "Allow",
        "Principal": {"AWS": [format!("arn:aws:iam::{reader_account}:root"), format!("arn:aws:iam::{outsider_account}:root")]},
        "Action": "s3:GetObject",
        // The bucket ARN too: the layer judges another account's object call against the
        // bucket's ARN (its `s3-not-bucket-owner` rule).
        "Resource": [format!("arn:aws:s3:::{LOGS}"), format!("arn:aws:s3:::{LOGS}/*")]}]});
    moto.block_on(
        owner
            .put_bucket_policy()
            .bucket(LOGS)
            .policy(readers.to_string())
            .send(),
    )
    .expect("bucket policy");
    moto.block_on(
        owner
            .put_object()
            .bucket(LOGS)
            .key("AWSLogs/log.json.gz")
            .body(b"log".to_vec().into())
            .send(),
    )
    .expect("put a log object");
    let read = |client: &s3::Client| {
        moto.block_on(
            client
                .get_object()
                .bucket(LOGS)
                .key("AWSLogs/log.json.gz")
                .send(),
        )
        .map(|_| ())
        .map_err(|e| e.message().unwrap_or("").to_string())
    };
    let outsider = s3_as(&moto, outsider_account, "reader");
    let member = s3_as(&moto, &reader_account, "reader");
    read(&outsider).expect("the bucket policy lets the outsider read before the RCP");

    let rcp = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{LOGS}"), format!("arn:aws:s3:::{LOGS}/*")],
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]});
    let id = create_policy(
        &moto,
        "orgtrail-protect-org-logs",
        PolicyType::ResourceControlPolicy,
        &rcp,
    );
    enable(&moto, PolicyType::ResourceControlPolicy);
    attach(&moto, &id, &root_id(&moto)).expect("attach the RCP");

    let message = read(&outsider).expect_err("the RCP denies the outsider");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:sts::{outsider_account}:assumed-role/reader/test is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::{LOGS}/AWSLogs/log.json.gz\" with an explicit deny in a resource control policy"
        )
    );
    read(&member).expect("a member account reads");
    read(&owner).expect("the owner reads");
    let rules: Vec<&str> = moto
        .contract()
        .refusals()
        .iter()
        .map(|v| v.rule)
        .collect::<Vec<_>>();
    assert_eq!(rules, ["rcp-deny"]);
}

/// An organization trail that records every account's events, logging: what EventBridge's
/// "AWS API Call via CloudTrail" events need.
fn logging_org_trail(moto: &Moto) {
    moto.create_bucket("trail-bucket", REGION);
    let ct = moto.cloudtrail(REGION);
    moto.block_on(
        ct.create_trail()
            .name("org-trail")
            .s3_bucket_name("trail-bucket")
            .is_organization_trail(true)
            .is_multi_region_trail(true)
            .send(),
    )
    .expect("create the organization trail");
    moto.block_on(ct.start_logging().name("org-trail").send())
        .expect("start logging");
}

/// An EventBridge rule in the log-archive account (created with the AWS CLI through the layer)
/// matching PutBucketLifecycle and PutBucketPolicy on the log bucket, targeting an SNS topic
/// with an SQS queue subscribed: the member admin's denied PutBucketLifecycle reaches the queue
/// with `errorCode: AccessDenied`; a call on another bucket does not; with the trail stopped
/// nothing is delivered.
#[test]
fn eventbridge_rule_delivers_the_denied_lifecycle_call_to_the_topics_queue() {
    let (moto, _org, archive) = organization();
    let scp = create_policy(
        &moto,
        "orgtrail-protect",
        PolicyType::ServiceControlPolicy,
        &protect_scp(),
    );
    enable(&moto, PolicyType::ServiceControlPolicy);
    attach(&moto, &scp, &root_id(&moto)).expect("attach the SCP");
    logging_org_trail(&moto);
    let admin_creds = assume(
        &moto,
        &format!("arn:aws:iam::{archive}:role/OrganizationAccountAccessRole"),
    );
    let cli = Cli::new(moto.aws_endpoint(), REGION).as_principal(&admin_creds);
    let alerts = AlertQueue::create(&cli, "audit-alerts");
    alerts.route(
        &cli,
        "orgtrail-protect-org-logs",
        &json!({
            "source": ["aws.s3"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["s3.amazonaws.com"],
                "eventName": ["PutBucketLifecycle", "PutBucketPolicy"],
                "requestParameters": {"bucketName": [LOGS]}
            }
        }),
    );
    let admin = s3_client(&moto, moto.aws_endpoint(), admin_creds);
    let put_lifecycle = |bucket: &str| {
        moto.block_on(
            admin
                .put_bucket_lifecycle_configuration()
                .bucket(bucket)
                .lifecycle_configuration(lifecycle())
                .send(),
        )
        .map(drop)
        .map_err(|e| format!("{e:?}"))
    };
    assert!(put_lifecycle(LOGS).is_err(), "the SCP denies it");
    let events = alerts.drain(&cli);
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e["detail-type"], "AWS API Call via CloudTrail");
    assert_eq!(e["source"], "aws.s3");
    assert_eq!(e["account"], archive.as_str());
    assert_eq!(e["region"], REGION);
    let d = &e["detail"];
    assert_eq!(d["eventName"], "PutBucketLifecycle");
    assert_eq!(d["eventSource"], "s3.amazonaws.com");
    assert_eq!(d["errorCode"], "AccessDenied");
    assert_eq!(d["requestParameters"]["bucketName"], LOGS);
    assert_eq!(d["userIdentity"]["type"], "AssumedRole");
    assert_eq!(d["userIdentity"]["accountId"], archive.as_str());
    assert_eq!(d["recipientAccountId"], archive.as_str());

    put_lifecycle(OTHER).expect("another bucket is not protected");
    assert_eq!(
        alerts.drain(&cli),
        Vec::<Value>::new(),
        "no rule matches another bucket"
    );

    moto.block_on(
        moto.cloudtrail(REGION)
            .stop_logging()
            .name("org-trail")
            .send(),
    )
    .expect("stop logging");
    assert!(put_lifecycle(LOGS).is_err());
    assert_eq!(
        alerts.drain(&cli),
        Vec::<Value>::new(),
        "no logging trail, no event"
    );
}

/// The layer's event-pattern matcher follows "Content filtering in Amazon EventBridge event
/// patterns": exact values at any depth, arrays matching when any element does, prefix,
/// anything-but, exists and $or.
#[test]
fn event_patterns_match_as_eventbridge_content_filtering_says() {
    let event = json!({
        "source": "aws.cloudtrail",
        "detail": {
            "eventName": "StopLogging",
            "requestParameters": {"name": "arn:aws:cloudtrail:us-east-2:111122223333:trail/org-trail"},
            "resources": [{"ARN": "arn:aws:kms:us-east-2:111122223333:key/k"}],
            "errorCode": "AccessDenied"
        }
    });
    let yes = |p: Value| assert!(matches(&p, &event), "{p}");
    let no = |p: Value| assert!(!matches(&p, &event), "{p}");
    yes(json!({"source": ["aws.s3", "aws.cloudtrail"]}));
    no(json!({"source": ["aws.s3"]}));
    yes(json!({"detail": {"eventName": ["StopLogging", "DeleteTrail"]}}));
    yes(
        json!({"detail": {"requestParameters": {"name": [{"prefix": "arn:aws:cloudtrail:us-east-2:"}]}}}),
    );
    yes(json!({"detail": {"resources": {"ARN": ["arn:aws:kms:us-east-2:111122223333:key/k"]}}}));
    no(json!({"detail": {"eventName": [{"anything-but": ["StopLogging"]}]}}));
    yes(json!({"detail": {"eventName": [{"anything-but": "DeleteTrail"}]}}));
    yes(json!({"detail": {"errorCode": [{"exists": true}], "missing": [{"exists": false}]}}));
    no(json!({"detail": {"errorCode": [{"exists": false}]}}));
    yes(json!({"$or": [{"source": ["aws.kms"]}, {"detail": {"eventName": ["StopLogging"]}}]}));
    no(json!({"$or": [{"source": ["aws.kms"]}, {"detail": {"eventName": ["DeleteTrail"]}}]}));
    no(json!({"detail": {"absent": ["x"]}}));
}
