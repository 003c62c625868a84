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
        // Unwrapped: the temporary path's length would move the line breaks (wrapping has its
        // own tests in orgtrail-render).
        .env("COLUMNS", "1000")
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
