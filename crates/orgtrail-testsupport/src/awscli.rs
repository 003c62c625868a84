//! The AWS CLI as a judge: `aws cloudtrail validate-logs` (.venv, installed by
//! scripts/setup-moto) run against an endpoint, its verdict parsed.

use std::process::Command;

use crate::delivery::digest::iso;
use crate::local::{TempDir, repo_root};
use crate::moto::{ACCESS_KEY, SECRET_KEY};

/// What `validate-logs --verbose` said.
#[derive(Debug, Clone, Default)]
pub struct CliVerdict {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
    /// `Digest file … valid` lines (backfill ones too).
    pub valid_digests: usize,
    /// `Log file … valid` lines.
    pub valid_logs: usize,
    /// (reason, S3 key): "not found", "signature verification failed", "has been moved from its
    /// original location", "public key not found", "hash value doesn't match", "unexpected data
    /// after end of compressed stream", "invalid format", …
    pub invalid: Vec<(String, String)>,
    /// "No log files were delivered by CloudTrail between …" lines.
    pub gaps: Vec<String>,
}

const REASONS: &[&str] = &[
    "not found",
    "signature verification failed",
    "has been moved from its original location",
    "public key not found",
    "hash value doesn't match",
    "unexpected data after end of compressed stream",
    "invalid format",
];

impl CliVerdict {
    pub fn parse(exit: i32, stdout: String, stderr: String) -> CliVerdict {
        let mut v = CliVerdict {
            exit,
            ..CliVerdict::default()
        };
        for line in stdout.lines().chain(stderr.lines()) {
            let line = line.strip_prefix("(backfill) ").unwrap_or(line);
            if line.starts_with("No log files were delivered by CloudTrail between") {
                v.gaps.push(line.to_string());
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            let [kind, url, status] = parts[..] else {
                continue;
            };
            let key = url
                .strip_prefix("s3://")
                .and_then(|u| u.split_once('/'))
                .map_or(url, |(_, k)| k)
                .to_string();
            if status == "valid" {
                match kind {
                    "Digest file" => v.valid_digests += 1,
                    "Log file" => v.valid_logs += 1,
                    _ => {}
                }
            } else if let Some(msg) = status.strip_prefix("INVALID: ") {
                let reason = REASONS
                    .iter()
                    .find(|r| msg.starts_with(*r))
                    .map_or(msg, |r| *r);
                v.invalid.push((reason.to_string(), key));
            }
        }
        v.stdout = stdout;
        v.stderr = stderr;
        v
    }

    /// The keys reported invalid for `reason`.
    pub fn invalid_for(&self, reason: &str) -> Vec<&str> {
        self.invalid
            .iter()
            .filter(|(r, _)| r == reason)
            .map(|(_, k)| k.as_str())
            .collect()
    }
}

/// `aws cloudtrail validate-logs --trail-arn … --start-time … --end-time … [--account-id …]
/// --region … --verbose`, against `endpoint` (through AWS_ENDPOINT_URL: the CLI creates its
/// Organizations client before it applies --endpoint-url), with the test credentials.
pub fn validate_logs(
    endpoint: &str,
    trail_arn: &str,
    account: Option<&str>,
    region: &str,
    from: i64,
    to: i64,
) -> CliVerdict {
    let dir = TempDir::new("awscli");
    let config = dir.path().join("config");
    std::fs::write(&config, "[default]\ns3 =\n  addressing_style = path\n").expect("write config");
    let mut cmd = Command::new(repo_root().join(".venv/bin/aws"));
    cmd.args(["cloudtrail", "validate-logs", "--trail-arn", trail_arn])
        .args(["--start-time", &iso(from), "--end-time", &iso(to)])
        .args(["--region", region, "--verbose"]);
    if let Some(a) = account {
        cmd.args(["--account-id", a]);
    }
    let out = cmd
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", &config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        .output()
        .expect("run .venv/bin/aws (scripts/setup-moto installs it)");
    CliVerdict::parse(
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
