//! `diff(specs, live) -> Plan`: a plain, deterministic function.
//!
//! A plan is data: ordered steps, each with an [`Action`] (the exact call apply makes), field
//! level before/after for review, a display-only reason, and a `reduces_coverage` flag; plus
//! findings (preflight errors that block apply, and warnings).

use std::collections::{BTreeMap, BTreeSet};

use orgtrail_spec::{InsightType, PolicyMode, Spec};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::live::*;
use crate::policy::{self, TrailRef};

/// Version of the JSON plan format (`orgtrail plan --format json`, saved plans).
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// The kind of a step, as shown to reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    EnableAllFeatures,
    EnableTrustedAccess,
    DisableTrustedAccess,
    CreateBucket,
    PutBucketPolicy,
    CreateTrail,
    UpdateTrail,
    ConvertToOrganizationTrail,
    ConvertToMultiRegion,
    PutEventSelectors,
    PutInsightSelectors,
    TagTrail,
    UntagTrail,
    StartLogging,
    StopLogging,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::EnableAllFeatures => "enable-all-features",
            StepKind::EnableTrustedAccess => "enable-trusted-access",
            StepKind::DisableTrustedAccess => "disable-trusted-access",
            StepKind::CreateBucket => "create-bucket",
            StepKind::PutBucketPolicy => "put-bucket-policy",
            StepKind::CreateTrail => "create-trail",
            StepKind::UpdateTrail => "update-trail",
            StepKind::ConvertToOrganizationTrail => "convert-to-organization-trail",
            StepKind::ConvertToMultiRegion => "convert-to-multi-region",
            StepKind::PutEventSelectors => "put-event-selectors",
            StepKind::PutInsightSelectors => "put-insight-selectors",
            StepKind::TagTrail => "tag-trail",
            StepKind::UntagTrail => "untag-trail",
            StepKind::StartLogging => "start-logging",
            StepKind::StopLogging => "stop-logging",
        }
    }
    /// Whether the step creates something (`+`) rather than changing it (`~`).
    pub fn is_create(self) -> bool {
        matches!(self, StepKind::CreateBucket | StepKind::CreateTrail)
    }
}

/// One field of UpdateTrail. Only changed fields are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "field", content = "value")]
pub enum TrailField {
    S3Bucket(String),
    /// `None` clears the prefix.
    S3KeyPrefix(Option<String>),
    Organization(bool),
    MultiRegion(bool),
    IncludeGlobalServiceEvents(bool),
    LogFileValidation(bool),
    KmsKeyId(Option<String>),
    SnsTopic(Option<String>),
    /// Log group ARN and role ARN are set or cleared together.
    CloudWatchLogs(Option<(String, String)>),
}

/// Everything CreateTrail takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTrail {
    pub name: String,
    pub s3_bucket: String,
    pub s3_key_prefix: Option<String>,
    pub organization: bool,
    pub multi_region: bool,
    pub include_global_service_events: bool,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub sns_topic: Option<String>,
    pub cloudwatch_logs: Option<(String, String)>,
    pub tags: BTreeMap<String, String>,
}

/// The exact call a step makes. Apply executes this and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "call")]
pub enum Action {
    EnableAllFeatures,
    EnableTrustedAccess,
    DisableTrustedAccess,
    CreateBucket {
        bucket: String,
        region: String,
        /// SSE-KMS key for default encryption; SSE-S3 when `None`.
        kms_key_arn: Option<String>,
    },
    PutBucketPolicy {
        bucket: String,
        region: String,
        policy: String,
    },
    CreateTrail {
        region: String,
        trail: NewTrail,
    },
    UpdateTrail {
        region: String,
        trail_arn: String,
        fields: Vec<TrailField>,
    },
    PutEventSelectors {
        region: String,
        trail_arn: String,
        selectors: Selectors,
    },
    PutInsightSelectors {
        region: String,
        trail_arn: String,
        insights: Vec<InsightType>,
    },
    AddTags {
        region: String,
        trail_arn: String,
        tags: BTreeMap<String, String>,
    },
    RemoveTags {
        region: String,
        trail_arn: String,
        keys: Vec<String>,
    },
    StartLogging {
        region: String,
        trail_arn: String,
    },
    StopLogging {
        region: String,
        trail_arn: String,
    },
}

/// A field's value before and after, for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    /// What the step acts on (`organization`, `s3://my-bucket`, a trail ARN).
    pub target: String,
    /// The spec file this step comes from (empty for organization-wide steps).
    pub spec: String,
    pub changes: Vec<FieldChange>,
    /// The bucket policy before/after (canonical pretty JSON) for put-bucket-policy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_diff: Option<(String, String)>,
    /// Display only; apply never reads it.
    pub reason: String,
    pub reduces_coverage: bool,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks apply: fix it first.
    Error,
    Warning,
}

impl Step {
    /// A step that does not reduce coverage, with no field changes and no policy diff yet.
    fn new(kind: StepKind, target: String, spec: String, reason: String, action: Action) -> Step {
        Step {
            kind,
            target,
            spec,
            changes: Vec::new(),
            policy_diff: None,
            reason,
            reduces_coverage: false,
            action,
        }
    }
    fn with_changes(mut self, changes: Vec<FieldChange>) -> Step {
        self.changes = changes;
        self
    }
    fn with_policy_diff(mut self, diff: Option<(String, String)>) -> Step {
        self.policy_diff = diff;
        self
    }
    fn reducing(mut self, reduces: bool) -> Step {
        self.reduces_coverage = reduces;
        self
    }
}

/// A preflight finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: String,
    /// The spec file it concerns (empty when organization-wide).
    pub spec: String,
    pub message: String,
    pub fix: String,
}

/// A plan: steps in dependency order, findings, and the hashes that make a saved plan stale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub specs: Vec<String>,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// Hash of every read the plan depends on.
    pub live_fingerprint: String,
    /// Per-read hashes, to say which read changed when a saved plan is stale.
    pub live_components: BTreeMap<String, String>,
    /// Hash of the spec files' bytes.
    pub spec_hash: String,
}

impl Plan {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
    pub fn counts(&self) -> (usize, usize, usize) {
        let add = self.steps.iter().filter(|s| s.kind.is_create()).count();
        let reduce = self.steps.iter().filter(|s| s.reduces_coverage).count();
        (add, self.steps.len() - add, reduce)
    }
}

/// One spec as input to the diff.
#[derive(Debug, Clone)]
pub struct SpecInput<'a> {
    pub path: String,
    pub source: &'a [u8],
    pub spec: &'a Spec,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Per-read hashes of the live state (health excluded: it changes on its own).
pub fn live_components(live: &LiveState) -> BTreeMap<String, String> {
    let h = |v: &dyn erased::Ser| sha256_hex(v.json().as_bytes());
    let mut out = BTreeMap::new();
    out.insert("caller identity".to_string(), h(&live.caller));
    out.insert("organization".to_string(), h(&live.organization));
    for t in &live.trails {
        out.insert(format!("bucket `{}`", t.bucket.name), h(&t.bucket));
        let name = t.trail.as_ref().map(|t| t.arn.clone()).unwrap_or_default();
        if !name.is_empty() {
            out.insert(format!("trail `{name}`"), h(&t.trail));
        }
        out.insert(
            format!("trails in the home region of `{}`", t.bucket.name),
            h(&t.other_trails),
        );
        if t.kms.is_some() {
            out.insert(format!("KMS key for `{}`", t.bucket.name), h(&t.kms));
        }
    }
    out
}

mod erased {
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

pub fn fingerprint(components: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (k, v) in components {
        s.push_str(k);
        s.push('=');
        s.push_str(v);
        s.push('\n');
    }
    sha256_hex(s.as_bytes())
}

pub fn spec_hash(specs: &[SpecInput]) -> String {
    let mut h = Sha256::new();
    for s in specs {
        h.update(s.path.as_bytes());
        h.update([0]);
        h.update(s.source);
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What is different between a saved plan's reads and fresh ones, in words.
pub fn stale_reasons(
    saved: &Plan,
    fresh_components: &BTreeMap<String, String>,
    fresh_spec_hash: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    if saved.spec_hash != fresh_spec_hash {
        out.push("the spec files changed since the plan was made".to_string());
    }
    let keys: BTreeSet<&String> = saved
        .live_components
        .keys()
        .chain(fresh_components.keys())
        .collect();
    for k in keys {
        match (saved.live_components.get(k), fresh_components.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), Some(_)) => out.push(format!("{k} changed in AWS")),
            (Some(_), None) => out.push(format!("{k} no longer exists in AWS")),
            (None, Some(_)) => out.push(format!("{k} appeared in AWS")),
            (None, None) => {}
        }
    }
    out
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn selectors_value(s: &Selectors) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// The desired state of one trail, resolved against live facts (ARNs).
#[derive(Debug, Clone, PartialEq)]
struct Desired {
    arn: String,
    region: String,
    trail: NewTrail,
    selectors: Selectors,
    insights: Vec<InsightType>,
    logging: bool,
}

fn desired(spec: &Spec, partition: &str, account: &str, kms: Option<&KmsState>) -> Desired {
    let t = &spec.trail;
    let sns = t.sns_topic.as_ref().map(|s| {
        if s.starts_with("arn:") {
            s.clone()
        } else {
            format!("arn:{partition}:sns:{}:{account}:{s}", t.home_region)
        }
    });
    let kms_arn = t.kms_key_id.as_ref().map(|k| {
        kms.and_then(|k| k.key_arn.clone())
            .unwrap_or_else(|| k.clone())
    });
    let selectors = match (&t.event_selectors, &t.advanced_event_selectors) {
        (_, Some(a)) => Selectors::Advanced(a.clone()),
        (Some(b), None) => Selectors::Basic(b.clone()),
        (None, None) => Selectors::aws_default(),
    }
    .normalised();
    Desired {
        arn: trail_arn(partition, &t.home_region, account, &t.name),
        region: t.home_region.clone(),
        trail: NewTrail {
            name: t.name.clone(),
            s3_bucket: spec.bucket.name.clone(),
            s3_key_prefix: t.s3_key_prefix.clone(),
            organization: t.organization,
            multi_region: t.multi_region,
            include_global_service_events: t.include_global_service_events,
            log_file_validation: t.log_file_validation,
            kms_key_id: kms_arn,
            sns_topic: sns,
            cloudwatch_logs: t.cloudwatch_logs.as_ref().map(|c| {
                (
                    normalise_log_group_arn(&c.log_group_arn),
                    c.role_arn.clone(),
                )
            }),
            tags: t.tags.clone(),
        },
        selectors,
        insights: t.insight_selectors.clone(),
        logging: t.logging,
    }
}

struct Ctx {
    steps: Vec<Step>,
    findings: Vec<Finding>,
}

impl Ctx {
    fn finding(
        &mut self,
        severity: Severity,
        spec: &str,
        code: &str,
        message: String,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding {
            severity,
            code: code.into(),
            spec: spec.into(),
            message,
            fix: fix.into(),
        });
    }
    fn error(&mut self, spec: &str, code: &str, message: String, fix: impl Into<String>) {
        self.finding(Severity::Error, spec, code, message, fix);
    }
    fn warn(&mut self, spec: &str, code: &str, message: String, fix: impl Into<String>) {
        self.finding(Severity::Warning, spec, code, message, fix);
    }
}

fn change(field: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before,
        after,
    }
}

/// Compute the plan for `specs` against `live` (`live.trails[i]` belongs to `specs[i]`).
pub fn diff(specs: &[SpecInput], live: &LiveState) -> Plan {
    let mut cx = Ctx {
        steps: Vec::new(),
        findings: Vec::new(),
    };
    let partition = live.caller.partition.clone();

    // Cross-spec rules: a directory of specs is planned as one.
    let mut names: BTreeMap<(String, String), &str> = BTreeMap::new();
    let mut buckets: BTreeMap<&str, &SpecInput> = BTreeMap::new();
    for s in specs {
        let key = (s.spec.trail.name.clone(), s.spec.trail.home_region.clone());
        if let Some(first) = names.insert(key, &s.path) {
            cx.error(
                &s.path,
                "duplicate-trail",
                format!(
                    "trail `{}` is described by both {first} and {}",
                    s.spec.trail.name, s.path
                ),
                "keep one spec per trail",
            );
        }
        if let Some(first) = buckets.get(s.spec.bucket.name.as_str()) {
            let (a, b) = (&first.spec.bucket, &s.spec.bucket);
            if a.create != b.create
                || a.policy != b.policy
                || first.spec.bucket_region() != s.spec.bucket_region()
            {
                cx.error(
                    &s.path,
                    "conflicting-bucket",
                    format!(
                        "bucket `{}` is shared by {} and {} with different settings (create/policy/region)",
                        a.name, first.path, s.path
                    ),
                    "give the bucket the same create, policy and region in both specs",
                );
            }
        } else {
            buckets.insert(&s.spec.bucket.name, s);
        }
    }

    // Organization prerequisites.
    let org = match &live.organization {
        None => {
            cx.error(
                "",
                "not-in-organization",
                format!(
                    "account {} is not in an organization (AWS Organizations)",
                    live.caller.account
                ),
                "run orgtrail with credentials of the organization's management account",
            );
            None
        }
        Some(o) => {
            if live.caller.account != o.management_account
                && !o.delegated_admins.contains(&live.caller.account)
            {
                cx.error(
                    "",
                    "not-management-account",
                    format!(
                        "caller {} (account {}) is neither the management account ({}) nor a CloudTrail delegated administrator of organization {}",
                        live.caller.arn, live.caller.account, o.management_account, o.id
                    ),
                    "use a profile of the management account, or register this account with `aws organizations register-delegated-administrator --service-principal cloudtrail.amazonaws.com`",
                );
            }
            Some(o.clone())
        }
    };
    let want_all_features = specs
        .iter()
        .any(|s| s.spec.organization.all_features || s.spec.trail.organization);
    let want_trusted = specs
        .iter()
        .any(|s| s.spec.organization.trusted_access || s.spec.trail.organization);
    if let Some(o) = &org {
        if want_all_features && !o.all_features {
            cx.warn(
                "",
                "enable-all-features",
                format!("organization {} uses only consolidated billing; an organization trail needs all features", o.id),
                "apply with --allow-enable-all-features: it sends a handshake to every invited member account and cannot be undone; the trail is created once every member accepted",
            );
            cx.steps.push(
                Step::new(
                    StepKind::EnableAllFeatures,
                    format!("organization {}", o.id),
                    String::new(),
                    "organization trails need all features enabled".into(),
                    Action::EnableAllFeatures,
                )
                .with_changes(vec![change(
                    "feature_set",
                    json!("CONSOLIDATED_BILLING"),
                    json!("ALL"),
                )]),
            );
        }
        if want_trusted && !o.trusted_access {
            cx.steps.push(
                Step::new(
                    StepKind::EnableTrustedAccess,
                    format!("organization {}", o.id),
                    String::new(),
                    "CloudTrail must be a trusted service to create an organization trail".into(),
                    Action::EnableTrustedAccess,
                )
                .with_changes(vec![change(
                    "trusted_access[cloudtrail.amazonaws.com]",
                    json!(false),
                    json!(true),
                )]),
            );
        } else if !want_trusted && o.trusted_access {
            cx.steps.push(
                Step::new(
                    StepKind::DisableTrustedAccess,
                    format!("organization {}", o.id),
                    String::new(),
                    "the specs set trusted_access: false".into(),
                    Action::DisableTrustedAccess,
                )
                .with_changes(vec![change(
                    "trusted_access[cloudtrail.amazonaws.com]",
                    json!(true),
                    json!(false),
                )])
                .reducing(true),
            );
        }
    }
    let account = org
        .as_ref()
        .map(|o| o.management_account.clone())
        .unwrap_or_else(|| live.caller.account.clone());
    let org_id = org.as_ref().map(|o| o.id.clone()).unwrap_or_default();

    // Buckets: creation and one merged policy per bucket.
    let mut bucket_order: Vec<&str> = Vec::new();
    for s in specs {
        if !bucket_order.contains(&s.spec.bucket.name.as_str()) {
            bucket_order.push(&s.spec.bucket.name);
        }
    }
    let mut bucket_ok: BTreeSet<String> = BTreeSet::new();
    for bucket in bucket_order {
        let members: Vec<(usize, &SpecInput)> = specs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.spec.bucket.name == bucket)
            .collect();
        let (first_i, first) = members[0];
        let Some(tl) = live.trails.get(first_i) else {
            continue;
        };
        let b = &first.spec.bucket;
        let region = first.spec.bucket_region().to_string();
        let path = first.path.clone();
        if !tl.bucket.exists {
            if !b.create {
                cx.error(
                    &path,
                    "bucket-missing",
                    format!("bucket `{bucket}` does not exist (or this account cannot see it)"),
                    "create it, or set `bucket.create: true` so orgtrail creates it",
                );
                continue;
            }
            let kms = members
                .iter()
                .find_map(|(i, _)| live.trails.get(*i)?.kms.as_ref()?.key_arn.clone());
            cx.steps.push(
                Step::new(
                    StepKind::CreateBucket,
                    format!("s3://{bucket}"),
                    path.clone(),
                    "the spec sets `bucket.create: true` and the bucket is missing".into(),
                    Action::CreateBucket {
                        bucket: bucket.to_string(),
                        region: region.clone(),
                        kms_key_arn: kms.clone(),
                    },
                )
                .with_changes(vec![
                    change("region", Value::Null, json!(region)),
                    change("block_public_access", Value::Null, json!(true)),
                    change(
                        "default_encryption",
                        Value::Null,
                        json!(if kms.is_some() { "aws:kms" } else { "AES256" }),
                    ),
                ]),
            );
        } else if let Some(actual) = &tl.bucket.region
            && *actual != region
        {
            cx.error(
                &path,
                "bucket-region",
                format!("bucket `{bucket}` is in {actual}, but the spec says {region}"),
                format!("set `bucket.region: {actual}` in {path}"),
            );
            continue;
        }
        if org.is_none() {
            continue;
        }
        let refs: Vec<TrailRef> = members
            .iter()
            .map(|(_, s)| TrailRef {
                partition: partition.clone(),
                home_region: s.spec.trail.home_region.clone(),
                account: account.clone(),
                trail_name: s.spec.trail.name.clone(),
                org_id: org_id.clone(),
                bucket: bucket.to_string(),
                prefix: s.spec.trail.s3_key_prefix.clone(),
            })
            .collect();
        let managed: BTreeSet<String> = refs.iter().map(TrailRef::trail_arn).collect();
        let mut others: BTreeSet<String> = BTreeSet::new();
        for (i, _) in &members {
            if let Some(t) = live.trails.get(*i) {
                for o in &t.other_trails {
                    if o.s3_bucket.as_deref() == Some(bucket) && !managed.contains(&o.arn) {
                        others.insert(o.name.clone());
                    }
                }
            }
        }
        let others: Vec<String> = others.into_iter().collect();
        match policy::merge(bucket, tl.bucket.policy.as_deref(), &refs, &others) {
            Err(e) => cx.error(
                &path,
                "bucket-policy",
                e.to_string(),
                "fix the bucket policy in S3, then run plan again",
            ),
            Ok(m) => {
                for w in &m.warnings {
                    cx.warn(&path, "legacy-statement-kept", w.clone(), "");
                }
                if let Some(new) = m.new_policy {
                    if b.policy == PolicyMode::Verify {
                        let mut what: Vec<String> = m
                            .missing
                            .iter()
                            .map(|p| format!("the statement that {p}"))
                            .collect();
                        if !m.superseded.is_empty() {
                            what.push(format!(
                                "{} unscoped CloudTrail statement(s) should be replaced",
                                m.superseded.len()
                            ));
                        }
                        cx.error(
                            &path,
                            "bucket-policy-lacking",
                            format!("bucket policy of `{bucket}` lacks {}", what.join("; ")),
                            format!("add them (run `orgtrail plan` with `policy: merge` to see the exact statements), or set `bucket.policy: merge` in {path}"),
                        );
                    } else {
                        let before = tl
                            .bucket
                            .policy
                            .as_deref()
                            .map(policy::canonical_text)
                            .unwrap_or_default();
                        let after = policy::canonical_pretty(&new);
                        let mut reason = Vec::new();
                        if !m.missing.is_empty() {
                            reason.push(format!(
                                "add the statement(s) that {}",
                                m.missing.join(", ")
                            ));
                        }
                        if !m.superseded.is_empty() {
                            reason.push(format!(
                                "replace {} unscoped CloudTrail statement(s) with ones scoped to the trail (aws:SourceArn)",
                                m.superseded.len()
                            ));
                        }
                        cx.steps.push(
                            Step::new(
                                StepKind::PutBucketPolicy,
                                format!("s3://{bucket}"),
                                path.clone(),
                                reason.join("; "),
                                Action::PutBucketPolicy {
                                    bucket: bucket.to_string(),
                                    region: region.clone(),
                                    policy: serde_json::to_string(&new).unwrap_or_default(),
                                },
                            )
                            .with_policy_diff(Some((before, after))),
                        );
                    }
                }
                bucket_ok.insert(bucket.to_string());
            }
        }
    }

    // Trails.
    for (i, s) in specs.iter().enumerate() {
        let Some(tl) = live.trails.get(i) else {
            continue;
        };
        trail_steps(&mut cx, s, tl, &partition, &account);
    }

    let live_components = live_components(live);
    let mut steps = cx.steps;
    // Stable dependency order: organization, bucket, trail, selectors, tags, logging.
    steps.sort_by_key(|s| order(s.kind));
    let mut findings = cx.findings;
    findings.sort_by(|a, b| (a.severity, &a.spec, &a.code).cmp(&(b.severity, &b.spec, &b.code)));
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        specs: specs.iter().map(|s| s.path.clone()).collect(),
        steps,
        findings,
        live_fingerprint: fingerprint(&live_components),
        live_components,
        spec_hash: spec_hash(specs),
    }
}

fn order(k: StepKind) -> u8 {
    match k {
        StepKind::EnableAllFeatures => 0,
        StepKind::EnableTrustedAccess | StepKind::DisableTrustedAccess => 1,
        StepKind::CreateBucket => 2,
        StepKind::PutBucketPolicy => 3,
        StepKind::CreateTrail
        | StepKind::UpdateTrail
        | StepKind::ConvertToOrganizationTrail
        | StepKind::ConvertToMultiRegion => 4,
        StepKind::PutEventSelectors => 5,
        StepKind::PutInsightSelectors => 6,
        StepKind::TagTrail | StepKind::UntagTrail => 7,
        StepKind::StartLogging | StepKind::StopLogging => 8,
    }
}

fn trail_steps(cx: &mut Ctx, s: &SpecInput, tl: &TrailLive, partition: &str, account: &str) {
    let spec = s.spec;
    let path = s.path.as_str();
    let t = &spec.trail;
    if let Some(k) = &tl.kms {
        match &k.key_arn {
            None => cx.error(
                path,
                "kms-key-missing",
                format!(
                    "KMS key `{}` does not exist in {}",
                    t.kms_key_id.clone().unwrap_or_default(),
                    t.home_region
                ),
                "create the key (in the trail's home region) or fix `trail.kms_key_id`",
            ),
            Some(arn) => {
                let ok = k
                    .policy
                    .as_deref()
                    .is_some_and(kms_policy_allows_cloudtrail);
                if !ok {
                    cx.error(
                        path,
                        "kms-key-policy",
                        format!("key policy of KMS key `{arn}` does not let cloudtrail.amazonaws.com call kms:GenerateDataKey*"),
                        "add the key policy statement from the CloudTrail guide (\"Allow CloudTrail to encrypt logs\") to the key",
                    );
                }
            }
        }
    }
    let d = desired(spec, partition, account, tl.kms.as_ref());
    // A trail of this name that is not ours: in another region or another account.
    for o in &tl.other_trails {
        if o.name == t.name && o.arn != d.arn {
            cx.error(
                path,
                "trail-name-taken",
                format!("a trail named `{}` already exists as {} (home region {}, account {})", t.name, o.arn, o.home_region, o.account),
                "choose another `trail.name`, or set `trail.home_region` to where that trail lives if it is this one",
            );
            return;
        }
    }
    // CIS-style warnings, org-trail aware.
    if !t.log_file_validation {
        cx.warn(path, "validation-off", format!("trail `{}` has log file validation off: tampering with log files would go unnoticed", t.name), "set `trail.log_file_validation: true`");
    }
    if !t.multi_region {
        cx.warn(
            path,
            "single-region",
            format!(
                "trail `{}` logs only {}: activity in other regions is not recorded",
                t.name, t.home_region
            ),
            "set `trail.multi_region: true`",
        );
    }
    if t.kms_key_id.is_none() {
        cx.warn(
            path,
            "no-kms",
            format!(
                "trail `{}` log files are encrypted with SSE-S3 only",
                t.name
            ),
            "set `trail.kms_key_id` to a KMS key (CIS 3.5)",
        );
    }
    if t.cloudwatch_logs.is_none() {
        cx.warn(path, "no-cloudwatch-logs", format!("trail `{}` does not deliver to CloudWatch Logs, so no metric filters or alarms can watch it", t.name), "set `trail.cloudwatch_logs` (CIS 3.4)");
    }
    let dup: Vec<&str> = tl
        .other_trails
        .iter()
        .filter(|o| {
            o.account == account
                && o.arn != d.arn
                && (o.multi_region || o.home_region == t.home_region)
        })
        .map(|o| o.name.as_str())
        .collect();
    if !dup.is_empty() {
        cx.warn(
            path,
            "duplicate-management-events",
            format!("trail(s) {} in this account also log management events in {}: you pay for the same events twice", dup.join(", "), t.home_region),
            "remove the other trail(s) once the organization trail is logging, or turn off their management events",
        );
    }
    let region = d.region.clone();
    let arn = d.arn.clone();
    let Some(live) = &tl.trail else {
        let owned_here = tl
            .other_trails
            .iter()
            .filter(|o| o.home_region == t.home_region && o.account == account)
            .count();
        if owned_here >= 5 {
            cx.error(
                path,
                "trail-limit",
                format!(
                    "{owned_here} trails already exist in {} (CloudTrail allows 5 per region)",
                    t.home_region
                ),
                "delete a trail you no longer need, or choose another `trail.home_region`",
            );
        }
        let nt = d.trail.clone();
        let mut changes = vec![
            change("s3_bucket", Value::Null, json!(nt.s3_bucket)),
            change("organization", Value::Null, json!(nt.organization)),
            change("multi_region", Value::Null, json!(nt.multi_region)),
            change(
                "include_global_service_events",
                Value::Null,
                json!(nt.include_global_service_events),
            ),
            change(
                "log_file_validation",
                Value::Null,
                json!(nt.log_file_validation),
            ),
        ];
        if nt.s3_key_prefix.is_some() {
            changes.push(change("s3_key_prefix", Value::Null, opt(&nt.s3_key_prefix)));
        }
        if nt.kms_key_id.is_some() {
            changes.push(change("kms_key_id", Value::Null, opt(&nt.kms_key_id)));
        }
        if nt.sns_topic.is_some() {
            changes.push(change("sns_topic", Value::Null, opt(&nt.sns_topic)));
        }
        if let Some((g, r)) = &nt.cloudwatch_logs {
            changes.push(change(
                "cloudwatch_logs",
                Value::Null,
                json!({"log_group_arn": g, "role_arn": r}),
            ));
        }
        if !nt.tags.is_empty() {
            changes.push(change("tags", Value::Null, json!(nt.tags)));
        }
        cx.steps.push(
            Step::new(
                StepKind::CreateTrail,
                arn.clone(),
                path.into(),
                format!("trail `{}` does not exist in {}", t.name, t.home_region),
                Action::CreateTrail {
                    region: region.clone(),
                    trail: nt,
                },
            )
            .with_changes(changes),
        );
        if d.selectors != Selectors::aws_default() {
            cx.steps.push(
                Step::new(
                    StepKind::PutEventSelectors,
                    arn.clone(),
                    path.into(),
                    "the spec sets event selectors".into(),
                    Action::PutEventSelectors {
                        region: region.clone(),
                        trail_arn: arn.clone(),
                        selectors: d.selectors.clone(),
                    },
                )
                .with_changes(vec![change(
                    "event_selectors",
                    selectors_value(&Selectors::aws_default()),
                    selectors_value(&d.selectors),
                )])
                .reducing(!d.selectors.logs_management_events()),
            );
        }
        if !d.insights.is_empty() {
            cx.steps.push(
                Step::new(
                    StepKind::PutInsightSelectors,
                    arn.clone(),
                    path.into(),
                    "the spec enables CloudTrail Insights".into(),
                    Action::PutInsightSelectors {
                        region: region.clone(),
                        trail_arn: arn.clone(),
                        insights: d.insights.clone(),
                    },
                )
                .with_changes(vec![change(
                    "insight_selectors",
                    json!([]),
                    json!(d.insights),
                )]),
            );
        }
        if d.logging {
            cx.steps.push(
                Step::new(
                    StepKind::StartLogging,
                    arn.clone(),
                    path.into(),
                    "a new trail does not log until logging is started".into(),
                    Action::StartLogging {
                        region,
                        trail_arn: arn,
                    },
                )
                .with_changes(vec![change("logging", json!(false), json!(true))]),
            );
        }
        return;
    };

    // Update in place: the ARN never changes and logging is not stopped in between.
    let nt = &d.trail;
    let mut fields = Vec::new();
    let mut changes = Vec::new();
    let mut reduces = false;
    macro_rules! cmp_bool {
        ($name:literal, $live:expr, $want:expr, $variant:ident) => {
            if $live != $want {
                fields.push(TrailField::$variant($want));
                changes.push(change($name, json!($live), json!($want)));
                if $live && !$want {
                    reduces = true;
                }
            }
        };
    }
    if live.s3_bucket != nt.s3_bucket {
        fields.push(TrailField::S3Bucket(nt.s3_bucket.clone()));
        changes.push(change(
            "s3_bucket",
            json!(live.s3_bucket),
            json!(nt.s3_bucket),
        ));
    }
    if live.s3_key_prefix != nt.s3_key_prefix {
        fields.push(TrailField::S3KeyPrefix(nt.s3_key_prefix.clone()));
        changes.push(change(
            "s3_key_prefix",
            opt(&live.s3_key_prefix),
            opt(&nt.s3_key_prefix),
        ));
    }
    cmp_bool!(
        "organization",
        live.organization,
        nt.organization,
        Organization
    );
    cmp_bool!(
        "multi_region",
        live.multi_region,
        nt.multi_region,
        MultiRegion
    );
    cmp_bool!(
        "include_global_service_events",
        live.include_global_service_events,
        nt.include_global_service_events,
        IncludeGlobalServiceEvents
    );
    cmp_bool!(
        "log_file_validation",
        live.log_file_validation,
        nt.log_file_validation,
        LogFileValidation
    );
    if live.kms_key_arn != nt.kms_key_id {
        fields.push(TrailField::KmsKeyId(nt.kms_key_id.clone()));
        changes.push(change(
            "kms_key_id",
            opt(&live.kms_key_arn),
            opt(&nt.kms_key_id),
        ));
    }
    if live.sns_topic_arn != nt.sns_topic {
        fields.push(TrailField::SnsTopic(nt.sns_topic.clone()));
        changes.push(change(
            "sns_topic",
            opt(&live.sns_topic_arn),
            opt(&nt.sns_topic),
        ));
    }
    let live_cw = live.cloudwatch_log_group_arn.as_ref().map(|g| {
        (
            normalise_log_group_arn(g),
            live.cloudwatch_role_arn.clone().unwrap_or_default(),
        )
    });
    if live_cw != nt.cloudwatch_logs {
        let v = |c: &Option<(String, String)>| {
            c.as_ref().map_or(
                Value::Null,
                |(g, r)| json!({"log_group_arn": g, "role_arn": r}),
            )
        };
        changes.push(change(
            "cloudwatch_logs",
            v(&live_cw),
            v(&nt.cloudwatch_logs),
        ));
        fields.push(TrailField::CloudWatchLogs(nt.cloudwatch_logs.clone()));
    }
    if !fields.is_empty() {
        let to_org = !live.organization && nt.organization;
        let to_multi = !live.multi_region && nt.multi_region;
        let kind = if to_org {
            StepKind::ConvertToOrganizationTrail
        } else if to_multi {
            StepKind::ConvertToMultiRegion
        } else {
            StepKind::UpdateTrail
        };
        let reason = match kind {
            StepKind::ConvertToOrganizationTrail => format!(
                "apply `{}` to every account of the organization (same ARN, UpdateTrail in place)",
                t.name
            ),
            StepKind::ConvertToMultiRegion => format!(
                "log all regions, not only {} (same ARN, UpdateTrail in place)",
                t.home_region
            ),
            _ => "live trail settings differ from the spec".into(),
        };
        cx.steps.push(
            Step::new(
                kind,
                arn.clone(),
                path.into(),
                reason,
                Action::UpdateTrail {
                    region: region.clone(),
                    trail_arn: arn.clone(),
                    fields,
                },
            )
            .with_changes(changes)
            .reducing(reduces),
        );
    }
    if live.selectors.clone().normalised() != d.selectors {
        let drops =
            live.selectors.logs_management_events() && !d.selectors.logs_management_events();
        cx.steps.push(
            Step::new(
                StepKind::PutEventSelectors,
                arn.clone(),
                path.into(),
                if drops {
                    "the new selectors log no management events".into()
                } else {
                    "event selectors differ from the spec".into()
                },
                Action::PutEventSelectors {
                    region: region.clone(),
                    trail_arn: arn.clone(),
                    selectors: d.selectors.clone(),
                },
            )
            .with_changes(vec![change(
                "event_selectors",
                selectors_value(&live.selectors),
                selectors_value(&d.selectors),
            )])
            .reducing(drops),
        );
    }
    let mut live_ins = live.insights.clone();
    live_ins.sort();
    live_ins.dedup();
    if live_ins != d.insights {
        cx.steps.push(
            Step::new(
                StepKind::PutInsightSelectors,
                arn.clone(),
                path.into(),
                "insight selectors differ from the spec".into(),
                Action::PutInsightSelectors {
                    region: region.clone(),
                    trail_arn: arn.clone(),
                    insights: d.insights.clone(),
                },
            )
            .with_changes(vec![change(
                "insight_selectors",
                json!(live_ins),
                json!(d.insights),
            )]),
        );
    }
    let add: BTreeMap<String, String> = nt
        .tags
        .iter()
        .filter(|(k, v)| live.tags.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove: Vec<String> = live
        .tags
        .keys()
        .filter(|k| !nt.tags.contains_key(*k))
        .cloned()
        .collect();
    if !add.is_empty() {
        cx.steps.push(
            Step::new(
                StepKind::TagTrail,
                arn.clone(),
                path.into(),
                "tags are authoritative".into(),
                Action::AddTags {
                    region: region.clone(),
                    trail_arn: arn.clone(),
                    tags: add.clone(),
                },
            )
            .with_changes(
                add.iter()
                    .map(|(k, v)| {
                        change(
                            &format!("tags.{k}"),
                            opt(&live.tags.get(k).cloned()),
                            json!(v),
                        )
                    })
                    .collect(),
            ),
        );
    }
    if !remove.is_empty() {
        cx.steps.push(
            Step::new(
                StepKind::UntagTrail,
                arn.clone(),
                path.into(),
                "tags are authoritative: tags not in the spec are removed".into(),
                Action::RemoveTags {
                    region: region.clone(),
                    trail_arn: arn.clone(),
                    keys: remove.clone(),
                },
            )
            .with_changes(
                remove
                    .iter()
                    .map(|k| {
                        change(
                            &format!("tags.{k}"),
                            opt(&live.tags.get(k).cloned()),
                            Value::Null,
                        )
                    })
                    .collect(),
            ),
        );
    }
    if live.logging != d.logging {
        let (kind, action) = if d.logging {
            (
                StepKind::StartLogging,
                Action::StartLogging {
                    region,
                    trail_arn: arn.clone(),
                },
            )
        } else {
            (
                StepKind::StopLogging,
                Action::StopLogging {
                    region,
                    trail_arn: arn.clone(),
                },
            )
        };
        cx.steps.push(
            Step::new(
                kind,
                arn,
                path.into(),
                if d.logging {
                    "the trail is not logging".into()
                } else {
                    "the spec sets `logging: false`".into()
                },
                action,
            )
            .with_changes(vec![change(
                "logging",
                json!(live.logging),
                json!(d.logging),
            )])
            .reducing(!d.logging),
        );
    }
}

/// Whether a KMS key policy lets CloudTrail encrypt with the key.
pub fn kms_policy_allows_cloudtrail(text: &str) -> bool {
    let Ok(doc) = policy::parse_policy("", text) else {
        return false;
    };
    doc.statements.iter().any(|s| {
        let Ok(n) = policy::normalise_statement(s) else {
            return false;
        };
        n.effect == "Allow"
            && n.principal.as_ref().is_some_and(|p| {
                p.get("service")
                    .is_some_and(|v| v.contains(policy::CLOUDTRAIL_SERVICE))
                    || p.contains_key("*")
            })
            && n.action.as_ref().is_some_and(|a| {
                a.iter().any(|x| {
                    x == "kms:generatedatakey*" || x == "kms:generatedatakey" || x == "kms:*"
                })
            })
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
