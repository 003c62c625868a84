//! What a new user sees with a broken AWS environment: the real binary, no moto, a cleared
//! environment and a temporary home. Each failure is one plain message with a fix, never a dump
//! of SDK internals.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use orgtrail_testsupport::{TempDir, repo_root};

use crate::BIN;

struct Run {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// `orgtrail plan specs/org-trail.yaml` with only PATH, HOME, NO_COLOR, instance metadata
/// disabled (no 169.254.169.254 on a laptop) and `env`.
fn plan(home: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(["plan", "specs/org-trail.yaml"])
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("run orgtrail");
    Run {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

impl Run {
    /// Exit 1 with one error and its fix, in plain words.
    fn expect_plain_error(&self) -> &Self {
        assert_eq!(self.code, Some(1), "{}", self.stderr);
        assert!(
            self.stderr.starts_with("error: ") && self.stderr.contains("\n  fix: "),
            "{}",
            self.stderr
        );
        for marker in [
            "DispatchFailure",
            "ConnectorError",
            "Some(",
            "{ ",
            "panicked",
        ] {
            assert!(
                !self.stderr.contains(marker),
                "debug output `{marker}` reached the user:\n{}",
                self.stderr
            );
        }
        self
    }

    /// The message holds `text` as a person reads it: wrapped lines (a hanging indent) join.
    fn expect_contains(&self, text: &str) -> &Self {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat(&self.stderr).contains(&flat(text)),
            "`{text}` not in:\n{}",
            self.stderr
        );
        self
    }
}

#[test]
fn a_refused_endpoint_fails_within_seconds_in_one_sentence_naming_the_endpoint() {
    let home = TempDir::new("home");
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = plan(
        home.path(),
        &[
            ("AWS_ACCESS_KEY_ID", "x"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    );
    run.expect_plain_error()
        .expect_contains(&format!(
            "failed: cannot connect to {endpoint} (connection refused)\n"
        ))
        .expect_contains("AWS_ENDPOINT_URL");
    // Lines a wrap continues start with its hanging indent; the fix line with `  fix:`.
    let statements = run
        .stderr
        .lines()
        .filter(|l| !l.starts_with("    "))
        .count();
    assert_eq!(statements, 2, "one sentence and its fix:\n{}", run.stderr);
    assert!(
        run.took < Duration::from_secs(10),
        "a refused connection took {:?} to report (it is not retried)",
        run.took
    );
}

#[test]
fn an_unknown_profile_is_named_with_the_shared_files_searched() {
    let home = TempDir::new("home");
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    let run = plan(home.path(), &[("AWS_PROFILE", "nosuch")]);
    run.expect_plain_error()
        .expect_contains(&format!(
            "AWS profile `nosuch` not found: searched {} and {} (no such file)",
            aws.join("config").display(),
            aws.join("credentials").display()
        ))
        .expect_contains("(default, dev)")
        .expect_contains("aws configure --profile nosuch");
    assert!(!run.stderr.contains("IMDS"), "{}", run.stderr);

    // AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move the files; --profile names it too.
    let config = home.path().join("team-config");
    std::fs::write(&config, "[profile ops]\n").unwrap();
    let credentials = home.path().join("team-credentials");
    let run = plan(
        home.path(),
        &[
            ("AWS_PROFILE", "nosuch"),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ],
    );
    run.expect_plain_error().expect_contains(&format!(
        "searched {} (from AWS_CONFIG_FILE) and {} (from AWS_SHARED_CREDENTIALS_FILE, no such file)",
        config.display(),
        credentials.display()
    ));
}

#[test]
fn no_credentials_lists_every_source_the_chain_tried() {
    let home = TempDir::new("home");
    let run = plan(home.path(), &[("AWS_REGION", "us-east-1")]);
    run.expect_plain_error()
        .expect_contains("no credentials found")
        .expect_contains("AWS_ACCESS_KEY_ID");
    for source in [
        "Environment",
        "Profile",
        "WebIdentityToken",
        "EcsContainer",
        "Ec2InstanceMetadata",
    ] {
        run.expect_contains(&format!("\n    {source}: "));
    }
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
}

/// An endpoint that does not implement a call (plain moto has no CloudTrail delegated-
/// administrator API and answers it with Werkzeug's HTML "500 Internal Server Error" page,
/// reproduced by the fault proxy in front of the contract layer) fails at once, saying so and
/// pointing at the contract layer: no minute of retries on HTTP 500.
#[test]
fn an_endpoint_that_does_not_implement_a_call_fails_at_once_saying_so() {
    use orgtrail_testsupport::proxy::{FaultProxy, Mode};
    let (moto, _) = crate::greenfield();
    let (member, _) = moto.member_account("admin");
    let proxy = FaultProxy::start(
        moto.aws_port(),
        Mode::Unimplemented {
            operation: "RegisterOrganizationDelegatedAdmin",
        },
    );
    let specs = crate::Specs::new();
    let spec = specs.write(
        "admins.yaml",
        &format!(
            "version: 1\norganization:\n  delegated_administrators: [\"{member}\"]\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n"
        ),
    );
    let started = Instant::now();
    moto.orgtrail_via(BIN, &["apply", &spec, "--auto-approve"], &proxy.endpoint)
        .expect_code(1)
        .expect_contains("does not implement that operation")
        .expect_contains("./scripts/try");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
}
