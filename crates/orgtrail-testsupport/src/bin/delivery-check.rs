//! `delivery-check --moto URL --contract URL --org-id o-… --account A [--bucket B]
//! [--bucket-account M] [--trail NAME] [--home-region R] [--region R]`: the delivery simulator
//! judged by `aws cloudtrail validate-logs`, one scenario a day from 2026-11-01: untouched
//! deliveries, each tampering, a broken chain, a backfill digest and a key rotation. For a world
//! already seeded with the organization trail (reproducing the judge by hand); prints one line
//! per scenario and exits 1 when one did not get the CLI's expected verdict.

use std::collections::HashMap;
use std::io::Write;

use orgtrail_testsupport::awscli::{CliVerdict, validate_logs};
use orgtrail_testsupport::delivery::{Delivered, Simulator, Trail, digest, tamper};

const DAY0: i64 = 1_793_491_200; // 2026-11-01T00:00:00Z
const HOURS: u32 = 6;

struct Check {
    args: HashMap<String, String>,
    failed: bool,
}

impl Check {
    fn arg(&self, k: &str, default: &str) -> String {
        self.args
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    fn sim(&self) -> Simulator {
        let trail = Trail {
            org_id: Some(self.arg("org-id", "")),
            name: self.arg("trail", "org-trail"),
            home_region: self.arg("home-region", "us-east-1"),
            bucket: self.arg("bucket", "org-trail-logs"),
            bucket_account: self.arg("bucket-account", "123456789012"),
            prefix: self.args.get("prefix").cloned(),
        };
        Simulator::new(trail, &self.arg("moto", ""), &self.arg("contract", ""))
    }

    fn judge(&self, day: i64) -> CliVerdict {
        let arn = format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.arg("home-region", "us-east-1"),
            self.arg("bucket-account", "123456789012"),
            self.arg("trail", "org-trail")
        );
        let from = DAY0 + day * 86_400;
        validate_logs(
            &self.arg("contract", ""),
            &arn,
            Some(&self.arg("account", "")),
            &self.arg("region", "us-east-1"),
            from,
            from + i64::from(HOURS) * 3600,
        )
    }

    /// Deliver six hours on `day` (after `before` prepared the simulator), tamper, judge.
    fn scenario(
        &mut self,
        name: &str,
        day: i64,
        before: impl FnOnce(&mut Simulator),
        tamper: impl FnOnce(&Simulator, &[Delivered]) -> Vec<(String, String)>,
    ) {
        let mut sim = self.sim();
        before(&mut sim);
        let (account, region) = (self.arg("account", ""), self.arg("region", "us-east-1"));
        let delivered = sim.deliver(&account, &region, DAY0 + day * 86_400, HOURS);
        let expected = tamper(&sim, &delivered);
        let v = self.judge(day);
        let logs: usize = delivered.iter().map(|d| d.log_keys.len()).sum();
        let ok = expected
            .iter()
            .all(|(reason, key)| v.invalid_for(reason).contains(&key.as_str()))
            && (v.exit == 0) == expected.is_empty()
            && !v.stderr.contains("Traceback");
        self.failed |= !ok;
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "{} {name}: exit {}, {} digests + {logs} logs delivered, {} digests / {} logs valid, invalid {:?}, gaps {}",
            if ok { "OK  " } else { "FAIL" },
            v.exit,
            delivered.len(),
            v.valid_digests,
            v.valid_logs,
            v.invalid,
            v.gaps.len()
        );
        if !ok {
            let _ = writeln!(out, "--- stdout\n{}--- stderr\n{}", v.stdout, v.stderr);
        }
    }
}

fn first_log(d: &[Delivered]) -> String {
    d.iter()
        .flat_map(|x| &x.log_keys)
        .next()
        .cloned()
        .expect("a log file in six hours")
}

fn main() {
    let mut args = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        args.insert(k.trim_start_matches('-').to_string(), v);
    }
    let mut c = Check {
        args,
        failed: false,
    };
    tampering(&mut c);
    gap_and_backfill(&mut c);
    c.scenario(
        "rotation inside the window",
        12,
        |sim: &mut Simulator| sim.rotate_keys_at(DAY0 + 12 * 86_400 + 3 * 3600),
        |_, _| vec![],
    );
    std::process::exit(i32::from(c.failed));
}

/// Each tampering, judged.
fn tampering(c: &mut Check) {
    let none = |_: &mut Simulator| {};
    let s = |sim: &Simulator| sim.store().clone();
    c.scenario("untouched", 0, none, |_, _| vec![]);
    c.scenario("modify_log", 1, none, |sim, d| {
        let k = first_log(d);
        tamper::modify_log(&s(sim), &k).expect("tamper");
        vec![("hash value doesn't match".into(), k)]
    });
    c.scenario("delete log", 2, none, |sim, d| {
        let k = first_log(d);
        tamper::delete(&s(sim), &k).expect("tamper");
        vec![("not found".into(), k)]
    });
    c.scenario("append_after_gzip log", 3, none, |sim, d| {
        let k = first_log(d);
        tamper::append_after_gzip(&s(sim), &k).expect("tamper");
        vec![("unexpected data after end of compressed stream".into(), k)]
    });
    c.scenario("modify_digest", 4, none, |sim, d| {
        let k = d[3].digest_key.clone();
        tamper::modify_digest(&s(sim), &k).expect("tamper");
        vec![("signature verification failed".into(), k)]
    });
    c.scenario("resign_with_unknown_key", 5, none, |sim, d| {
        let k = d[3].digest_key.clone();
        tamper::resign_with_unknown_key(&s(sim), &k).expect("tamper");
        vec![("public key not found".into(), k)]
    });
    c.scenario("move_digest", 6, none, |sim, d| {
        let from = d[3].digest_key.clone();
        // One second earlier in the name: still the trail's digest, the next the validator
        // looks at once the original is not found.
        // (A seconds field of 00 borrows from the minute: the copy must sort before the original.)
        let end = d[3].end;
        let to = from.replace(
            &digest::compact_seconds(end),
            &digest::compact_seconds(end - 1),
        );
        tamper::move_digest(&s(sim), &from, &to).expect("tamper");
        vec![
            ("has been moved from its original location".into(), to),
            ("not found".into(), from),
        ]
    });
    c.scenario("delete digest", 7, none, |sim, d| {
        let k = d[3].digest_key.clone();
        tamper::delete(&s(sim), &k).expect("tamper");
        vec![("not found".into(), k)]
    });
}

/// A broken chain (a gap, still valid) and a backfill digest.
fn gap_and_backfill(c: &mut Check) {
    let account = c.arg("account", "");
    let region = c.arg("region", "us-east-1");
    // A broken chain: three hours, logging stops for two, then one more hour.
    {
        let mut sim = c.sim();
        sim.deliver(&account, &region, DAY0 + 9 * 86_400, 3);
        sim.break_chain(&account, &region);
        sim.deliver(&account, &region, DAY0 + 9 * 86_400 + 5 * 3600, 1);
        let v = c.judge(9);
        let ok = v.exit == 0 && v.gaps.len() == 1 && v.valid_digests == 4;
        c.failed |= !ok;
        let _ = writeln!(
            std::io::stdout(),
            "{} break_chain: exit {}, {} digests valid, gaps {:?}",
            if ok { "OK  " } else { "FAIL" },
            v.exit,
            v.valid_digests,
            v.gaps
        );
    }
    {
        let mut sim = c.sim();
        let d = sim.deliver(&account, &region, DAY0 + 11 * 86_400, HOURS);
        let logs: Vec<String> = d.iter().flat_map(|x| x.log_keys.clone()).take(2).collect();
        let b = sim.backfill(
            &account,
            &region,
            DAY0 + 11 * 86_400 + 3 * 3600 + 1800,
            &logs,
        );
        let v = c.judge(11);
        let ok = v.exit == 0
            && v.stdout.contains(&format!(
                "(backfill) Digest file\ts3://{}/{}\tvalid",
                sim.trail().bucket,
                b.digest_key
            ));
        c.failed |= !ok;
        let _ = writeln!(
            std::io::stdout(),
            "{} backfill: exit {}, {} digests valid (backfill included), {} logs valid, backfill line present: {ok}",
            if ok { "OK  " } else { "FAIL" },
            v.exit,
            v.valid_digests,
            v.valid_logs
        );
        if !ok {
            let _ = writeln!(std::io::stdout(), "{}{}", v.stdout, v.stderr);
        }
    }
}
