use super::*;
use std::collections::BTreeSet;

use serde_json::Value;

use crate::iam::{NormStatement, normalise_statement, policies_equivalent};
use serde_json::json;

fn tref() -> TrailRef {
    TrailRef {
        partition: "aws".into(),
        home_region: "us-east-2".into(),
        account: "111111111111".into(),
        trail_name: "my-trail".into(),
        org_id: "o-exampleorgid".into(),
        bucket: "my-bucket".into(),
        prefix: None,
    }
}

fn required_json() -> Vec<Value> {
    required_statements(&tref())
        .into_iter()
        .map(|r| r.statement)
        .collect()
}

fn doc(stmts: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": stmts}).to_string()
}

const ARN: &str = "arn:aws:cloudtrail:us-east-2:111111111111:trail/my-trail";

/// The seed's own policy: unscoped, two statements share a Sid.
fn seed_policy() -> Vec<Value> {
    vec![
        json!({"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"}),
        json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}),
        json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/o-exampleorgid/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}),
    ]
}

fn deny_insecure() -> Value {
    json!({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
}

fn config_stmt() -> Value {
    json!({"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"})
}

/// (name, a, b, equivalent?)
fn equivalence_cases() -> Vec<(&'static str, Value, Value, bool)> {
    let base = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/x/*"});
    vec![
        ("identical", base.clone(), base.clone(), true),
        (
            "string_vs_one_element_list_action",
            base.clone(),
            json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::b/x/*"}),
            true,
        ),
        (
            "string_vs_list_resource",
            base.clone(),
            json!({"Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": "s3:PutObject", "Resource": ["arn:aws:s3:::b/x/*"]}),
            true,
        ),
        (
            "action_case_insensitive",
            base.clone(),
            json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "S3:PUTOBJECT", "Resource": "arn:aws:s3:::b/x/*"}),
            true,
        ),
        (
            "sid_ignored",
            base.clone(),
            json!({"Sid": "Other", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/x/*"}),
            true,
        ),
        (
            "resource_case_sensitive",
            base.clone(),
            json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::B/x/*"}),
            false,
        ),
        (
            "effect_differs",
            base.clone(),
            json!({"Effect": "Deny", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/x/*"}),
            false,
        ),
        (
            "list_order_irrelevant",
            json!({"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "r", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            json!({"Effect": "Allow", "Principal": "*", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "r", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            true,
        ),
        (
            "account_id_equals_root_arn",
            json!({"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "s3:GetObject", "Resource": "r"}),
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "s3:GetObject", "Resource": "r"}),
            true,
        ),
        (
            "aws_star_equals_star",
            json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "r"}),
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "r"}),
            true,
        ),
        (
            "condition_key_case_insensitive",
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"AWS:SourceArn": "x"}}}),
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"aws:sourcearn": "x"}}}),
            true,
        ),
        (
            "condition_value_string_vs_list",
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": "x"}}}),
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": ["x"]}}}),
            true,
        ),
        (
            "condition_value_differs",
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": "x"}}}),
            json!({"Effect": "Allow", "Principal": "*", "Action": "a:b", "Resource": "r", "Condition": {"StringEquals": {"k": "y"}}}),
            false,
        ),
        (
            "bool_condition_value_vs_string",
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "r", "Condition": {"Bool": {"aws:SecureTransport": false}}}),
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "r", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            true,
        ),
        (
            "action_vs_notaction",
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "r"}),
            json!({"Effect": "Deny", "Principal": "*", "NotAction": "s3:*", "Resource": "r"}),
            false,
        ),
        (
            "service_principal_case",
            json!({"Effect": "Allow", "Principal": {"Service": "CloudTrail.amazonaws.com"}, "Action": "a:b", "Resource": "r"}),
            json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "a:b", "Resource": "r"}),
            true,
        ),
    ]
}

#[test]
fn statement_equivalence_table() {
    let mut bad = Vec::new();
    for (name, a, b, want) in equivalence_cases() {
        let got = normalise_statement(&a).unwrap() == normalise_statement(&b).unwrap();
        if got != want {
            bad.push(name);
        }
    }
    assert!(bad.is_empty(), "failed: {bad:?}");
}

#[test]
fn policy_equivalence_ignores_statement_order_and_default_version() {
    let a = json!({"Statement": [config_stmt(), deny_insecure()]}).to_string();
    let b =
        json!({"Version": "2012-10-17", "Statement": [deny_insecure(), config_stmt()]}).to_string();
    assert!(policies_equivalent(&a, &b));
    let c =
        json!({"Version": "2008-10-17", "Statement": [deny_insecure(), config_stmt()]}).to_string();
    assert!(!policies_equivalent(&a, &c));
}

/// (name, live statements (None = no policy), expect change, expected missing count, expected superseded count)
/// (name, live statements (None = no policy), expect change, missing count, superseded count)
type MergeCase = (&'static str, Option<Vec<Value>>, bool, usize, usize);

fn merge_cases() -> Vec<MergeCase> {
    let mut rewritten = required_json();
    // Same meaning, written differently: lists, upper-case action, other Sids, other order.
    rewritten[0] = json!({"Sid": "acl", "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]}, "Action": ["S3:GetBucketAcl"], "Resource": ["arn:aws:s3:::my-bucket"], "Condition": {"StringEquals": {"AWS:SourceArn": [ARN]}}});
    rewritten.reverse();
    let mut dup_sid = required_json();
    dup_sid[2]["Sid"] = json!("AWSCloudTrailWrite20150319");
    let other_trail = json!({"Sid": "OtherTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*", "Condition": {"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/other"}}});
    let other_bucket_ct = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::other-bucket/AWSLogs/111111111111/*"});
    let mut with_foreign = required_json();
    with_foreign.push(deny_insecure());
    with_foreign.push(config_stmt());
    let mut partial = required_json();
    partial.pop();
    let scoped_wrong_resource = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/999999999999/*", "Condition": {"StringEquals": {"aws:SourceArn": ARN}}});
    let mut seed_plus = seed_policy();
    seed_plus.extend(required_json());
    let multi_principal = json!({"Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com", "config.amazonaws.com"]}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"});
    vec![
        ("no_policy_adds_three", None, true, 3, 0),
        ("empty_statement_list_adds_three", Some(vec![]), true, 3, 0),
        (
            "exact_required_is_no_change",
            Some(required_json()),
            false,
            0,
            0,
        ),
        (
            "rewritten_equivalent_is_no_change",
            Some(rewritten),
            false,
            0,
            0,
        ),
        ("duplicate_sids_are_fine", Some(dup_sid), false, 0, 0),
        // Unscoped grants let any trail of the account write: broader than the scoped
        // statements, so they are kept (with a warning) and the scoped ones added.
        (
            "seed_policy_unscoped_grants_kept",
            Some(seed_policy()),
            true,
            3,
            0,
        ),
        (
            "seed_plus_required_is_no_change",
            Some(seed_plus),
            false,
            0,
            0,
        ),
        (
            "foreign_statements_kept_no_change",
            Some(with_foreign),
            false,
            0,
            0,
        ),
        (
            "foreign_only_adds_three",
            Some(vec![deny_insecure(), config_stmt()]),
            true,
            3,
            0,
        ),
        ("partial_adds_missing_one", Some(partial), true, 1, 0),
        (
            "other_trail_statement_untouched",
            Some(vec![other_trail]),
            true,
            3,
            0,
        ),
        (
            "other_bucket_statement_untouched",
            Some(vec![other_bucket_ct]),
            true,
            3,
            0,
        ),
        (
            "scoped_to_us_but_wrong_path_is_superseded",
            Some(vec![scoped_wrong_resource]),
            true,
            3,
            1,
        ),
        (
            "multi_principal_statement_is_foreign",
            Some(vec![multi_principal]),
            true,
            3,
            0,
        ),
    ]
}

#[test]
fn merge_table() {
    let mut bad = Vec::new();
    for (name, live, change, missing, superseded) in merge_cases() {
        let text = live.map(doc);
        let m = merge("my-bucket", text.as_deref(), &[tref()], &[]).unwrap();
        let got = (m.new_policy.is_some(), m.missing.len(), m.superseded.len());
        if got != (change, missing, superseded) {
            bad.push(format!("{name}: got {got:?}"));
        }
        // Whatever the case, every foreign statement survives.
        if let (Some(new), Some(text)) = (&m.new_policy, &text) {
            let old = parse_policy("b", text).unwrap();
            for s in &old.statements {
                let n = normalise_statement(s).unwrap();
                let superseded_here = m.superseded.contains(s);
                let kept = new["Statement"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| normalise_statement(x).unwrap() == n);
                if !superseded_here && !kept {
                    bad.push(format!("{name}: lost {s}"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(merge_cases().len() + equivalence_cases().len() >= 25);
}

#[test]
fn merged_policy_is_stable_under_a_second_merge() {
    let first = merge("my-bucket", Some(&doc(seed_policy())), &[tref()], &[]).unwrap();
    let text = first.new_policy.unwrap().to_string();
    let second = merge("my-bucket", Some(&text), &[tref()], &[]).unwrap();
    assert_eq!(second.new_policy, None);
}

#[test]
fn unscoped_legacy_statement_is_kept_when_another_trail_uses_the_bucket() {
    let m = merge(
        "my-bucket",
        Some(&doc(seed_policy())),
        &[tref()],
        &["old-trail".into()],
    )
    .unwrap();
    assert_eq!(m.superseded.len(), 0);
    assert_eq!(m.warnings.len(), 3);
    assert_eq!(m.missing.len(), 3);
}

#[test]
fn required_statements_carry_source_arn_and_prefix() {
    let mut t = tref();
    t.prefix = Some("logs".into());
    let r = required_statements(&t);
    assert_eq!(r.len(), 3);
    for s in &r {
        assert_eq!(
            s.statement["Condition"]["StringEquals"]["aws:SourceArn"],
            json!(ARN)
        );
    }
    assert_eq!(
        r[1].statement["Resource"],
        json!("arn:aws:s3:::my-bucket/logs/AWSLogs/111111111111/*")
    );
    assert_eq!(
        r[2].statement["Resource"],
        json!("arn:aws:s3:::my-bucket/logs/AWSLogs/o-exampleorgid/*")
    );
}

#[test]
fn public_allow_is_refused() {
    let public = json!({"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/*"});
    let err = merge("my-bucket", Some(&doc(vec![public])), &[tref()], &[]).unwrap_err();
    assert!(matches!(err, PolicyError::PublicAllow { .. }));
    assert!(err.to_string().contains("`Public`"));
}

#[test]
fn malformed_policies_are_errors_not_panics() {
    for text in [
        "{",
        "[]",
        "{\"Statement\": 3}",
        "{\"Statement\": [{\"Effect\": \"Maybe\"}]}",
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": 3}]}",
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Condition\": []}]}",
    ] {
        assert!(merge("b", Some(text), &[tref()], &[]).is_err(), "{text}");
    }
}

#[test]
fn shared_bucket_carries_each_trails_statements() {
    let mut other = tref();
    other.trail_name = "second".into();
    other.home_region = "eu-west-1".into();
    let m = merge("my-bucket", None, &[tref(), other], &[]).unwrap();
    let stmts = m.new_policy.unwrap()["Statement"].as_array().unwrap().len();
    assert_eq!(stmts, 6);
}

fn sids(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str().map(String::from))
        .collect()
}

/// Situation 1 of the safety issue: two trails on one bucket (one with a prefix) used to get
/// the same three Sids twice; S3 answers MalformedPolicy to that.
#[test]
fn shared_bucket_policy_has_unique_alphanumeric_sids_and_is_stable() {
    let mut other = tref();
    other.trail_name = "second-trail".into();
    other.prefix = Some("data".into());
    let trails = [tref(), other];
    let m = merge("my-bucket", None, &trails, &[]).unwrap();
    let policy = m.new_policy.unwrap();
    let ids = sids(&policy);
    assert_eq!(ids.len(), 6);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 6, "{ids:?}");
    assert!(
        ids.iter()
            .all(|s| s.chars().all(|c| c.is_ascii_alphanumeric())),
        "{ids:?}"
    );
    // Deterministic, and a second merge changes nothing.
    let again = merge("my-bucket", None, &trails, &[])
        .unwrap()
        .new_policy
        .unwrap();
    assert_eq!(sids(&again), ids);
    assert_eq!(
        merge("my-bucket", Some(&policy.to_string()), &trails, &[])
            .unwrap()
            .new_policy,
        None
    );
}

/// How AWS's multi-account example grants CloudTrail access for a member account's own trail.
fn member_grants() -> Vec<Value> {
    vec![
        json!({"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"}),
        json!({"Sid": "AWSCloudTrailWriteMember", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/222222222222/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}),
    ]
}

/// Situation 2: the member account's grants are broader than the scoped statements, so they
/// are kept (in place), with a warning naming the account; nothing is lost.
#[test]
fn another_accounts_grants_survive_the_merge_in_place() {
    let live = member_grants();
    let m = merge("my-bucket", Some(&doc(live.clone())), &[tref()], &[]).unwrap();
    assert!(m.superseded.is_empty());
    assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);
    let stmts = m.new_policy.unwrap()["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(&stmts[..2], &live[..]);
    assert_eq!(stmts.len(), 5);
    assert!(
        m.warnings.iter().any(|w| w.contains("222222222222")),
        "{:?}",
        m.warnings
    );
}

/// A live statement scoped to our trail but written differently is replaced where it stood,
/// so the reviewer's diff shows one changed statement, not a move.
#[test]
fn superseded_statement_is_replaced_in_place() {
    let scoped_no_acl = json!({"Sid": "Old", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*", "Condition": {"StringEquals": {"aws:SourceArn": ARN}}});
    let live = vec![config_stmt(), scoped_no_acl, deny_insecure()];
    let m = merge("my-bucket", Some(&doc(live)), &[tref()], &[]).unwrap();
    assert_eq!(m.superseded.len(), 1);
    let stmts = m.new_policy.unwrap()["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(stmts[0], config_stmt());
    assert_eq!(stmts[1]["Action"], "s3:PutObject");
    assert_eq!(
        stmts[1]["Resource"],
        "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*"
    );
    assert_eq!(stmts[2], deny_insecure());
    assert_eq!(stmts.len(), 5);
}

#[test]
fn repeated_live_sids_are_made_unique_when_the_policy_is_written() {
    let m = merge("my-bucket", Some(&doc(seed_policy())), &[tref()], &[]).unwrap();
    let ids = sids(&m.new_policy.unwrap());
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[test]
fn a_policy_over_s3s_size_limit_is_an_error_before_any_write() {
    let big: Vec<Value> = (0..200)
        .map(|i| json!({"Sid": format!("Foreign{i}"), "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{:012}:root", i)}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/reports/*"}))
        .collect();
    let err = merge("my-bucket", Some(&doc(big)), &[tref()], &[]).unwrap_err();
    assert!(matches!(err, PolicyError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("20480"), "{err}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn foreign_statement() -> impl Strategy<Value = Value> {
        let principal = prop_oneof![
            Just(json!({"Service": "config.amazonaws.com"})),
            Just(json!({"AWS": "arn:aws:iam::222222222222:root"})),
            Just(json!({"Service": "logging.s3.amazonaws.com"})),
        ];
        let action = prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "s3:GetBucketAcl",
        ]);
        let resource = prop::sample::select(vec![
            "arn:aws:s3:::my-bucket",
            "arn:aws:s3:::my-bucket/*",
            "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*",
            "arn:aws:s3:::elsewhere/*",
        ]);
        let effect = prop::sample::select(vec!["Allow", "Deny"]);
        (
            principal,
            action,
            resource,
            effect,
            any::<bool>(),
            "[A-Za-z0-9]{0,8}",
        )
            .prop_map(|(p, a, r, e, cond, sid)| {
                let mut s = json!({"Effect": e, "Principal": p, "Action": a, "Resource": r});
                if cond {
                    s["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
                }
                if !sid.is_empty() {
                    s["Sid"] = json!(sid);
                }
                s
            })
    }

    /// CloudTrail grants a real bucket may carry: other accounts' paths, broader `AWSLogs/*`,
    /// unscoped, scoped to other trails or accounts, and ours written differently.
    fn cloudtrail_statement() -> impl Strategy<Value = Value> {
        let resource = prop::sample::select(vec![
            "arn:aws:s3:::my-bucket",
            "arn:aws:s3:::my-bucket/*",
            "arn:aws:s3:::my-bucket/AWSLogs/*",
            "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*",
            "arn:aws:s3:::my-bucket/AWSLogs/222222222222/*",
            "arn:aws:s3:::my-bucket/AWSLogs/o-exampleorgid/*",
            "arn:aws:s3:::my-bucket/AWSLogs/o-exampleorgid/333333333333/*",
            "arn:aws:s3:::my-bucket/data/AWSLogs/111111111111/*",
        ]);
        let action = prop::sample::select(vec!["s3:GetBucketAcl", "s3:PutObject", "s3:Put*"]);
        let scope = prop::sample::select(vec![
            json!(null),
            json!({"StringEquals": {"aws:SourceArn": ARN}}),
            json!({"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:222222222222:trail/member"}}),
            json!({"StringEquals": {"aws:SourceAccount": "222222222222"}}),
            json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}),
            json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": ARN}}),
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111111111111:trail/*"}}),
        ]);
        (resource, action, scope).prop_map(|(r, a, c)| {
            let mut s = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": a, "Resource": r});
            if !c.is_null() {
                s["Condition"] = c;
            }
            s
        })
    }

    /// Deliveries checked independently of the merge's own universe: our trail, a member
    /// account's trail, another trail of the management account, and the org paths.
    fn deliveries() -> Vec<crate::coverage::delivery::Delivery> {
        use crate::coverage::delivery::Delivery;
        let sources = [
            (ARN, "111111111111"),
            (
                "arn:aws:cloudtrail:us-east-1:222222222222:trail/member",
                "222222222222",
            ),
            (
                "arn:aws:cloudtrail:us-east-1:111111111111:trail/other",
                "111111111111",
            ),
        ];
        let keys = [
            "AWSLogs/111111111111/CloudTrail/x.gz",
            "AWSLogs/222222222222/CloudTrail/x.gz",
            "AWSLogs/o-exampleorgid/333333333333/CloudTrail/x.gz",
            "AWSLogs/o-exampleorgid/111111111111/CloudTrail/x.gz",
            "data/AWSLogs/111111111111/CloudTrail/x.gz",
        ];
        let mut out = Vec::new();
        for (arn, account) in sources {
            out.push(Delivery {
                source_arn: arn.into(),
                source_account: account.into(),
                action: "s3:getbucketacl",
                resource: "arn:aws:s3:::my-bucket".into(),
                key: String::new(),
                label: None,
            });
            // CloudTrail writes under the trail's own account id, or (an organization trail of
            // the management account) under the organization id; our trail only at its own
            // prefix (none), other trails at any prefix.
            let plausible = |k: &str| {
                let (prefix, rest) = k.split_once("AWSLogs/").unwrap();
                let own = rest.starts_with(&format!("{account}/"))
                    || (account == "111111111111" && rest.starts_with("o-exampleorgid/"));
                own && (arn != ARN || prefix.is_empty())
            };
            for k in keys.into_iter().filter(|k| plausible(k)) {
                out.push(Delivery {
                    source_arn: arn.into(),
                    source_account: account.into(),
                    action: "s3:putobject",
                    resource: format!("arn:aws:s3:::my-bucket/{k}"),
                    key: k.into(),
                    label: None,
                });
            }
        }
        out
    }

    fn norms(policy: &str) -> Vec<NormStatement> {
        parse_policy("b", policy)
            .unwrap()
            .statements
            .iter()
            .map(|s| normalise_statement(s).unwrap())
            .collect()
    }

    proptest! {
        /// No delivery a live policy allows is denied after the merge unless the merge reports
        /// it as coverage lost (the plan then marks the step reducing); and the merge itself
        /// never drops a grant something relies on.
        #[test]
        fn merge_never_silently_denies_a_delivery_the_live_policy_allowed(
            stmts in prop::collection::vec(prop_oneof![cloudtrail_statement(), foreign_statement()], 0..6)
        ) {
            let text = doc(stmts);
            let m = merge("my-bucket", Some(&text), &[tref()], &[]).unwrap();
            let Some(new) = m.new_policy else { return Ok(()) };
            let (before, after) = (norms(&text), norms(&new.to_string()));
            // A trail's ACL check is coverage only for a trail the live policy lets write: it
            // delivers nothing without a PutObject grant, whatever the check answers.
            let writes: std::collections::BTreeSet<String> = deliveries()
                .into_iter()
                .filter(|d| d.action == "s3:putobject" && crate::coverage::delivery::allows(&before, d))
                .map(|d| d.source_arn)
                .collect();
            let denied: Vec<_> = deliveries()
                .into_iter()
                .filter(|d| d.action != "s3:getbucketacl" || writes.contains(&d.source_arn))
                .filter(|d| crate::coverage::delivery::allows(&before, d) && !crate::coverage::delivery::allows(&after, d))
                .collect();
            prop_assert!(denied.is_empty() || !m.coverage_lost.is_empty(), "silently denied: {:?}", denied);
            prop_assert!(denied.is_empty(), "the merge denied: {:?}", denied);
            // And our trail can deliver everything it needs.
            for d in deliveries().iter().filter(|d| d.source_arn == ARN && !d.key.starts_with("data/") && !d.key.contains("222222222222")) {
                if d.key.contains("o-exampleorgid") && !d.key.contains("111111111111") && !d.key.contains("333333333333") { continue; }
                prop_assert!(crate::coverage::delivery::allows(&after, d), "our trail cannot deliver {:?}", d);
            }
        }

        #[test]
        fn merge_keeps_every_foreign_statement_and_adds_only_ours(stmts in prop::collection::vec(foreign_statement(), 0..8)) {
            let text = doc(stmts.clone());
            let m = merge("my-bucket", Some(&text), &[tref()], &[]).unwrap();
            prop_assert!(m.superseded.is_empty());
            let new = m.new_policy.expect("ours are missing, so the policy changes");
            let new_stmts = new["Statement"].as_array().unwrap();
            // Foreign statements survive in order, ours follow; only a repeated Sid is renamed
            // (S3 rejects repeats).
            let no_sid = |v: &[Value]| -> Vec<Value> {
                v.iter().map(|s| { let mut s = s.clone(); s.as_object_mut().unwrap().remove("Sid"); s }).collect()
            };
            prop_assert_eq!(no_sid(&new_stmts[..stmts.len()]), no_sid(&stmts));
            let sids: Vec<&str> = new_stmts.iter().filter_map(|s| s["Sid"].as_str()).collect();
            let unique: std::collections::BTreeSet<&str> = sids.iter().copied().collect();
            prop_assert_eq!(sids.len(), unique.len(), "Sids repeat: {:?}", sids);
            let added = &new_stmts[stmts.len()..];
            prop_assert_eq!(added.len(), 3);
            for a in added {
                prop_assert_eq!(&a["Principal"], &json!({"Service": "cloudtrail.amazonaws.com"}));
                prop_assert_eq!(&a["Condition"]["StringEquals"]["aws:SourceArn"], &json!(ARN));
                let r = a["Resource"].as_str().unwrap();
                prop_assert!(r == "arn:aws:s3:::my-bucket" || r == "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*" || r == "arn:aws:s3:::my-bucket/AWSLogs/o-exampleorgid/*");
            }
        }
    }
}

/// Every trail of the management account writing to `my-bucket`: `(name, region, organization)`.
fn known(trails: &[(&str, &str, bool)]) -> crate::coverage::sample::Known {
    crate::coverage::sample::Known {
        account: "111111111111".into(),
        trails: trails
            .iter()
            .map(|(n, r, o)| (format!("arn:aws:cloudtrail:{r}:111111111111:trail/{n}"), *o))
            .collect(),
    }
}

fn merge_knowing(live: Vec<Value>, k: &crate::coverage::sample::Known) -> Merge {
    let others = Others {
        trails: &[],
        known: Some(k),
    };
    merge_beside("my-bucket", Some(&doc(live)), &[tref()], others, &[]).unwrap()
}

/// The guide's unscoped statements, once every trail of the management account is known and
/// none but ours delivers to the bucket: replaced in place by the scoped ones, nothing lost, no
/// warning.
#[test]
fn guide_grants_are_replaced_once_every_trail_of_the_management_account_is_known() {
    for k in [known(&[]), known(&[("my-trail", "us-east-2", true)])] {
        let m = merge_knowing(seed_policy(), &k);
        assert_eq!(m.superseded.len(), 3, "{:?}", m.warnings);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);
        let stmts = m.new_policy.unwrap()["Statement"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(stmts, required_json());
    }
    // Without knowing them, a trail of the account might rely on them: kept (as before).
    let m = merge("my-bucket", Some(&doc(seed_policy())), &[tref()], &[]).unwrap();
    assert_eq!((m.superseded.len(), m.warnings.len()), (0, 3));
}

/// A second trail of the management account (another region) delivering to the bucket relies on
/// the ACL check and on `AWSLogs/<account>/`: those are kept and the warning names it; the
/// organization path, which a single-account trail never writes, is replaced.
#[test]
fn a_known_trail_relying_on_the_guide_grants_keeps_them_and_is_named() {
    let k = known(&[("legacy", "eu-west-1", false)]);
    let m = merge_knowing(seed_policy(), &k);
    assert_eq!(m.superseded.len(), 1, "{:?}", m.warnings);
    assert_eq!(
        m.superseded[0]["Resource"],
        json!("arn:aws:s3:::my-bucket/AWSLogs/o-exampleorgid/*")
    );
    assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
    for w in &m.warnings {
        assert!(
            w.contains("trail arn:aws:cloudtrail:eu-west-1:111111111111:trail/legacy"),
            "{w}"
        );
        assert!(!w.contains("trails of account 111111111111"), "{w}");
    }
    assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);
    // Another organization trail writes the organization path too: all three kept.
    let m = merge_knowing(seed_policy(), &known(&[("other-org", "us-east-1", true)]));
    assert_eq!(
        (m.superseded.len(), m.warnings.len()),
        (0, 3),
        "{:?}",
        m.warnings
    );
}

/// A second known trail that already has its own statements scoped to it (kept as another
/// trail's): the guide's grants are covered by them and orgtrail's, so they are replaced with no
/// warning.
#[test]
fn guide_grants_covered_by_another_trails_own_scoped_statements_are_replaced() {
    let legacy = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/legacy";
    let scoped = |sid: &str, action: &str, resource: &str| {
        json!({"Sid": sid, "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": action, "Resource": resource,
            "Condition": {"StringEquals": {"aws:SourceArn": legacy}}})
    };
    let mut live = seed_policy();
    live.push(scoped(
        "LegacyAcl",
        "s3:GetBucketAcl",
        "arn:aws:s3:::my-bucket",
    ));
    live.push(scoped(
        "LegacyWrite",
        "s3:PutObject",
        "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*",
    ));
    let m = merge_knowing(live, &known(&[("legacy", "eu-west-1", false)]));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert_eq!(m.superseded.len(), 3, "{:?}", m.superseded);
    assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);
}

/// Member accounts' trails cannot be listed: a grant on a member's path, or on every account's,
/// stays with the warning naming the accounts, and so does the ACL check they need.
#[test]
fn grants_member_trails_may_rely_on_stay_when_the_management_account_is_known() {
    let mut live = seed_policy();
    live.extend(member_grants().into_iter().skip(1));
    let m = merge_knowing(live, &known(&[]));
    assert_eq!(m.superseded.len(), 2, "{:?}", m.warnings);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("AWSCloudTrailWriteMember")
                && w.contains("trails of account 222222222222")),
        "{:?}",
        m.warnings
    );
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("AWSCloudTrailAclCheck20150319")),
        "{:?}",
        m.warnings
    );
    assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);

    let every = json!({"Sid": "AllAccounts", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/*", "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}});
    let mut live = seed_policy();
    live.push(every);
    let m = merge_knowing(live, &known(&[]));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("`AllAccounts`") && w.contains("trails of <every member account>")),
        "{:?}",
        m.warnings
    );
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("AWSCloudTrailAclCheck20150319")
                && w.contains("the ACL check of `my-bucket` by trails of <every member account>")),
        "{:?}",
        m.warnings
    );
    assert!(m.coverage_lost.is_empty(), "{:?}", m.coverage_lost);
}

/// The extra read is asked for only by an unscoped CloudTrail grant on the bucket, the
/// management account's path or the organization's.
#[test]
fn known_trails_are_needed_only_for_unscoped_grants_on_their_paths() {
    let ids = ["111111111111", "o-exampleorgid"];
    let needs = |stmts: Vec<Value>| needs_known_trails("my-bucket", "aws", &doc(stmts), &ids);
    assert!(needs(seed_policy()));
    assert!(needs(vec![seed_policy()[0].clone()]));
    assert!(needs(vec![seed_policy()[2].clone()]));
    assert!(!needs(required_json()));
    assert!(!needs(member_grants().into_iter().skip(1).collect()));
    assert!(!needs(vec![config_stmt(), deny_insecure()]));
    let mut every = seed_policy()[1].clone();
    every["Resource"] = json!("arn:aws:s3:::my-bucket/*");
    assert!(needs(vec![every]));
    assert!(!needs_known_trails("my-bucket", "aws", "not json", &ids));
}
