//! The connection to AWS: the loaded configuration, one SDK client per service and region
//! (built on first use, shared by every task of a run), the per-endpoint request slots that
//! bound concurrency and count calls, and the retry rule the SDK's clients share.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::interceptors::InterceptorContext;
use aws_sdk_sts::config::retry::{ClassifyRetry, RetryAction};
use aws_smithy_http_client::tls;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AwsError, ErrorKind, is_html_error_page, transport_kind};
use crate::profile::check_profile;
use crate::role::{Cached, Role};

/// An SDK client (`$sdk` names the SDK crate) from the shared configuration `$config`, where
/// refused calls are final, with the given builder settings (e.g. `region(r)`).
macro_rules! sdk_client {
    ($sdk:ident, $config:expr $(, $setting:ident($value:expr))* $(,)?) => {{
        let conf = $sdk::config::Builder::from($config)
            $(.$setting($value))*
            .retry_classifier($crate::client::RefusedIsFinal)
            .build();
        $sdk::Client::from_conf(conf)
    }};
}
pub(crate) use sdk_client;

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

/// A connection to AWS: one loaded configuration, one client per service and region (built on
/// first use and shared by every task of the run).
#[derive(Clone)]
pub struct Aws {
    pub(crate) config: SdkConfig,
    /// The custom endpoint in use (moto, LocalStack), if any: S3 then needs path-style
    /// addressing, and errors name it.
    pub(crate) custom_endpoint: Option<String>,
    pub(crate) clients: Arc<Clients>,
    /// One request limit per endpoint (`service/region`), created on first use.
    limits: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    max_concurrency: usize,
    calls: Arc<AtomicUsize>,
    /// A connection for the commands that only read: buckets are read as their read role.
    pub(crate) read_only: bool,
}

/// The SDK clients of a run. A client holds its own connection pool, identity cache and
/// endpoint resolver, so building one per call would throw those away.
#[derive(Default)]
pub(crate) struct Clients {
    cloudtrail: Mutex<HashMap<String, aws_sdk_cloudtrail::Client>>,
    pub(crate) s3: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    pub(crate) kms: Mutex<HashMap<String, aws_sdk_kms::Client>>,
    organizations: OnceLock<aws_sdk_organizations::Client>,
    account: OnceLock<aws_sdk_account::Client>,
    sts: OnceLock<aws_sdk_sts::Client>,
    /// Credentials of the roles assumed in this run.
    pub(crate) roles: Mutex<HashMap<Role, Cached>>,
}

/// The client of `region` in `map`, built by `build` the first time.
pub(crate) fn per_region<C: Clone>(
    map: &Mutex<HashMap<String, C>>,
    region: &str,
    build: impl FnOnce(Region) -> C,
) -> C {
    map.lock()
        .expect("no panic while holding a client cache lock")
        .entry(region.to_string())
        .or_insert_with(|| build(Region::new(region.to_string())))
        .clone()
}

/// The SDK retries I/O errors; a refused connection is not worth it (see
/// [`ErrorKind::ConnectionRefused`]). The kind is decided by the same function that converts
/// errors for the user.
#[derive(Debug)]
pub(crate) struct RefusedIsFinal;

impl ClassifyRetry for RefusedIsFinal {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        // An emulator's HTML error page for an operation it lacks: the same every time.
        if let Some(resp) = ctx.response()
            && is_html_error_page(resp.status().as_u16(), resp.body().bytes())
        {
            return RetryAction::RetryForbidden;
        }
        match ctx
            .output_or_error()
            .and_then(Result::err)
            .and_then(|e| e.as_connector_error())
        {
            Some(c) if transport_kind(c) == ErrorKind::ConnectionRefused => {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "orgtrail: a refused connection or an emulator's HTML error page is final"
    }
}

impl Aws {
    /// Load the standard AWS configuration chain. Fails only when a named profile
    /// (`--profile`, `AWS_PROFILE`) is defined in neither shared file.
    pub async fn connect(opts: &AwsOptions) -> Result<Aws, AwsError> {
        if let Some(p) = &opts.profile {
            check_profile(p)?;
        }
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
        let custom_endpoint = config.endpoint_url().map(str::to_string);
        Ok(Aws {
            config,
            custom_endpoint,
            clients: Arc::default(),
            limits: Arc::default(),
            max_concurrency: opts.max_concurrency.max(1),
            calls: Arc::new(AtomicUsize::new(0)),
            read_only: false,
        })
    }

    /// This connection for a command that only reads (plan, drift, verify, import): a bucket is
    /// read as `bucket.read_role_arn` when the spec names one (docs/iam/README.md).
    #[must_use]
    pub fn for_reads(mut self) -> Aws {
        self.read_only = true;
        self
    }

    /// At most this many requests in flight per endpoint (`--max-concurrency`).
    pub(crate) fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// Number of AWS API calls issued so far (each logical call once, SDK retries not counted).
    pub fn call_count(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Name the custom endpoint in a failed call's error (the SDK's errors do not).
    pub(crate) fn located<T>(&self, result: Result<T, AwsError>) -> Result<T, AwsError> {
        result.map_err(|e| e.at_endpoint(self.custom_endpoint.as_deref()))
    }

    /// Wait for a request slot at `endpoint` (`service/region`, or just `service` for the global
    /// ones); the permit is held for the duration of one call.
    pub(crate) async fn slot(&self, endpoint: &str) -> OwnedSemaphorePermit {
        self.count_call();
        self.permit(endpoint).await
    }

    fn count_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// The next page of a paginator, holding a request slot at `endpoint` while it is fetched.
    /// Counted as a call only when one was made (the paginator knows when there is no page).
    pub(crate) async fn next_page<T>(
        &self,
        endpoint: &str,
        page: impl Future<Output = Option<T>>,
    ) -> Option<T> {
        let _s = self.permit(endpoint).await;
        let page = page.await;
        if page.is_some() {
            self.count_call();
        }
        page
    }

    /// A request slot at `endpoint`, without counting a call.
    async fn permit(&self, endpoint: &str) -> OwnedSemaphorePermit {
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

    pub(crate) fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        per_region(&self.clients.cloudtrail, region, |region| {
            sdk_client!(aws_sdk_cloudtrail, &self.config, region(region))
        })
    }

    pub(crate) fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        per_region(&self.clients.s3, region, |region| {
            sdk_client!(
                aws_sdk_s3,
                &self.config,
                region(region),
                force_path_style(self.custom_endpoint.is_some())
            )
        })
    }

    pub(crate) fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        per_region(&self.clients.kms, region, |region| {
            sdk_client!(aws_sdk_kms, &self.config, region(region))
        })
    }

    pub(crate) fn organizations(&self) -> aws_sdk_organizations::Client {
        self.clients
            .organizations
            .get_or_init(|| sdk_client!(aws_sdk_organizations, &self.config))
            .clone()
    }

    /// AWS Account Management (ListRegions): a global service.
    pub(crate) fn account(&self) -> aws_sdk_account::Client {
        self.clients
            .account
            .get_or_init(|| sdk_client!(aws_sdk_account, &self.config))
            .clone()
    }

    pub(crate) fn sts(&self) -> aws_sdk_sts::Client {
        self.clients
            .sts
            .get_or_init(|| sdk_client!(aws_sdk_sts, &self.config))
            .clone()
    }
}
