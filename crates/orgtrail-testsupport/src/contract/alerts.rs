//! EventBridge rules fed by CloudTrail ("AWS API Call via CloudTrail"), delivered by the layer:
//! moto's EventBridge never sees API calls and cannot deliver to SNS. After the layer knows its
//! answer to an S3 bucket-configuration, CloudTrail, KMS or CloudWatch Logs call (allowed or
//! refused: CloudTrail records refused calls with their `errorCode`), it builds the event
//! ([`super::apicall`]) for the caller's account and, for a cross-account call, the resource
//! owner's ("EventBridge ... resource owners can monitor cross-account API calls"), matches it
//! against the ENABLED rules of that account's default bus in the request's region
//! ([`super::pattern`]), and publishes it to each SNS topic target (SQS queue targets: sent).
//!
//! As AWS: only with a logging trail that records the account's events in that region ("To
//! record events with a detail-type value of AWS API Call via CloudTrail, a CloudTrail trail
//! with logging enabled is required"); read-only calls only to rules in state
//! ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; a target only when its resource policy lets
//! `events.amazonaws.com` publish (else EventBridge's invocation fails, nothing arrives).
//!
//! Delivered before the layer answers, so a test reads the queue as soon as the call returns
//! (AWS delivers within seconds; immediately is the case a test can rely on). Nothing here can
//! fail the user's request. Cost: one ListRules per account for each such call; the rest only
//! when a rule matches.

use serde_json::{Value, json};

use super::policy::{self, Decision, Principal, Request};
use super::request::Cx;
use super::wire::{Query, Reply, ask, percent_encode, xml_values};

/// Hand the event of this call (answered with `response`) to the matching rules' targets.
pub fn deliver(cx: &Cx, response: &[u8]) {
    let Some((name, read_only)) = super::apicall::event_name(cx) else {
        return;
    };
    let reply = Reply::parse(response);
    // A redirect or an unreachable moto: the call never reached the service.
    if reply.status == 301 || reply.status == 0 || reply.status >= 500 {
        return;
    }
    let Some(target) = super::target::of(cx) else {
        return;
    };
    let caller = cx.caller().account.clone();
    let mut recipients = vec![caller.clone()];
    if target.owner != caller && target.owner.len() == 12 {
        recipients.push(target.owner.clone());
    }
    for account in recipients {
        let rules = rules(cx, &account, read_only);
        if rules.is_empty() {
            continue;
        }
        let event = super::apicall::event(cx, &target, &name, &reply, &account);
        let matching: Vec<&Value> = rules
            .iter()
            .filter(|r| pattern_of(r).is_some_and(|p| super::pattern::matches(&p, &event)))
            .collect();
        if matching.is_empty() || !recorded(cx, &account) {
            continue;
        }
        for rule in matching {
            publish_to_targets(cx, &account, rule, &event);
        }
    }
}

/// A JSON-protocol call to moto (EventBridge) as `account`.
fn events_call(cx: &Cx, account: &str, op: &str, body: Value) -> Value {
    let target = format!("AWSEvents.{op}");
    let q = Query::json("events", &cx.req.region, &target, body).as_account(account);
    ask(cx.shared.moto_port, &q)
        .map(|r| r.json_body())
        .unwrap_or(Value::Null)
}

/// The rules on `account`'s default bus in the request's region that receive this call.
fn rules(cx: &Cx, account: &str, read_only: bool) -> Vec<Value> {
    let mut out = Vec::new();
    let mut body = json!({});
    loop {
        let r = events_call(cx, account, "ListRules", body.clone());
        out.extend(r["Rules"].as_array().cloned().unwrap_or_default());
        match r["NextToken"].as_str() {
            Some(t) if !t.is_empty() => body["NextToken"] = json!(t),
            _ => break,
        }
    }
    out.retain(|r| match r["State"].as_str() {
        Some("ENABLED") => !read_only,
        Some("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") => true,
        _ => false,
    });
    out
}

fn pattern_of(rule: &Value) -> Option<Value> {
    serde_json::from_str(rule["EventPattern"].as_str()?).ok()
}

/// Whether a logging trail records `account`'s events in the request's region: one of its own
/// (in this region, or multi-region), or its organization's organization trail.
fn recorded(cx: &Cx, account: &str) -> bool {
    let region = cx.req.region.as_str();
    let mut owners = vec![account.to_string()];
    if let Some(org) = cx.world().organization(account)
        && org.management != account
    {
        owners.push(org.management);
    }
    owners.iter().any(|owner| {
        cx.world().trails(owner, region).iter().any(|t| {
            let covers = t["HomeRegion"] == region || t["IsMultiRegionTrail"] == true;
            let reaches = owner == account || t["IsOrganizationTrail"] == true;
            covers && reaches && logging(cx, owner, t)
        })
    })
}

fn logging(cx: &Cx, owner: &str, trail: &Value) -> bool {
    let (Some(arn), Some(home)) = (trail["TrailARN"].as_str(), trail["HomeRegion"].as_str()) else {
        return false;
    };
    let r = cx.world().call(
        owner,
        home,
        "CloudTrail_20131101.GetTrailStatus",
        json!({"Name": arn}),
    );
    r.json_body()["IsLogging"] == true
}

fn publish_to_targets(cx: &Cx, account: &str, rule: &Value, event: &Value) {
    let Some(name) = rule["Name"].as_str() else {
        return;
    };
    let rule_arn = rule["Arn"].as_str().unwrap_or_default();
    let targets = events_call(cx, account, "ListTargetsByRule", json!({"Rule": name}));
    for t in targets["Targets"].as_array().into_iter().flatten() {
        let Some(arn) = t["Arn"].as_str() else {
            continue;
        };
        // A constant `Input` replaces the event ("PutTargets", EventBridge API Reference).
        let message = t["Input"]
            .as_str()
            .map_or_else(|| event.to_string(), str::to_string);
        let role = t["RoleArn"].as_str();
        let _ = send(cx, arn, &message, rule_arn, account, role);
    }
}

/// Publish to an SNS topic or send to an SQS queue, as the resource's account, when its policy
/// lets EventBridge do it for this rule ("Using resource-based policies for Amazon
/// EventBridge": SNS and SQS targets need one). A target in another region gets nothing; one
/// in another account only through the rule's execution role, which its policy must let
/// ("Sending events to an AWS service in another account": "EventBridge supports sending
/// events to cross-account targets in the same Region", "Specify an execution role").
fn send(
    cx: &Cx,
    arn: &str,
    message: &str,
    rule_arn: &str,
    account: &str,
    role: Option<&str>,
) -> Option<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, region, owner, name] = parts[..] else {
        return None;
    };
    if region != cx.req.region {
        return None;
    }
    let (action, body) = match service {
        "sns" => (
            "sns:Publish",
            format!(
                "Action=Publish&TopicArn={}&Message={}&Version=2010-03-31",
                percent_encode(arn),
                percent_encode(message)
            ),
        ),
        "sqs" => (
            "sqs:SendMessage",
            format!(
                "Action=SendMessage&QueueUrl={}&MessageBody={}&Version=2012-11-05",
                percent_encode(&queue_url(region, owner, name)),
                percent_encode(message)
            ),
        ),
        _ => return None,
    };
    let policy = resource_policy(cx, service, region, owner, arn, name)?;
    let req = if owner == account {
        Request::new(
            Principal::Service("events.amazonaws.com".into()),
            action,
            arn,
        )
        .with("aws:SourceArn", rule_arn)
        .with("aws:SourceAccount", account)
    } else {
        let role = role.filter(|r| r.split(':').nth(4) == Some(account))?;
        if !events_may_assume(cx, account, role) {
            return None;
        }
        Request::new(
            Principal::Account {
                account: account.to_string(),
                arn: role.to_string(),
            },
            action,
            arn,
        )
        .with("aws:PrincipalArn", role)
        .with("aws:PrincipalAccount", account)
    }
    .with("aws:SecureTransport", "true");
    if policy::evaluate(&policy, &req) != Ok(Decision::Allow) {
        return None;
    }
    query(cx, service, region, owner, body);
    Some(())
}

/// Whether the execution role exists in the rule's account and trusts EventBridge ("Specify an
/// execution role": "the following policy allows the EventBridge service to assume the
/// execution role").
fn events_may_assume(cx: &Cx, account: &str, role: &str) -> bool {
    let name = role.rsplit('/').next().unwrap_or_default();
    let Some(trust) = cx.world().role_trust(account, name) else {
        return false;
    };
    let req = Request::new(
        Principal::Service("events.amazonaws.com".into()),
        "sts:AssumeRole",
        role,
    );
    policy::evaluate(&trust, &req) == Ok(Decision::Allow)
}

fn queue_url(region: &str, owner: &str, name: &str) -> String {
    format!("https://sqs.{region}.amazonaws.com/{owner}/{name}")
}

/// The topic's or queue's `Policy` attribute.
fn resource_policy(
    cx: &Cx,
    service: &str,
    region: &str,
    owner: &str,
    arn: &str,
    name: &str,
) -> Option<String> {
    let (body, entry, key, value) = match service {
        "sns" => (
            format!(
                "Action=GetTopicAttributes&TopicArn={}&Version=2010-03-31",
                percent_encode(arn)
            ),
            "entry",
            "key",
            "value",
        ),
        _ => (
            format!(
                "Action=GetQueueAttributes&QueueUrl={}&AttributeName.1=Policy&Version=2012-11-05",
                percent_encode(&queue_url(region, owner, name))
            ),
            "Attribute",
            "Name",
            "Value",
        ),
    };
    let text = query(cx, service, region, owner, body)?.text();
    xml_entries(&text, entry, key, value)
        .into_iter()
        .find(|(k, _)| k == "Policy")
        .map(|(_, v)| v)
}

fn xml_entries(xml: &str, entry: &str, key: &str, value: &str) -> Vec<(String, String)> {
    let (open, close) = (format!("<{entry}>"), format!("</{entry}>"));
    xml.split(&open)
        .skip(1)
        .filter_map(|chunk| chunk.split(&close).next())
        .filter_map(|e| {
            let k = xml_values(e, key).pop()?;
            let v = xml_values(e, value).pop()?;
            Some((k, v))
        })
        .collect()
}

/// A query-protocol call to moto as `account`.
fn query(cx: &Cx, service: &str, region: &str, account: &str, body: String) -> Option<Reply> {
    let mut q = Query::new("POST", "/", service, region).as_account(account);
    q.body = body.into_bytes();
    ask(cx.shared.moto_port, &q).ok().filter(Reply::is_success)
}
