//! The AWS contract layer: a loopback proxy in front of moto that holds moto to what AWS
//! documents, so that a request AWS would reject is rejected here too, with AWS's error code,
//! HTTP status and body shape, and a request AWS accepts reaches moto unchanged.
//!
//! moto accepts what AWS rejects (a bucket policy with repeated Sids, an organization trail whose
//! bucket policy does not let CloudTrail write, one created while trusted access is off, any
//! account touching any bucket), lacks CloudTrail's delegated-administrator API, answers
//! GetEventSelectors of a trail without selectors with none where AWS answers its default, and
//! is strongly consistent. It also stores the organization's SCPs and RCPs without applying
//! them ([`guardrails`] does) and never hands API calls to EventBridge rules ([`alerts`] does).
//! Each rule, its AWS documentation and its test are listed in docs/aws-contract.md; the rules
//! live in one module per service.
//!
//! The layer reads the state a rule needs from moto itself (as the owning account, with moto's
//! `x-moto-account-id`), marking those requests with [`wire::MARKER`] so that the recorder's
//! request counts leave them out, and it evaluates policies with its own evaluator
//! ([`policy`]), never with orgtrail's code.

pub mod consistency;
pub mod policy;
pub mod wire;
pub mod world;

mod account;
mod alerts;
mod apicall;
mod cloudtrail;
pub mod control;
mod guardrails;
mod kms;
pub mod knobs;
mod organizations;
mod orgpolicy;
pub mod pattern;
mod request;
mod s3;
mod target;
pub mod testkit;

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use wire::{Incoming, Reply};
use world::World;

pub use request::{Cx, Outcome, Shared, Verdict};

pub use knobs::PublicKey;
pub use s3::{MAX_POLICY_BYTES, validate_policy};

/// The contract layer in front of one moto server.
pub struct Contract {
    pub port: u16,
    pub endpoint: String,
    shared: Arc<Shared>,
}

impl Contract {
    /// Listen on a free loopback port and forward to moto on `moto_port`.
    pub fn start(moto_port: u16) -> Contract {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind contract layer");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared {
            moto_port,
            world: World::new(moto_port),
            consistency: Mutex::default(),
            verdicts: Mutex::default(),
            control: knobs::Control::default(),
            managements: Mutex::default(),
        });
        let s = shared.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                thread::spawn(move || {
                    let _ = serve(conn, s);
                });
            }
        });
        Contract {
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    /// For `delay` after EnableAWSServiceAccess, PutBucketPolicy or PutKeyPolicy, CloudTrail and
    /// reads still see the value from before (zero: strongly consistent, the default).
    pub fn set_propagation(&self, delay: Duration) {
        self.shared.consistency().delay = delay;
    }

    /// Forget what the layer learned of moto's state (after moto's reset).
    pub fn forget(&self) {
        self.shared.world.forget();
        self.shared.consistency().forget();
        self.shared.verdicts.lock().expect("lock").clear();
        self.shared.control.forget();
        self.shared.managements.lock().expect("lock").clear();
    }

    /// Replace CloudTrail's public keys of `region` (what ListPublicKeys answers there); the
    /// same as `POST /__contract/cloudtrail/public-keys`.
    pub fn set_public_keys(&self, region: &str, keys: Vec<PublicKey>) {
        self.shared.control.set_public_keys(region, keys);
    }

    /// Organizations reports `account` as joined at `joined` (unix seconds); the same as
    /// `POST /__contract/organizations/joined`.
    pub fn set_joined(&self, account: &str, joined: i64) {
        self.shared.control.set_joined(account, joined);
    }

    /// What the layer refused or answered itself, in order.
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.shared.verdicts.lock().expect("lock").clone()
    }

    /// The verdicts that refused a request (an AWS error).
    pub fn refusals(&self) -> Vec<Verdict> {
        self.verdicts()
            .into_iter()
            .filter(|v| !v.code.is_empty())
            .collect()
    }
}

fn serve(client: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    // One request per connection: every response is sent with `Connection: close`.
    let Some(raw) = crate::proxy::read_request(&mut reader)? else {
        return Ok(());
    };
    let req = Incoming::parse(raw);
    let cx = Cx {
        shared: shared.clone(),
        req,
        caller: OnceLock::new(),
    };
    // The test-control endpoint: tests, never AWS clients (no SigV4, nothing judged).
    let response = if cx.req.path.starts_with("/__contract/") {
        control::handle(&cx)
    } else {
        respond(&cx)
    };
    client.write_all(&response)?;
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

fn judge(cx: &Cx) -> Outcome {
    // The organization's SCPs and RCPs bind before any service's own rules.
    if let Some(denied) = guardrails::check(cx) {
        return denied;
    }
    match cx.req.service.as_str() {
        "s3" => s3::check(cx),
        "cloudtrail" => cloudtrail::check(cx),
        "organizations" => organizations::check(cx),
        "kms" => kms::check(cx),
        "account" => account::check(cx),
        _ => Outcome::forward(),
    }
}

fn respond(cx: &Cx) -> Vec<u8> {
    let response = answer(cx);
    // CloudTrail hands the call, allowed or refused, to EventBridge.
    alerts::deliver(cx, &response);
    response
}

fn answer(cx: &Cx) -> Vec<u8> {
    let head = cx.req.method == "HEAD";
    let port = cx.shared.moto_port;
    match judge(cx) {
        Outcome::Forward {
            as_account: None,
            then: None,
        } => forward(&cx.req.raw, port),
        Outcome::Forward { as_account, then } => {
            let raw = match &as_account {
                Some(a) => cx.req.raw_with_header("x-moto-account-id", a),
                None => cx.req.raw.clone(),
            };
            let reply = Reply::parse(&forward(&raw, port));
            match then {
                Some(f) => f(reply).to_bytes(head),
                None => reply.to_bytes(head),
            }
        }
        Outcome::Reject { rule, reply } | Outcome::Answer { rule, reply } => {
            record(cx, rule, &reply);
            reply.to_bytes(head)
        }
    }
}

fn forward(raw: &[u8], port: u16) -> Vec<u8> {
    crate::proxy::forward(raw, port).unwrap_or_else(|e| {
        Reply::s3_error(502, "ContractLayerUpstream", &e.to_string(), &[]).to_bytes(false)
    })
}

fn record(cx: &Cx, rule: &'static str, reply: &Reply) {
    let code = if reply.is_success() {
        String::new()
    } else {
        error_code(reply)
    };
    let operation = if cx.req.service == "s3" {
        let path = cx.req.path.get(1..).unwrap_or_default();
        let (_, key) = path.split_once('/').unwrap_or(("", ""));
        s3::iam_action(&cx.req.method, key, &cx.req.query).to_string()
    } else {
        cx.req.operation.clone()
    };
    cx.shared.verdicts.lock().expect("lock").push(Verdict {
        rule,
        operation,
        status: reply.status,
        code,
    });
}

/// The AWS error code of a reply: S3's `<Code>` or the JSON `__type`.
pub fn error_code(reply: &Reply) -> String {
    let text = reply.text();
    wire::xml_values(&text, "Code")
        .pop()
        .or_else(|| reply.json_body()["__type"].as_str().map(str::to_string))
        .or_else(|| (reply.status == 404).then(|| "NotFound".to_string()))
        .unwrap_or_default()
}
