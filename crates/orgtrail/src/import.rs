//! `orgtrail import`: read a live trail and print a spec v1 that makes `plan` report no changes.
//! Comments mark the values that are defaults, so a reviewer sees what is a real choice.

use anyhow::{Result, anyhow, bail};
use orgtrail_aws::Aws;
use orgtrail_core::{BucketRef, LiveState, LogDestination, Selectors, TrailState};
use orgtrail_spec::{
    Bucket, InsightCategory, InsightSelector, Organization, PolicyMode, Spec, Trail,
};

use crate::cli::PolicyArg;

/// A spec naming just the trail; the reads only need its name and home region.
fn provisional(trail: &str, region: &str) -> Spec {
    Spec {
        version: 1,
        organization: Organization::default(),
        bucket: Bucket {
            name: String::new(),
            region: None,
            create: false,
            policy: PolicyMode::Merge,
            account: None,
            role_arn: None,
            external_id: None,
            public_access_block: false,
            ownership: None,
            encryption: None,
            versioning: false,
            lifecycle: None,
            object_lock: None,
            access_logging: None,
            require_tls: false,
        },
        trail: Trail {
            name: trail.to_string(),
            home_region: region.to_string(),
            organization: true,
            multi_region: true,
            include_global_service_events: true,
            log_file_validation: true,
            logging: true,
            s3_key_prefix: None,
            kms_key_id: None,
            kms_role_arn: None,
            sns_topic: None,
            cloudwatch_logs: None,
            event_selectors: None,
            advanced_event_selectors: None,
            insight_selectors: Vec::new(),
            accept_log_bucket_data_events: false,
            tags: Default::default(),
        },
    }
}

/// A YAML scalar: JSON string syntax is valid YAML double-quoted style.
fn q(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:*".contains(c))
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && s.parse::<f64>().is_err()
        && !s.starts_with(['*', '-', ':']);
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn flag(out: &mut String, indent: &str, key: &str, v: bool, default: bool) {
    let note = if v == default { "  # default" } else { "" };
    out.push_str(&format!("{indent}{key}: {v}{note}\n"));
}

fn list(out: &mut String, indent: &str, key: &str, v: &[String]) {
    if !v.is_empty() {
        let items: Vec<String> = v.iter().map(|s| q(s)).collect();
        out.push_str(&format!("{indent}{key}: [{}]\n", items.join(", ")));
    }
}

/// Where the trail's bucket lives when it is not the management account's (`import
/// --bucket-account/--bucket-role-arn`).
#[derive(Debug, Clone, Default)]
pub struct BucketAccount {
    pub account: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

fn bucket_access_lines(o: &mut String, access: &BucketAccount) {
    if let Some(a) = &access.account {
        o.push_str(&format!("  account: \"{a}\"\n"));
    }
    if let Some(r) = &access.role_arn {
        o.push_str(&format!("  role_arn: {}\n", q(r)));
    }
    if let Some(e) = &access.external_id {
        o.push_str(&format!("  external_id: {}\n", q(e)));
    }
}

fn render(
    t: &TrailState,
    live: &LiveState,
    bucket_region: Option<&str>,
    policy: PolicyArg,
    access: &BucketAccount,
) -> String {
    let org = live.organization.as_ref();
    let mut o = String::new();
    o.push_str("# yaml-language-server: $schema=https://raw.githubusercontent.com/orgtrail/orgtrail/main/docs/orgtrail.schema.json\n");
    o.push_str(&format!("# Imported by `orgtrail import` from {}\n", t.arn));
    o.push_str("version: 1\norganization:\n");
    flag(
        &mut o,
        "  ",
        "all_features",
        org.is_some_and(|o| o.all_features),
        true,
    );
    flag(
        &mut o,
        "  ",
        "trusted_access",
        org.is_some_and(|o| o.trusted_access),
        true,
    );
    o.push_str(&format!("bucket:\n  name: {}\n", q(&t.settings.s3_bucket)));
    match bucket_region {
        Some(r) if r != t.home_region => o.push_str(&format!("  region: {}\n", q(r))),
        _ => o.push_str(&format!(
            "  region: {}  # default (the trail's home region)\n",
            q(&t.home_region)
        )),
    }
    bucket_access_lines(&mut o, access);
    o.push_str("  create: false  # default\n");
    // The bucket's protection is left as it is until someone decides to manage it.
    o.push_str("  # protection not managed yet: set these to enforce them (docs/spec.md)\n");
    o.push_str("  public_access_block: false\n  ownership: null\n  versioning: false\n  require_tls: false\n");
    match policy {
        PolicyArg::Merge => o.push_str("  policy: merge  # default\n"),
        PolicyArg::Verify => o.push_str("  policy: verify\n"),
    }
    o.push_str(&format!(
        "trail:\n  name: {}\n  home_region: {}\n",
        q(&t.settings.name),
        q(&t.home_region)
    ));
    flag(&mut o, "  ", "organization", t.settings.organization, true);
    flag(&mut o, "  ", "multi_region", t.settings.multi_region, true);
    flag(
        &mut o,
        "  ",
        "include_global_service_events",
        t.settings.include_global_service_events,
        true,
    );
    flag(
        &mut o,
        "  ",
        "log_file_validation",
        t.settings.log_file_validation,
        true,
    );
    flag(&mut o, "  ", "logging", t.logging, true);
    let opt = |o: &mut String, key: &str, v: &Option<String>| match v {
        Some(s) => o.push_str(&format!("  {key}: {}\n", q(s))),
        None => o.push_str(&format!("  {key}: null  # default\n")),
    };
    opt(&mut o, "s3_key_prefix", &t.settings.s3_key_prefix);
    opt(&mut o, "kms_key_id", &t.settings.kms_key_id);
    opt(&mut o, "sns_topic", &t.settings.sns_topic);
    match &t.settings.cloudwatch_logs {
        Some((g, r)) if !r.is_empty() => o.push_str(&format!(
            "  cloudwatch_logs:\n    log_group_arn: {}\n    role_arn: {}\n",
            q(g),
            q(r)
        )),
        _ => o.push_str("  cloudwatch_logs: null  # default\n"),
    }
    match &t.selectors {
        s if *s == Selectors::aws_default() => {
            o.push_str("  event_selectors: null  # default: all management events\n  advanced_event_selectors: null  # default\n")
        }
        Selectors::Basic(v) => {
            o.push_str("  event_selectors:\n");
            for e in v {
                o.push_str(&format!("    - read_write_type: {}\n", e.read_write_type.as_str()));
                o.push_str(&format!("      include_management_events: {}\n", e.include_management_events));
                list(&mut o, "      ", "exclude_management_event_sources", &e.exclude_management_event_sources);
                if !e.data_resources.is_empty() {
                    o.push_str("      data_resources:\n");
                    for d in &e.data_resources {
                        o.push_str(&format!("        - type: {}\n", q(&d.resource_type)));
                        list(&mut o, "          ", "values", &d.values);
                    }
                }
            }
        }
        Selectors::Advanced(v) => {
            o.push_str("  advanced_event_selectors:\n");
            for a in v {
                match &a.name {
                    Some(n) => o.push_str(&format!("    - name: {}\n      field_selectors:\n", q(n))),
                    None => o.push_str("    - field_selectors:\n"),
                }
                for f in &a.field_selectors {
                    o.push_str(&format!("        - field: {}\n", q(&f.field)));
                    for (k, v) in [
                        ("equals", &f.equals),
                        ("starts_with", &f.starts_with),
                        ("ends_with", &f.ends_with),
                        ("not_equals", &f.not_equals),
                        ("not_starts_with", &f.not_starts_with),
                        ("not_ends_with", &f.not_ends_with),
                    ] {
                        list(&mut o, "          ", k, v);
                    }
                }
            }
        }
    }
    insight_lines(&mut o, &t.insights);
    accept_loop_line(&mut o, t, live, bucket_region);
    if t.settings.tags.is_empty() {
        o.push_str("  tags: {}  # default\n");
    } else {
        o.push_str("  tags:\n");
        for (k, v) in &t.settings.tags {
            o.push_str(&format!(
                "    {}: {}\n",
                q(k),
                serde_json::to_string(v).unwrap_or_default()
            ));
        }
    }
    o
}

/// Insight selectors: a type alone when it analyses management events only (the form that
/// means exactly that), else the type with its event categories.
fn insight_lines(o: &mut String, insights: &[InsightSelector]) {
    if insights.is_empty() {
        o.push_str("  insight_selectors: []  # default\n");
        return;
    }
    let items: Vec<String> = insights
        .iter()
        .map(|i| {
            if i.event_categories == [InsightCategory::Management] {
                i.insight_type.as_str().to_string()
            } else {
                let c: Vec<&str> = i.event_categories.iter().map(|c| c.as_str()).collect();
                format!(
                    "{{type: {}, event_categories: [{}]}}",
                    i.insight_type.as_str(),
                    c.join(", ")
                )
            }
        })
        .collect();
    o.push_str(&format!("  insight_selectors: [{}]\n", items.join(", ")));
}

/// A trail whose data-event selectors already log its own log bucket is imported as it is,
/// with the acceptance spelled out (plan would otherwise refuse it) and a comment saying why.
fn accept_loop_line(o: &mut String, t: &TrailState, live: &LiveState, bucket_region: Option<&str>) {
    let owner = t.arn.split(':').nth(4).unwrap_or(&live.caller.account);
    let dest = LogDestination {
        partition: &live.caller.partition,
        bucket: &t.settings.s3_bucket,
        prefix: t.settings.s3_key_prefix.as_deref(),
        bucket_region: bucket_region.unwrap_or(&t.home_region),
        home_region: &t.home_region,
        multi_region: t.settings.multi_region,
        org_id: live
            .organization
            .as_ref()
            .filter(|_| t.settings.organization)
            .map(|o| o.id.as_str()),
        owner,
    };
    if orgtrail_core::logs_own_deliveries(&t.selectors, &dest).is_empty() {
        o.push_str("  accept_log_bucket_data_events: false  # default\n");
    } else {
        o.push_str(&format!(
            "  accept_log_bucket_data_events: true  # the data-event selectors log `{}` itself, and so CloudTrail's own deliveries: exclude `{}` to stop it\n",
            t.settings.s3_bucket,
            dest.logs_arn_prefix()
        ));
    }
}

pub async fn import(
    aws: &Aws,
    trail: &str,
    region: &str,
    policy: PolicyArg,
    access: BucketAccount,
) -> Result<String> {
    orgtrail_spec::rules::trail_name(trail)
        .map_err(|e| anyhow!("--trail: {} ({})", e.message, e.help))?;
    orgtrail_spec::rules::region(region)
        .map_err(|e| anyhow!("--home-region: {} ({})", e.message, e.help))?;
    // The trail names its bucket: read everything but the bucket, then that bucket (no bucket is
    // guessed: bucket names are global, and a guessed name may belong to someone else).
    let probe = provisional(trail, region);
    let mut live = aws.read_live_without_buckets(&[&probe]).await?;
    let t = live.trails[0].trail.clone().ok_or_else(|| {
        anyhow!("no trail named `{trail}` with home region {region} in this account (or its organization); check --trail and --home-region")
    })?;
    let mut spec = probe.clone();
    spec.bucket.name = t.settings.s3_bucket.clone();
    spec.bucket.account = access.account.clone();
    spec.bucket.role_arn = access.role_arn.clone();
    spec.bucket.external_id = access.external_id.clone();
    let mgmt = live
        .organization
        .as_ref()
        .map_or(live.caller.account.clone(), |o| {
            o.management_account.clone()
        });
    let target = BucketRef::of(&spec, &mgmt);
    let bucket = aws.read_bucket(&target).await?;
    if bucket.denied && access.account.is_none() && access.role_arn.is_none() {
        bail!(
            "bucket `{}` of trail {} cannot be read as a bucket of account {mgmt}: it belongs to another account (a log-archive account), or this account may not read its policy\n  fix: pass --bucket-account ACCOUNT (and --bucket-role-arn ROLE to let orgtrail merge its policy)",
            t.settings.s3_bucket,
            t.arn
        );
    }
    let bucket_region = bucket.region.clone();
    live.trails[0].bucket = bucket;
    let yaml = render(&t, &live, bucket_region.as_deref(), policy, &access);
    // What we print must itself be a valid spec.
    orgtrail_spec::parse_bytes("imported spec", yaml.as_bytes())
        .map_err(|e| anyhow!("internal error: the imported spec does not validate:\n{e}"))?;
    Ok(yaml)
}
