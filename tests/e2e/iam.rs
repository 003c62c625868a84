//! `orgtrail iam-policy`: the generated policies grant exactly the calls the code makes (one more
//! or one fewer fails), docs/iam/ is its output, and the IAM linter (parliament) finds no
//! `"Resource": "*"` on an action that has resource-level permissions.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use orgtrail_testsupport::repo_root;
use serde_json::Value;

use crate::{BIN, Specs};

type Actions = BTreeSet<String>;

/// The IAM actions named in a source file: every AWS call goes through `call_error("svc:Action", ..)`.
fn actions_in(path: &std::path::Path) -> Actions {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeSet::new();
    for part in text.split('"').skip(1).step_by(2) {
        if let Some((svc, action)) = part.split_once(':')
            && [
                "sts",
                "organizations",
                "s3",
                "cloudtrail",
                "kms",
                "account",
                "events",
                "sns",
            ]
            .contains(&svc)
            && !action.is_empty()
            && action.chars().all(|c| c.is_ascii_alphanumeric())
            && action.starts_with(|c: char| c.is_ascii_uppercase())
        {
            out.insert(part.to_string());
        }
    }
    out
}

/// The IAM actions the code calls: reads in `read*.rs` and `assume.rs`, writes in `exec*.rs`.
fn code_actions() -> (Actions, Actions) {
    let dir = repo_root().join("crates/orgtrail-aws/src");
    let (mut reads, mut writes) = (BTreeSet::new(), BTreeSet::new());
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("read") || name == "assume.rs" {
            reads.extend(actions_in(&dir.join(&name)));
        } else if name.starts_with("exec") {
            writes.extend(actions_in(&dir.join(&name)));
        }
    }
    (reads, writes)
}

fn iam_policy(args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("iam-policy")
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn policy_actions(doc: &Value) -> Actions {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Specs that between them take every branch: the recommended layout (bucket created through a
/// role, key read through a role, delegated administrators, CloudWatch Logs), a hardened log
/// archive (every bucket protection), and an account trail that is stopped, with trusted access
/// off and a verify-only bucket of another account (read, never changed).
fn every_branch() -> Specs {
    let specs = Specs::new();
    let layout =
        std::fs::read_to_string(repo_root().join("docs/examples/layout/org-trail.yaml")).unwrap();
    specs.write("layout.yaml", &layout);
    // Every protection of the log bucket, access logging included.
    let hardened =
        std::fs::read_to_string(repo_root().join("specs/hardened-log-archive.yaml")).unwrap();
    specs.write("hardened.yaml", &hardened);
    // Guardrails: the organization's policies read and written.
    specs.write(
        "guarded.yaml",
        "version: 1\nbucket:\n  name: guarded-logs\n  account: \"111122223333\"\n  role_arn: arn:aws:iam::111122223333:role/orgtrail-guarded-bucket\n  create: false\n  policy: verify\ntrail:\n  name: guarded-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::123456789012:role/ci\"]\n  alerts:\n    sns_topic: arn:aws:sns:us-east-2:123456789012:audit-alerts\n",
    );
    specs.write(
        "stopped.yaml",
        "version: 1\norganization:\n  all_features: false\n  trusted_access: false\nbucket:\n  name: own-logs\n  policy: verify\n  account: \"999999999999\"\ntrail:\n  name: own-trail\n  home_region: us-east-2\n  organization: false\n  logging: false\n",
    );
    specs
}

/// Calls CloudTrail makes with the caller's credentials (service-linked role, organization
/// accounts, delegated administrators, passing the CloudWatch Logs role): granted, never called
/// by orgtrail itself.
const IMPLIED: [&str; 6] = [
    "iam:CreateServiceLinkedRole",
    "iam:GetRole",
    "iam:PassRole",
    "organizations:DeregisterDelegatedAdministrator",
    "organizations:ListAccounts",
    "organizations:RegisterDelegatedAdministrator",
];

fn by_role(specs: &Specs, purpose: &str) -> BTreeMap<String, Actions> {
    let dir = specs.dir.path().to_string_lossy().to_string();
    let all = iam_policy(&[
        &dir,
        "--for",
        purpose,
        "--role",
        "all",
        "--allow-enable-all-features",
    ]);
    all.as_object()
        .unwrap()
        .iter()
        .map(|(who, doc)| (who.clone(), policy_actions(doc)))
        .collect()
}

#[test]
fn iam_policies_grant_exactly_the_calls_the_code_makes() {
    let (reads, writes) = code_actions();
    assert!(
        reads.len() >= 15 && writes.len() >= 16,
        "{reads:?} {writes:?}"
    );
    let specs = every_branch();
    let plan = by_role(&specs, "plan");
    let planned: Actions = plan.values().flatten().cloned().collect();
    assert_eq!(
        planned, reads,
        "iam-policy --for plan vs the reads in the code"
    );
    let apply = by_role(&specs, "apply");
    let applied: Actions = apply.values().flatten().cloned().collect();
    let mut expected: Actions = reads.union(&writes).cloned().collect();
    expected.extend(IMPLIED.iter().map(|a| a.to_string()));
    assert_eq!(
        applied, expected,
        "iam-policy --for apply vs the code's calls"
    );
    assert!(
        reads
            .iter()
            .all(|a| !a.contains(":Put") && !a.contains(":Create") && !a.contains(":Register"))
    );
    // The roles in other accounts get exactly the calls orgtrail makes as them: every S3 call as
    // the bucket's role, the KMS reads as the key's role.
    let s3: Actions = expected
        .iter()
        .filter(|a| a.starts_with("s3:"))
        .cloned()
        .collect();
    assert_eq!(apply["arn:aws:iam::111122223333:role/orgtrail-bucket"], s3);
    let kms: Actions = reads
        .iter()
        .filter(|a| a.starts_with("kms:"))
        .cloned()
        .collect();
    assert_eq!(
        apply["arn:aws:iam::222233334444:role/orgtrail-key-reader"],
        kms
    );
    // The guarded spec's alert rule in the bucket's account is written as the bucket's role.
    let guarded = &apply["arn:aws:iam::111122223333:role/orgtrail-guarded-bucket"];
    assert!(
        ["events:PutRule", "events:PutTargets", "events:DescribeRule"]
            .iter()
            .all(|a| guarded.contains(*a)),
        "{guarded:?}"
    );
    assert!(
        apply["management"]
            .iter()
            .all(|a| !a.starts_with("s3:") || a == "s3:GetBucketPolicy"),
        "the bucket of the layout is reached through its role: {:?}",
        apply["management"]
    );
}

/// `iam-policy --for verify` grants exactly the calls `orgtrail verify` makes (its own reads in
/// `verify*.rs`, and the caller, organization and trail reads it shares with plan), the bucket's
/// as the bucket's role, and no write at all.
#[test]
fn the_verify_policy_grants_exactly_the_calls_verify_makes_and_no_write() {
    let dir = repo_root().join("crates/orgtrail-aws/src");
    let mut expected: Actions = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("verify") {
            expected.extend(actions_in(&dir.join(&name)));
        }
    }
    assert!(
        expected.contains("cloudtrail:ListPublicKeys") && expected.contains("account:ListRegions"),
        "{expected:?}"
    );
    expected.extend(
        [
            "sts:GetCallerIdentity",
            "organizations:DescribeOrganization",
            "cloudtrail:DescribeTrails",
            "sts:AssumeRole",
            // S3 decrypts SSE-KMS log files with the reader's credentials.
            "kms:Decrypt",
        ]
        .map(String::from),
    );
    let specs = every_branch();
    let verify = by_role(&specs, "verify");
    let granted: Actions = verify.values().flatten().cloned().collect();
    assert_eq!(
        granted, expected,
        "iam-policy --for verify vs the calls verify makes"
    );
    assert_eq!(
        verify["arn:aws:iam::111122223333:role/orgtrail-bucket"],
        ["kms:Decrypt", "s3:GetObject", "s3:ListBucket"]
            .map(String::from)
            .into(),
        "the bucket role lists and reads (and decrypts the trail's key), nothing else"
    );
    let doc = iam_policy(&["specs/", "--for", "verify"]);
    let list = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"][0] == "s3:ListBucket")
        .unwrap();
    assert_eq!(
        list["Condition"]["StringLike"]["s3:prefix"], "AWSLogs/*",
        "{doc:#}"
    );
}

/// With `bucket.read_role_arn`, the read-only commands' bucket role can read the bucket and
/// nothing else: no write, whatever the spec manages; apply's role keeps the writes.
#[test]
fn the_read_role_of_the_bucket_may_not_write_it() {
    let layout = "docs/examples/layout/";
    let read = iam_policy(&[
        layout,
        "--for",
        "plan",
        "--role",
        "arn:aws:iam::111122223333:role/orgtrail-bucket-read",
    ]);
    let verify = iam_policy(&[
        layout,
        "--for",
        "verify",
        "--role",
        "arn:aws:iam::111122223333:role/orgtrail-bucket-read",
    ]);
    for doc in [&read, &verify] {
        let actions = policy_actions(doc);
        assert!(!actions.is_empty());
        assert!(
            actions
                .iter()
                .all(|a| a.starts_with("s3:Get") || a.starts_with("s3:List") || a == "kms:Decrypt"),
            "{actions:?}"
        );
    }
    let write = iam_policy(&[
        layout,
        "--for",
        "apply",
        "--role",
        "arn:aws:iam::111122223333:role/orgtrail-bucket",
    ]);
    assert!(policy_actions(&write).contains("s3:PutBucketPolicy"));
    // The management role of the read-only commands assumes the read role, never apply's.
    let plan = iam_policy(&[layout, "--for", "plan"]);
    let text = plan.to_string();
    assert!(
        text.contains("orgtrail-bucket-read") && !text.contains("role/orgtrail-bucket\""),
        "{plan:#}"
    );
}

/// docs/iam/ and the command that prints each file (scripts/iam-docs).
const DOCS: [(&str, &[&str]); 12] = [
    ("read-only.json", &["specs/", "--for", "plan"]),
    ("verify.json", &["specs/", "--for", "verify"]),
    ("apply.json", &["specs/", "--for", "apply"]),
    (
        "layout-management-apply.json",
        &["docs/examples/layout/", "--for", "apply"],
    ),
    (
        "log-archive-bucket-role.json",
        &[
            "docs/examples/layout/",
            "--for",
            "apply",
            "--role",
            "arn:aws:iam::111122223333:role/orgtrail-bucket",
        ],
    ),
    (
        "log-archive-bucket-read-role.json",
        &[
            "docs/examples/layout/",
            "--for",
            "plan",
            "--role",
            "arn:aws:iam::111122223333:role/orgtrail-bucket-read",
        ],
    ),
    (
        "trust-ci-plan.json",
        &[
            "docs/examples/layout/",
            "--for",
            "plan",
            "--trust",
            "--github-repo",
            "acme/trails",
            "--account",
            "123456789012",
        ],
    ),
    (
        "trust-ci-apply.json",
        &[
            "docs/examples/layout/",
            "--for",
            "apply",
            "--trust",
            "--github-repo",
            "acme/trails",
            "--account",
            "123456789012",
        ],
    ),
    (
        "trust-ci-verify.json",
        &[
            "docs/examples/layout/",
            "--for",
            "verify",
            "--trust",
            "--github-repo",
            "acme/trails",
            "--account",
            "123456789012",
        ],
    ),
    (
        "trust-log-archive-bucket-role.json",
        &[
            "docs/examples/layout/",
            "--for",
            "apply",
            "--trust",
            "--role",
            "arn:aws:iam::111122223333:role/orgtrail-bucket",
            "--ci-role",
            "arn:aws:iam::123456789012:role/orgtrail-apply",
        ],
    ),
    (
        "trust-log-archive-bucket-read-role.json",
        &[
            "docs/examples/layout/",
            "--for",
            "plan",
            "--trust",
            "--role",
            "arn:aws:iam::111122223333:role/orgtrail-bucket-read",
            "--ci-role",
            "arn:aws:iam::123456789012:role/orgtrail-plan",
            "--ci-role",
            "arn:aws:iam::123456789012:role/orgtrail-verify",
        ],
    ),
    (
        "security-key-reader-role.json",
        &[
            "docs/examples/layout/",
            "--for",
            "apply",
            "--role",
            "arn:aws:iam::222233334444:role/orgtrail-key-reader",
        ],
    ),
];

#[test]
fn docs_iam_is_the_output_of_iam_policy_for_the_documented_specs() {
    for (file, args) in DOCS {
        let text = std::fs::read_to_string(repo_root().join("docs/iam").join(file)).unwrap();
        let checked_in: Value = serde_json::from_str(&text).unwrap();
        assert!(
            checked_in == iam_policy(args),
            "docs/iam/{file} is out of date: run ./scripts/iam-docs"
        );
    }
}

/// parliament's findings for one policy document, as `ISSUE detail` lines.
fn parliament(doc: &Value) -> Vec<String> {
    let python = repo_root().join(".venv/bin/python");
    // A trust policy is the role's resource policy: its statements have a Principal and no
    // Resource, which this parliament requires; it is linted with the role as the resource (so
    // its actions and condition keys are checked against the role's resource type).
    let mut doc = doc.clone();
    if let Some(statements) = doc["Statement"].as_array_mut() {
        for st in statements
            .iter_mut()
            .filter(|st| st.get("Principal").is_some())
        {
            st["Resource"] = Value::from("arn:aws:iam::123456789012:role/orgtrail-role");
        }
    }
    let doc = &doc;
    let script = "import sys\nfrom parliament import analyze_policy_string\np = analyze_policy_string(sys.stdin.read())\nfor f in p.findings:\n    print(f.issue, f.detail)\n".to_string();
    let mut child = Command::new(&python)
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (run ./scripts/setup-linters)", python.display()));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "parliament failed (run ./scripts/setup-linters): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whoever may write a bucket policy can grant itself the bucket's objects, and whoever may
/// write its lifecycle can expire them: parliament says so for `s3:PutBucketPolicy` (which
/// `policy: merge` needs) and `s3:PutLifecycleConfiguration` (which apply needs to remove other
/// rules that delete log files, and to set the spec's retention) on the log bucket. Accepted (see
/// docs/iam/README.md); nothing else is.
/// Parliament knows the condition keys of web-identity federation only for the providers it
/// lists (Cognito, Google, Facebook, Amazon); an IAM OIDC provider's keys are `<provider>:aud`
/// and `<provider>:sub` ("Available keys for AWS web identity federation", IAM user guide), so
/// GitHub's two are accepted, and nothing else of that kind; it also knows federation sources
/// only by those providers' domains and reports an IAM OIDC provider's ARN, GitHub's, as
/// unknown.
fn accepted(finding: &str) -> bool {
    if finding.starts_with("UNKNOWN_FEDERATION_SOURCE ")
        && finding.ends_with(":oidc-provider/token.actions.githubusercontent.com")
    {
        return true;
    }
    if finding.starts_with(
        "UNKNOWN_CONDITION_FOR_ACTION Unknown condition token.actions.githubusercontent.com:",
    ) && (finding.contains(":aud for action sts:AssumeRoleWithWebIdentity")
        || finding.contains(":sub for action sts:AssumeRoleWithWebIdentity"))
    {
        return true;
    }
    finding.starts_with("RESOURCE_POLICY_PRIVILEGE_ESCALATION ")
        && finding.contains("on arn:aws:s3:::")
        && (finding.ends_with("but does allow s3:PutBucketPolicy")
            || finding.ends_with("but does allow s3:PutLifecycleConfiguration"))
}

#[test]
fn the_iam_linter_finds_no_resource_star_in_the_generated_policies() {
    for (file, args) in DOCS {
        let findings = parliament(&iam_policy(args));
        let unexpected: Vec<&String> = findings.iter().filter(|f| !accepted(f)).collect();
        assert!(unexpected.is_empty(), "docs/iam/{file}: {unexpected:#?}");
    }
    // The linter does see resource-star: the hand-written policy this replaced fails.
    let star = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["cloudtrail:StopLogging", "s3:PutBucketPolicy"], "Resource": "*"}]});
    let findings = parliament(&star);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("RESOURCE_STAR") && f.contains("cloudtrail:StopLogging")),
        "{findings:?}"
    );
}

#[test]
fn iam_policy_names_the_roles_it_can_print() {
    let out = Command::new(BIN)
        .args([
            "iam-policy",
            "docs/examples/layout/",
            "--for",
            "plan",
            "--role",
            "arn:aws:iam::999999999999:role/nope",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("arn:aws:iam::111122223333:role/orgtrail-bucket")
            && err.contains("arn:aws:iam::222233334444:role/orgtrail-key-reader"),
        "{err}"
    );
}
