//! `orgtrail import`'s mapping: a live trail, as `orgtrail-aws` read it, to the spec v1 whose
//! desired trail (`plan/desired.rs`) is that same trail, so `diff` plans no steps for it. It is
//! the inverse of the desired-state builder, field for field.
//!
//! No I/O and no text: the CLI reads AWS, `orgtrail-render::spec_yaml` writes the document.
//! What AWS cannot say (how to treat the bucket policy, a log-archive bucket's account and role)
//! comes from the caller as [`Choices`]. The bucket's protection, when it was read, is managed
//! as it is (`import_protection.rs`).

use orgtrail_spec::{Bucket, CloudWatchLogs, Organization, PolicyMode, Spec, Trail};

use crate::model::{BucketState, LiveState, Selectors, TrailState};

#[path = "import_protection.rs"]
mod protection;
use crate::plan::{BucketRef, LogDestination, logs_own_deliveries};
use protection::Around;
pub use protection::Notes;

/// What import is told rather than reads (`--bucket-policy`, `--bucket-account`,
/// `--bucket-role-arn`, `--bucket-external-id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    /// `--bucket-policy`: merge, or only verify.
    pub policy: PolicyMode,
    pub bucket: BucketAccess,
}

/// How orgtrail reaches a bucket of another account (a log-archive account): the account
/// (`--bucket-account`), the role it acts through there (`--bucket-role-arn`) and the role's
/// external ID (`--bucket-external-id`); all `None` for a bucket of the management account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketAccess {
    pub account: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

/// The imported spec, and what a reader of it should be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub spec: Spec,
    /// The ARN of the trail it was read from.
    pub source: String,
    /// When the trail's data-event selectors log CloudTrail's own deliveries into its bucket
    /// (so the spec accepts them, or plan would refuse the trail as it is): the ARN prefix of
    /// those deliveries, which a selector excludes to stop it.
    pub own_deliveries: Option<String>,
    /// Per protection field of the bucket: what was found (empty when its protection was not
    /// read: a bucket orgtrail cannot write).
    pub notes: Notes,
}

/// A spec naming only the trail, everything else at rest: the reads need nothing more to find
/// the trail, and the trail names its bucket (no bucket name is guessed: names are global, and a
/// guessed one may be someone else's).
pub fn probe(trail: &str, home_region: &str) -> Spec {
    Spec {
        version: 1,
        organization: Organization::default(),
        bucket: unmanaged_bucket(String::new(), None, &Choices::default()),
        trail: Trail {
            name: trail.to_string(),
            home_region: home_region.to_string(),
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
            expected_events_per_month: None,
        },
        acknowledge: Vec::new(),
        guardrails: None,
    }
}

/// The trail's bucket as import reads it: in the trail's home region, owned by the account the
/// choices name, else the management account (as `plan` addresses it).
pub fn bucket_to_read(t: &TrailState, live: &LiveState, choices: &Choices) -> BucketRef {
    let mut spec = probe(&t.settings.name, &t.home_region);
    spec.bucket = unmanaged_bucket(t.settings.s3_bucket.clone(), None, choices);
    BucketRef::of(&spec, management_account(live))
}

/// The spec that plans no steps for the live trail `t` and its `bucket` (as read).
pub fn spec_of(
    t: &TrailState,
    bucket: &BucketState,
    live: &LiveState,
    choices: &Choices,
) -> Imported {
    let org = live.organization.as_ref();
    let region = bucket
        .region
        .clone()
        .unwrap_or_else(|| t.home_region.clone());
    let own_deliveries = own_deliveries(t, live, &region);
    let mut b = unmanaged_bucket(t.settings.s3_bucket.clone(), Some(region), choices);
    let logs = [t
        .settings
        .s3_key_prefix
        .as_ref()
        .map_or("AWSLogs/".to_string(), |p| format!("{p}/AWSLogs/"))];
    let around = Around {
        partition: &live.caller.partition,
        owner: choices
            .bucket
            .account
            .as_deref()
            .unwrap_or(management_account(live)),
        logs: &logs,
    };
    let notes = protection::manage(&mut b, bucket, &around);
    let spec = Spec {
        version: 1,
        organization: Organization {
            all_features: org.is_some_and(|o| o.all_features),
            trusted_access: org.is_some_and(|o| o.trusted_access),
            // Delegated administrators are left alone until someone decides to manage them.
            delegated_administrators: None,
        },
        bucket: b,
        trail: trail_of(t, own_deliveries.is_some()),
        acknowledge: Vec::new(),
        guardrails: None,
    };
    Imported {
        spec,
        source: t.arn.clone(),
        own_deliveries,
        notes,
    }
}

/// The account that owns a bucket unless told otherwise (as `plan/bucket.rs` decides).
fn management_account(live: &LiveState) -> &str {
    live.organization
        .as_ref()
        .map_or(&live.caller.account, |o| &o.management_account)
}

/// The bucket section: the bucket is never created, and its protection is not managed (every
/// protection `false`/`null`) until `protection::manage` finds it on in the live bucket, so
/// adopting a trail plans no change to the bucket.
fn unmanaged_bucket(name: String, region: Option<String>, choices: &Choices) -> Bucket {
    Bucket {
        name,
        region,
        create: false,
        policy: choices.policy,
        account: choices.bucket.account.clone(),
        role_arn: choices.bucket.role_arn.clone(),
        read_role_arn: None,
        external_id: choices.bucket.external_id.clone(),
        public_access_block: false,
        ownership: None,
        encryption: None,
        versioning: false,
        lifecycle: None,
        object_lock: None,
        access_logging: None,
        require_tls: false,
    }
}

/// The trail section: each setting as live has it, in the spec's terms. The live values are
/// already what `desired` resolves a spec to (key ARN, topic ARN, log group ARN with `:*`,
/// normalised selectors and insights), so they are written as they are.
fn trail_of(t: &TrailState, accept_own_deliveries: bool) -> Trail {
    let s = &t.settings;
    let (event_selectors, advanced_event_selectors) = match &t.selectors {
        // AWS's default selector is what a spec without selectors means.
        d if *d == Selectors::aws_default() => (None, None),
        Selectors::Basic(v) => (Some(v.clone()), None),
        Selectors::Advanced(v) => (None, Some(v.clone())),
    };
    Trail {
        name: s.name.clone(),
        home_region: t.home_region.clone(),
        organization: s.organization,
        multi_region: s.multi_region,
        include_global_service_events: s.include_global_service_events,
        log_file_validation: s.log_file_validation,
        logging: t.logging,
        s3_key_prefix: s.s3_key_prefix.clone(),
        kms_key_id: s.kms_key_id.clone(),
        kms_role_arn: None,
        sns_topic: s.sns_topic.clone(),
        // A log group without a role cannot be written in a spec (the role is required there).
        cloudwatch_logs: s.cloudwatch_logs.as_ref().and_then(|(g, r)| {
            (!r.is_empty()).then(|| CloudWatchLogs {
                log_group_arn: g.clone(),
                role_arn: r.clone(),
            })
        }),
        event_selectors,
        advanced_event_selectors,
        insight_selectors: t.insights.clone(),
        accept_log_bucket_data_events: accept_own_deliveries,
        tags: s.tags.clone(),
        // Volumes are the reader's estimate; AWS does not know them.
        expected_events_per_month: None,
    }
}

/// A trail whose data-event selectors already log its own log bucket is imported as it is: the
/// spec accepts it (plan would refuse it otherwise), and the reader is told what to exclude.
fn own_deliveries(t: &TrailState, live: &LiveState, bucket_region: &str) -> Option<String> {
    // The account in the trail's ARN owns it (and its `AWSLogs/<account>/` path).
    let owner = t.arn.split(':').nth(4).unwrap_or(&live.caller.account);
    let dest = LogDestination {
        partition: &live.caller.partition,
        bucket: &t.settings.s3_bucket,
        prefix: t.settings.s3_key_prefix.as_deref(),
        bucket_region,
        home_region: &t.home_region,
        multi_region: t.settings.multi_region,
        org_id: live
            .organization
            .as_ref()
            .filter(|_| t.settings.organization)
            .map(|o| o.id.as_str()),
        owner,
    };
    (!logs_own_deliveries(&t.selectors, &dest).is_empty()).then(|| dest.logs_arn_prefix())
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
