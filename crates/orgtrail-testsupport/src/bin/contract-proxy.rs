//! `contract-proxy MOTO_PORT [PROPAGATION_MS]`: the AWS contract layer (see
//! `orgtrail_testsupport::contract` and docs/aws-contract.md) in front of a moto server, for use
//! outside the test suite (`scripts/bench`, reproducing a finding by hand). Prints the port it
//! listens on, then serves until it is killed; every refusal is printed to stderr as
//! `refused <operation>: <status> <code> (<rule>)`.

use std::io::Write;
use std::time::Duration;

use orgtrail_testsupport::contract::Contract;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args.first().and_then(|a| a.parse::<u16>().ok());
    let delay = match args.get(1) {
        Some(ms) => ms.parse::<u64>().ok(),
        None => Some(0),
    };
    let (Some(port), Some(delay)) = (port, delay) else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: contract-proxy MOTO_PORT [PROPAGATION_MS]"
        );
        std::process::exit(2);
    };
    let layer = Contract::start(port);
    layer.set_propagation(Duration::from_millis(delay));
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", layer.port);
    let _ = out.flush();
    let mut reported = 0;
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let refusals = layer.refusals();
        for v in refusals.iter().skip(reported) {
            let _ = writeln!(
                std::io::stderr(),
                "refused {}: {} {} ({})",
                v.operation,
                v.status,
                v.code,
                v.rule
            );
        }
        reported = refusals.len();
    }
}
