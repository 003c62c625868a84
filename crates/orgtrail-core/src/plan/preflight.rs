//! Preflight: what must hold before any step can succeed (errors block apply), and the CIS-style
//! warnings. Each rule is one function over the specs and the live state.

use std::collections::BTreeMap;

use orgtrail_spec::Spec;

use super::model::{Action, FindingCode, SpecInput};
use super::out::Out;
use crate::kms::kms_policy_allows_cloudtrail;
use crate::model::{KmsState, LiveState, OrgState, Scope, TrailLive, management_copies_beside};

/// A directory of specs is planned as one: one spec per trail, one setting per shared bucket.
pub(crate) fn cross_spec(out: &mut Out, specs: &[SpecInput]) {
    let mut names: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    let mut buckets: BTreeMap<&str, &SpecInput> = BTreeMap::new();
    for s in specs {
        let t = &s.spec.trail;
        if let Some(first) = names.insert((&t.name, &t.home_region), &s.path) {
            out.error(
                &s.path,
                FindingCode::DuplicateTrail,
                format!(
                    "trail `{}` is described by both {first} and {}",
                    t.name, s.path
                ),
                "keep one spec per trail",
            );
        }
        match buckets.get(s.spec.bucket.name.as_str()) {
            Some(first) => conflicting_bucket(out, first, s),
            None => {
                buckets.insert(&s.spec.bucket.name, s);
            }
        }
    }
}

/// Specs sharing a bucket must agree on every setting of it: the bucket has one policy mode,
/// one protection, one owner. One spec's retention or lock silently winning over another's
/// would weaken what the other spec's reviewers approved.
fn conflicting_bucket(out: &mut Out, first: &SpecInput, s: &SpecInput) {
    let differ = bucket_settings_differ(first.spec, s.spec);
    if differ.is_empty() {
        return;
    }
    let named: Vec<String> = differ.iter().map(|d| format!("`bucket.{d}`")).collect();
    out.error(
        &s.path,
        FindingCode::ConflictingBucket,
        format!(
            "bucket `{}` is shared by {} and {} with different {}",
            s.spec.bucket.name,
            first.path,
            s.path,
            named.join(", ")
        ),
        format!("give {} the same value in both specs", named.join(", ")),
    );
}

/// The bucket settings two specs give differently, by their spec name.
fn bucket_settings_differ(a: &Spec, b: &Spec) -> Vec<&'static str> {
    let (x, y) = (&a.bucket, &b.bucket);
    let (px, py) = (x.protection(), y.protection());
    [
        ("create", x.create != y.create),
        ("policy", x.policy != y.policy),
        ("region", a.bucket_region() != b.bucket_region()),
        ("account", x.account != y.account),
        ("role_arn", x.role_arn != y.role_arn),
        ("external_id", x.external_id != y.external_id),
        (
            "public_access_block",
            px.public_access_block != py.public_access_block,
        ),
        ("ownership", px.ownership != py.ownership),
        ("encryption", px.encryption != py.encryption),
        ("versioning", px.versioning != py.versioning),
        ("lifecycle", px.lifecycle != py.lifecycle),
        ("object_lock", px.object_lock != py.object_lock),
        ("access_logging", px.access_logging != py.access_logging),
        ("require_tls", px.require_tls != py.require_tls),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// The caller must be in an organization, as its management account or a CloudTrail delegated
/// administrator. Returns the organization when there is one.
pub(crate) fn organization<'a>(out: &mut Out, live: &'a LiveState) -> Option<&'a OrgState> {
    let Some(o) = &live.organization else {
        out.error(
            "",
            FindingCode::NotInOrganization,
            format!(
                "account {} is not in an organization (AWS Organizations)",
                live.caller.account
            ),
            "run orgtrail with credentials of the organization's management account",
        );
        return None;
    };
    if live.caller.account != o.management_account
        && !o.delegated_admins.contains(&live.caller.account)
    {
        out.error(
            "",
            FindingCode::NotManagementAccount,
            format!(
                "caller {} (account {}) is neither the management account ({}) nor a CloudTrail delegated administrator of organization {}",
                live.caller.arn, live.caller.account, o.management_account, o.id
            ),
            "use a profile of the management account, or register this account with `aws organizations register-delegated-administrator --service-principal cloudtrail.amazonaws.com`",
        );
    }
    Some(o)
}

/// The KMS key must exist in the bucket's region (CloudTrail encrypts where it writes: "the
/// KMS key and the S3 bucket must be in the same AWS Region", CloudTrail user guide) and its
/// policy must let CloudTrail encrypt this trail's log files. A key of another account (a
/// security account) usually cannot be read from here: a warning, not an error.
pub(crate) fn kms_key(
    out: &mut Out,
    path: &str,
    spec: &Spec,
    kms: Option<&KmsState>,
    caller: &str,
    trail_arn: &str,
) {
    let Some(k) = kms else { return };
    let region = spec.bucket_region();
    let Some(arn) = &k.key_arn else {
        out.error(
            path,
            FindingCode::KmsKeyMissing,
            format!(
                "KMS key `{}` does not exist in {region}",
                spec.trail.kms_key_id.clone().unwrap_or_default()
            ),
            "create the key in the bucket's region, or fix `trail.kms_key_id`",
        );
        return;
    };
    let mut parts = arn.split(':').skip(3);
    let (key_region, key_account) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if key_region != region {
        out.error(
            path,
            FindingCode::KmsKeyRegion,
            format!("KMS key `{arn}` is in {key_region}, but the trail writes to a bucket in {region}: CloudTrail needs the key in the bucket's region"),
            format!("use a key (or a multi-Region replica) in {region} for `trail.kms_key_id`"),
        );
        return;
    }
    if k.enabled == Some(false) {
        out.error(
            path,
            FindingCode::KmsKeyDisabled,
            format!("KMS key `{arn}` is disabled: CloudTrail cannot encrypt log files with it"),
            "enable the key (kms:EnableKey), or use another key in `trail.kms_key_id`",
        );
    }
    match k.policy.as_deref() {
        None if key_account != caller => out.warn(
            path,
            FindingCode::KmsKeyPolicyUnreadable,
            format!("cannot read the key policy of `{arn}` from account {caller} (the key belongs to account {key_account}), so orgtrail cannot check that CloudTrail may use it"),
            "check that the key policy has the CloudTrail statement (\"Allow CloudTrail to encrypt logs\"), or give orgtrail kms:GetKeyPolicy on the key",
        ),
        Some(p) if kms_policy_allows_cloudtrail(p, arn, trail_arn) => {}
        _ => out.error(
            path,
            FindingCode::KmsKeyPolicy,
            format!("key policy of KMS key `{arn}` does not let cloudtrail.amazonaws.com call kms:GenerateDataKey* and kms:DescribeKey for trail {trail_arn}"),
            "add the key policy statements from the CloudTrail guide (\"Allow CloudTrail to encrypt logs\", \"Allow CloudTrail to describe key\") to the key, and check that no Deny or condition excludes this trail",
        ),
    }
}

/// A trail of this name that is not ours (another region or account). Returns true when taken.
pub(crate) fn name_taken(
    out: &mut Out,
    path: &str,
    spec: &Spec,
    tl: &TrailLive,
    arn: &str,
) -> bool {
    let t = &spec.trail;
    let Some(o) = tl
        .other_trails
        .iter()
        .find(|o| o.name == t.name && o.arn != arn)
    else {
        return false;
    };
    out.error(
        path,
        FindingCode::TrailNameTaken,
        format!(
            "a trail named `{}` already exists as {} (home region {}, account {})",
            t.name, o.arn, o.home_region, o.account
        ),
        "choose another `trail.name`, or set `trail.home_region` to where that trail lives if it is this one",
    );
    true
}

/// A warning for each setting that is not as it should be: (it is, code, message, fix), in order.
fn warn_unless<'a>(
    out: &mut Out,
    path: &str,
    checks: impl IntoIterator<Item = (bool, FindingCode, String, &'a str)>,
) {
    for (ok, code, message, fix) in checks {
        if !ok {
            out.warn(path, code, message, fix);
        }
    }
}

/// CIS-style warnings, organization-trail aware.
pub(crate) fn cis_warnings(out: &mut Out, path: &str, spec: &Spec) {
    let t = &spec.trail;
    let (name, home) = (&t.name, &t.home_region);
    warn_unless(
        out,
        path,
        [
            (
                t.log_file_validation,
                FindingCode::ValidationOff,
                format!(
                    "trail `{name}` has log file validation off: tampering with log files would go unnoticed"
                ),
                "set `trail.log_file_validation: true`",
            ),
            (
                t.multi_region,
                FindingCode::SingleRegion,
                format!(
                    "trail `{name}` logs only {home}: activity in other regions is not recorded"
                ),
                "set `trail.multi_region: true`",
            ),
            (
                t.kms_key_id.is_some(),
                FindingCode::NoKms,
                format!("trail `{name}` log files are encrypted with SSE-S3 only"),
                "set `trail.kms_key_id` to a KMS key (CIS 3.5)",
            ),
            (
                t.cloudwatch_logs.is_some(),
                FindingCode::NoCloudwatchLogs,
                format!(
                    "trail `{name}` does not deliver to CloudWatch Logs, so no metric filters or alarms can watch it"
                ),
                "set `trail.cloudwatch_logs` (CIS 3.4)",
            ),
        ],
    );
}

/// Other trails that record management events where this trail does (`model::scope`): one of
/// the copies is paid (docs/cost.md). A trail that logs no management events (or is not
/// logging) pays for no copy, so it is not warned. Drift reports the same finding as
/// `paid-duplicate-management-events`.
pub(crate) fn duplicate_management_events(
    out: &mut Out,
    path: &str,
    spec: &Spec,
    tl: &TrailLive,
    account: &str,
    arn: &str,
) {
    let t = &spec.trail;
    // Only `logging` and the selectors are read, which no partition changes.
    let d = super::desired::desired(spec, "aws", account, None);
    if !d.logging || !crate::coverage::logs_management_events(&d.selectors) {
        return;
    }
    let ours = Scope::of(t.organization, t.multi_region, account, &t.home_region);
    let dup: Vec<String> = management_copies_beside(&ours, arn, &tl.other_trails)
        .into_iter()
        .map(|(o, s)| format!("{} ({})", o.name, s.describe()))
        .collect();
    if !dup.is_empty() {
        out.warn(
            path,
            FindingCode::DuplicateManagementEvents,
            format!("trail(s) {} also log management events where trail `{}` does: you pay for the same events twice (a second copy costs $2.00 per 100,000 events)", dup.join(", "), t.name),
            if t.organization {
                "remove the other trail(s) once this organization trail is logging, or turn off their management events"
            } else {
                "turn off management events in one of the copies (this trail's selectors, or the other trail's), or drop this trail if the other one already covers these accounts and regions"
            },
        );
    }
}

/// CloudTrail allows five trails per region and account, multi-region trails counted in every
/// region.
pub(crate) fn trail_limit(out: &mut Out, path: &str, spec: &Spec, tl: &TrailLive, account: &str) {
    let region = &spec.trail.home_region;
    // A trail that applies to all regions exists in each region and counts in each ("Quotas in
    // AWS CloudTrail"): DescribeTrails with shadow trails lists it here too.
    let owned_here = tl
        .other_trails
        .iter()
        .filter(|o| (o.home_region == *region || o.multi_region) && o.account == account)
        .count()
        + planned_here(out, region, account);
    if owned_here >= 5 {
        out.error(
            path,
            FindingCode::TrailLimit,
            format!(
                "{owned_here} trails already exist in {region} (CloudTrail allows 5 per region)"
            ),
            "delete a trail you no longer need, or choose another `trail.home_region`",
        );
    }
}

/// Trails this plan already creates (for the specs before this one) that will count in
/// `region`: homed there, or applying to all regions. Without this a spec set that is within the
/// quota one spec at a time fails half-way through apply with MaximumNumberOfTrailsExceeded.
fn planned_here(out: &Out, region: &str, account: &str) -> usize {
    out.steps
        .iter()
        .filter(|s| match &s.action {
            Action::CreateTrail { region: r, trail } => {
                (r == region || trail.multi_region) && s.target.contains(&format!(":{account}:"))
            }
            _ => false,
        })
        .count()
}

/// A spec set in which no trail logs management events leaves the organization's control plane
/// unrecorded: warn (it is not a plan step, so it never blocks apply).
pub(crate) fn management_events_logged(out: &mut Out, specs: &[SpecInput]) {
    let any = specs.iter().any(|s| {
        let d = super::desired::desired(s.spec, "aws", "", None);
        d.logging && crate::coverage::logs_management_events(&d.selectors)
    });
    if !specs.is_empty() && !any {
        out.warn(
            "",
            FindingCode::NoManagementEvents,
            "no trail of these specs logs management events: changes to IAM, the organization and CloudTrail itself go unrecorded".into(),
            "keep management events in one trail's selectors (eventCategory = Management, or a basic selector with include_management_events: true)",
        );
    }
}

/// Trail names and tags that AWS Control Tower and Landing Zone Accelerator give the trails
/// they manage ("About logging in AWS Control Tower"; LZA's `AWSAccelerator-` resources).
const LANDING_ZONE_NAMES: &[(&str, &str)] = &[
    ("aws-controltower-", "AWS Control Tower"),
    ("AWSAccelerator-", "Landing Zone Accelerator"),
];
const LANDING_ZONE_TAGS: &[(&str, &str)] = &[
    ("aws-control-tower", "AWS Control Tower"),
    ("Accelerator", "Landing Zone Accelerator"),
];

fn landing_zone_of(
    name: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> Option<&'static str> {
    LANDING_ZONE_NAMES
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .or_else(|| {
            LANDING_ZONE_TAGS
                .iter()
                .find(|(k, _)| tags.contains_key(*k))
        })
        .map(|(_, who)| *who)
}

/// A trail Control Tower or Landing Zone Accelerator manages is theirs: orgtrail refuses to
/// manage it (their next run would undo orgtrail's changes, and orgtrail's theirs). Returns true
/// when refused.
pub(crate) fn managed_by_landing_zone(
    out: &mut Out,
    path: &str,
    spec: &Spec,
    tl: &TrailLive,
) -> bool {
    let tags = tl
        .trail
        .as_ref()
        .map(|t| t.settings.tags.clone())
        .unwrap_or_default();
    let Some(who) = landing_zone_of(&spec.trail.name, &tags) else {
        return false;
    };
    out.error(
        path,
        FindingCode::ManagedByLandingZone,
        format!("trail `{}` is managed by {who}; orgtrail refuses to manage it (each would undo the other's changes)", spec.trail.name),
        format!("manage this trail through {who}, or give orgtrail's trail another name"),
    );
    true
}

/// A second organization trail logging management events next to one Control Tower or Landing
/// Zone Accelerator already runs pays for the same events twice.
pub(crate) fn beside_landing_zone_trail(out: &mut Out, path: &str, spec: &Spec, tl: &TrailLive) {
    if !spec.trail.organization {
        return;
    }
    let none = std::collections::BTreeMap::new();
    for o in tl.other_trails.iter().filter(|o| o.organization) {
        if let Some(who) = landing_zone_of(&o.name, &none) {
            out.warn(
                path,
                FindingCode::SecondOrganizationTrail,
                format!("{who} already runs organization trail {} that logs the organization's management events; trail `{}` would record (and bill) them a second time", o.arn, spec.trail.name),
                "log only what the landing zone trail does not (e.g. data events, with advanced selectors and no management events), or rely on that trail",
            );
        }
    }
}

/// CIS-style warnings about the log bucket (CIS AWS Foundations Benchmark: 3.3 the CloudTrail
/// bucket is not publicly accessible, 3.6 access logging on the CloudTrail bucket; versioning
/// and retention so log files survive overwrites and are not kept or lost by accident).
pub(crate) fn bucket_cis_warnings(out: &mut Out, path: &str, spec: &Spec) {
    let b = &spec.bucket;
    let name = &b.name;
    warn_unless(
        out,
        path,
        [
            (
                b.public_access_block,
                FindingCode::BucketPublicAccessUnmanaged,
                format!("orgtrail does not enforce the public access block of log bucket `{name}`"),
                "set `bucket.public_access_block: true` (CIS 3.3)",
            ),
            (
                b.access_logging.is_some(),
                FindingCode::BucketAccessLoggingOff,
                format!(
                    "log bucket `{name}` has no server access logging: reads and deletions of the log files are not recorded"
                ),
                "set `bucket.access_logging: {target_bucket: ..., prefix: ...}` (CIS 3.6)",
            ),
            (
                b.versioning,
                FindingCode::BucketVersioningUnmanaged,
                format!(
                    "orgtrail does not enforce versioning of log bucket `{name}`: an overwritten or deleted log file could not be recovered"
                ),
                "set `bucket.versioning: true`",
            ),
            (
                b.require_tls,
                FindingCode::BucketTlsUnmanaged,
                format!("orgtrail does not require TLS for log bucket `{name}`"),
                "set `bucket.require_tls: true`",
            ),
            (
                !(b.versioning
                    && b.lifecycle
                        .is_some_and(|l| l.noncurrent_expire_days.is_none())),
                FindingCode::NoncurrentKeptForever,
                format!(
                    "log bucket `{name}` expires log files after `lifecycle.expire_days` but keeps their old versions forever: with versioning on, an expired or overwritten file stays as a noncurrent version (and is billed) until a rule expires it"
                ),
                "set `bucket.lifecycle.noncurrent_expire_days` (at least as long as you must keep a deleted file recoverable)",
            ),
        ],
    );
}
