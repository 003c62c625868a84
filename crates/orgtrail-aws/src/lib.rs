//! orgtrail's AWS boundary: the only crate that names aws-sdk types.
//!
//! It loads the standard AWS configuration (credential chain, `--profile`, `--region`,
//! `AWS_ENDPOINT_URL`), reads the live state concurrently with each read issued once per run,
//! normalises it into `orgtrail_core::LiveState`, and executes plan [`Action`]s, addressing
//! trails by ARN in their home region. It never prints and never decides *what* to change:
//! that is `orgtrail_core::diff`.

mod error;
mod exec;
mod read;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use error::AwsError;
pub use exec::RetryPolicy;

/// How to reach AWS.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
    /// SDK attempts per call (throttling, 5xx, transient network errors).
    pub max_attempts: u32,
    /// At most this many AWS requests in flight per endpoint (service and region). AWS throttles
    /// per account, region and API, so the bound is per endpoint: a run over five regions may have
    /// five times as many requests in flight as a run over one.
    pub max_concurrency: usize,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(60),
            max_attempts: 5,
            max_concurrency: 16,
        }
    }
}

/// A connection to AWS: one loaded configuration, clients built per region on demand.
#[derive(Clone)]
pub struct Aws {
    config: SdkConfig,
    /// A custom endpoint is in use (moto, LocalStack): S3 then needs path-style addressing.
    custom_endpoint: bool,
    /// One request limit per endpoint (`service/region`), created on first use.
    limits: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    max_concurrency: usize,
    calls: Arc<AtomicUsize>,
}

impl Aws {
    /// Load the standard AWS configuration chain.
    pub async fn connect(opts: &AwsOptions) -> Aws {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(opts.connect_timeout)
                    .read_timeout(opts.operation_timeout)
                    .operation_attempt_timeout(opts.operation_timeout)
                    // Attempts plus the SDK's backoff between them; still bounded.
                    .operation_timeout(
                        opts.operation_timeout * opts.max_attempts.max(1) + Duration::from_secs(30),
                    )
                    .build(),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        // A plain-HTTP endpoint (a local emulator) needs no TLS trust roots, and loading the
        // platform's root certificates costs several milliseconds per run (hundreds of files
        // under /etc/ssl/certs). HTTPS endpoints, AWS itself included, keep the platform roots.
        let endpoint = opts
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        if endpoint.is_some_and(|e| e.starts_with("http://"))
            && let Ok(tls) = tls::TlsContext::builder()
                .with_trust_store(tls::TrustStore::empty())
                .build()
        {
            let client = aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(tls)
                .build_https();
            loader = loader.http_client(client);
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            // Organizations and STS are global; any region works for them. Trail and bucket
            // calls always name their own region.
            config = config
                .into_builder()
                .region(Region::from_static("us-east-1"))
                .build();
        }
        let custom_endpoint = config.endpoint_url().is_some();
        Aws {
            config,
            custom_endpoint,
            limits: Arc::default(),
            max_concurrency: opts.max_concurrency.max(1),
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Number of AWS API calls issued so far (each logical call once, SDK retries not counted).
    pub fn call_count(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Wait for a request slot at `endpoint` (`service/region`, or just `service` for the global
    /// ones); the permit is held for the duration of one call.
    async fn slot(&self, endpoint: &str) -> OwnedSemaphorePermit {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let limit = self
            .limits
            .lock()
            .expect("no panic while holding the limits lock")
            .entry(endpoint.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.max_concurrency)))
            .clone();
        // The semaphore is never closed, so acquire cannot fail.
        limit
            .acquire_owned()
            .await
            .expect("semaphore is never closed")
    }

    fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    }

    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .force_path_style(self.custom_endpoint)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        let conf = aws_sdk_kms::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_kms::Client::from_conf(conf)
    }

    fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.config)
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }
}
