//! `latency-proxy UPSTREAM_PORT RTT_MS`: a loopback stand-in for the network to AWS, in front of a
//! moto server (see `orgtrail_testsupport::proxy::Mode::Latency`). Prints the port it listens on,
//! then serves until it is killed. Used by `scripts/bench`.

use std::io::Write;
use std::time::Duration;

use orgtrail_testsupport::proxy::{FaultProxy, Mode};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(upstream), Some(rtt)) = (
        args.first().and_then(|a| a.parse::<u16>().ok()),
        args.get(1).and_then(|a| a.parse::<u64>().ok()),
    ) else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: latency-proxy UPSTREAM_PORT RTT_MS"
        );
        std::process::exit(2);
    };
    let proxy = FaultProxy::start(
        upstream,
        Mode::Latency {
            rtt: Duration::from_millis(rtt),
        },
    );
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", proxy.port);
    let _ = out.flush();
    loop {
        std::thread::park();
    }
}
