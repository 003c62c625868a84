//! `orgtrail verify` over deliveries the CloudTrail simulator writes (moto delivers none), with
//! the AWS CLI's `validate-logs` as the judge: on every tampered case it reports what orgtrail
//! reports, and it calls the untouched deliveries valid.

use std::collections::BTreeSet;

use orgtrail_testsupport::awscli::{CliVerdict, validate_logs};
use orgtrail_testsupport::delivery::{Delivered, Simulator, Trail, now, tamper};
use orgtrail_testsupport::{Moto, Run};
use serde_json::Value;

use crate::{ARN, BIN, Specs, greenfield};

const M: &str = "123456789012";
const HOUR: i64 = 3600;

/// The log bucket without the TLS-only statement: moto applies a policy's explicit Deny without
/// evaluating `aws:SecureTransport`, so that statement would deny every object read and write on
/// its plain-HTTP endpoint (docs/verify.md).
const SPEC: &str = "version: 1\nbucket:\n  name: my-bucket\n  require_tls: false\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";

struct World {
    moto: Moto,
    specs: Specs,
    spec: String,
    sim: Simulator,
    /// The window's first hour: two days ago.
    from: i64,
}

impl World {
    /// An organization trail applied by orgtrail, trusted access for Account Management (its
    /// ListRegions for member accounts needs it), and the simulator for its bucket.
    fn new() -> World {
        let (moto, org) = greenfield();
        let specs = Specs::new();
        let spec = specs.write("org.yaml", SPEC);
        moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
            .expect_code(0);
        moto.block_on(
            moto.organizations()
                .enable_aws_service_access()
                .service_principal("account.amazonaws.com")
                .send(),
        )
        .expect("trusted access for Account Management");
        let trail = Trail {
            org_id: Some(org),
            name: "my-trail".into(),
            home_region: "us-east-2".into(),
            bucket: "my-bucket".into(),
            bucket_account: M.into(),
            prefix: None,
        };
        let sim = Simulator::new(trail, &moto.endpoint, moto.aws_endpoint());
        let from = now() - now().rem_euclid(HOUR) - 48 * HOUR;
        // moto's organization, and so its management account, were created a moment ago.
        moto.contract().set_joined(M, from - 24 * HOUR);
        World {
            moto,
            specs,
            spec,
            sim,
            from,
        }
    }

    /// A member account that joined at `joined`.
    fn member(&self, name: &str, joined: i64) -> String {
        let (id, _) = self.moto.member_account(name);
        self.moto.contract().set_joined(&id, joined);
        id
    }

    fn enable_region(&self, account: &str, region: &str) {
        let conf = self.moto.config_for(
            "us-east-1",
            self.moto.aws_endpoint(),
            aws_sdk_account::config::Credentials::new(
                orgtrail_testsupport::ACCESS_KEY,
                orgtrail_testsupport::SECRET_KEY,
                None,
                None,
                "test",
            ),
        );
        let client = aws_sdk_account::Client::new(&conf);
        self.moto
            .block_on(
                client
                    .enable_region()
                    .account_id(account)
                    .region_name(region)
                    .send(),
            )
            .expect("enable the opt-in region");
    }

    fn verify(&self, extra: &[&str]) -> Run {
        let (from, to) = (iso(self.from), iso(self.from + 6 * HOUR));
        let mut args = vec!["verify", &self.spec, "--from", &from, "--to", &to];
        args.extend_from_slice(extra);
        self.moto.orgtrail(BIN, &args)
    }

    fn cli(&self, account: &str, region: &str) -> CliVerdict {
        validate_logs(
            self.moto.aws_endpoint(),
            ARN,
            Some(account),
            region,
            self.from,
            self.from + 6 * HOUR,
        )
    }
}

fn iso(t: i64) -> String {
    orgtrail_core::verify::time::rfc3339(t)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()))
}

/// (kind, account, region, key) of every finding.
fn findings(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("kind"), s("account"), s("region"), s("key"))
        })
        .collect()
}

/// The AWS CLI's INVALID lines in orgtrail's words: (kind, key).
fn cli_findings(v: &CliVerdict) -> BTreeSet<(String, String)> {
    v.invalid
        .iter()
        .map(|(reason, key)| {
            let digest = key.contains("/CloudTrail-Digest/");
            let kind = match (reason.as_str(), digest) {
                ("not found", true) => "digest-missing",
                ("not found", false) => "log-missing",
                ("signature verification failed" | "invalid format", true) => "digest-invalid",
                ("has been moved from its original location", _) => "digest-moved",
                ("public key not found", _) => "unknown-key",
                (
                    "hash value doesn't match" | "unexpected data after end of compressed stream",
                    false,
                ) => "log-modified",
                other => panic!("an AWS CLI verdict orgtrail has no kind for: {other:?}"),
            };
            (kind.to_string(), key.clone())
        })
        .collect()
}

fn first_log(d: &[Delivered]) -> String {
    d.iter()
        .flat_map(|x| &x.log_keys)
        .next()
        .cloned()
        .expect("a log file in the hours")
}

fn a_log_after(d: &[Delivered], hour: usize) -> String {
    d[hour..]
        .iter()
        .flat_map(|x| &x.log_keys)
        .next()
        .cloned()
        .expect("a log file")
}

/// One organization, one tampering per account × region, one `verify --validate` run: every
/// finding is the one expected, and `aws cloudtrail validate-logs` of each account × region
/// reports the same files for the same reasons.
#[allow(
    clippy::too_many_lines,
    reason = "one world, each tampered case set up and judged in turn"
)]
#[test]
fn verify_and_the_aws_cli_agree_on_every_tampered_case() {
    let mut w = World::new();
    let from = w.from;
    let a = w.member("alpha", from - 24 * HOUR);
    let b = w.member("bravo", from - 24 * HOUR);
    let c = w.member("charlie", from - 24 * HOUR);
    // Joined mid-window: judged from the hour it joined.
    let d = w.member("delta", from + 3 * HOUR + 600);
    let e = w.member("echo", from - 24 * HOUR);
    // af-south-1 is an opt-in region, enabled for alpha only: not applicable to the others.
    w.enable_region(&a, "af-south-1");
    let (east, west, cape) = ("us-east-2", "eu-west-1", "af-south-1");

    let mut expected = BTreeSet::new();
    let mut add = |kind: &str, account: &str, region: &str, key: &str| {
        expected.insert((
            kind.to_string(),
            account.to_string(),
            region.to_string(),
            key.to_string(),
        ));
    };
    // Management account: untouched in us-east-2, plus a backfill digest; a log modified in eu-west-1.
    let m_east = w.sim.deliver(M, east, from, 6);
    let backfill = w
        .sim
        .backfill(M, east, from + 3 * HOUR + 1800, &m_east[1].log_keys);
    let m_west = w.sim.deliver(M, west, from, 6);
    let modified = first_log(&m_west);
    tamper::modify_log(w.sim.store(), &modified).unwrap();
    add("log-modified", M, west, &modified);
    // alpha: a log deleted; a digest deleted mid-chain; af-south-1 untouched.
    let a_east = w.sim.deliver(&a, east, from, 6);
    let deleted_log = first_log(&a_east);
    tamper::delete(w.sim.store(), &deleted_log).unwrap();
    add("log-missing", &a, east, &deleted_log);
    let a_west = w.sim.deliver(&a, west, from, 6);
    tamper::delete(w.sim.store(), &a_west[3].digest_key).unwrap();
    add("digest-missing", &a, west, &a_west[3].digest_key);
    w.sim.deliver(&a, cape, from, 6);
    // bravo: a digest modified; a digest signed by a key CloudTrail never published.
    let b_east = w.sim.deliver(&b, east, from, 6);
    tamper::modify_digest(w.sim.store(), &b_east[2].digest_key).unwrap();
    add("digest-invalid", &b, east, &b_east[2].digest_key);
    let b_west = w.sim.deliver(&b, west, from, 6);
    tamper::resign_with_unknown_key(w.sim.store(), &b_west[3].digest_key).unwrap();
    add("unknown-key", &b, west, &b_west[3].digest_key);
    // charlie: data appended after a log's gzip member; no digests for the last two hours.
    let c_east = w.sim.deliver(&c, east, from, 6);
    let appended = a_log_after(&c_east, 1);
    tamper::append_after_gzip(w.sim.store(), &appended).unwrap();
    add("log-modified", &c, east, &appended);
    w.sim.deliver(&c, west, from, 4);
    let gap_folder = format!(
        "AWSLogs/{}/{c}/CloudTrail-Digest/{west}/{}/",
        w.sim.trail().org_id.clone().unwrap(),
        day_path(from + 4 * HOUR)
    );
    add("delivery-gap", &c, west, &gap_folder);
    // delta joined at hour 3: delivers from then on; one of its digests moved (copied to another
    // name and deleted where CloudTrail put it).
    w.sim.deliver(&d, east, from + 3 * HOUR, 3);
    let d_west = w.sim.deliver(&d, west, from + 3 * HOUR, 3);
    let moved_from = d_west[1].digest_key.clone();
    let moved_to = one_second_earlier(&moved_from);
    tamper::move_digest(w.sim.store(), &moved_from, &moved_to).unwrap();
    add("digest-moved", &d, west, &moved_to);
    add("digest-missing", &d, west, &moved_from);
    // echo delivered for two hours, then left the organization (Stratus Red Team's
    // organizations-leave).
    w.sim.deliver(&e, east, from, 2);
    w.moto
        .block_on(
            w.moto
                .organizations()
                .remove_account_from_organization()
                .account_id(&e)
                .send(),
        )
        .expect("remove echo");
    let echo_root = format!(
        "AWSLogs/{}/{e}/CloudTrail-Digest/",
        w.sim.trail().org_id.clone().unwrap()
    );
    add("account-left", &e, east, &echo_root);

    let run = w.verify(&[
        "--validate",
        "--regions",
        "us-east-2,eu-west-1,af-south-1",
        "--format",
        "json",
    ]);
    run.expect_code(2);
    let report = json(&run);
    assert_eq!(findings(&report), expected, "{}", run.stdout);
    assert_eq!(report["counted"]["backfill_digests"], 1, "{backfill:?}");
    let cell = |acct: &str, region: &str| {
        report["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["account"] == acct && s["region"] == region)
            .unwrap()
            .clone()
    };
    assert_eq!(
        cell(&d, east)["due"],
        2,
        "delta is judged from the first whole hour after it joined"
    );
    assert_eq!(cell(&d, east)["verified"], 2);
    assert_eq!(
        cell(&b, cape)["applicable"],
        false,
        "af-south-1 is not enabled for bravo"
    );
    assert_eq!(cell(&a, cape)["verified"], 6);
    assert_eq!(cell(M, east)["verified"], 6);
    let gap = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "delivery-gap")
        .unwrap();
    assert_eq!(
        (gap["from"].as_str().unwrap(), gap["to"].as_str().unwrap()),
        (iso(from + 4 * HOUR).as_str(), iso(from + 6 * HOUR).as_str())
    );

    // The AWS CLI, one run per account × region, reports the same files for the same reasons.
    for (account, region) in [
        (M, east),
        (M, west),
        (&a, east),
        (&a, west),
        (&a, cape),
        (&b, east),
        (&b, west),
        (&c, east),
        (&c, west),
        (&d, east),
        (&d, west),
    ] {
        let v = w.cli(account, region);
        assert!(!v.stderr.contains("Traceback"), "{}", v.stderr);
        let ours: BTreeSet<(String, String)> = findings(&report)
            .into_iter()
            .filter(|(kind, acct, r, _)| acct == account && r == region && kind != "delivery-gap")
            .map(|(kind, _, _, key)| (kind, key))
            .collect();
        assert_eq!(
            cli_findings(&v),
            ours,
            "{account} {region}:\n{}{}",
            v.stdout,
            v.stderr
        );
        assert_eq!(
            v.exit == 0,
            ours.is_empty(),
            "{account} {region}: exit {}",
            v.exit
        );
    }
    // The backfill digest: valid for both.
    let v = w.cli(M, east);
    assert!(
        v.stdout.contains(&format!(
            "(backfill) Digest file\ts3://my-bucket/{}\tvalid",
            backfill.digest_key
        )),
        "{}",
        v.stdout
    );
    // The silent last hours: the CLI finds digests only up to where orgtrail's gap starts.
    let v = w.cli(&c, west);
    let found_to = v
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Results found for "))
        .and_then(|l| l.split(" to ").nth(1))
        .map(|t| t.trim_end_matches(':').to_string());
    let found_to = found_to
        .and_then(|t| orgtrail_core::verify::time::parse_rfc3339(&t))
        .expect("the CLI's found range");
    assert!(
        found_to <= from + 4 * HOUR && found_to > from + 3 * HOUR,
        "{}",
        v.stdout
    );
    // A region not enabled for the account: nothing for the CLI either.
    let v = w.cli(&b, cape);
    assert!(v.stdout.contains("No digests found"), "{}", v.stdout);

    // Presence alone (no --validate): only what a listing can see.
    let run = w.verify(&["--regions", "us-east-2,eu-west-1", "--format", "json"]);
    run.expect_code(2);
    let kinds: BTreeSet<String> = findings(&json(&run)).into_iter().map(|f| f.0).collect();
    assert_eq!(
        kinds,
        ["account-left", "delivery-gap"].map(String::from).into(),
        "{}",
        run.stdout
    );
}

fn day_path(t: i64) -> String {
    orgtrail_core::verify::time::day_path(t)
}

/// The same digest name one second earlier: still this trail's digest of the same hour.
fn one_second_earlier(key: &str) -> String {
    // Earlier, never later (a seconds field of 00 must borrow from the minute): the AWS CLI walks
    // the digests back from the newest, so it reaches a copy placed before the original.
    use orgtrail_core::verify::time::{parse_stamp, stamp};
    let at = key.len() - "YYYYMMDDTHHMMSSZ.json.gz".len();
    let t = parse_stamp(&key[at..at + 16]).expect("a digest name's instant");
    format!("{}{}{}", &key[..at], stamp(t - 1), &key[at + 16..])
}

/// Every account × region × hour delivered and untouched: exit 0, every cell verified, the AWS
/// CLI calls every file valid, and verify made no write (moto's recorder).
#[test]
fn untouched_deliveries_are_verified_read_only_and_valid_for_the_aws_cli() {
    let mut w = World::new();
    let a = w.member("alpha", w.from - 24 * HOUR);
    w.sim.rotate_keys_at(w.from + 2 * HOUR + 1200);
    let mut delivered = Vec::new();
    for account in [M, a.as_str()] {
        for region in ["us-east-2", "eu-west-1"] {
            delivered.extend(w.sim.deliver(account, region, w.from, 6));
        }
    }
    w.moto.reset_requests();
    let run = w.verify(&["--validate", "--regions", "us-east-2,eu-west-1"]);
    run.expect_code(0)
        .expect_contains("account region verified gaps invalid")
        .expect_contains("Verified: all 24 account × region × hour cells.");
    assert!(
        w.moto.writes().is_empty(),
        "verify wrote: {:?}",
        w.moto.writes()
    );
    for account in [M, a.as_str()] {
        for region in ["us-east-2", "eu-west-1"] {
            let v = w.cli(account, region);
            assert_eq!(
                (v.exit, v.invalid.len(), v.valid_digests),
                (0, 0, 6),
                "{}{}",
                v.stdout,
                v.stderr
            );
        }
    }
    // The GitHub Action's verify step: the same run as SARIF, the exit code as its output.
    let (out, sarif) = action_verify(&w);
    assert_eq!((out.as_str(), sarif.len()), ("0", 0));
    tamper::modify_log(w.sim.store(), &first_log(&delivered)).unwrap();
    let (out, sarif) = action_verify(&w);
    assert_eq!((out.as_str(), sarif.len()), ("2", 1), "{sarif:?}");
    assert_eq!(sarif[0]["ruleId"], "log-modified");
}

/// `scripts/action/run.sh` with `command: verify`: (exit-code output, SARIF results).
fn action_verify(w: &World) -> (String, Vec<Value>) {
    let dir = orgtrail_testsupport::TempDir::new("action");
    let script = orgtrail_testsupport::repo_root().join("scripts/action/run.sh");
    let (from, to) = (iso(w.from), iso(w.from + 6 * HOUR));
    let output = dir.path().join("output");
    let done = w
        .moto
        .command(&script.to_string_lossy(), &[], w.moto.aws_endpoint())
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", dir.path())
        .env("INPUT_COMMAND", "verify")
        .env("INPUT_PATHS", &w.spec)
        .env(
            "INPUT_VERIFY_ARGS",
            format!("--from {from} --to {to} --validate --regions us-east-2,eu-west-1"),
        )
        .env("ORGTRAIL", BIN)
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(&output).unwrap();
    let get = |k: &str| {
        outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{k}: {outputs}\n{}", String::from_utf8_lossy(&done.stdout)))
    };
    assert_eq!(get("command"), "verify");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(get("verify-sarif-file")).unwrap()).unwrap();
    (
        get("exit-code"),
        sarif["runs"][0]["results"].as_array().unwrap().clone(),
    )
}

/// Bad input says what is wrong and how to fix it: a window without a whole hour, a time that
/// is not RFC 3339, an account that is not a member.
#[test]
fn bad_windows_and_accounts_are_errors_that_say_so() {
    let w = World::new();
    let (from, to) = (iso(w.from), iso(w.from + 1800));
    w.moto
        .orgtrail(BIN, &["verify", &w.spec, "--from", &from, "--to", &to])
        .expect_code(1)
        .expect_contains("holds no whole hour");
    w.moto
        .orgtrail(BIN, &["verify", &w.spec, "--from", "yesterday"])
        .expect_code(1)
        .expect_contains("--from: `yesterday` is not an RFC 3339 time");
    w.verify(&["--accounts", "999999999999"])
        .expect_code(1)
        .expect_contains("999999999999 is not an ACTIVE account of the organization");
    // The bucket read as a role of another account that the bucket does not let in: the error
    // names the call, the bucket, the role and the fix.
    let other = w.member("alpha", w.from - 24 * HOUR);
    let role = format!("arn:aws:iam::{other}:role/OrganizationAccountAccessRole");
    let spec = w.specs.write(
        "as-role.yaml",
        &SPEC.replace(
            "  require_tls: false\n",
            &format!("  require_tls: false\n  role_arn: {role}\n"),
        ),
    );
    let (from, to) = (iso(w.from), iso(w.from + 6 * HOUR));
    w.moto
        .orgtrail(BIN, &["verify", &spec, "--from", &from, "--to", &to])
        .expect_code(1)
        .expect_contains("s3:ListBucket")
        .expect_contains(&format!("bucket `my-bucket` (as {role})"))
        .expect_contains("AccessDenied");
}
