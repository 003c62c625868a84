//! orgtrail where teams already work: the pre-commit hook as pre-commit runs it, the documented
//! `cargo install`, and the demo that talks from its first second.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orgtrail_testsupport::{TempDir, repo_root};

use crate::BIN;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pre-commit try-repo` of this repository's hooks in a fresh repository, orgtrail on the PATH.
fn pre_commit(dir: &Path, files: &[&str]) -> (i32, String) {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(repo_root().join(".venv/bin/pre-commit"))
        .args(["try-repo"])
        .arg(repo_root())
        .args(["orgtrail-validate", "--files"])
        .args(files)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", dir.join(".cache"))
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("run ./scripts/setup-linters");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_pre_commit_hook_validates_specs_offline_and_fails_on_an_invalid_one() {
    let dir = TempDir::new("pre-commit");
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::create_dir_all(d.join("specs")).unwrap();
    std::fs::copy(
        repo_root().join("specs/org-trail.yaml"),
        d.join("specs/good.yaml"),
    )
    .unwrap();
    std::fs::write(
        d.join("specs/bad.yaml"),
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  multiregion: true\n",
    )
    .unwrap();
    git(d, &["add", "."]);
    let started = Instant::now();
    let (code, out) = pre_commit(d, &["specs/good.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("orgtrail validate") && out.contains("Passed"),
        "{out}"
    );
    let (code, out) = pre_commit(d, &["specs/good.yaml", "specs/bad.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains("specs/bad.yaml:7:3") && out.contains("did you mean `multi_region`"),
        "{out}"
    );
    eprintln!(
        "pre-commit: two hook runs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn cargo_install_from_the_checkout_puts_a_working_orgtrail_in_bin() {
    let root = TempDir::new("install");
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| repo_root().join("target"), std::path::PathBuf::from);
    let started = Instant::now();
    // The documented `cargo install --locked --path crates/orgtrail`, as a debug build reusing
    // this workspace's build (so it only links), offline.
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "install",
            "--locked",
            "--path",
            "crates/orgtrail",
            "--debug",
            "--offline",
            "--root",
        ])
        .arg(root.path())
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = Command::new(root.path().join("bin/orgtrail"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("orgtrail {}", env!("CARGO_PKG_VERSION"))
    );
    eprintln!(
        "cargo install --debug --offline: {:.1} s",
        took.as_secs_f64()
    );
}

#[test]
fn the_demo_talks_from_its_first_second_without_ansi_when_piped() {
    let started = Instant::now();
    let mut child = orgtrail_testsupport::Reaped::spawn(
        Command::new(repo_root().join("scripts/demo"))
            .current_dir(repo_root())
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    let first_output = started.elapsed();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    let all = format!("{}{rest}", first[0] as char);
    assert!(status.success(), "{all}\n{err}");
    assert!(
        first_output < Duration::from_secs(1),
        "first output after {first_output:?}"
    );
    assert!(
        !all.contains('\x1b') && !err.contains('\x1b'),
        "ANSI on a pipe: {all}"
    );
    assert!(all.contains("What you saw"), "{all}");
    assert!(
        all.contains("$ orgtrail apply specs/org-trail.yaml --auto-approve"),
        "{all}"
    );
    assert!(
        all.contains("error [log-modified]") && all.contains("(verify exit code: 2"),
        "the demo ends with verify naming the tampered log: {all}"
    );
    assert_nothing_left_running(&all);
    eprintln!(
        "demo: first output after {:.2} s, done in {:.1} s",
        first_output.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// The processes still running whose command line names `needle`.
fn processes_naming(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            out.push(cmd);
        }
    }
    out
}

/// A script that printed `127.0.0.1:PORT` for its moto left no moto and no contract layer on
/// that port behind.
fn assert_nothing_left_running(output: &str) {
    let port = output
        .split("127.0.0.1:")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .expect("the script names its moto port");
    // A killed process may take a moment to leave the process table.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<String> = processes_naming(&format!(" {port}"))
            .into_iter()
            .filter(|c| c.contains("moto_server") || c.contains("contract-proxy"))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "left running: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `./scripts/try SPEC`: a new user's own spec against the emulator with the contract layer,
/// validate -> plan -> apply -> plan (no changes) -> drift, and nothing left running.
#[test]
fn try_runs_your_own_spec_against_the_emulator_and_stops_what_it_started() {
    let dir = TempDir::new("try");
    let spec = dir.path().join("first.yaml");
    std::fs::write(
        &spec,
        "version: 1\nbucket:\n  name: acme-org-cloudtrail\ntrail:\n  name: org-trail\n  home_region: us-east-1\n",
    )
    .unwrap();
    let out = Command::new(repo_root().join("scripts/try"))
        .arg(&spec)
        .current_dir(repo_root())
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(all.contains("create-trail"), "{all}");
    assert!(all.contains("No changes. Live state matches"), "{all}");
    assert!(
        all.contains("try: applied, and a second plan has no changes"),
        "{all}"
    );
    assert_nothing_left_running(&all);
}
