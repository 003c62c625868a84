//! `trail:` -> [`Trail`]: its name, home region, flags, delivery (S3 prefix, KMS key, SNS,
//! CloudWatch Logs), with the cross-field rules CloudTrail states. Its selectors, insight
//! selectors and tags have converters of their own.

use serde_saphyr::Spanned;

use super::cx::Cx;
use super::fields::Fields;
use super::insights::insight_selectors;
use super::node::Node;
use super::selectors::selectors;
use super::tags::tags;
use crate::model::{CloudWatchLogs, EventVolumes, Trail};
use crate::rules;

const FIELDS: &[&str] = &[
    "name",
    "home_region",
    "organization",
    "multi_region",
    "include_global_service_events",
    "log_file_validation",
    "logging",
    "s3_key_prefix",
    "kms_key_id",
    "kms_role_arn",
    "sns_topic",
    "cloudwatch_logs",
    "event_selectors",
    "advanced_event_selectors",
    "insight_selectors",
    "accept_log_bucket_data_events",
    "tags",
    "expected_events_per_month",
];

pub(super) fn trail(cx: &mut Cx, n: &Spanned<Node>) -> Option<Trail> {
    let f = cx.fields(n, "trail", FIELDS)?;
    let name = cx.checked(&f, "name", Cx::req_string, rules::trail_name);
    let home = cx.checked(&f, "home_region", Cx::req_string, rules::region);
    let organization = cx.bool_or(&f, "organization", true);
    let multi_region = cx.bool_or(&f, "multi_region", true);
    let include_global = global_service_events(cx, &f, multi_region);
    let log_file_validation = cx.bool_or(&f, "log_file_validation", true);
    let logging = cx.bool_or(&f, "logging", true);
    let prefix = cx.checked(&f, "s3_key_prefix", Cx::opt_string, rules::key_prefix);
    let kms = cx.checked(&f, "kms_key_id", Cx::opt_string, rules::kms_key_id);
    let kms_role = kms_role(cx, &f, kms.as_ref().map(|k| k.0.as_str()));
    let sns = cx.checked(&f, "sns_topic", Cx::opt_string, rules::sns_topic);
    let cloudwatch_logs = f.present("cloudwatch_logs").and_then(|c| cloudwatch(cx, c));
    let (event_selectors, advanced) = selectors(cx, &f);
    let insights = match f.map.get("insight_selectors") {
        Some(i) => insight_selectors(cx, i),
        None => Vec::new(),
    };
    let accept_loop = cx.bool_or(&f, "accept_log_bucket_data_events", false);
    let volumes = f
        .present("expected_events_per_month")
        .and_then(|v| event_volumes(cx, v));
    let tags = match f.present("tags") {
        Some(t) => tags(cx, t),
        None => Some(Default::default()),
    };
    Some(Trail {
        name: name?.0,
        home_region: home?.0,
        organization,
        multi_region,
        include_global_service_events: include_global,
        log_file_validation,
        logging,
        s3_key_prefix: prefix.map(|p| p.0),
        kms_key_id: kms.map(|k| k.0),
        kms_role_arn: kms_role,
        sns_topic: sns.map(|s| s.0),
        cloudwatch_logs,
        event_selectors,
        advanced_event_selectors: advanced,
        insight_selectors: insights,
        accept_log_bucket_data_events: accept_loop,
        tags: tags?,
        expected_events_per_month: volumes,
    })
}

/// `include_global_service_events`, which a multi-region trail must keep on.
fn global_service_events(cx: &mut Cx, f: &Fields, multi_region: bool) -> bool {
    let include_global = cx.bool_or(f, "include_global_service_events", true);
    if multi_region && !include_global {
        cx.err(
            f.locate("include_global_service_events"),
            "trail.include_global_service_events",
            "a multi-region trail must include global service events (AWS rejects `false` here)",
            "remove `include_global_service_events: false`, or set `multi_region: false`",
        );
    }
    include_global
}

/// `kms_role_arn`: a role in the account of the key `kms` (which must be a key ARN, the only
/// form that names its account).
fn kms_role(cx: &mut Cx, f: &Fields, kms: Option<&str>) -> Option<String> {
    let (r, at) = cx.opt_string(f, "kms_role_arn")?;
    cx.check(&at, "trail.kms_role_arn", rules::role_arn(&r));
    match kms.map(rules::kms_key_arn_parts) {
        Some(Some((_, key_account))) if rules::role_account(&r) != Some(key_account) => cx.err(
            &at,
            "trail.kms_role_arn",
            format!("role {r} is not in the key's account {key_account}"),
            "use a role in the account that owns the key (the security account)",
        ),
        Some(Some(_)) => {}
        _ => cx.err(
            &at,
            "trail.kms_role_arn",
            "`kms_role_arn` needs `kms_key_id` to be a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`)",
            "write the key's ARN in `trail.kms_key_id`",
        ),
    }
    Some(r)
}

fn cloudwatch(cx: &mut Cx, n: &Spanned<Node>) -> Option<CloudWatchLogs> {
    let f = cx.fields(n, "trail.cloudwatch_logs", &["log_group_arn", "role_arn"])?;
    let group = cx.checked(&f, "log_group_arn", Cx::req_string, rules::log_group_arn);
    let role = cx.checked(&f, "role_arn", Cx::req_string, rules::role_arn);
    Some(CloudWatchLogs {
        log_group_arn: group?.0,
        role_arn: role?.0,
    })
}

/// `expected_events_per_month`: each kind a whole number of events, at least 0 (an estimate's
/// input: a negative or fractional count is a typo, not a volume).
fn event_volumes(cx: &mut Cx, n: &Spanned<Node>) -> Option<EventVolumes> {
    const KINDS: &[&str] = &["management", "data", "insights", "network"];
    let path = "trail.expected_events_per_month";
    let f = cx.fields(n, path, KINDS)?;
    let mut count = |key: &str| {
        let v = f.present(key)?;
        match &v.value {
            Node::Int(i) if *i >= 0 => u64::try_from(*i).ok(),
            other => {
                let found = match other {
                    Node::Int(i) => i.to_string(),
                    o => o.kind().to_string(),
                };
                cx.err(
                    v,
                    &format!("{path}.{key}"),
                    format!("expected a whole number of events, 0 or more, found {found}"),
                    format!("write the events per month as a whole number, e.g. `{key}: 5000000`"),
                );
                None
            }
        }
    };
    Some(EventVolumes {
        management: count("management"),
        data: count("data"),
        insights: count("insights"),
        network: count("network"),
    })
}
