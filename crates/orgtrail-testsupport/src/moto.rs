//! A moto server per test (killed on drop), seeded through the Rust AWS SDK, with the AWS
//! contract layer in front of it unless the test opted out; the orgtrail binary run against it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::contract;
use crate::local::{TempDir, free_port, http_status, moto_server_bin, repo_root};
use crate::run::Run;
use crate::{cloudtrail, kms, organizations, s3, sts};

/// front of it unless the test opted out.
pub struct Moto {
    child: Child,
    /// moto's own port and endpoint (seeding, reads of the state).
    pub port: u16,
    pub endpoint: String,
    pub(crate) recording: PathBuf,
    _dir: TempDir,
    pub rt: tokio::runtime::Runtime,
    contract: Option<contract::Contract>,
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
}

impl Moto {
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
