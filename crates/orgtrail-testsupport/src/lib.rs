//! Test support for orgtrail's end-to-end tests: a real moto server per test, seeded through the
//! Rust AWS SDK (never by reaching into moto), the orgtrail binary run against it through the
//! AWS contract layer ([`contract`]: moto held to what AWS documents), and moto's request
//! recorder to count the requests that reached AWS (read vs write).
//!
//! Seeding talks to moto directly: it arranges the world as it already is, history included
//! (a trail created while a policy allowed it, say). Everything orgtrail sends goes through the
//! contract layer, unless a test opts out with [`Moto::start_without_contract`], which takes the
//! reason.
#![allow(clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};

pub mod contract;
pub mod proxy;

pub use aws_sdk_cloudtrail as cloudtrail;
pub use aws_sdk_kms as kms;
pub use aws_sdk_organizations as organizations;
pub use aws_sdk_s3 as s3;
pub use aws_sdk_sts as sts;

/// Repository root (this crate lives in crates/orgtrail-testsupport).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn moto_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ORGTRAIL_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let p = repo_root().join(".venv/bin/moto_server");
    assert!(
        p.exists(),
        "moto is not installed: run ./scripts/setup-moto (or ./scripts/test, which does it) first; looked for {}",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// One AWS API request as moto recorded it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// `Service.Operation` for JSON protocols, `Action=` for query protocols, or `S3 METHOD ?sub`.
    pub operation: String,
    /// The request's headers, names lower-cased.
    pub headers: std::collections::BTreeMap<String, String>,
}

impl Request {
    /// Whether the request changes anything.
    pub fn is_write(&self) -> bool {
        let op = self.operation.rsplit(['.', ' ', '=']).next().unwrap_or("");
        if self.operation.starts_with("S3 ") {
            return !matches!(self.method.as_str(), "GET" | "HEAD");
        }
        [
            "Create", "Update", "Put", "Start", "Stop", "Enable", "Disable", "Add", "Remove",
            "Delete", "Register", "Attach", "Tag", "Untag",
        ]
        .iter()
        .any(|p| op.starts_with(p))
    }
}

/// A moto server on 127.0.0.1:<free port> (killed on drop), with the AWS contract layer in
/// front of it unless the test opted out.
pub struct Moto {
    child: Child,
    /// moto's own port and endpoint (seeding, reads of the state).
    pub port: u16,
    pub endpoint: String,
    recording: PathBuf,
    _dir: TempDir,
    pub rt: tokio::runtime::Runtime,
    contract: Option<contract::Contract>,
}

/// A temporary directory removed on drop (no extra dependency for it).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let base = std::env::temp_dir().join(format!(
            "orgtrail-test-{tag}-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos() ^ u128::from(free_port())
        ));
        std::fs::create_dir_all(&base).expect("temp dir");
        TempDir(base)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new("specs")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const ACCESS_KEY: &str = "AKIAORGTRAILTEST0001";
pub const SECRET_KEY: &str = "orgtrail-test-secret-key-never-printed";
/// The management account's e-mail as moto reports it in DescribeOrganization.
pub const MANAGEMENT_EMAIL: &str = "master@example.com";

impl Moto {
    /// Start a fresh moto server (own state) with the AWS contract layer in front of it.
    pub fn start() -> Moto {
        let mut moto = Moto::launch();
        moto.contract = Some(contract::Contract::start(moto.port));
        moto
    }

    /// A moto server that orgtrail talks to directly, without the contract layer. `why` is the
    /// reason the test needs it (required, so that every such test says it).
    pub fn start_without_contract(why: &str) -> Moto {
        assert!(
            why.split_whitespace().count() >= 3,
            "say why this test talks to moto directly"
        );
        Moto::launch()
    }

    /// The contract layer in front of this moto.
    #[track_caller]
    pub fn contract(&self) -> &contract::Contract {
        self.contract
            .as_ref()
            .expect("this test runs without the contract layer")
    }

    /// The endpoint that stands for AWS: the contract layer, or moto for a test without it.
    pub fn aws_endpoint(&self) -> &str {
        self.contract
            .as_ref()
            .map_or(self.endpoint.as_str(), |c| c.endpoint.as_str())
    }

    /// The port that stands for AWS (where a fault or latency proxy forwards to).
    pub fn aws_port(&self) -> u16 {
        self.contract.as_ref().map_or(self.port, |c| c.port)
    }

    fn launch() -> Moto {
        let dir = TempDir::new("moto");
        let recording = dir.path().join("recording.jsonl");
        let port = free_port();
        let child = Command::new(moto_server_bin())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ENABLE_RECORDING", "1")
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if http_status(port, "GET", "/moto-api/data.json").is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _ = std::fs::write(&recording, b"");
        Moto {
            child,
            port,
            endpoint,
            recording,
            _dir: dir,
            rt,
            contract: None,
        }
    }

    /// SDK configuration for seeding, as the management account, straight to moto.
    pub fn config(&self, region: &str) -> SdkConfig {
        self.config_for(
            region,
            &self.endpoint,
            aws_sdk_sts::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"),
        )
    }

    /// SDK configuration with other credentials or another endpoint (e.g. the contract layer).
    pub fn config_for(
        &self,
        region: &str,
        endpoint: &str,
        credentials: aws_sdk_sts::config::Credentials,
    ) -> SdkConfig {
        self.rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(region.to_string()))
                .endpoint_url(endpoint)
                .credentials_provider(credentials)
                .load(),
        )
    }

    /// A new member account of the organization (the caller's) and credentials in it (STS
    /// AssumeRole into its OrganizationAccountAccessRole).
    pub fn member_account(&self, name: &str) -> (String, aws_sdk_sts::config::Credentials) {
        let out = self
            .block_on(
                self.organizations()
                    .create_account()
                    .email(format!("{name}@example.com"))
                    .account_name(name)
                    .send(),
            )
            .expect("create account");
        let account = out
            .create_account_status()
            .and_then(|s| s.account_id())
            .expect("account id")
            .to_string();
        let creds = self.credentials_in(&account);
        (account, creds)
    }

    /// Credentials of a role in `account` (moto maps the assumed role's keys to it).
    pub fn credentials_in(&self, account: &str) -> aws_sdk_sts::config::Credentials {
        let out = self
            .block_on(
                self.sts()
                    .assume_role()
                    .role_arn(format!(
                        "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
                    ))
                    .role_session_name("t")
                    .send(),
            )
            .expect("assume role");
        let c = out.credentials().expect("credentials");
        aws_sdk_sts::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        )
    }

    pub fn cloudtrail(&self, region: &str) -> cloudtrail::Client {
        cloudtrail::Client::new(&self.config(region))
    }
    pub fn s3(&self, region: &str) -> s3::Client {
        let conf = s3::config::Builder::from(&self.config(region))
            .force_path_style(true)
            .build();
        s3::Client::from_conf(conf)
    }
    pub fn kms(&self, region: &str) -> kms::Client {
        kms::Client::new(&self.config(region))
    }
    pub fn organizations(&self) -> organizations::Client {
        organizations::Client::new(&self.config("us-east-1"))
    }
    pub fn sts(&self) -> sts::Client {
        sts::Client::new(&self.config("us-east-1"))
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Create the organization (this account becomes its management account); returns its id.
    pub fn create_org(&self, all_features: bool) -> String {
        let fs = if all_features {
            organizations::types::OrganizationFeatureSet::All
        } else {
            organizations::types::OrganizationFeatureSet::ConsolidatedBilling
        };
        let out = self
            .block_on(
                self.organizations()
                    .create_organization()
                    .feature_set(fs)
                    .send(),
            )
            .expect("create organization");
        out.organization()
            .and_then(|o| o.id())
            .expect("org id")
            .to_string()
    }

    pub fn create_bucket(&self, name: &str, region: &str) {
        let s3c = self.s3(region);
        let mut req = s3c.create_bucket().bucket(name);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(s3::types::BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        self.block_on(req.send()).expect("create bucket");
    }

    pub fn bucket_policy(&self, name: &str, region: &str) -> Option<String> {
        self.block_on(self.s3(region).get_bucket_policy().bucket(name).send())
            .ok()
            .and_then(|o| o.policy().map(str::to_string))
    }

    pub fn put_bucket_policy(&self, name: &str, region: &str, policy: &str) {
        self.block_on(
            self.s3(region)
                .put_bucket_policy()
                .bucket(name)
                .policy(policy)
                .send(),
        )
        .expect("put bucket policy");
    }

    pub fn enable_trusted_access(&self) {
        self.block_on(
            self.organizations()
                .enable_aws_service_access()
                .service_principal("cloudtrail.amazonaws.com")
                .send(),
        )
        .expect("enable trusted access");
    }

    /// The trail as DescribeTrails shows it in `region`.
    pub fn trail(&self, region: &str, name: &str) -> Option<cloudtrail::types::Trail> {
        let out = self
            .block_on(
                self.cloudtrail(region)
                    .describe_trails()
                    .include_shadow_trails(true)
                    .send(),
            )
            .expect("describe trails");
        out.trail_list()
            .iter()
            .find(|t| t.name() == Some(name))
            .cloned()
    }

    pub fn is_logging(&self, region: &str, name_or_arn: &str) -> bool {
        self.block_on(
            self.cloudtrail(region)
                .get_trail_status()
                .name(name_or_arn)
                .send(),
        )
        .expect("trail status")
        .is_logging()
        .unwrap_or(false)
    }

    /// Forget every request recorded so far.
    pub fn reset_requests(&self) {
        let _ = std::fs::write(&self.recording, b"");
    }

    /// The requests moto received since the last reset, leaving out those the contract layer
    /// itself made to read the state (marked with [`contract::wire::MARKER`]).
    pub fn requests(&self) -> Vec<Request> {
        let text = std::fs::read_to_string(&self.recording).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| !is_contract_query(&v["headers"]))
            .map(|v| {
                let method = v["method"].as_str().unwrap_or_default().to_string();
                let url = v["url"].as_str().unwrap_or_default().to_string();
                let headers: std::collections::BTreeMap<String, String> = v["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .map(|(k, v)| {
                                (
                                    k.to_ascii_lowercase(),
                                    v.as_str().unwrap_or_default().to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let target = headers.get("x-amz-target").cloned();
                let raw = v["body"].as_str().unwrap_or_default();
                let body = if v["body_encoded"].as_bool() == Some(true) {
                    String::from_utf8_lossy(&base64_decode(raw)).into_owned()
                } else {
                    raw.to_string()
                };
                let operation = if let Some(t) = target {
                    t
                } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
                    format!("Action={a}")
                } else {
                    let path_q = url.splitn(4, '/').nth(3).unwrap_or_default();
                    let sub = path_q
                        .split_once('?')
                        .map(|(_, q)| q.split(['=', '&']).next().unwrap_or(""))
                        .unwrap_or("");
                    format!("S3 {method} ?{sub}")
                };
                Request {
                    method,
                    url,
                    operation,
                    headers,
                }
            })
            .collect()
    }

    pub fn writes(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_write)
            .collect()
    }

    /// Run the orgtrail binary against this moto server.
    pub fn orgtrail(&self, bin: &str, args: &[&str]) -> Run {
        self.orgtrail_with(bin, args, &[])
    }

    pub fn orgtrail_with(&self, bin: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(bin, args, self.aws_endpoint());
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let out = cmd.output().expect("run orgtrail");
        let run = Run::from(out);
        run.assert_no_secrets(&[ACCESS_KEY, SECRET_KEY, MANAGEMENT_EMAIL]);
        run
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// The orgtrail command with a clean, test-only environment, talking to `endpoint` (moto
    /// itself, or a proxy in front of it).
    pub fn command(&self, bin: &str, args: &[&str], endpoint: &str) -> Command {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .current_dir(repo_root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-2")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }

    /// Run orgtrail against another endpoint (a proxy in front of this moto).
    pub fn orgtrail_via(&self, bin: &str, args: &[&str], endpoint: &str) -> Run {
        let run = Run::from(
            self.command(bin, args, endpoint)
                .output()
                .expect("run orgtrail"),
        );
        run.assert_no_secrets(&[ACCESS_KEY, SECRET_KEY, MANAGEMENT_EMAIL]);
        run
    }

    /// Forget all AWS state (moto's reset API), keeping the server.
    pub fn reset_state(&self) {
        assert_eq!(
            http_status(self.port, "POST", "/moto-api/reset"),
            Some(200),
            "moto reset"
        );
        if let Some(c) = &self.contract {
            c.forget();
        }
        self.reset_requests();
    }
}

/// The outcome of one orgtrail run.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Every run of the suite passes through here: credentials, session tokens and the
    /// management account e-mail never appear in any output.
    #[track_caller]
    pub fn assert_no_secrets(&self, secrets: &[&str]) {
        for s in secrets {
            assert!(
                !self.all().contains(s),
                "orgtrail printed a secret ({s:?}):\n{}",
                self.all()
            );
        }
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        if self.code != code {
            panic!(
                "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
                self.code, self.stdout, self.stderr
            );
        }
        self
    }
    #[track_caller]
    pub fn expect_contains(&self, needle: &str) -> &Run {
        if !self.all().contains(needle) {
            panic!(
                "output lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            );
        }
        self
    }
}

/// Whether a recorded request is one the contract layer made to read moto's state.
fn is_contract_query(headers: &serde_json::Value) -> bool {
    headers.as_object().is_some_and(|h| {
        h.keys()
            .any(|k| k.eq_ignore_ascii_case(contract::wire::MARKER))
    })
}

/// Standard base64 (moto's recorder encodes request bodies with it).
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Minimal HTTP/1.0 request on loopback; returns the status code.
pub fn http_status(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut s =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
            .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    .ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let head = std::str::from_utf8(&buf[..n]).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

/// Write a spec file into `dir` and return its path as a string.
pub fn write_spec(dir: &Path, name: &str, yaml: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, yaml).expect("write spec");
    p.display().to_string()
}
