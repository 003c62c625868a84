//! Helpers for tests of the guardrails and alerts the layer enforces and delivers: the AWS CLI
//! (`.venv/bin/aws`, installed by scripts/setup-moto) as any principal through any endpoint, a
//! role assumed in any account, and an alert topic whose SQS queue a test reads. The CLI stands
//! in for the SDK crates the suite does not link (EventBridge, SNS, SQS).

use std::process::Command;

use serde_json::{Value, json};

use crate::local::repo_root;
use crate::moto::{ACCESS_KEY, Moto, SECRET_KEY};
use crate::sts::config::Credentials;

/// The AWS CLI as one principal, in one region, through one endpoint.
#[derive(Clone)]
pub struct Cli {
    pub endpoint: String,
    pub region: String,
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

impl Cli {
    /// As the management account (the suite's test keys).
    pub fn new(endpoint: &str, region: &str) -> Cli {
        Cli {
            endpoint: endpoint.to_string(),
            region: region.to_string(),
            access_key: ACCESS_KEY.to_string(),
            secret_key: SECRET_KEY.to_string(),
            session_token: None,
        }
    }

    /// The same CLI with other credentials (e.g. from [`assume`] or `Moto::credentials_in`).
    pub fn as_principal(&self, creds: &Credentials) -> Cli {
        Cli {
            access_key: creds.access_key_id().to_string(),
            secret_key: creds.secret_access_key().to_string(),
            session_token: creds.session_token().map(str::to_string),
            ..self.clone()
        }
    }

    /// `aws <args> --output json`: the parsed answer (`Null` when it prints nothing), or the
    /// CLI's error text.
    pub fn run(&self, args: &[&str]) -> Result<Value, String> {
        let mut cmd = Command::new(repo_root().join(".venv/bin/aws"));
        cmd.args(args)
            .args(["--output", "json", "--region", &self.region])
            // Both: the CLI (v1) resolves some services' endpoints (SQS) before it reads
            // AWS_ENDPOINT_URL, and creates some clients before it applies --endpoint-url.
            .args(["--endpoint-url", &self.endpoint])
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", &self.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_key)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .env_remove("AWS_PROFILE");
        match &self.session_token {
            Some(t) => cmd.env("AWS_SESSION_TOKEN", t),
            None => cmd.env_remove("AWS_SESSION_TOKEN"),
        };
        let out = cmd
            .output()
            .expect("run .venv/bin/aws (scripts/setup-moto installs it)");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// [`Cli::run`] that must succeed.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> Value {
        self.run(args)
            .unwrap_or_else(|e| panic!("aws {}: {e}", args.join(" ")))
    }
}

/// Credentials of `role_arn` (any account: moto's AssumeRole needs no role to exist, and the
/// layer knows the caller's account from them).
pub fn assume(moto: &Moto, role_arn: &str) -> Credentials {
    let out = moto
        .block_on(
            moto.sts()
                .assume_role()
                .role_arn(role_arn)
                .role_session_name("test")
                .send(),
        )
        .expect("assume role");
    let c = out.credentials().expect("credentials");
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    )
}

/// An SNS topic EventBridge may publish to, with an SQS queue subscribed, in the CLI's account
/// and region: where a test reads the alerts.
pub struct AlertQueue {
    pub topic_arn: String,
    pub queue_url: String,
}

impl AlertQueue {
    /// Create topic `name` (its policy lets `events.amazonaws.com` publish, as EventBridge
    /// needs), queue `name-queue`, and subscribe the queue to the topic.
    pub fn create(cli: &Cli, name: &str) -> AlertQueue {
        let topic = cli.ok(&["sns", "create-topic", "--name", name]);
        let topic_arn = topic["TopicArn"].as_str().expect("TopicArn").to_string();
        let policy = json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "EventBridgePublishes", "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish", "Resource": topic_arn}]});
        cli.ok(&[
            "sns",
            "set-topic-attributes",
            "--topic-arn",
            &topic_arn,
            "--attribute-name",
            "Policy",
            "--attribute-value",
            &policy.to_string(),
        ]);
        let queue = cli.ok(&[
            "sqs",
            "create-queue",
            "--queue-name",
            &format!("{name}-queue"),
        ]);
        let queue_url = queue["QueueUrl"].as_str().expect("QueueUrl").to_string();
        let attrs = cli.ok(&[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &queue_url,
            "--attribute-names",
            "QueueArn",
        ]);
        let queue_arn = attrs["Attributes"]["QueueArn"].as_str().expect("QueueArn");
        cli.ok(&[
            "sns",
            "subscribe",
            "--topic-arn",
            &topic_arn,
            "--protocol",
            "sqs",
            "--notification-endpoint",
            queue_arn,
        ]);
        AlertQueue {
            topic_arn,
            queue_url,
        }
    }

    /// An ENABLED rule `rule` on the default bus with `pattern`, targeting the topic.
    pub fn route(&self, cli: &Cli, rule: &str, pattern: &Value) {
        cli.ok(&[
            "events",
            "put-rule",
            "--name",
            rule,
            "--event-pattern",
            &pattern.to_string(),
        ]);
        let targets = json!([{"Id": "alerts", "Arn": self.topic_arn}]);
        cli.ok(&[
            "events",
            "put-targets",
            "--rule",
            rule,
            "--targets",
            &targets.to_string(),
        ]);
    }

    /// The events waiting in the queue (each SNS notification's `Message`, parsed), removed
    /// from it.
    pub fn drain(&self, cli: &Cli) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let got = cli.ok(&[
                "sqs",
                "receive-message",
                "--queue-url",
                &self.queue_url,
                "--max-number-of-messages",
                "10",
                "--wait-time-seconds",
                "0",
            ]);
            let messages = got["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            for m in messages {
                let body: Value = serde_json::from_str(m["Body"].as_str().unwrap_or_default())
                    .unwrap_or_default();
                let message = body["Message"].as_str().unwrap_or_default();
                events.push(serde_json::from_str(message).unwrap_or(Value::Null));
                let receipt = m["ReceiptHandle"].as_str().unwrap_or_default();
                cli.ok(&[
                    "sqs",
                    "delete-message",
                    "--queue-url",
                    &self.queue_url,
                    "--receipt-handle",
                    receipt,
                ]);
            }
        }
    }
}
