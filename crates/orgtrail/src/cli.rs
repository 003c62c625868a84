//! The command line as data: its definition (clap derive; also the source of completions and the
//! man page) and the exit codes. Parses nothing by hand and runs nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes: 0 success / no changes, 1 error, 2 changes or drift present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    Changes = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "orgtrail",
    version,
    about = "Keep an AWS CloudTrail organization trail exactly as a Git repository says",
    long_about = "orgtrail reads a YAML spec (the organization trail, its S3 bucket and policy, and the AWS Organizations prerequisites), reads the live state from AWS, prints a reviewable plan, and applies it idempotently."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Disable colour (also NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More output (-v: API call counts and timings)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How to reach AWS: only the subcommands that call AWS take these (validate, schema, man,
/// completions and iam-policy are offline and do not list them).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS profile (shared config/credentials files)
    #[arg(long, env = "AWS_PROFILE", hide_env_values = true)]
    pub profile: Option<String>,
    /// Region for Organizations/STS calls; trail calls always go to the trail's home region
    #[arg(long)]
    pub region: Option<String>,
    /// Custom AWS endpoint (also AWS_ENDPOINT_URL), e.g. a local moto server
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Connect timeout per AWS request, in seconds
    #[arg(long, default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Timeout per AWS request attempt, in seconds
    #[arg(long, default_value_t = 60.0)]
    pub operation_timeout: f64,
    /// Attempts per AWS call (throttling, 5xx and network errors are retried)
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,
    /// At most this many AWS requests in flight per endpoint (service and region)
    #[arg(long, default_value_t = 16)]
    pub max_concurrency: usize,
}

/// What a subcommand that calls AWS is given: its AWS flags and the verbosity.
#[derive(Debug, Clone)]
pub struct Global {
    pub aws: AwsArgs,
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    Text,
    Markdown,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IamFor {
    /// plan, drift and import: reads only
    Plan,
    /// apply: the reads and every write apply may make
    Apply,
    /// verify: the organization's accounts and regions, the public keys, reading the trail's files
    Verify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyArg {
    Merge,
    Verify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

// The argument structs below carry no doc comment of their own: a subcommand's help text is the
// doc comment of its `Command` variant.

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check spec files offline (no AWS calls)
    Validate {
        /// Spec files or directories of *.yaml / *.yml
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of spec v1
    Schema,
    /// Read live state and print what apply would do
    Plan(PlanArgs),
    /// Apply the plan: one run converges, a second does nothing
    Apply(ApplyArgs),
    /// Read-only drift detection: exit 0 in sync, 2 drift, 1 error
    Drift(DriftArgs),
    /// Print a spec v1 for an existing trail, so plan reports no changes
    Import(ImportArgs),
    /// Prove every account's logs arrived, complete and untampered: exit 0 verified, 2 gaps or
    /// tampering, 1 error
    Verify(VerifyArgs),
    /// Print the least-privilege IAM policy a CI role needs for these specs (offline)
    #[command(name = "iam-policy")]
    IamPolicy(IamPolicyArgs),
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Spec files or directories of *.yaml / *.yml
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Also save the plan (JSON) for `orgtrail apply PLAN.json`
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes (0 none, 1 error)
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Spec files/directories, or one saved plan (.json) from `plan --out`
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Do not ask for confirmation (required without a TTY)
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow steps that reduce audit coverage (stop logging, single region, ...)
    #[arg(long)]
    pub allow_coverage_reduction: bool,
    /// Allow enabling all features in AWS Organizations (irreversible; sends handshakes)
    #[arg(long)]
    pub allow_enable_all_features: bool,
    /// Allow exactly the coverage reductions a review approved: the fingerprint `plan` shows
    /// (sha256:...); any other reduction is still refused
    #[arg(long, value_name = "FINGERPRINT")]
    pub approved_reductions: Option<String>,
    /// Seconds to keep retrying eventual-consistency errors after a policy/trust change
    #[arg(long, default_value_t = 60.0)]
    pub retry_budget: f64,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Spec files or directories of *.yaml / *.yml
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Spec files or directories of *.yaml / *.yml (each spec's trail is verified)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The window: the last DURATION (`24h`, `7d`, `90m`) up to the last hour whose digest is due
    #[arg(long, default_value = "24h", conflicts_with_all = ["from", "to"])]
    pub since: String,
    /// Start of the window (RFC 3339, e.g. 2026-12-01T00:00:00Z); whole hours are judged
    #[arg(long)]
    pub from: Option<String>,
    /// End of the window (RFC 3339; default: the last hour whose digest is due)
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Also validate the digest chain and every log file, as `aws cloudtrail validate-logs` does
    #[arg(long)]
    pub validate: bool,
    /// Only these accounts (comma-separated ids)
    #[arg(long, value_delimiter = ',')]
    pub accounts: Option<Vec<String>>,
    /// Only these regions (comma-separated)
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Trail name
    #[arg(long)]
    pub trail: String,
    /// The trail's home region (default: --region / the profile's region)
    #[arg(long)]
    pub home_region: Option<String>,
    #[arg(long, value_enum, default_value_t = PolicyArg::Merge)]
    pub bucket_policy: PolicyArg,
    /// The account that owns the trail's bucket, when it is not the management account
    /// (a log-archive account)
    #[arg(long)]
    pub bucket_account: Option<String>,
    /// A role in the bucket's account that orgtrail assumes to read and write the bucket
    #[arg(long)]
    pub bucket_role_arn: Option<String>,
    /// The external id the bucket role requires
    #[arg(long, requires = "bucket_role_arn")]
    pub bucket_external_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// Spec files or directories of *.yaml / *.yml
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The command the role runs
    #[arg(long = "for", value_enum)]
    pub purpose: IamFor,
    /// Whose policy: `management` (the CI role itself), a role ARN the specs name
    /// (`bucket.role_arn`, `trail.kms_role_arn`), or `all` (an object keyed by role)
    #[arg(long, default_value = "management")]
    pub role: String,
    /// The account of the trails (the management account) and of keys named by id or
    /// alias; default: any account (`*`)
    #[arg(long)]
    pub account: Option<String>,
    /// AWS partition of the ARNs
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// Also grant organizations:EnableAllFeatures (apply calls it only with its own
    /// --allow-enable-all-features; an organization with all features never needs it)
    #[arg(long)]
    pub allow_enable_all_features: bool,
    /// Print the role's trust policy instead of its permissions: for `management` (the CI role)
    /// GitHub's OIDC provider for the jobs of `--for` (needs --github-repo and --account); for a
    /// bucket or key role, the CI roles given with --ci-role
    #[arg(long)]
    pub trust: bool,
    /// The GitHub repository (owner/name) whose workflows assume the CI role (with --trust)
    #[arg(long, requires = "trust")]
    pub github_repo: Option<String>,
    /// The GitHub environment of the apply job (with --trust --for apply)
    #[arg(long, default_value = "production", requires = "trust")]
    pub environment: String,
    /// The default branch, where the nightly drift and verify jobs run (with --trust)
    #[arg(long, default_value = "main", requires = "trust")]
    pub branch: String,
    /// A CI role that assumes the bucket or key role (with --trust --role ARN); repeatable
    #[arg(long = "ci-role", requires = "trust")]
    pub ci_roles: Vec<String>,
}
