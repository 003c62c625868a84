//! `deliver`: the CloudTrail delivery simulator (`orgtrail_testsupport::delivery`) as a command,
//! for scripts (the demo, the benchmark).
//!
//! ```text
//! deliver --moto URL --contract URL --bucket B --bucket-account A --trail NAME --home-region R
//!         [--org-id o-…] [--prefix P] --accounts a,b --regions r1,r2
//!         --from RFC3339-or-unix --hours N [--tamper-log N] [--presence-only] [--threads K]
//! ```
//! Prints `tampered <key>` per tampered object, then a summary line.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use orgtrail_testsupport::delivery::{Simulator, Trail, digest, tamper};

const USAGE: &str = "usage: deliver --moto URL --contract URL --bucket B --bucket-account A --trail NAME --home-region R [--org-id o-..] [--prefix P] --accounts a,b --regions r1,r2 --from RFC3339-or-unix --hours N [--tamper-log N] [--presence-only] [--threads K]";

fn fail(message: &str) -> ! {
    let _ = writeln!(std::io::stderr(), "deliver: {message}\n{USAGE}");
    std::process::exit(2);
}

fn parse_args() -> (HashMap<String, String>, bool) {
    let mut args = std::env::args().skip(1);
    let mut map = HashMap::new();
    let mut presence = false;
    while let Some(a) = args.next() {
        let Some(name) = a.strip_prefix("--") else {
            fail(&format!("unexpected argument {a}"));
        };
        if name == "presence-only" {
            presence = true;
            continue;
        }
        let Some(v) = args.next() else {
            fail(&format!("--{name} needs a value"));
        };
        map.insert(name.to_string(), v);
    }
    (map, presence)
}

fn main() {
    let (args, presence) = parse_args();
    let get = |k: &str| {
        args.get(k)
            .cloned()
            .unwrap_or_else(|| fail(&format!("--{k} is required")))
    };
    let list = |k: &str| -> Vec<String> { get(k).split(',').map(str::to_string).collect() };
    let trail = Trail {
        org_id: args.get("org-id").cloned(),
        name: get("trail"),
        home_region: get("home-region"),
        bucket: get("bucket"),
        bucket_account: get("bucket-account"),
        prefix: args.get("prefix").cloned(),
    };
    let from = digest::parse_time(&get("from"))
        .unwrap_or_else(|| fail("--from: RFC 3339 or unix seconds"));
    let hours: u32 = get("hours")
        .parse()
        .unwrap_or_else(|_| fail("--hours: a number"));
    let threads: usize = args
        .get("threads")
        .map_or(Ok(16), |t| t.parse())
        .unwrap_or_else(|_| fail("--threads: a number"));
    let tamper_log: Option<usize> = args
        .get("tamper-log")
        .map(|n| n.parse().unwrap_or_else(|_| fail("--tamper-log: a number")));
    let pairs: Vec<(String, String)> = list("accounts")
        .iter()
        .flat_map(|a| list("regions").into_iter().map(move |r| (a.clone(), r)))
        .collect();
    let mut sim = Simulator::new(trail, &get("moto"), &get("contract"));
    sim.set_threads(threads);
    let started = Instant::now();
    let mut out = std::io::stdout();
    if presence {
        let n = sim
            .deliver_presence_only(&pairs, from, hours)
            .unwrap_or_else(|e| fail(&e.to_string()));
        let _ = writeln!(
            out,
            "delivered {n} presence-only digest objects ({} account-regions x {hours} h) in {:.1} s",
            pairs.len(),
            started.elapsed().as_secs_f64()
        );
        return;
    }
    let delivered = sim.deliver_all(&pairs, from, hours);
    let logs: Vec<&String> = delivered.iter().flat_map(|d| &d.log_keys).collect();
    if let Some(n) = tamper_log {
        let Some(key) = logs.get(n) else {
            fail(&format!(
                "--tamper-log {n}: only {} log files were written",
                logs.len()
            ));
        };
        tamper::modify_log(sim.store(), key).unwrap_or_else(|e| fail(&e.to_string()));
        let _ = writeln!(out, "tampered {key}");
    }
    let _ = writeln!(
        out,
        "delivered {} digest files and {} log files ({} account-regions x {hours} h) in {:.1} s",
        delivered.len(),
        logs.len(),
        pairs.len(),
        started.elapsed().as_secs_f64()
    );
}
