//! Bad input campaign: hundreds of malformed or hostile specs. Every one must exit 1 with a
//! `file:line:col` message, never panic, finish fast, and send no request at all to AWS.

use std::time::{Duration, Instant};

use orgtrail_testsupport::Moto;

use crate::{BIN, Specs, spec_yaml};

/// Hand-written hostile inputs (name, bytes).
#[allow(
    clippy::too_many_lines,
    reason = "a table of hostile inputs, one per line"
)]
fn hand_written() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |n: &str, b: Vec<u8>| v.push((n.to_string(), b));
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    add("billion_laughs", laughs.into_bytes());
    add("deep_flow_nesting", "[".repeat(100_000).into_bytes());
    add(
        "deep_block_nesting",
        (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>()
            .into_bytes(),
    );
    add("huge_file", vec![b'#'; 2 * 1024 * 1024]);
    add(
        "huge_scalar",
        format!("version: 1\nbucket:\n  name: {}\n", "a".repeat(900_000)).into_bytes(),
    );
    add(
        "invalid_utf8",
        b"version: 1\nbucket:\n  name: \xc3\x28\n".to_vec(),
    );
    add("nul_bytes", b"version: 1\0\nbucket: {}\n".to_vec());
    add(
        "binary_garbage",
        (0..8192u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect(),
    );
    add("tabs", b"version: 1\nbucket:\n\tname: my-bucket\n".to_vec());
    add(
        "duplicate_keys",
        spec_yaml("  logging: true\n  logging: false\n").into_bytes(),
    );
    add(
        "duplicate_top_level",
        format!("{}version: 1\n", spec_yaml("")).into_bytes(),
    );
    add(
        "alias_abuse",
        b"version: 1\nbucket: &b\n  name: my-bucket\ntrail: *b\n".to_vec(),
    );
    add("merge_key_unknown", b"version: 1\nx: &x {name: my-trail}\nbucket:\n  name: my-bucket\ntrail:\n  <<: *x\n  home_region: us-east-2\n  colour: red\n".to_vec());
    add("empty", Vec::new());
    add("only_comments", b"# nothing\n".to_vec());
    add("scalar_document", b"hello\n".to_vec());
    add("list_document", b"- version: 1\n".to_vec());
    add(
        "multi_document",
        format!("{}---\n{}", spec_yaml(""), spec_yaml("")).into_bytes(),
    );
    add(
        "unclosed_quote",
        b"version: 1\nbucket:\n  name: \"my-bucket\n".to_vec(),
    );
    add(
        "bad_indent",
        b"version: 1\nbucket:\n  name: my-bucket\n    region: us-east-2\n".to_vec(),
    );
    add(
        "unknown_tag",
        spec_yaml("  logging: !!binary dHJ1ZQ==\n").into_bytes(),
    );
    add("bom_then_garbage", b"\xef\xbb\xbf: : :\n".to_vec());
    add(
        "conflicting_selectors",
        spec_yaml("  event_selectors: []\n  advanced_event_selectors: []\n").into_bytes(),
    );
    add("verify_and_create", b"version: 1\nbucket:\n  name: my-bucket\n  create: true\n  policy: verify\ntrail:\n  name: my-trail\n  home_region: us-east-2\n".to_vec());
    add(
        "multi_region_no_global",
        spec_yaml("  include_global_service_events: false\n").into_bytes(),
    );
    add(
        "too_many_tags",
        spec_yaml(&format!(
            "  tags:\n{}",
            (0..51)
                .map(|i| format!("    k{i}: v\n"))
                .collect::<String>()
        ))
        .into_bytes(),
    );
    v
}

/// Generated inputs: every field with wrong types, unknown fields at every level, bad names.
#[allow(clippy::too_many_lines, reason = "a table of generated inputs")]
fn generated() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let wrong = [
        "[]", "{}", "\"text\"", "42", "-1", "3.5", "yes", "~x", "[1, 2]", "{a: b}",
    ];
    let bool_fields = [
        "organization",
        "multi_region",
        "include_global_service_events",
        "log_file_validation",
        "logging",
    ];
    for f in bool_fields {
        for w in wrong.iter().filter(|w| **w != "~x") {
            v.push((
                format!("wrong_type_{f}_{w}"),
                spec_yaml(&format!("  {f}: {w}\n")).into_bytes(),
            ));
        }
    }
    for f in [
        "s3_key_prefix",
        "kms_key_id",
        "sns_topic",
        "insight_selectors",
        "tags",
        "cloudwatch_logs",
        "event_selectors",
        "advanced_event_selectors",
    ] {
        for w in ["42", "true", "{a: b}", "[[1]]"] {
            if f == "tags" && w == "{a: b}" {
                continue; // a valid tag map
            }
            v.push((
                format!("wrong_type_{f}_{w}"),
                spec_yaml(&format!("  {f}: {w}\n")).into_bytes(),
            ));
        }
    }
    for f in ["all_features", "trusted_access"] {
        for w in ["\"true\"", "1", "[]", "{}", "no"] {
            v.push((
                format!("wrong_type_org_{f}_{w}"),
                format!("{}organization:\n  {f}: {w}\n", spec_yaml("")).into_bytes(),
            ));
        }
    }
    for (f, ws) in [
        ("create", ["\"yes\"", "0", "[]", "on"]),
        ("policy", ["overwrite", "1", "[merge]", "Merge"]),
        ("region", ["1", "[]", "{}", "true"]),
    ] {
        for w in ws {
            v.push((
                format!("wrong_type_bucket_{f}_{w}"),
                format!("version: 1\nbucket:\n  name: my-bucket\n  {f}: {w}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n").into_bytes(),
            ));
        }
    }
    for (level, prefix) in [("top", ""), ("trail", "  ")] {
        for u in [
            "name_",
            "multiregion",
            "Logging",
            "tag",
            "kms",
            "region",
            "bucket",
            "x",
        ] {
            let yaml = if level == "top" {
                format!("{}{u}: 1\n", spec_yaml(""))
            } else {
                spec_yaml(&format!("{prefix}{u}: 1\n"))
            };
            v.push((format!("unknown_{level}_{u}"), yaml.into_bytes()));
        }
    }
    for u in ["nam", "regoin", "policies", "create_bucket"] {
        v.push((format!("unknown_bucket_{u}"), format!("version: 1\nbucket:\n  name: my-bucket\n  {u}: x\ntrail:\n  name: my-trail\n  home_region: us-east-2\n").into_bytes()));
    }
    for u in ["allfeatures", "trusted", "scp"] {
        v.push((
            format!("unknown_org_{u}"),
            format!("{}organization:\n  {u}: true\n", spec_yaml("")).into_bytes(),
        ));
    }
    for n in [
        "ab",
        "-trail",
        "trail-",
        "my--trail",
        "my._trail",
        "my trail",
        "tr@il",
        "10.1.2.3",
        "ünïcode",
        &"a".repeat(129),
        "a_",
        ".a.b",
        "x..y",
        "\"\"",
    ] {
        v.push((format!("bad_trail_name_{}", v.len()), format!("version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: {n}\n  home_region: us-east-2\n").into_bytes()));
    }
    for n in [
        "ab",
        "My-Bucket",
        "my_bucket",
        "-bucket",
        "bucket-",
        "my..bucket",
        "192.168.0.1",
        "xn--bucket",
        "sthree-x",
        "amzn-s3-demo-x",
        "x-s3alias",
        "x--ol-s3",
        "x.mrap",
        "x--x-s3",
        &"b".repeat(64),
        "bücket",
    ] {
        v.push((format!("bad_bucket_name_{}", v.len()), format!("version: 1\nbucket:\n  name: {n}\ntrail:\n  name: my-trail\n  home_region: us-east-2\n").into_bytes()));
    }
    for r in [
        "useast2",
        "US-EAST-2",
        "us-east",
        "us-east-0",
        "u-east-2",
        "us_east_2",
        "us-east-2a",
        "eu-west-01",
        "global",
        "1-2-3",
    ] {
        v.push((format!("bad_region_{r}"), format!("version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: {r}\n").into_bytes()));
    }
    for ver in ["0", "2", "-1", "\"1\"", "1.0", "v1", "[1]", "null"] {
        v.push((format!("bad_version_{ver}"), format!("version: {ver}\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n").into_bytes()));
    }
    for (i, extra) in [
        "  s3_key_prefix: /logs\n",
        "  s3_key_prefix: \"\"\n",
        "  kms_key_id: notakey\n",
        "  sns_topic: \"arn:aws:sqs:x\"\n",
        "  cloudwatch_logs: {log_group_arn: x, role_arn: y}\n",
        "  cloudwatch_logs: {role_arn: \"arn:aws:iam::1:role/r\"}\n",
        "  insight_selectors: [Nope]\n",
        "  insight_selectors: [ApiCallRateInsight, ApiCallRateInsight]\n",
        "  event_selectors: [{read_write_type: Sometimes}]\n",
        "  event_selectors: [{}, {}, {}, {}, {}, {}]\n",
        "  event_selectors: [{data_resources: [{values: [x]}]}]\n",
        "  advanced_event_selectors: [{name: x}]\n",
        "  advanced_event_selectors: [{field_selectors: []}]\n",
        "  advanced_event_selectors: [{field_selectors: [{equals: [x]}]}]\n",
        "  tags: {aws:reserved: x}\n",
        "  tags: [a, b]\n",
    ]
    .iter()
    .enumerate()
    {
        v.push((format!("bad_value_{i}"), spec_yaml(extra).into_bytes()));
    }
    v
}

#[test]
fn hostile_specs_fail_cleanly_without_touching_aws() {
    let moto = Moto::start();
    let specs = Specs::new();
    let corpus: Vec<(String, Vec<u8>)> = hand_written().into_iter().chain(generated()).collect();
    assert!(
        corpus.len() >= 200,
        "corpus has only {} specs",
        corpus.len()
    );
    let mut failures = Vec::new();
    let mut slowest = Duration::ZERO;
    for (i, (name, bytes)) in corpus.iter().enumerate() {
        let path = specs.dir.path().join(format!("{i:03}.yaml"));
        std::fs::write(&path, bytes).unwrap();
        let p = path.display().to_string();
        let start = Instant::now();
        // Bounded memory: the process runs under a 512 MiB address-space limit.
        let run = moto.orgtrail(
            "/bin/sh",
            &[
                "-c",
                "ulimit -v 524288 && exec \"$0\" \"$@\"",
                BIN,
                "plan",
                &p,
            ],
        );
        let took = start.elapsed();
        slowest = slowest.max(took);
        let located = run.stderr.lines().any(|l| {
            l.strip_prefix(&format!("{p}:"))
                .and_then(|rest| rest.split_once(": error"))
                .is_some_and(|(lc, _)| {
                    lc.split(':').all(|n| n.parse::<u32>().is_ok()) && lc.split(':').count() == 2
                })
        });
        if run.code != 1
            || !located
            || run.all().contains("panicked")
            || took > Duration::from_secs(5)
        {
            failures.push(format!(
                "{name}: exit {} in {took:?}\n{}",
                run.code, run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile specs misbehaved:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
    assert!(
        moto.requests().is_empty(),
        "a bad spec reached AWS: {:?}",
        moto.requests()
    );
    eprintln!(
        "hostile corpus: {} specs, all exit 1 with file:line:col under a 512 MiB memory limit, 0 AWS requests, slowest {slowest:?}",
        corpus.len()
    );
}

#[test]
fn malformed_live_bucket_policy_is_a_clear_error_not_a_panic() {
    let (moto, _org) = crate::greenfield();
    for (policy, expect) in [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "is not an IAM policy document"),
        (
            r#"{"Statement": [{"Effect": "Perhaps"}]}"#,
            "Effect must be Allow or Deny",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/*"}]}"#,
            "would be public",
        ),
    ] {
        moto.put_bucket_policy("my-bucket", "us-east-2", policy);
        moto.reset_requests();
        let run = moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"]);
        run.expect_code(1)
            .expect_contains(expect)
            .expect_contains("bucket policy of `my-bucket`");
        assert!(!run.all().contains("panicked"));
        assert!(
            moto.writes().is_empty(),
            "nothing is written when the live policy is unusable"
        );
    }
}
