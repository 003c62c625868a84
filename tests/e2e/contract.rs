//! The AWS contract layer itself (crates/orgtrail-testsupport/src/contract, docs/aws-contract.md):
//! for each rule, a request AWS rejects is rejected with AWS's error code and HTTP status, and a
//! request AWS accepts reaches moto unchanged. Requests are sent with the real SDK through the
//! layer; the state is seeded and checked in moto directly.

// Closures here return the SDK's own `Result` so that each assertion sees AWS's error as the
// SDK parsed it; the size of its error type is the SDK's.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::time::{Duration, Instant};

use orgtrail_testsupport::contract::policy::{Decision, Principal, Request, evaluate};
use orgtrail_testsupport::contract::wire::{Query, ask, xml_values};
use orgtrail_testsupport::s3::error::{ProvideErrorMetadata, SdkError};
use orgtrail_testsupport::sts::config::Credentials;
use orgtrail_testsupport::{Moto, cloudtrail, kms, organizations, s3};
use serde_json::{Value, json};

use crate::{ARN, BIN, Specs, greenfield};

/// The status and AWS error code of a call AWS refuses.
#[track_caller]
fn refused<T: Debug, E: ProvideErrorMetadata + Debug>(r: Result<T, SdkError<E>>) -> (u16, String) {
    let e = r.expect_err("AWS refuses this request");
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    (status, e.code().unwrap_or_default().to_string())
}

fn management() -> Credentials {
    Credentials::new(
        orgtrail_testsupport::ACCESS_KEY,
        orgtrail_testsupport::SECRET_KEY,
        None,
        None,
        "test",
    )
}

/// SDK configuration through the contract layer, as `creds`.
fn through_layer(moto: &Moto, region: &str, creds: Credentials) -> aws_config::SdkConfig {
    moto.config_for(region, moto.aws_endpoint(), creds)
}

fn s3_via(moto: &Moto, region: &str, creds: Credentials) -> s3::Client {
    s3::Client::from_conf(
        s3::config::Builder::from(&through_layer(moto, region, creds))
            .force_path_style(true)
            .build(),
    )
}

fn trails_via(moto: &Moto, region: &str, creds: Credentials) -> cloudtrail::Client {
    cloudtrail::Client::new(&through_layer(moto, region, creds))
}

/// The bucket policy from CloudTrail's guide for one trail: the ACL check and the log files of
/// the account (and of the organization), scoped to the trail by `aws:SourceArn`.
fn trail_policy(
    bucket: &str,
    prefix: &str,
    account: &str,
    org: Option<&str>,
    trail: &str,
) -> String {
    let scoped = |extra: Value| {
        let mut c = json!({"aws:SourceArn": trail});
        if let (Some(o), Value::Object(e)) = (c.as_object_mut(), extra) {
            o.extend(e);
        }
        c
    };
    let write = |id: &str, sid: &str| {
        json!({"Sid": sid, "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
               "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{bucket}/{prefix}AWSLogs/{id}/*"),
               "Condition": {"StringEquals": scoped(json!({"s3:x-amz-acl": "bucket-owner-full-control"}))}})
    };
    let mut statements = vec![
        json!({"Sid": "AclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
               "Action": "s3:GetBucketAcl", "Resource": format!("arn:aws:s3:::{bucket}"),
               "Condition": {"StringEquals": scoped(json!({}))}}),
        write(account, "AccountWrite"),
    ];
    if let Some(o) = org {
        statements.push(write(o, "OrgWrite"));
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

const ACCOUNT: &str = "123456789012";

// ---------------------------------------------------------------------------------------------
// The evaluator (independent of orgtrail-core)

#[test]
fn contract_policy_evaluator_follows_iam_evaluation_logic() {
    let trail = |arn: &str| {
        Request::new(
            Principal::Service("cloudtrail.amazonaws.com".into()),
            "s3:PutObject",
            "arn:aws:s3:::b/AWSLogs/1/x.json.gz",
        )
        .with("aws:SourceArn", arn)
        .with("s3:x-amz-acl", "bucket-owner-full-control")
    };
    let allow = |cond: Value| {
        json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:Put*", "Resource": "arn:aws:s3:::b/AWSLogs/*", "Condition": cond}]})
        .to_string()
    };
    let me = "arn:aws:cloudtrail:us-east-2:1:trail/t";
    let cases: Vec<(&str, String, Request, Decision)> = vec![
        ("StringEquals met", allow(json!({"StringEquals": {"aws:SourceArn": me}})), trail(me), Decision::Allow),
        ("StringEquals unmet", allow(json!({"StringEquals": {"aws:SourceArn": "x"}})), trail(me), Decision::ImplicitDeny),
        ("key names are case-insensitive", allow(json!({"StringEquals": {"AWS:SOURCEARN": me}})), trail(me), Decision::Allow),
        ("ArnLike per segment", allow(json!({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:1:trail/*"}})), trail(me), Decision::Allow),
        ("ArnEquals other account", allow(json!({"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:*:2:trail/*"}})), trail(me), Decision::ImplicitDeny),
        ("StringLike list", allow(json!({"StringLike": {"aws:SourceArn": ["nope", "arn:*/t"]}})), trail(me), Decision::Allow),
        ("missing key", allow(json!({"StringEquals": {"aws:SourceAccount": "1"}})), trail(me), Decision::ImplicitDeny),
        ("missing key IfExists", allow(json!({"StringEqualsIfExists": {"aws:SourceAccount": "1"}})), trail(me), Decision::Allow),
        ("negated, missing key", allow(json!({"StringNotEquals": {"aws:SourceAccount": "1"}})), trail(me), Decision::Allow),
        ("Bool", allow(json!({"Bool": {"aws:SecureTransport": "true"}})), trail(me).with("aws:SecureTransport", "TRUE"), Decision::Allow),
        ("Null true, key present", allow(json!({"Null": {"aws:SourceArn": "true"}})), trail(me), Decision::ImplicitDeny),
        ("ForAnyValue multi-valued", allow(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "b"}})), {
            let mut r = trail(me);
            r.context.insert("aws:tagkeys".into(), vec!["a".into(), "b".into()]);
            r
        }, Decision::Allow),
        ("ForAllValues multi-valued", allow(json!({"ForAllValues:StringEquals": {"aws:TagKeys": "b"}})), {
            let mut r = trail(me);
            r.context.insert("aws:tagkeys".into(), vec!["a".into(), "b".into()]);
            r
        }, Decision::ImplicitDeny),
        ("Principal * and a Deny win", json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"StringNotEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}).to_string(),
            trail(me).with("s3:x-amz-acl", "private"), Decision::ExplicitDeny),
        ("account principal", json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
            "Action": "s3:GetBucketPolicy", "Resource": "arn:aws:s3:::b"}]}).to_string(),
            Request::new(Principal::Account { account: "1".into(), arn: "arn:aws:sts::1:assumed-role/r/s".into() },
                "s3:GetBucketPolicy", "arn:aws:s3:::b"), Decision::Allow),
        ("service is not an account", json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "1"},
            "Action": "*", "Resource": "*"}]}).to_string(), trail(me), Decision::ImplicitDeny),
        ("NotAction", json!({"Statement": [{"Effect": "Allow", "Principal": "*", "NotAction": "s3:Get*",
            "Resource": "*"}]}).to_string(), trail(me), Decision::Allow),
    ];
    for (name, policy, req, want) in cases {
        assert_eq!(evaluate(&policy, &req), Ok(want), "{name}");
    }
    let numeric = allow(json!({"NumericLessThan": {"s3:max-keys": "10"}}));
    assert!(
        evaluate(&numeric, &trail(me)).is_err(),
        "an operator the layer does not implement is an error, never a guess"
    );
}

// ---------------------------------------------------------------------------------------------
// S3

/// S3 PutBucketPolicy answers 400 MalformedPolicy to repeated Sids, a document that is not
/// JSON, a Resource outside the bucket, an action that applies to none of the statement's
/// resources, and a policy over 20 KB; it stores an acceptable one exactly as sent.
#[test]
fn contract_s3_put_bucket_policy_rejects_what_s3_rejects_as_malformed_policy() {
    let (moto, _) = greenfield();
    let s3c = s3_via(&moto, "us-east-2", management());
    let ok = trail_policy("my-bucket", "", ACCOUNT, None, ARN);
    let mut doc: Value = serde_json::from_str(&ok).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        d.to_string()
    };
    let duplicate = with(&|d| d["Statement"][1]["Sid"] = "AclCheck".into());
    let outside = with(&|d| d["Statement"][1]["Resource"] = "arn:aws:s3:::other-bucket/*".into());
    let no_resource = with(&|d| d["Statement"][0]["Resource"] = "arn:aws:s3:::my-bucket/*".into());
    let padding = "x".repeat(orgtrail_testsupport::contract::MAX_POLICY_BYTES);
    let too_big = with(&|d| d["Statement"][0]["Sid"] = padding.clone().into());
    for (case, body) in [
        ("duplicate Sids", duplicate),
        ("not JSON", ok.replace('{', "[")),
        ("resource outside the bucket", outside),
        ("action applies to no resource", no_resource),
        ("over 20 KB", too_big),
    ] {
        let r = moto.block_on(
            s3c.put_bucket_policy()
                .bucket("my-bucket")
                .policy(&body)
                .send(),
        );
        assert_eq!(refused(r), (400, "MalformedPolicy".into()), "{case}");
    }
    assert_eq!(
        moto.bucket_policy("my-bucket", "us-east-2"),
        None,
        "nothing stored"
    );
    doc["Statement"][0]["Sid"] = "Acl".into();
    let accepted = doc.to_string();
    moto.block_on(
        s3c.put_bucket_policy()
            .bucket("my-bucket")
            .policy(&accepted)
            .send(),
    )
    .expect("S3 accepts it");
    assert_eq!(
        moto.bucket_policy("my-bucket", "us-east-2").as_deref(),
        Some(accepted.as_str())
    );
    let rules: Vec<&str> = moto.contract().refusals().iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["s3-malformed-policy"; 5]);
}

/// A bucket addressed through another region's endpoint: 301 PermanentRedirect naming the
/// bucket's endpoint, or through us-east-1 400 AuthorizationHeaderMalformed naming the region in
/// the body; both with `x-amz-bucket-region`. Through its own region the request passes.
#[test]
fn contract_s3_wrong_region_is_a_redirect_naming_the_bucket_region() {
    let (moto, _) = greenfield();
    let get_from = |port: u16, region: &str| {
        let mut q = Query::new("GET", "/my-bucket?policy", "s3", region);
        q.access_key = Some(orgtrail_testsupport::ACCESS_KEY);
        ask(port, &q).unwrap()
    };
    let get = |region: &str| get_from(moto.aws_port(), region);
    let moved = get("us-west-2");
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("x-amz-bucket-region"), Some("us-east-2"));
    assert_eq!(xml_values(&moved.text(), "Code"), ["PermanentRedirect"]);
    assert_eq!(
        xml_values(&moved.text(), "Endpoint"),
        ["my-bucket.s3.us-east-2.amazonaws.com"]
    );
    let global = get("us-east-1");
    assert_eq!(global.status, 400);
    assert_eq!(
        xml_values(&global.text(), "Code"),
        ["AuthorizationHeaderMalformed"]
    );
    assert_eq!(xml_values(&global.text(), "Region"), ["us-east-2"]);
    assert_eq!(global.header("x-amz-bucket-region"), Some("us-east-2"));
    let home = get("us-east-2");
    assert_eq!(home.status, 404, "moto's own answer: no policy yet");
    assert_eq!(xml_values(&home.text(), "Code"), ["NoSuchBucketPolicy"]);
    let direct = get_from(moto.port, "us-east-2");
    let without_ids = |text: String| {
        let id = xml_values(&text, "RequestId").pop().unwrap_or_default();
        text.replace(&id, "")
    };
    assert_eq!(
        (home.status, without_ids(home.text())),
        (direct.status, without_ids(direct.text())),
        "passed through unchanged (moto's request id differs per answer)"
    );
    // The SDK sees the same.
    let west = s3_via(&moto, "us-west-2", management());
    let r = moto.block_on(west.get_bucket_policy().bucket("my-bucket").send());
    assert_eq!(refused(r).0, 301);
}

/// Another account may not read or write a bucket's policy: 403 AccessDenied without a grant,
/// 405 MethodNotAllowed with one (only the owner's account may); other calls pass where the
/// bucket policy grants them.
#[test]
fn contract_s3_only_the_owner_account_reads_and_writes_the_bucket_policy() {
    let (moto, _) = greenfield();
    let (member, creds) = moto.member_account("reader");
    let theirs = s3_via(&moto, "us-east-2", creds);
    let read = || moto.block_on(theirs.get_bucket_policy().bucket("my-bucket").send());
    let write = |p: &str| {
        moto.block_on(
            theirs
                .put_bucket_policy()
                .bucket("my-bucket")
                .policy(p)
                .send(),
        )
    };
    let ok = trail_policy("my-bucket", "", ACCOUNT, None, ARN);
    assert_eq!(refused(read()), (403, "AccessDenied".into()));
    assert_eq!(refused(write(&ok)), (403, "AccessDenied".into()));
    assert_eq!(
        refused(moto.block_on(theirs.get_bucket_acl().bucket("my-bucket").send())).0,
        403
    );
    let mut grant: Value = serde_json::from_str(&ok).unwrap();
    grant["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "MemberReads", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{member}:root")},
        "Action": ["s3:GetBucketPolicy", "s3:GetBucketAcl"], "Resource": "arn:aws:s3:::my-bucket"}));
    moto.put_bucket_policy("my-bucket", "us-east-2", &grant.to_string());
    assert_eq!(refused(read()), (405, "MethodNotAllowed".into()));
    moto.block_on(theirs.get_bucket_acl().bucket("my-bucket").send())
        .expect("granted by the bucket policy");
    let mine = s3_via(&moto, "us-east-2", management());
    moto.block_on(mine.get_bucket_policy().bucket("my-bucket").send())
        .expect("the owner reads it");
}

/// `x-amz-expected-bucket-owner` naming another account: 403 AccessDenied; naming the owner:
/// the request passes.
#[test]
fn contract_s3_expected_bucket_owner_must_be_the_owner() {
    let (moto, _) = greenfield();
    let s3c = s3_via(&moto, "us-east-2", management());
    let get = |owner: &str| {
        moto.block_on(
            s3c.get_bucket_acl()
                .bucket("my-bucket")
                .expected_bucket_owner(owner)
                .send(),
        )
    };
    assert_eq!(refused(get("222222222222")), (403, "AccessDenied".into()));
    get(ACCOUNT).expect("the owner is the expected owner");
}

// ---------------------------------------------------------------------------------------------
// CloudTrail CreateTrail / UpdateTrail

fn create_org_trail(
    ct: &cloudtrail::Client,
    name: &str,
    bucket: &str,
) -> cloudtrail::operation::create_trail::builders::CreateTrailFluentBuilder {
    ct.create_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .is_organization_trail(true)
        .is_multi_region_trail(true)
}

/// CreateTrail answers InsufficientS3BucketPolicyException unless the bucket policy lets
/// CloudTrail check the ACL and write `[prefix/]AWSLogs/<account>/` (and, for an organization
/// trail, `AWSLogs/<org-id>/`) with this trail's `aws:SourceArn` and the owner-full-control ACL;
/// UpdateTrail too when it converts a trail or moves its logs.
#[test]
fn contract_create_trail_needs_a_bucket_policy_that_lets_cloudtrail_deliver() {
    let (moto, org) = greenfield();
    moto.enable_trusted_access();
    let ct = trails_via(&moto, "us-east-2", management());
    let create = || moto.block_on(create_org_trail(&ct, "my-trail", "my-bucket").send());
    let insufficient = (400, "InsufficientS3BucketPolicyException".to_string());
    assert_eq!(refused(create()), insufficient, "no policy");
    let account_only = trail_policy("my-bucket", "", ACCOUNT, None, ARN);
    moto.put_bucket_policy("my-bucket", "us-east-2", &account_only);
    assert_eq!(
        refused(create()),
        insufficient,
        "no AWSLogs/<org-id>/ grant"
    );
    let other_trail = ARN.replace("my-trail", "other");
    let foreign = trail_policy("my-bucket", "", ACCOUNT, Some(&org), &other_trail);
    moto.put_bucket_policy("my-bucket", "us-east-2", &foreign);
    assert_eq!(refused(create()), insufficient, "scoped to another trail");
    let prefixed = moto.block_on(
        create_org_trail(&ct, "my-trail", "my-bucket")
            .s3_key_prefix("data")
            .send(),
    );
    let full = trail_policy("my-bucket", "", ACCOUNT, Some(&org), ARN);
    moto.put_bucket_policy("my-bucket", "us-east-2", &full);
    assert_eq!(refused(prefixed), insufficient, "no grant under the prefix");
    // An account trail needs only the account's path.
    moto.put_bucket_policy("my-bucket", "us-east-2", &account_only);
    moto.block_on(
        ct.create_trail()
            .name("my-trail")
            .s3_bucket_name("my-bucket")
            .send(),
    )
    .expect("an account trail with the account's grant");
    let convert = || {
        moto.block_on(
            ct.update_trail()
                .name(ARN)
                .is_organization_trail(true)
                .send(),
        )
    };
    assert_eq!(
        refused(convert()),
        insufficient,
        "converting needs the org grant"
    );
    moto.put_bucket_policy("my-bucket", "us-east-2", &full);
    convert().expect("accepted with the full policy");
    assert_eq!(
        moto.trail("us-east-2", "my-trail")
            .unwrap()
            .is_organization_trail(),
        Some(true)
    );
}

/// An organization trail needs an organization with all features, trusted access for
/// CloudTrail, and the management account or a CloudTrail delegated administrator as caller;
/// the delegated administrator's trail belongs to the management account.
#[test]
fn contract_organization_trail_needs_trusted_access_all_features_and_an_administrator() {
    let moto = Moto::start();
    moto.create_bucket("my-bucket", "us-east-2");
    let ct = trails_via(&moto, "us-east-2", management());
    let create = || moto.block_on(create_org_trail(&ct, "my-trail", "my-bucket").send());
    assert_eq!(
        refused(create()),
        (400, "OrganizationsNotInUseException".into())
    );
    let orgs = organizations::Client::new(&through_layer(&moto, "us-east-1", management()));
    let services = moto.block_on(orgs.list_aws_service_access_for_organization().send());
    assert_eq!(
        refused(services),
        (400, "AWSOrganizationsNotInUseException".into())
    );
    moto.create_org(false);
    assert_eq!(
        refused(create()),
        (400, "OrganizationNotInAllFeaturesModeException".into())
    );
    moto.reset_state();
    moto.create_bucket("my-bucket", "us-east-2");
    let org = moto.create_org(true);
    moto.put_bucket_policy(
        "my-bucket",
        "us-east-2",
        &trail_policy("my-bucket", "", ACCOUNT, Some(&org), ARN),
    );
    assert_eq!(
        refused(create()),
        (400, "CloudTrailAccessNotEnabledException".into())
    );
    moto.enable_trusted_access();
    // A member account that is not a delegated administrator.
    let (member, creds) = moto.member_account("security");
    let theirs = trails_via(&moto, "us-east-2", creds.clone());
    let by_member = || moto.block_on(create_org_trail(&theirs, "my-trail", "my-bucket").send());
    assert_eq!(
        refused(by_member()),
        (400, "NotOrganizationMasterAccountException".into())
    );
    // Registered as CloudTrail delegated administrator, it creates the management account's trail.
    moto.block_on(
        ct.register_organization_delegated_admin()
            .member_account_id(&member)
            .send(),
    )
    .expect("register");
    let out = by_member().expect("a delegated administrator may");
    assert_eq!(
        out.trail_arn(),
        Some(ARN),
        "owned by the management account"
    );
    assert!(moto.trail("us-east-2", "my-trail").is_some());
    let seen = moto.block_on(theirs.describe_trails().send()).unwrap();
    assert!(
        seen.trail_list().iter().any(|t| t.trail_arn() == Some(ARN)),
        "members see the organization trail"
    );
    moto.block_on(theirs.get_trail_status().name(ARN).send())
        .expect("read by ARN from the delegated administrator");
}

/// The trail's KMS key must exist, be in the bucket's region (KmsKeyNotFoundException) and let
/// CloudTrail generate data keys for this trail (InsufficientEncryptionPolicyException).
#[test]
fn contract_kms_key_must_be_in_the_bucket_region_and_let_cloudtrail_encrypt() {
    let (moto, _) = greenfield();
    moto.put_bucket_policy(
        "my-bucket",
        "us-east-2",
        &trail_policy("my-bucket", "", ACCOUNT, None, ARN),
    );
    let key_in = |region: &str, policy: Option<Value>| {
        let mut req = moto.kms(region).create_key();
        if let Some(p) = policy {
            req = req.policy(p.to_string());
        }
        let out = moto.block_on(req.send()).unwrap();
        out.key_metadata().unwrap().arn().unwrap().to_string()
    };
    let cloudtrail_may = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrailEncrypt", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"},
                       "StringEquals": {"aws:SourceArn": ARN}}}]});
    let ct = trails_via(&moto, "us-east-2", management());
    let create = |key: &str| {
        moto.block_on(
            ct.create_trail()
                .name("my-trail")
                .s3_bucket_name("my-bucket")
                .kms_key_id(key)
                .send(),
        )
    };
    let default_policy = key_in("us-east-2", None);
    assert_eq!(
        refused(create(&default_policy)),
        (400, "InsufficientEncryptionPolicyException".into())
    );
    let west = key_in("us-west-2", Some(cloudtrail_may.clone()));
    assert_eq!(
        refused(create(&west)),
        (400, "KmsKeyNotFoundException".into()),
        "wrong region"
    );
    let missing = "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-0000-0000-000000000000";
    assert_eq!(
        refused(create(missing)),
        (400, "KmsKeyNotFoundException".into())
    );
    let good = key_in("us-east-2", Some(cloudtrail_may));
    create(&good).expect("the guide's key policy");
    let rules: Vec<&str> = moto.contract().refusals().iter().map(|v| v.rule).collect();
    assert_eq!(
        rules,
        [
            "cloudtrail-kms-key-policy",
            "cloudtrail-kms-key-region",
            "cloudtrail-kms-key-missing"
        ]
    );
}

/// CreateTrail of a name already in the region is TrailAlreadyExistsException (moto would
/// replace the trail), and a sixth trail in a region MaximumNumberOfTrailsExceededException.
#[test]
fn contract_create_trail_refuses_a_taken_name_and_a_sixth_trail() {
    let (moto, _) = greenfield();
    let open = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Acl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"},
        {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/123456789012/*"}]});
    moto.put_bucket_policy("my-bucket", "us-east-2", &open.to_string());
    let ct = trails_via(&moto, "us-east-2", management());
    let create = |name: &str| {
        moto.block_on(
            ct.create_trail()
                .name(name)
                .s3_bucket_name("my-bucket")
                .send(),
        )
    };
    create("trail-1").expect("first");
    assert_eq!(
        refused(create("trail-1")),
        (400, "TrailAlreadyExistsException".into())
    );
    for i in 2..=5 {
        create(&format!("trail-{i}")).expect("up to five");
    }
    assert_eq!(
        refused(create("trail-6")),
        (400, "MaximumNumberOfTrailsExceededException".into())
    );
}

// ---------------------------------------------------------------------------------------------
// Defaults AWS reports

/// GetEventSelectors of a trail never given selectors: AWS's default (all management events);
/// a trail with selectors gets them back unchanged.
#[test]
fn contract_get_event_selectors_answers_the_default_for_a_trail_without_selectors() {
    let (moto, _) = greenfield();
    crate::plan::seed_trail(&moto, false, true);
    let ct = trails_via(&moto, "us-east-2", management());
    let out = moto
        .block_on(ct.get_event_selectors().trail_name(ARN).send())
        .unwrap();
    let sel = out.event_selectors();
    assert_eq!(sel.len(), 1);
    assert_eq!(sel[0].read_write_type().map(|r| r.as_str()), Some("All"));
    assert_eq!(sel[0].include_management_events(), Some(true));
    moto.block_on(
        moto.cloudtrail("us-east-2")
            .put_event_selectors()
            .trail_name(ARN)
            .event_selectors(
                cloudtrail::types::EventSelector::builder()
                    .read_write_type(cloudtrail::types::ReadWriteType::WriteOnly)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    let out = moto
        .block_on(ct.get_event_selectors().trail_name(ARN).send())
        .unwrap();
    assert_eq!(out.event_selectors().len(), 1);
    assert_eq!(
        out.event_selectors()[0]
            .read_write_type()
            .map(|r| r.as_str()),
        Some("WriteOnly")
    );
}

// ---------------------------------------------------------------------------------------------
// CloudTrail delegated administrator, Organizations, KMS across accounts

/// RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin (moto lacks them),
/// on moto's organization data, with CloudTrail's errors; Organizations lists the result.
#[test]
fn contract_cloudtrail_delegated_admin_api_with_cloudtrails_errors() {
    let (moto, _) = greenfield();
    let (a, member_creds) = moto.member_account("a");
    let ct = trails_via(&moto, "us-east-1", management());
    let register = |id: &str| {
        moto.block_on(
            ct.register_organization_delegated_admin()
                .member_account_id(id)
                .send(),
        )
    };
    let deregister = |id: &str| {
        moto.block_on(
            ct.deregister_organization_delegated_admin()
                .delegated_admin_account_id(id)
                .send(),
        )
    };
    assert_eq!(
        refused(register(&a)),
        (400, "CloudTrailAccessNotEnabledException".into())
    );
    moto.enable_trusted_access();
    let theirs = trails_via(&moto, "us-east-1", member_creds);
    let r = moto.block_on(
        theirs
            .register_organization_delegated_admin()
            .member_account_id(&a)
            .send(),
    );
    assert_eq!(
        refused(r),
        (400, "NotOrganizationManagementAccountException".into())
    );
    assert_eq!(
        refused(register(ACCOUNT)),
        (400, "CannotDelegateManagementAccountException".into())
    );
    assert_eq!(
        refused(register("999999999999")),
        (400, "AccountNotFoundException".into())
    );
    register(&a).expect("registered");
    assert_eq!(
        refused(register(&a)),
        (400, "AccountRegisteredException".into())
    );
    let listed = moto
        .block_on(
            organizations::Client::new(&through_layer(&moto, "us-east-1", management()))
                .list_delegated_administrators()
                .service_principal("cloudtrail.amazonaws.com")
                .send(),
        )
        .unwrap();
    let ids: Vec<&str> = listed
        .delegated_administrators()
        .iter()
        .filter_map(|d| d.id())
        .collect();
    assert_eq!(ids, [a.as_str()]);
    for name in ["b", "c"] {
        register(&moto.member_account(name).0).expect("up to three");
    }
    let d = moto.member_account("d").0;
    assert_eq!(
        refused(register(&d)),
        (400, "DelegatedAdminAccountLimitExceededException".into())
    );
    deregister(&a).expect("deregistered");
    assert_eq!(
        refused(deregister(&a)),
        (400, "AccountNotRegisteredException".into())
    );
}

/// A member account calling a management-only Organizations operation: AccessDeniedException
/// (moto would change an empty organization of its own); a delegated administrator reads the
/// organization's data; the management account passes.
#[test]
fn contract_organizations_management_only_calls_are_denied_to_members() {
    let (moto, _) = greenfield();
    moto.enable_trusted_access();
    let (member, creds) = moto.member_account("member");
    let theirs = organizations::Client::new(&through_layer(&moto, "us-east-1", creds));
    let enable = moto.block_on(
        theirs
            .enable_aws_service_access()
            .service_principal("config.amazonaws.com")
            .send(),
    );
    assert_eq!(refused(enable), (400, "AccessDeniedException".into()));
    let list = || moto.block_on(theirs.list_aws_service_access_for_organization().send());
    assert_eq!(refused(list()), (400, "AccessDeniedException".into()));
    moto.block_on(
        trails_via(&moto, "us-east-1", management())
            .register_organization_delegated_admin()
            .member_account_id(&member)
            .send(),
    )
    .unwrap();
    let services = list().expect("a delegated administrator reads the organization");
    assert!(
        services
            .enabled_service_principals()
            .iter()
            .any(|s| s.service_principal() == Some("cloudtrail.amazonaws.com")),
        "the organization's trusted services, not the member's own"
    );
    let mine = organizations::Client::new(&through_layer(&moto, "us-east-1", management()));
    moto.block_on(mine.list_aws_service_access_for_organization().send())
        .expect("the management account");
}

/// GetKeyPolicy of another account's key is AccessDeniedException (not a cross-account
/// operation); DescribeKey across accounts passes only where the key policy allows it.
#[test]
fn contract_kms_key_policy_of_another_account_is_access_denied() {
    let (moto, _) = greenfield();
    let (member, creds) = moto.member_account("security");
    let member_kms = kms::Client::new(&moto.config_for("us-east-2", &moto.endpoint, creds.clone()));
    let private = moto.block_on(member_kms.create_key().send()).unwrap();
    let private = private.key_metadata().unwrap().arn().unwrap().to_string();
    let shared_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{member}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Describe", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:DescribeKey", "Resource": "*"}]});
    let shared = moto
        .block_on(
            member_kms
                .create_key()
                .policy(shared_policy.to_string())
                .send(),
        )
        .unwrap();
    let shared = shared.key_metadata().unwrap().arn().unwrap().to_string();
    let mine = kms::Client::new(&through_layer(&moto, "us-east-2", management()));
    let policy_of = |arn: &str| {
        moto.block_on(
            mine.get_key_policy()
                .key_id(arn)
                .policy_name("default")
                .send(),
        )
    };
    assert_eq!(
        refused(policy_of(&shared)),
        (400, "AccessDeniedException".into())
    );
    assert_eq!(
        refused(moto.block_on(mine.describe_key().key_id(&private).send())),
        (400, "AccessDeniedException".into())
    );
    let described = moto
        .block_on(mine.describe_key().key_id(&shared).send())
        .expect("allowed");
    assert_eq!(
        described.key_metadata().and_then(|m| m.arn()),
        Some(shared.as_str())
    );
    let theirs = kms::Client::new(&through_layer(&moto, "us-east-2", creds));
    moto.block_on(
        theirs
            .get_key_policy()
            .key_id(&shared)
            .policy_name("default")
            .send(),
    )
    .expect("the owner reads its key policy");
}

// ---------------------------------------------------------------------------------------------
// Eventual consistency

/// With a propagation delay, CloudTrail and reads keep seeing the state from before
/// EnableAWSServiceAccess, PutBucketPolicy and PutKeyPolicy until it has passed.
#[allow(
    clippy::too_many_lines,
    reason = "one propagation timeline, each call asserted at its moment"
)]
#[test]
fn contract_propagation_delay_holds_cloudtrail_and_reads_to_the_previous_state() {
    let (moto, org) = greenfield();
    let delay = Duration::from_millis(1500);
    moto.contract().set_propagation(delay);
    let conf = through_layer(&moto, "us-east-2", management());
    let orgs = organizations::Client::new(&through_layer(&moto, "us-east-1", management()));
    let s3c = s3_via(&moto, "us-east-2", management());
    let ct = cloudtrail::Client::new(&conf);
    moto.block_on(
        orgs.enable_aws_service_access()
            .service_principal("cloudtrail.amazonaws.com")
            .send(),
    )
    .unwrap();
    let policy = trail_policy("my-bucket", "", ACCOUNT, Some(&org), ARN);
    moto.block_on(
        s3c.put_bucket_policy()
            .bucket("my-bucket")
            .policy(&policy)
            .send(),
    )
    .unwrap();
    let written = Instant::now();
    let trusted = moto
        .block_on(orgs.list_aws_service_access_for_organization().send())
        .unwrap();
    assert!(
        trusted.enabled_service_principals().is_empty(),
        "still the old state"
    );
    let read = moto.block_on(s3c.get_bucket_policy().bucket("my-bucket").send());
    assert_eq!(refused(read), (404, "NoSuchBucketPolicy".into()));
    let create = || moto.block_on(create_org_trail(&ct, "my-trail", "my-bucket").send());
    assert_eq!(
        refused(create()),
        (400, "CloudTrailAccessNotEnabledException".into())
    );
    std::thread::sleep(delay.saturating_sub(written.elapsed()) + Duration::from_millis(100));
    assert_eq!(
        moto.block_on(s3c.get_bucket_policy().bucket("my-bucket").send())
            .unwrap()
            .policy(),
        Some(policy.as_str())
    );
    create().expect("propagated");
    // A key policy, likewise.
    let kms_mine = kms::Client::new(&conf);
    let key = moto
        .block_on(moto.kms("us-east-2").create_key().send())
        .unwrap();
    let key = key.key_metadata().unwrap().arn().unwrap().to_string();
    let before = moto
        .block_on(
            kms_mine
                .get_key_policy()
                .key_id(&key)
                .policy_name("default")
                .send(),
        )
        .unwrap();
    let new = json!({"Version": "2012-10-17", "Statement": [{"Sid": "CT", "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:*", "Resource": "*"}]});
    moto.block_on(
        kms_mine
            .put_key_policy()
            .key_id(&key)
            .policy_name("default")
            .policy(new.to_string())
            .send(),
    )
    .unwrap();
    let during = moto
        .block_on(
            kms_mine
                .get_key_policy()
                .key_id(&key)
                .policy_name("default")
                .send(),
        )
        .unwrap();
    assert_eq!(during.policy(), before.policy());
    let r = moto.block_on(ct.update_trail().name(ARN).kms_key_id(&key).send());
    assert_eq!(
        refused(r),
        (400, "InsufficientEncryptionPolicyException".into())
    );
}

// ---------------------------------------------------------------------------------------------
// orgtrail through the layer

/// Greenfield apply with a propagation delay after each prerequisite write: CloudTrail refuses
/// CreateTrail until the writes have propagated, orgtrail retries, and apply converges.
#[test]
fn apply_converges_through_a_propagation_delay() {
    let (moto, _) = greenfield();
    moto.contract().set_propagation(Duration::from_millis(1000));
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
    let refusals = moto.contract().refusals();
    assert!(
        refusals.iter().any(|v| v.operation == "CreateTrail"),
        "CloudTrail refused CreateTrail during propagation: {refusals:?}"
    );
    moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml"])
        .expect_code(0)
        .expect_contains("No changes.");
}

/// A bucket in another region than the spec says is a preflight error, whichever way S3 names
/// the bucket's region: a 301 from a regional endpoint, or a 400 AuthorizationHeaderMalformed
/// from us-east-1.
#[test]
fn a_bucket_in_another_region_is_reported_whichever_way_s3_says_so() {
    let (moto, _) = greenfield();
    let specs = Specs::new();
    for region in ["us-west-2", "us-east-1"] {
        let spec = specs.write(
            &format!("{region}.yaml"),
            &format!(
                "version: 1\nbucket:\n  name: my-bucket\n  region: {region}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n"
            ),
        );
        moto.orgtrail(BIN, &["plan", &spec])
            .expect_code(1)
            .expect_contains("bucket-region");
    }
}
