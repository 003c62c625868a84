//! Fault injection and crash consistency against the real SDK and a real moto server, with a
//! faulty loopback network (crates/orgtrail-testsupport/src/proxy.rs) in between.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use orgtrail_testsupport::Moto;
use orgtrail_testsupport::proxy::{FaultProxy, Mode};

use crate::plan::seed_trail;
use crate::{ARN, BIN, Specs, spec_yaml};

fn foreign_policy() -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::my-bucket"}]})
}

/// Seed a scenario: 0 = greenfield, 1 = single-region org trail to convert. Returns the spec path.
fn seed(moto: &Moto, scenario: usize, specs: &Specs) -> String {
    moto.create_org(true);
    moto.create_bucket("my-bucket", "us-east-2");
    moto.put_bucket_policy("my-bucket", "us-east-2", &foreign_policy().to_string());
    if scenario == 1 {
        moto.enable_trusted_access();
        seed_trail(moto, true, false);
        specs.write(
            "conversion.yaml",
            &spec_yaml("  tags:\n    team: security\n"),
        )
    } else {
        "specs/org-trail.yaml".to_string()
    }
}

/// Foreign statements missing from the live policy (must always be 0).
fn foreign_lost(moto: &Moto) -> usize {
    let live: serde_json::Value = moto
        .bucket_policy("my-bucket", "us-east-2")
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    let stmts = live["Statement"].as_array().cloned().unwrap_or_default();
    foreign_policy()["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !stmts.contains(f))
        .count()
}

#[test]
fn fault_campaign_always_converges_or_fails_clearly() {
    let runs: usize = std::env::var("ORGTRAIL_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.aws_port(), Mode::Pass);
    let specs = Specs::new();
    let (mut first, mut after_rerun, mut clear_errors, mut panics, mut lost) = (0, 0, 0, 0, 0);
    let mut unclear = Vec::new();
    let start = Instant::now();
    let faulted_before = proxy.stats.faulted.load(Ordering::SeqCst);
    let requests_before = proxy.stats.requests.load(Ordering::SeqCst);
    for i in 0..runs {
        moto.reset_state();
        let spec = seed(&moto, i % 2, &specs);
        proxy.set_mode(Mode::Faults {
            seed: i as u64,
            percent: 30,
            delay: Duration::from_millis(1200),
        });
        let r = moto.orgtrail_via(
            BIN,
            &[
                "apply",
                &spec,
                "--auto-approve",
                "--operation-timeout",
                "0.5",
                "--connect-timeout",
                "1",
                "--retry-budget",
                "3",
            ],
            &proxy.endpoint,
        );
        proxy.set_mode(Mode::Pass);
        if r.all().contains("panicked") {
            panics += 1;
        }
        match r.code {
            0 => first += 1,
            1 if r.stderr.lines().any(|l| l.starts_with("error: ")) && r.stderr.contains("fix") => {
                clear_errors += 1;
                if std::env::var_os("ORGTRAIL_FAULT_VERBOSE").is_some() {
                    eprintln!("run {i}: {}", r.stderr);
                }
            }
            _ => unclear.push(format!("run {i}: exit {}\n{}", r.code, r.stderr)),
        }
        let rerun = moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"]);
        if rerun.code == 0 {
            after_rerun += 1;
        } else {
            unclear.push(format!(
                "run {i}: rerun without faults failed\n{}",
                rerun.all()
            ));
        }
        lost += foreign_lost(&moto);
        if rerun.code == 0 {
            assert!(
                moto.is_logging("us-east-2", ARN),
                "run {i}: converged but not logging"
            );
        }
    }
    let faulted = proxy.stats.faulted.load(Ordering::SeqCst) - faulted_before;
    let requests = proxy.stats.requests.load(Ordering::SeqCst) - requests_before;
    eprintln!(
        "fault campaign: {runs} runs (greenfield + conversion, 30% of requests faulted) in {:.1}s: converged first time {first}, \
         failed with a clear error {clear_errors}, converged after rerun {after_rerun}/{runs}; requests {requests}, faulted {faulted}; \
         foreign statements lost {lost}; panics {panics}",
        start.elapsed().as_secs_f64()
    );
    assert!(unclear.is_empty(), "{}", unclear.join("\n"));
    assert_eq!((panics, lost, after_rerun), (0, 0, runs));
    assert!(
        faulted * 5 >= requests,
        "the proxy faulted only {faulted} of {requests} requests"
    );
}

#[test]
fn kill_9_at_every_step_boundary_then_rerun_converges() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.aws_port(), Mode::Pass);
    let specs = Specs::new();
    // Greenfield writes: 1 EnableAWSServiceAccess, 2 PutBucketPolicy, 3 CreateTrail, 4 StartLogging.
    // `forward: true` kills after moto applied the write but before orgtrail saw the answer
    // (e.g. in the middle of the policy write).
    let cases = [
        (1, false),
        (2, false),
        (2, true),
        (3, false),
        (3, true),
        (4, false),
        (4, true),
    ];
    for (n, forward) in cases {
        moto.reset_state();
        let spec = seed(&moto, 0, &specs);
        proxy.stats.writes.store(0, Ordering::SeqCst);
        proxy.stats.hung.store(false, Ordering::SeqCst);
        proxy.set_mode(Mode::HangOnWrite { n, forward });
        let mut child = orgtrail_testsupport::Reaped::spawn(
            moto.command(BIN, &["apply", &spec, "--auto-approve"], &proxy.endpoint)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while !proxy.stats.hung.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "write {n} never arrived");
            assert!(
                child.try_wait().unwrap().is_none(),
                "orgtrail exited before write {n}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        proxy.set_mode(Mode::Pass);
        // Converges: either the remaining steps, or nothing left when the kill came after
        // moto applied the last write.
        let rerun = moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"]);
        rerun.expect_code(0);
        assert!(
            rerun.all().contains("Apply complete:")
                || (forward && n == 4 && rerun.all().contains("No changes."))
        );
        assert_eq!(foreign_lost(&moto), 0, "case {n}/{forward}");
        assert!(moto.is_logging("us-east-2", ARN));
        moto.reset_requests();
        moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
            .expect_code(0)
            .expect_contains("No changes.");
        assert!(moto.writes().is_empty());
    }
}

/// The benchmark's stand-in for the network to AWS: every request answers after the RTT, reads are
/// replayed from the cache once seen (moto then receives nothing), and a write invalidates the
/// cache so the next plan sees the new state.
#[test]
fn latency_proxy_replays_reads_after_the_rtt_and_forgets_them_on_a_write() {
    let (moto, _) = crate::greenfield();
    let rtt = Duration::from_millis(40);
    let proxy = FaultProxy::start(moto.aws_port(), Mode::Latency { rtt });
    let plan = |code: i32, text: &str| {
        let t = Instant::now();
        moto.orgtrail_via(
            BIN,
            &["plan", "specs/org-trail.yaml", "--detailed-exitcode"],
            &proxy.endpoint,
        )
        .expect_code(code)
        .expect_contains(text);
        t.elapsed()
    };
    plan(2, "create-trail");
    moto.reset_requests();
    let took = plan(2, "create-trail");
    assert!(
        moto.requests().is_empty(),
        "a repeated read reached moto: {:?}",
        moto.requests()
    );
    // Greenfield plan: one dependent round (nothing to read by ARN yet).
    assert!(took >= rtt, "answered in {took:?}, before the RTT");
    moto.orgtrail_via(
        BIN,
        &["apply", "specs/org-trail.yaml", "--auto-approve"],
        &proxy.endpoint,
    )
    .expect_code(0);
    // Converged: two dependent rounds.
    let took = plan(0, "No changes");
    assert!(took >= rtt * 2, "answered in {took:?}, before two RTTs");
}

/// `--max-concurrency` bounds the requests in flight per endpoint (service and region), not in
/// all: at 1, a converged plan's reads take 6 round trips (round 1: organizations has two calls;
/// round 2: four calls to cloudtrail in us-east-2), not 9 (one at a time) nor 2 (unbounded).
#[test]
fn max_concurrency_bounds_requests_in_flight_per_endpoint() {
    let (moto, _) = crate::greenfield();
    moto.orgtrail(BIN, &["apply", "specs/org-trail.yaml", "--auto-approve"])
        .expect_code(0);
    let rtt = Duration::from_millis(300);
    let proxy = FaultProxy::start(moto.aws_port(), Mode::Latency { rtt });
    let t = Instant::now();
    moto.orgtrail_via(
        BIN,
        &["plan", "specs/org-trail.yaml", "--max-concurrency", "1"],
        &proxy.endpoint,
    )
    .expect_code(0)
    .expect_contains("No changes");
    let took = t.elapsed();
    assert!(
        took >= rtt * 6 && took < rtt * 9,
        "plan at --max-concurrency 1 took {took:?}; expected 6 round trips of {rtt:?}"
    );
}
