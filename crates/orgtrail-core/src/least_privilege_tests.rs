//! What `orgtrail iam-policy` grants for a spec: writes scoped to the spec's trail, bucket and
//! key; `*` only for actions without resource-level permissions; calls only the spec can need.

use orgtrail_spec::parse_bytes;
use serde_json::Value;

use super::*;

fn spec(yaml: &str) -> Spec {
    parse_bytes("test.yaml", yaml.as_bytes()).expect("test spec is valid")
}

const PLAIN: &str =
    "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";

const LAYOUT: &str = "version: 1
organization:
  delegated_administrators: [\"444455556666\"]
bucket:
  name: org-logs
  create: true
  role_arn: arn:aws:iam::111122223333:role/orgtrail-bucket
trail:
  name: org-trail
  home_region: us-east-1
  kms_key_id: arn:aws:kms:us-east-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab
  kms_role_arn: arn:aws:iam::222233334444:role/orgtrail-key-reader
";

fn policy_of(yaml: &str, purpose: Purpose, who: &Principal) -> Value {
    let s = spec(yaml);
    policies(&[&s], purpose, &Options::default())
        .remove(who)
        .unwrap_or(Value::Null)
}

/// (action, resources, condition) of every statement.
fn grants(policy: &Value) -> Vec<(String, Vec<String>, Value)> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().unwrap() {
        let resources: Vec<String> = match &st["Resource"] {
            Value::String(s) => vec![s.clone()],
            v => v
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect(),
        };
        for a in st["Action"].as_array().unwrap() {
            out.push((
                a.as_str().unwrap().to_string(),
                resources.clone(),
                st["Condition"].clone(),
            ));
        }
    }
    out
}

fn resources_of(policy: &Value, action: &str) -> Vec<String> {
    grants(policy)
        .into_iter()
        .filter(|(a, _, _)| a == action)
        .flat_map(|(_, r, _)| r)
        .collect()
}

fn star_only(action: &str) -> bool {
    STAR_ONLY.iter().any(|(a, _)| {
        *a == action
            || (a.starts_with("cloudtrail:RegisterOrganizationDelegatedAdmin")
                && action.ends_with("OrganizationDelegatedAdmin"))
    })
}

#[test]
fn writes_are_scoped_to_the_specs_trail_and_bucket() {
    let p = policy_of(PLAIN, Purpose::Apply, &Principal::Management);
    let trail = "arn:aws:cloudtrail:us-east-2:*:trail/my-trail";
    for a in [
        "cloudtrail:CreateTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:StartLogging",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:AddTags",
    ] {
        assert_eq!(resources_of(&p, a), [trail], "{a}");
    }
    assert_eq!(
        resources_of(&p, "s3:PutBucketPolicy"),
        ["arn:aws:s3:::my-bucket"]
    );
    for (action, resources, _) in grants(&p) {
        if resources.contains(&"*".to_string()) {
            assert!(star_only(&action), "{action} on *");
        }
    }
}

#[test]
fn only_the_logging_call_the_spec_can_need_is_granted() {
    let logs = policy_of(PLAIN, Purpose::Apply, &Principal::Management);
    assert!(resources_of(&logs, "cloudtrail:StopLogging").is_empty());
    let stopped = policy_of(
        &format!("{PLAIN}  logging: false\n"),
        Purpose::Apply,
        &Principal::Management,
    );
    assert!(resources_of(&stopped, "cloudtrail:StartLogging").is_empty());
    assert!(!resources_of(&stopped, "cloudtrail:StopLogging").is_empty());
}

#[test]
fn plan_policies_read_only() {
    for yaml in [PLAIN, LAYOUT] {
        let s = spec(yaml);
        for (who, p) in policies(&[&s], Purpose::Plan, &Options::default()) {
            for (action, _, _) in grants(&p) {
                let name = action.split(':').nth(1).unwrap();
                assert!(
                    ["Get", "List", "Describe"]
                        .iter()
                        .any(|v| name.starts_with(v))
                        || action == "sts:AssumeRole",
                    "{who:?}: {action}"
                );
            }
        }
    }
}

#[test]
fn a_bucket_role_gets_the_s3_calls_and_the_management_account_may_assume_only_it() {
    let s = spec(LAYOUT);
    let all = policies(&[&s], Purpose::Apply, &Options::default());
    let mgmt = &all[&Principal::Management];
    assert!(
        grants(mgmt)
            .iter()
            .all(|(a, _, _)| !a.starts_with("s3:") && !a.starts_with("kms:")),
        "{mgmt:#}"
    );
    let mut assumed = resources_of(mgmt, "sts:AssumeRole");
    assumed.sort();
    assert_eq!(
        assumed,
        [
            "arn:aws:iam::111122223333:role/orgtrail-bucket",
            "arn:aws:iam::222233334444:role/orgtrail-key-reader"
        ]
    );
    let bucket = &all[&Principal::Role("arn:aws:iam::111122223333:role/orgtrail-bucket".into())];
    for (action, resources, _) in grants(bucket) {
        assert!(action.starts_with("s3:"), "{action}");
        assert_eq!(resources, ["arn:aws:s3:::org-logs"], "{action}");
    }
    assert!(!resources_of(bucket, "s3:CreateBucket").is_empty());
    let key = &all[&Principal::Role("arn:aws:iam::222233334444:role/orgtrail-key-reader".into())];
    assert_eq!(
        resources_of(key, "kms:GetKeyPolicy"),
        ["arn:aws:kms:us-east-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    );
}

#[test]
fn service_linked_role_and_delegated_admin_calls_are_conditioned_on_cloudtrail() {
    let s = spec(LAYOUT);
    let mgmt = &policies(&[&s], Purpose::Apply, &Options::default())[&Principal::Management];
    for (action, resources, cond) in grants(mgmt) {
        match action.as_str() {
            "iam:CreateServiceLinkedRole" => {
                assert_eq!(
                    cond["StringEquals"]["iam:AWSServiceName"],
                    "cloudtrail.amazonaws.com"
                );
                assert_eq!(
                    resources,
                    [
                        "arn:aws:iam::*:role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail"
                    ]
                );
            }
            "organizations:RegisterDelegatedAdministrator" => {
                assert_eq!(
                    resources,
                    ["arn:aws:organizations::*:account/o-*/444455556666"]
                );
                assert_eq!(
                    cond["StringEquals"]["organizations:ServicePrincipal"],
                    "cloudtrail.amazonaws.com"
                );
            }
            "organizations:EnableAWSServiceAccess"
            | "organizations:DeregisterDelegatedAdministrator" => {
                assert_eq!(
                    cond["StringEquals"]["organizations:ServicePrincipal"],
                    "cloudtrail.amazonaws.com",
                    "{action}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn verify_only_buckets_get_no_policy_write_and_an_account_pins_the_arns() {
    let verify = spec(&PLAIN.replace(
        "  name: my-bucket\n",
        "  name: my-bucket\n  policy: verify\n",
    ));
    let opts = Options {
        partition: "aws-us-gov".into(),
        account: Some("123456789012".into()),
        enable_all_features: false,
    };
    let p = &policies(&[&verify], Purpose::Apply, &opts)[&Principal::Management];
    assert!(resources_of(p, "s3:PutBucketPolicy").is_empty());
    assert_eq!(
        resources_of(p, "cloudtrail:UpdateTrail"),
        ["arn:aws-us-gov:cloudtrail:us-east-2:123456789012:trail/my-trail"]
    );
}

#[test]
fn a_key_named_by_alias_is_granted_through_its_alias() {
    let s = spec(&format!("{PLAIN}  kms_key_id: alias/trail-key\n"));
    let p = &policies(&[&s], Purpose::Plan, &Options::default())[&Principal::Management];
    let key: Vec<_> = grants(p)
        .into_iter()
        .filter(|(a, _, _)| a == "kms:DescribeKey")
        .collect();
    assert_eq!(key[0].1, ["arn:aws:kms:us-east-2:*:key/*"]);
    assert_eq!(
        key[0].2["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
        "alias/trail-key"
    );
}

#[test]
fn statements_have_unique_sids_and_one_statement_per_action_set() {
    let a = spec(PLAIN);
    let b = spec(&PLAIN.replace("my-trail", "other-trail").replace(
        "  home_region: us-east-2\n",
        "  home_region: us-east-2\n  logging: false\n",
    ));
    let p = &policies(&[&a, &b], Purpose::Apply, &Options::default())[&Principal::Management];
    let sids: Vec<&str> = p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = sids.iter().collect();
    assert_eq!(unique.len(), sids.len(), "{sids:?}");
    assert_eq!(
        resources_of(p, "cloudtrail:StopLogging"),
        ["arn:aws:cloudtrail:us-east-2:*:trail/other-trail"]
    );
    assert_eq!(
        resources_of(p, "cloudtrail:StartLogging"),
        ["arn:aws:cloudtrail:us-east-2:*:trail/my-trail"]
    );
}
