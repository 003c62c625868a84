use orgtrail_testsupport::Moto;

use crate::{BIN, Specs};

#[test]
fn harness_runs_validate_and_sees_a_seeded_organization() {
    let moto = Moto::start();
    let org = moto.create_org(true);
    let out = moto
        .block_on(moto.organizations().describe_organization().send())
        .unwrap();
    assert_eq!(out.organization().and_then(|o| o.id()), Some(org.as_str()));
    moto.reset_requests();
    moto.orgtrail(
        BIN,
        &[
            "validate",
            "specs/org-trail.yaml",
            "specs/single-region-org-trail.yaml",
        ],
    )
    .expect_code(0)
    .expect_contains("ok: specs/org-trail.yaml (trail my-trail in us-east-2)");
    assert!(
        moto.requests().is_empty(),
        "validate must not call AWS: {:?}",
        moto.requests()
    );
}

#[test]
fn validate_reports_every_error_with_location() {
    let specs = Specs::new();
    let bad = specs.write(
        "bad.yaml",
        "version: 1\nbucket:\n  name: My_Bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  multiregion: true\n",
    );
    let out = std::process::Command::new(BIN)
        .args(["validate", &bad])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&bad, "bad.yaml");
    insta::assert_snapshot!("validate_bad_spec", stderr);
}

#[test]
fn schema_file_is_up_to_date() {
    let out = std::process::Command::new(BIN)
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = orgtrail_testsupport::repo_root().join("docs/orgtrail.schema.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "docs/orgtrail.schema.json is out of date: run `cargo run -p orgtrail -- schema > docs/orgtrail.schema.json`"
    );
}

#[test]
fn version_and_validate_need_no_aws_configuration() {
    // No credentials, no region, an unreachable endpoint: still fine.
    let out = std::process::Command::new(BIN)
        .args(["validate", "specs/org-trail.yaml"])
        .current_dir(orgtrail_testsupport::repo_root())
        .env_clear()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = std::process::Command::new(BIN)
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("orgtrail "));
}

/// The IAM actions named in a source file: every AWS call goes through `call_error("svc:Action", ..)`.
fn actions_in(file: &str) -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(orgtrail_testsupport::repo_root().join(file)).unwrap();
    let mut out = std::collections::BTreeSet::new();
    for part in text.split('"').skip(1).step_by(2) {
        if let Some((svc, action)) = part.split_once(':')
            && ["sts", "organizations", "s3", "cloudtrail", "kms"].contains(&svc)
            && !action.is_empty()
            && action.chars().all(|c| c.is_ascii_alphanumeric())
            && action.starts_with(|c: char| c.is_ascii_uppercase())
        {
            out.insert(part.to_string());
        }
    }
    out
}

fn policy_actions(file: &str, skip_sid: &str) -> std::collections::BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(orgtrail_testsupport::repo_root().join(file)).unwrap(),
    )
    .unwrap();
    v["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Sid"] != skip_sid)
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect()
}

/// The IAM actions the code calls: reads in `read*.rs` and `assume.rs`, writes in `exec.rs`.
fn code_actions() -> (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
) {
    let dir = orgtrail_testsupport::repo_root().join("crates/orgtrail-aws/src");
    let mut reads = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("read") || name == "assume.rs" {
            reads.extend(actions_in(&format!("crates/orgtrail-aws/src/{name}")));
        }
    }
    (reads, actions_in("crates/orgtrail-aws/src/exec.rs"))
}

#[test]
fn iam_policies_list_exactly_the_calls_the_code_makes() {
    let (reads, writes) = code_actions();
    assert!(
        reads.len() >= 15 && writes.len() >= 16,
        "{reads:?} {writes:?}"
    );
    assert_eq!(
        policy_actions("docs/iam/read-only.json", ""),
        reads,
        "docs/iam/read-only.json"
    );
    let all: std::collections::BTreeSet<String> = reads.union(&writes).cloned().collect();
    // CloudTrail itself calls these with the caller's credentials when it creates an
    // organization trail or registers a delegated administrator (service-linked role, member
    // accounts); orgtrail does not call them.
    assert_eq!(
        policy_actions("docs/iam/apply.json", "ImpliedByOrganizationTrail"),
        all,
        "docs/iam/apply.json"
    );
    assert!(
        reads
            .iter()
            .all(|a| !a.contains(":Put") && !a.contains(":Create") && !a.contains(":Register"))
    );
    // The roles in other accounts grant exactly the calls orgtrail makes as them: every S3 call
    // as the log-archive account's bucket role, the KMS reads as the security account's key role.
    let s3: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|a| a.starts_with("s3:"))
        .cloned()
        .collect();
    assert_eq!(
        policy_actions("docs/iam/log-archive-bucket-role.json", ""),
        s3,
        "docs/iam/log-archive-bucket-role.json"
    );
    let kms: std::collections::BTreeSet<String> = reads
        .iter()
        .filter(|a| a.starts_with("kms:"))
        .cloned()
        .collect();
    assert_eq!(
        policy_actions("docs/iam/security-key-reader-role.json", ""),
        kms,
        "docs/iam/security-key-reader-role.json"
    );
}
