//! The GitHub Action (action.yml): its script steps run here against moto, with environment
//! variables standing in for GitHub's (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT, ...)
//! and a local HTTP listener standing in for the GitHub API; plus the release script and the
//! installer's checksum check.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use orgtrail_testsupport::{Moto, TempDir, repo_root};
use serde_json::{Value, json};

use crate::{BIN, greenfield};

/// A request the fake GitHub API received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    auth: String,
    body: String,
}

/// A one-thread HTTP listener on loopback answering with `answer(method, path)`; it stops when
/// dropped (the test process ends it).
struct FakeApi {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl FakeApi {
    fn start(answer: impl Fn(&str, &str) -> Value + Send + 'static) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(50) {
                let Ok(mut stream) = stream else { break };
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                let reply = answer(&req.method, &req.path).to_string();
                log.lock().unwrap().push(req);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        });
        FakeApi { url, seen }
    }
    fn requests(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (mut len, mut auth) = (0usize, String::new());
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        match k.to_ascii_lowercase().as_str() {
            "content-length" => len = v.trim().parse().ok()?,
            "authorization" => auth = v.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Received {
        method,
        path,
        auth,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

/// A checkout with `specs/org-trail.yaml` (the repository's own spec) and GitHub's files.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new(event: Value) -> Workspace {
        let dir = TempDir::new("action");
        std::fs::create_dir_all(dir.path().join("specs")).unwrap();
        std::fs::copy(
            repo_root().join("specs/org-trail.yaml"),
            dir.path().join("specs/org-trail.yaml"),
        )
        .unwrap();
        std::fs::write(dir.path().join("event.json"), event.to_string()).unwrap();
        Workspace { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// `GITHUB_OUTPUT` as a map (the last value of a name wins, as on GitHub).
    fn outputs(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(self.path("output"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

fn script(name: &str) -> String {
    repo_root()
        .join("scripts/action")
        .join(name)
        .to_string_lossy()
        .to_string()
}

/// Run an action step as GitHub would: the event, the output files, `env` on top.
fn step(moto: &Moto, ws: &Workspace, program: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd = moto.command(program, &[], moto.aws_endpoint());
    cmd.current_dir(ws.dir.path())
        .env("GITHUB_EVENT_PATH", ws.path("event.json"))
        .env("GITHUB_OUTPUT", ws.path("output"))
        .env("GITHUB_STEP_SUMMARY", ws.path("summary"))
        .env("RUNNER_TEMP", ws.dir.path())
        .env("GITHUB_REPOSITORY", "acme/trails")
        .env("GITHUB_SHA", "0123456789abcdef")
        .env("INPUT_PATHS", "specs/")
        .env("ORGTRAIL", BIN);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{program}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pull_request() -> Value {
    json!({"number": 42, "pull_request": {"number": 42}, "repository": {"default_branch": "main"}})
}

/// Page 1: someone's review and the plan comment posted before (id 7).
fn with_old_comment(method: &str, path: &str) -> Value {
    match (method, path) {
        ("GET", p) if p.ends_with("page=1") => json!([
            {"id": 3, "user": {"login": "octocat"}, "body": "<!-- orgtrail-plan: specs/ -->\nnot the bot's"},
            {"id": 7, "user": {"login": "github-actions[bot]"}, "body": "<!-- orgtrail-plan: specs/ -->\nold plan"}
        ]),
        _ => json!({"id": 7}),
    }
}

fn without_comment(method: &str, _path: &str) -> Value {
    match method {
        "GET" => json!([{"id": 3, "body": "LGTM"}]),
        _ => json!({"id": 8}),
    }
}

#[test]
fn on_a_pull_request_the_action_plans_and_updates_its_one_comment() {
    let (moto, _) = greenfield();
    let ws = Workspace::new(pull_request());
    moto.reset_requests();
    step(
        &moto,
        &ws,
        &script("run.sh"),
        &[("GITHUB_EVENT_NAME", "pull_request")],
    );
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    let out = ws.outputs();
    assert_eq!(out["command"], "plan");
    assert_eq!(out["exit-code"], "0");
    let md = std::fs::read_to_string(&out["markdown-file"]).unwrap();
    assert!(md.contains("| `+ create-trail` |"), "{md}");
    assert!(
        std::fs::read_to_string(ws.path("summary"))
            .unwrap()
            .contains("### orgtrail plan")
    );

    // A comment from an earlier push: found by its marker and updated, never a second one.
    let api = FakeApi::start(with_old_comment);
    let comment_py = script("comment.py");
    run_comment(&moto, &ws, &api, &comment_py);
    let reqs = api.requests();
    let calls: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "GET",
                "/repos/acme/trails/issues/42/comments?per_page=100&page=1"
            ),
            ("PATCH", "/repos/acme/trails/issues/comments/7"),
        ]
    );
    let patch = &reqs[1];
    assert_eq!(patch.auth, "Bearer ghs_test_token");
    let body: Value = serde_json::from_str(&patch.body).unwrap();
    let text = body["body"].as_str().unwrap();
    assert!(
        text.starts_with("<!-- orgtrail-plan: specs/ -->\n### orgtrail plan: specs/"),
        "{text}"
    );
    assert!(text.contains(&md), "the comment carries the plan");
    assert!(text.contains("orgtrail plan of 0123456"), "{text}");

    // No comment yet: one is posted.
    let fresh = FakeApi::start(without_comment);
    run_comment(&moto, &ws, &fresh, &comment_py);
    let posted: Vec<(String, String)> = fresh
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        posted[1],
        (
            "POST".to_string(),
            "/repos/acme/trails/issues/42/comments".to_string()
        )
    );
}

fn run_comment(moto: &Moto, ws: &Workspace, api: &FakeApi, comment_py: &str) {
    let out = ws.outputs();
    let mut cmd = moto.command("python3", &[comment_py], &moto.endpoint);
    cmd.current_dir(ws.dir.path())
        .env("GITHUB_EVENT_PATH", ws.path("event.json"))
        .env("GITHUB_REPOSITORY", "acme/trails")
        .env("GITHUB_SHA", "0123456789abcdef")
        .env("GITHUB_API_URL", &api.url)
        .env("GITHUB_TOKEN", "ghs_test_token")
        .env("INPUT_PATHS", "specs/")
        .env("INPUT_BODY_FILE", &out["markdown-file"]);
    let done = cmd.output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

#[test]
fn on_the_default_branch_the_action_applies_and_on_a_schedule_reports_drift_as_sarif() {
    let (moto, _) = greenfield();
    let push = json!({"repository": {"default_branch": "main"}});
    // A push to another branch only plans.
    let ws = Workspace::new(push.clone());
    moto.reset_requests();
    step(
        &moto,
        &ws,
        &script("run.sh"),
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF", "refs/heads/feature"),
        ],
    );
    assert_eq!(ws.outputs()["command"], "plan");
    assert!(moto.writes().is_empty());

    let ws = Workspace::new(push);
    step(
        &moto,
        &ws,
        &script("run.sh"),
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF", "refs/heads/main"),
        ],
    );
    let out = ws.outputs();
    assert_eq!(
        (out["command"].as_str(), out["exit-code"].as_str()),
        ("apply", "0")
    );
    assert!(moto.is_logging("us-east-2", "my-trail"));

    // Nightly: in sync, then logging stopped out of band is drift (exit 2) in the SARIF file
    // (verify after drift is tested with simulated deliveries in verify.rs).
    let nightly = Workspace::new(json!({}));
    step(
        &moto,
        &nightly,
        &script("run.sh"),
        &[("GITHUB_EVENT_NAME", "schedule"), ("INPUT_VERIFY", "false")],
    );
    assert_eq!(nightly.outputs()["exit-code"], "0");
    moto.block_on(
        moto.cloudtrail("us-east-2")
            .stop_logging()
            .name("my-trail")
            .send(),
    )
    .unwrap();
    let nightly = Workspace::new(json!({}));
    step(
        &moto,
        &nightly,
        &script("run.sh"),
        &[("GITHUB_EVENT_NAME", "schedule"), ("INPUT_VERIFY", "false")],
    );
    let out = nightly.outputs();
    assert_eq!(
        (out["command"].as_str(), out["exit-code"].as_str()),
        ("drift", "2")
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&out["sarif-file"]).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "logging-stopped"),
        "{sarif:#}"
    );
}

/// action.yml as JSON (PyYAML comes with pre-commit in .venv/).
fn action_yml() -> Value {
    yaml_file("action.yml")
}

/// A YAML file of the repository as JSON.
fn yaml_file(rel: &str) -> Value {
    let out = Command::new(repo_root().join(".venv/bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(repo_root().join(rel))
        .output()
        .expect("run ./scripts/setup-linters");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The `INPUT_*` variables a script reads.
fn inputs_read(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<String> = text
        .match_indices("INPUT_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect::<String>()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn action_yml_runs_the_tested_scripts_with_every_input_they_read() {
    let action = action_yml();
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let mut scripts = Vec::new();
    for s in steps.iter().filter(|s| s["run"].is_string()) {
        let run = s["run"].as_str().unwrap();
        let Some(i) = run.find("scripts/action/") else {
            continue;
        };
        let rel: String = run[i..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"')
            .collect();
        let path = repo_root().join(&rel);
        assert!(path.exists(), "{rel}");
        let env = s["env"].as_object().cloned().unwrap_or_default();
        for input in inputs_read(&path) {
            // Optional knobs the action leaves at their defaults.
            if input == "INPUT_DEFAULT_BRANCH" {
                continue;
            }
            assert!(env.contains_key(&input), "{rel} reads {input}: {s:#}");
        }
        scripts.push(rel);
    }
    assert_eq!(
        scripts,
        [
            "scripts/action/install.sh",
            "scripts/action/run.sh",
            "scripts/action/comment.py"
        ]
    );
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        })
        .expect("a SARIF upload step");
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.run.outputs.sarif-file }}"
    );
}

#[allow(
    clippy::too_many_lines,
    reason = "one release-and-install scenario, each step asserted in order"
)]
#[test]
fn the_installer_takes_a_release_binary_only_with_its_checksum() {
    let dir = TempDir::new("release");
    let release = dir.path().join("v0.1.0");
    let out = Command::new(repo_root().join("scripts/release"))
        .args(["--profile", "dev", "--out"])
        .arg(&release)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let asset = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    let sum = std::fs::read_to_string(format!("{asset}.sha256")).unwrap();
    let name = Path::new(&asset)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(sum.ends_with(&format!("  {name}\n")), "{sum}");
    // Serve the release directory as GitHub's download URL would.
    let port = orgtrail_testsupport_free_port();
    let _server = orgtrail_testsupport::Reaped::spawn(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
    );
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let install = |root: &Path| {
        Command::new(script("install.sh"))
            .env("INPUT_VERSION", "0.1.0")
            .env("ORGTRAIL_RELEASE_URL", &base)
            .env("ORGTRAIL_INSTALL_ROOT", root)
            .env("GITHUB_PATH", root.join("path"))
            .output()
            .unwrap()
    };
    let good = dir.path().join("good");
    let ok = install(&good);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("orgtrail 0.1.0"));
    assert_eq!(
        std::fs::read_to_string(good.join("path")).unwrap().trim(),
        good.join("bin").to_string_lossy()
    );
    // A binary that is not the one released is refused.
    std::fs::write(
        format!("{asset}.sha256"),
        format!("{}  {name}\n", "0".repeat(64)),
    )
    .unwrap();
    let bad = dir.path().join("bad");
    let refused = install(&bad);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("does not match"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!bad.join("bin/orgtrail").exists());
}

fn orgtrail_testsupport_free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every example workflow grants what its steps need: an OIDC token for
/// `configure-aws-credentials` (`id-token: write`), and `security-events: write` where the action
/// uploads SARIF (drift and verify on a schedule), `pull-requests: write` where it comments.
#[test]
fn example_workflows_grant_the_permissions_their_steps_need() {
    for rel in [
        "docs/examples/github-actions.yml",
        "docs/examples/fleet-matrix.yml",
    ] {
        let wf = yaml_file(rel);
        let text = std::fs::read_to_string(repo_root().join(rel)).unwrap();
        let perms = &wf["permissions"];
        assert_eq!(perms["contents"], "read", "{rel}: {wf:#}");
        if text.contains("configure-aws-credentials") {
            assert_eq!(
                perms["id-token"], "write",
                "{rel}: OIDC needs id-token: write"
            );
        }
        // The action uploads SARIF on schedule / workflow_dispatch (drift, verify).
        if text.contains("schedule") && text.contains("orgtrail/orgtrail@") {
            assert_eq!(perms["security-events"], "write", "{rel}: SARIF upload");
        }
        if text.contains("pull_request") {
            assert_eq!(perms["pull-requests"], "write", "{rel}: the plan comment");
        }
    }
}

/// The GitHub API of a merged pull request #42 whose plan comment showed the reductions `fp`,
/// labelled `orgtrail-approve-reduction` by `labeler`, who has `permission` on the repository.
fn merged_pr(
    fp: String,
    labeled: bool,
    role: &'static str,
) -> impl Fn(&str, &str) -> Value + Send + 'static {
    merged_pr_at(fp, labeled, role, "2026-12-01T09:30:00Z")
}

/// [`merged_pr`] with the label added at `labeled_at` (the plan comment was last updated at
/// 09:00).
fn merged_pr_at(
    fp: String,
    labeled: bool,
    role: &'static str,
    labeled_at: &'static str,
) -> impl Fn(&str, &str) -> Value + Send + 'static {
    move |_method: &str, path: &str| {
        let labels = if labeled {
            json!([{"name": "orgtrail-approve-reduction"}])
        } else {
            json!([])
        };
        if path.contains("/commits/") && path.ends_with("/pulls") {
            json!([{"number": 42, "merged_at": "2026-12-01T10:00:00Z", "labels": labels}])
        } else if path.contains("/issues/42/events") {
            json!([{"event": "labeled", "label": {"name": "orgtrail-approve-reduction"}, "actor": {"login": "lead"}, "created_at": labeled_at}])
        } else if path.contains("/collaborators/lead/permission") {
            // GitHub's `permission` says `write` for maintain; `role_name` says which.
            let permission = if role == "admin" { "admin" } else { "write" };
            json!({"permission": permission, "role_name": role})
        } else if path.contains("/issues/42/comments") {
            let forged = "<!-- orgtrail-plan: specs/ -->\n<!-- orgtrail-reductions: sha256:0000000000000000000000000000000000000000000000000000000000000000 -->\n";
            json!([
                {"id": 3, "user": {"login": "mallory"}, "updated_at": "2026-12-01T08:00:00Z", "body": forged},
                {"id": 7, "user": {"login": "github-actions[bot]"}, "updated_at": "2026-12-01T09:00:00Z",
                 "body": format!("<!-- orgtrail-plan: specs/ -->\n### orgtrail plan\n<!-- orgtrail-reductions: {fp} -->\n")}
            ])
        } else {
            json!({})
        }
    }
}

/// A coverage reduction reviewed in a pull request (a first retention rule on a bucket that keeps
/// its logs forever) applies on merge only when a maintainer approved it with the label, exactly
/// as the plan comment showed it; a label by someone without maintain permission, or none, and
/// apply refuses with zero writes.
#[test]
fn a_reduction_approved_in_review_applies_on_merge_and_no_other() {
    let (moto, _) = greenfield();
    let push = json!({"repository": {"default_branch": "main"}});
    let base = Workspace::new(push.clone());
    let main = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF", "refs/heads/main"),
    ];
    step(&moto, &base, &script("run.sh"), &main);
    assert_eq!(base.outputs()["exit-code"], "0");
    let reduced = std::fs::read_to_string(repo_root().join("specs/org-trail.yaml"))
        .unwrap()
        .replace(
            "  policy: merge ",
            "  lifecycle: {expire_days: 365}\n  policy: merge ",
        );
    assert!(reduced.contains("expire_days: 365"), "{reduced}");

    // The pull request: the plan comment shows the reduction and its fingerprint.
    let pr = Workspace::new(pull_request());
    std::fs::write(pr.path("specs/org-trail.yaml"), &reduced).unwrap();
    step(
        &moto,
        &pr,
        &script("run.sh"),
        &[("GITHUB_EVENT_NAME", "pull_request")],
    );
    let md = std::fs::read_to_string(&pr.outputs()["markdown-file"]).unwrap();
    let fp = md
        .split("<!-- orgtrail-reductions: ")
        .nth(1)
        .and_then(|r| r.split(" -->").next())
        .expect("the plan comment names the reductions")
        .to_string();
    assert!(md.contains("orgtrail-approve-reduction"), "{md}");

    let merge = |api: &FakeApi| {
        let ws = Workspace::new(push.clone());
        std::fs::write(ws.path("specs/org-trail.yaml"), &reduced).unwrap();
        moto.reset_requests();
        let url = api.url.clone();
        let env = [
            main[0],
            main[1],
            ("GITHUB_API_URL", url.as_str()),
            ("GITHUB_TOKEN", "ghs_test_token"),
        ];
        step(&moto, &ws, &script("run.sh"), &env);
        ws.outputs()["exit-code"].clone()
    };
    // Not approved: no label; then a label by someone with write permission only.
    for api in [
        FakeApi::start(merged_pr(fp.clone(), false, "maintain")),
        FakeApi::start(merged_pr(fp.clone(), true, "write")),
    ] {
        assert_eq!(merge(&api), "1");
        assert!(
            moto.writes().is_empty(),
            "refused with writes: {:?}",
            moto.writes()
        );
    }
    // Approved, but for other reductions than the plan now has: refused.
    let other = format!("sha256:{}", "0".repeat(64));
    assert_eq!(merge(&FakeApi::start(merged_pr(other, true, "admin"))), "1");
    assert!(moto.writes().is_empty());
    // Labelled before the plan comment was last updated (a push after the approval): refused.
    assert_eq!(
        merge(&FakeApi::start(merged_pr_at(
            fp.clone(),
            true,
            "maintain",
            "2026-12-01T08:59:00Z"
        ))),
        "1"
    );
    assert!(moto.writes().is_empty());
    // Approved by a maintainer, exactly as reviewed: applied.
    assert_eq!(merge(&FakeApi::start(merged_pr(fp, true, "maintain"))), "0");
    assert!(!moto.writes().is_empty());
}
