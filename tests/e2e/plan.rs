use orgtrail_testsupport::Moto;

use crate::{ARN, BIN, Specs, greenfield, spec_yaml};

fn kinds(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("plan json");
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_string())
        .collect()
}

/// A trail created the way the seed's CLI procedure does it, before orgtrail.
pub fn seed_trail(moto: &Moto, org: bool, multi: bool) {
    let ct = moto.cloudtrail("us-east-2");
    moto.block_on(
        ct.create_trail()
            .name("my-trail")
            .s3_bucket_name("my-bucket")
            .is_organization_trail(org)
            .is_multi_region_trail(multi)
            .enable_log_file_validation(true)
            .tags_list(
                orgtrail_testsupport::cloudtrail::types::Tag::builder()
                    .key("team")
                    .value("security")
                    .build()
                    .unwrap(),
            )
            .send(),
    )
    .expect("create trail");
    moto.block_on(ct.start_logging().name("my-trail").send())
        .expect("start logging");
}

#[test]
fn plans_greenfield_in_dependency_order() {
    let (moto, _org) = greenfield();
    moto.reset_requests();
    let out = moto.orgtrail(
        BIN,
        &[
            "plan",
            "specs/org-trail.yaml",
            "--format",
            "json",
            "--detailed-exitcode",
        ],
    );
    out.expect_code(2);
    assert_eq!(
        kinds(&out.stdout),
        [
            "enable-trusted-access",
            "put-bucket-ownership-controls",
            "put-public-access-block",
            "put-bucket-versioning",
            "put-bucket-policy",
            "create-trail",
            "start-logging"
        ]
    );
    assert!(moto.writes().is_empty(), "plan wrote: {:?}", moto.writes());
}

#[test]
fn plan_renders_text_markdown_and_json() {
    let (moto, org) = greenfield();
    let redact = |s: &str| s.replace(&org, "o-REDACTED");
    let text = moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml"]);
    text.expect_code(0);
    insta::assert_snapshot!("plan_greenfield_text", redact(&text.stdout));
    let md = moto.orgtrail(
        BIN,
        &["plan", "specs/org-trail.yaml", "--format", "markdown"],
    );
    insta::assert_snapshot!("plan_greenfield_markdown", redact(&md.stdout));
    let json = moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml", "--format", "json"]);
    let mut v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["format_version"], 2);
    assert_eq!(v["live_fingerprint"].as_str().unwrap().len(), 64);
    v["live_fingerprint"] = "<hash>".into();
    v["spec_hash"] = "<hash>".into();
    for (_, h) in v["live_components"].as_object_mut().unwrap().iter_mut() {
        *h = "<hash>".into();
    }
    insta::assert_snapshot!(
        "plan_greenfield_json",
        redact(&serde_json::to_string_pretty(&v).unwrap())
    );
}

#[test]
fn plans_existing_single_account_trail_as_update_not_recreate() {
    let (moto, _org) = greenfield();
    seed_trail(&moto, false, true);
    let out = moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml", "--format", "json"]);
    out.expect_code(0);
    let k = kinds(&out.stdout);
    assert!(
        k.contains(&"convert-to-organization-trail".to_string()),
        "{k:?}"
    );
    assert!(!k.contains(&"create-trail".to_string()), "{k:?}");
    // Tags are authoritative: the seeded `team` tag is not in the spec, so it would be removed.
    assert!(k.contains(&"untag-trail".to_string()), "{k:?}");
}

#[test]
fn plans_single_region_org_trail_conversion_to_multi_region() {
    let (moto, _org) = greenfield();
    moto.enable_trusted_access();
    seed_trail(&moto, true, false);
    let out = moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml"]);
    out.expect_code(0)
        .expect_contains("~ convert-to-multi-region")
        .expect_contains("multi_region: false → true")
        .expect_contains(ARN);
}

#[test]
fn everything_in_place_is_no_changes_with_sixteen_calls_and_no_writes() {
    let (moto, _org) = greenfield();
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0);
    moto.reset_requests();
    let out = moto.orgtrail(
        BIN,
        &["plan", "specs/org-trail.yaml", "--detailed-exitcode"],
    );
    out.expect_code(0)
        .expect_contains("No changes. Live state matches specs/org-trail.yaml.");
    let reqs = moto.requests();
    // Regression guard (performance issue): the minimum set of reads, each once: the nine of
    // the trail and its organization, and the bucket's protection (public access block,
    // ownership, encryption, versioning, and every lifecycle rule: anyone's rule can delete the
    // logs), read in the same round as its policy; and ListPolicies of both guardrail policy
    // types (a spec that dropped `guardrails:` must have them removed, docs/guardrails.md).
    let mut ops: Vec<String> = reqs.iter().map(|r| r.operation.clone()).collect();
    ops.sort();
    assert_eq!(reqs.len(), 16, "{ops:#?}");
    // ListPolicies is one operation read once per policy type (SCPs, RCPs); every other read
    // once.
    let lists = ops.iter().filter(|o| o.ends_with(".ListPolicies")).count();
    assert_eq!(lists, 2, "{ops:#?}");
    let mut dedup = ops.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), ops.len() - 1, "a read was repeated: {ops:#?}");
    assert!(moto.writes().is_empty());
}

#[test]
fn caller_in_member_account_gets_a_clear_preflight_error() {
    let (moto, _org) = greenfield();
    let acct = moto
        .block_on(
            moto.organizations()
                .create_account()
                .email("member@example.com")
                .account_name("member")
                .send(),
        )
        .unwrap();
    let status = acct.create_account_status().unwrap();
    let member = status.account_id().unwrap().to_string();
    let creds = moto
        .block_on(
            moto.sts()
                .assume_role()
                .role_arn(format!(
                    "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
                ))
                .role_session_name("t")
                .send(),
        )
        .unwrap();
    let c = creds.credentials().unwrap();
    moto.reset_requests();
    let out = moto.orgtrail_with(
        BIN,
        &["plan", "specs/org-trail.yaml"],
        &[
            ("AWS_ACCESS_KEY_ID", c.access_key_id()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key()),
            ("AWS_SESSION_TOKEN", c.session_token()),
        ],
    );
    out.expect_code(1)
        .expect_contains("not-management-account")
        .expect_contains(&format!(
            "(account {member}) is neither the management account"
        ));
    assert!(!out.all().contains(c.secret_access_key()) && !out.all().contains(c.session_token()));
    assert!(moto.writes().is_empty());
}

#[test]
fn consolidated_billing_plans_enable_all_features_with_warning() {
    let moto = Moto::start();
    moto.create_org(false);
    moto.create_bucket("my-bucket", "us-east-2");
    let out = moto.orgtrail(BIN, &["plan", "specs/org-trail.yaml"]);
    out.expect_code(0)
        .expect_contains("~ enable-all-features")
        .expect_contains("warning[enable-all-features]");
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(1)
        .expect_contains("--allow-enable-all-features")
        .expect_contains("cannot be undone");
    assert!(moto.writes().is_empty());
}

#[test]
fn plan_of_bad_spec_sends_nothing_to_aws() {
    let moto = Moto::start();
    let specs = Specs::new();
    let bad = specs.write("bad.yaml", &spec_yaml("  logging: maybe\n"));
    moto.orgtrail(BIN, &["plan", &bad])
        .expect_code(1)
        .expect_contains("bad.yaml:7:12: error: trail.logging");
    assert!(moto.requests().is_empty());
}

/// Regression guard for a directory of specs: the caller and organization reads are shared, each
/// bucket and each region's DescribeTrails/ListTags is read once, and each trail costs exactly its
/// three reads by ARN. Four trails over two home regions, one bucket per region.
#[test]
fn directory_of_specs_shares_caller_organization_bucket_and_region_reads() {
    let moto = Moto::start();
    moto.create_org(true);
    let specs = Specs::new();
    for (i, region) in ["us-east-2", "us-west-2", "us-east-2", "us-west-2"]
        .iter()
        .enumerate()
    {
        if i < 2 {
            moto.create_bucket(&format!("fleet-{region}"), region);
        }
        specs.write(
            &format!("t{i}.yaml"),
            &format!(
                "version: 1\nbucket:\n  name: fleet-{region}\ntrail:\n  name: fleet-{i}\n  home_region: {region}\n"
            ),
        );
    }
    let dir = specs.dir.path().to_str().expect("utf-8 path").to_string();
    moto.orgtrail(BIN, &["apply", &dir, "--auto-approve"])
        .expect_code(0);
    moto.reset_requests();
    moto.orgtrail(BIN, &["plan", &dir, "--detailed-exitcode"])
        .expect_code(0)
        .expect_contains("No changes");
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for r in moto.requests() {
        let op = r
            .operation
            .rsplit(['.', '='])
            .next()
            .unwrap_or("")
            .to_string();
        *counts.entry(op).or_default() += 1;
    }
    let want: std::collections::BTreeMap<String, usize> = [
        ("GetCallerIdentity", 1),
        ("DescribeOrganization", 1),
        ("ListAWSServiceAccessForOrganization", 1),
        ("ListPolicies", 2),
        ("S3 GET ?policy", 2),
        ("S3 GET ?publicAccessBlock", 2),
        ("S3 GET ?ownershipControls", 2),
        ("S3 GET ?encryption", 2),
        ("S3 GET ?versioning", 2),
        ("S3 GET ?lifecycle", 2),
        ("DescribeTrails", 2),
        ("ListTags", 2),
        ("GetTrailStatus", 4),
        ("GetEventSelectors", 4),
        ("GetInsightSelectors", 4),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counts, want);
    assert!(moto.writes().is_empty());
}
