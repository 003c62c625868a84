//! The import mapping is the inverse of the desired-state builder: for any live trail, the
//! imported spec plans no steps (and no errors) against the live state it came from.
//!
//! The live-state fixtures are a few lines in the manner of `plan/tests.rs` (`in_sync`,
//! `plan_of`, `live_trail`), copied so this file does not depend on where those live.

use std::collections::BTreeMap;

use orgtrail_spec::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightCategory,
    InsightSelector, InsightType, Lifecycle, LockMode, ObjectLock, PolicyMode, ReadWriteType,
};
use proptest::prelude::*;

use super::*;
use crate::model::{
    BucketProtection, BucketState, Caller, KmsState, LifecycleRule, LiveState, LoggingTarget,
    OrgState, RETENTION_RULE, TrailLive, TrailSettings, TrailState, trail_arn,
};
use crate::plan::{Plan, SpecInput, diff};
use crate::policy::{self, TrailRef};

const MGMT: &str = "111111111111";
const ORG: &str = "o-exampleorgid";
const KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}]}"#;

fn plan_of(spec: &Spec, live: &LiveState) -> Plan {
    let inputs = [SpecInput {
        path: "specs/imported.yaml".into(),
        source: b"",
        spec,
    }];
    diff(&inputs, live)
}

/// The policy orgtrail derives for the live trail on an empty bucket: what its bucket has once
/// the trail delivers there (without the TLS-only statement, which import does not manage).
fn delivering_policy(t: &TrailState) -> String {
    let r = TrailRef {
        partition: "aws".into(),
        home_region: t.home_region.clone(),
        account: MGMT.into(),
        trail_name: t.settings.name.clone(),
        org_id: ORG.into(),
        bucket: t.settings.s3_bucket.clone(),
        prefix: t.settings.s3_key_prefix.clone(),
    };
    let m = policy::merge_with(&t.settings.s3_bucket, None, &[r], &[], &[]).unwrap();
    serde_json::to_string(&m.new_policy.unwrap()).unwrap()
}

/// The live state around trail `t` whose bucket is in `bucket_region`: the management account
/// calling, the organization, the bucket delivering, the KMS key (when the trail has one)
/// letting CloudTrail encrypt.
fn live_around(t: &TrailState, bucket_region: &str, org: OrgState) -> LiveState {
    live_protected(t, bucket_region, org, Protected::default())
}

/// A live bucket's protection, the access-logging target and the TLS-only statement its policy
/// carries, as `orgtrail-aws` reads them for import.
#[derive(Debug, Clone, Default)]
struct Protected {
    protection: Option<BucketProtection>,
    logging_target: Option<LoggingTarget>,
    /// 0: none; 1: orgtrail's; 2: the same meaning under another Sid, its lists reordered;
    /// 3: a TLS condition of another shape (objects only).
    tls: u8,
}

/// The TLS-only statement of shape `tls` (see [`Protected`]).
fn tls_statement(tls: u8, bucket: &str) -> Option<serde_json::Value> {
    let arn = format!("arn:aws:s3:::{bucket}");
    match tls {
        1 => Some(policy::require_tls("aws", bucket).statement),
        2 => Some(
            serde_json::json!({"Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:*"], "Resource": [format!("{arn}/*"), arn], "Condition": {"Bool": {"aws:SecureTransport": false}}}),
        ),
        3 => Some(
            serde_json::json!({"Sid": "TlsObjects", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": format!("{arn}/*"), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        ),
        _ => None,
    }
}

fn live_protected(t: &TrailState, bucket_region: &str, org: OrgState, p: Protected) -> LiveState {
    let kms = t.settings.kms_key_id.as_ref().map(|k| KmsState {
        key_arn: Some(k.clone()),
        policy: Some(KEY_POLICY.into()),
        enabled: Some(true),
    });
    LiveState {
        caller: Caller {
            account: MGMT.into(),
            arn: format!("arn:aws:iam::{MGMT}:role/admin"),
            partition: "aws".into(),
        },
        organization: Some(org),
        trails: vec![TrailLive {
            bucket: BucketState {
                name: t.settings.s3_bucket.clone(),
                exists: true,
                region: Some(bucket_region.into()),
                policy: Some(with_tls(delivering_policy(t), &t.settings.s3_bucket, p.tls)),
                protection: p.protection,
                denied: false,
                logging_target: p.logging_target,
                known_trails: None,
            },
            trail: Some(t.clone()),
            other_trails: Vec::new(),
            kms,
            health: None,
            alerts: None,
        }],
    }
}

fn with_tls(policy: String, bucket: &str, tls: u8) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&policy).unwrap();
    if let Some(st) = tls_statement(tls, bucket) {
        v["Statement"].as_array_mut().unwrap().push(st);
    }
    v.to_string()
}

/// Up to `max` of `items`, sorted (`orgtrail-aws` sorts every list it reads).
fn some_of<T: Clone + Ord + std::fmt::Debug + 'static>(
    items: &[T],
    max: usize,
) -> impl Strategy<Value = Vec<T>> + use<T> {
    prop::sample::subsequence(items.to_vec(), 0..=max.min(items.len())).prop_map(sorted)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn values() -> impl Strategy<Value = Vec<String>> {
    some_of(
        &[
            "arn:aws:s3".to_string(),
            "arn:aws:s3:::my-bucket/".into(),
            "arn:aws:s3:::other-bucket/logs/".into(),
            "arn:aws:lambda".into(),
        ],
        2,
    )
}

fn basic_selector() -> impl Strategy<Value = EventSelector> {
    let rw = prop::sample::select(vec![
        ReadWriteType::All,
        ReadWriteType::ReadOnly,
        ReadWriteType::WriteOnly,
    ]);
    let resource = (
        prop::sample::select(vec!["AWS::S3::Object", "AWS::Lambda::Function"]),
        values(),
    )
        .prop_map(|(t, values)| DataResource {
            resource_type: t.into(),
            values,
        });
    (
        rw,
        any::<bool>(),
        some_of(
            &[
                "kms.amazonaws.com".to_string(),
                "rdsdata.amazonaws.com".into(),
            ],
            2,
        ),
        prop::collection::vec(resource, 0..3).prop_map(sorted),
    )
        .prop_map(|(rw, mgmt, exclude, data)| EventSelector {
            read_write_type: rw,
            include_management_events: mgmt,
            exclude_management_event_sources: exclude,
            data_resources: data,
        })
}

fn advanced_selector() -> impl Strategy<Value = AdvancedEventSelector> {
    let field = (
        prop::sample::select(vec![
            "eventCategory",
            "resources.type",
            "resources.ARN",
            "readOnly",
            "eventSource",
        ]),
        values(),
        values(),
        values(),
    )
        .prop_map(|(f, equals, starts_with, not_starts_with)| FieldSelector {
            field: f.into(),
            equals,
            starts_with,
            ends_with: Vec::new(),
            not_equals: Vec::new(),
            not_starts_with,
            not_ends_with: Vec::new(),
        });
    (
        prop::option::of(prop::sample::select(vec![
            "Management",
            "S3 writes",
            "true",
        ])),
        prop::collection::vec(field, 1..4).prop_map(sorted),
    )
        .prop_map(|(name, field_selectors)| AdvancedEventSelector {
            name: name.map(str::to_string),
            field_selectors,
        })
}

/// As `orgtrail-aws` returns selectors: every list sorted, normalised (none at all reads as
/// AWS's default).
fn selectors() -> impl Strategy<Value = Selectors> {
    prop_oneof![
        Just(Selectors::aws_default()),
        prop::collection::vec(basic_selector(), 1..3).prop_map(Selectors::Basic),
        prop::collection::vec(advanced_selector(), 1..3).prop_map(Selectors::Advanced),
    ]
    .prop_map(Selectors::normalised)
}

fn insights() -> impl Strategy<Value = Vec<InsightSelector>> {
    let one = (
        prop::sample::select(vec![
            InsightType::ApiCallRateInsight,
            InsightType::ApiErrorRateInsight,
        ]),
        some_of(&InsightCategory::ALL, 2),
    )
        .prop_map(|(t, c)| InsightSelector {
            insight_type: t,
            event_categories: c,
        });
    prop::collection::vec(one, 0..3).prop_map(|v| InsightSelector::normalise(&v))
}

fn tags() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(vec!["team", "cost-center", "yes", "Name", "1"]),
        prop::sample::select(vec!["security", "", "true", "42", "a: b # c"]),
        0..4,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
}

const REGIONS: [&str; 3] = ["us-east-1", "us-east-2", "eu-west-1"];

/// A live trail (its bucket's region beside it), as `orgtrail-aws` reads one.
fn live_trail() -> impl Strategy<Value = (TrailState, String)> {
    let names = (
        prop::sample::select(vec!["my-trail", "org.trail_1"]),
        prop::sample::select(vec!["my-bucket", "logs.example.com"]),
        prop::sample::select(REGIONS.to_vec()),
        prop::sample::select(REGIONS.to_vec()),
    );
    let flags = prop::array::uniform5(any::<bool>());
    let optional = (
        prop::option::of(prop::sample::select(vec!["logs", "org/cloudtrail"])),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["alerts", "trail-topic"])),
        prop::option::of(prop::sample::select(vec!["trail-logs", "/aws/cloudtrail"])),
    );
    (names, flags, optional, selectors(), insights(), tags()).prop_map(
        |((name, bucket, home, bucket_region), f, (prefix, kms, sns, group), sel, ins, tags)| {
            let region = |s: &str| format!("arn:aws:{s}:{home}:{MGMT}");
            let settings = TrailSettings {
                name: name.into(),
                s3_bucket: bucket.into(),
                s3_key_prefix: prefix.map(str::to_string),
                organization: f[0],
                multi_region: f[1],
                include_global_service_events: f[2],
                log_file_validation: f[3],
                // A key must be in the bucket's region (a preflight rule).
                kms_key_id: kms
                    .then(|| format!("arn:aws:kms:{bucket_region}:{MGMT}:key/1234abcd-12ab")),
                sns_topic: sns.map(|t| format!("{}:{t}", region("sns"))),
                cloudwatch_logs: group.map(|g| {
                    (
                        format!("{}:log-group:{g}:*", region("logs")),
                        format!("arn:aws:iam::{MGMT}:role/CloudTrailToLogs"),
                    )
                }),
                tags,
            };
            let t = TrailState {
                arn: trail_arn("aws", home, MGMT, name),
                home_region: home.into(),
                settings,
                logging: f[4],
                selectors: sel,
                insights: ins,
            };
            (t, bucket_region.to_string())
        },
    )
}

/// The organization as it can be around the trail: an organization trail exists only with all
/// features and CloudTrail trusted; around an account trail, either may be off.
fn organization(org_trail: bool) -> impl Strategy<Value = OrgState> {
    (any::<bool>(), any::<bool>()).prop_map(move |(all, trusted)| OrgState {
        id: ORG.into(),
        all_features: all || org_trail,
        management_account: MGMT.into(),
        trusted_access: trusted || org_trail,
        delegated_admins: Vec::new(),
        policies: None,
        policies_denied: false,
    })
}

/// Lifecycle rules of others as S3 returns them (enabled ones, unique IDs), each expiring
/// current versions: a rule that expires only noncurrent versions, or by a date, is what a spec
/// cannot state (import says so, and the plan removes it: see
/// `a_rule_a_spec_cannot_state_is_named_and_left_to_the_plan`).
fn foreign_rules() -> impl Strategy<Value = Vec<LifecycleRule>> {
    let rule = (
        prop::sample::select(vec!["", "AWSLogs/", "logs/", "tmp/"]),
        prop::sample::select(vec![60u32, 365, 400]),
        prop::option::of(prop::sample::select(vec![30u32, 90])),
    );
    prop::collection::vec(rule, 0..3).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (prefix, days, noncurrent))| LifecycleRule {
                id: format!("their-rule-{i}"),
                prefix: prefix.into(),
                expire_days: Some(days),
                noncurrent_expire_days: noncurrent,
            })
            .collect()
    })
}

/// orgtrail's own rule (`days`, noncurrent days, archive days), if any, as read: both as
/// `retention` and among the enabled rules, beside `foreign`.
fn lifecycle_read(
    own: Option<(u32, Option<u32>, Option<u32>)>,
    mut rules: Vec<LifecycleRule>,
) -> (Option<Lifecycle>, Vec<LifecycleRule>) {
    let retention = own.map(|(d, n, a)| Lifecycle {
        expire_days: d,
        noncurrent_expire_days: n,
        archive_after_days: a,
    });
    if let Some(l) = retention {
        rules.push(LifecycleRule {
            id: RETENTION_RULE.into(),
            prefix: String::new(),
            expire_days: Some(l.expire_days),
            noncurrent_expire_days: l.noncurrent_expire_days,
        });
    }
    (retention, rules)
}

/// Random live protection around a bucket of `bucket`, as `orgtrail-aws` reads it for import:
/// S3 encrypts every bucket (an algorithm is always read); Object Lock comes with versioning
/// on (S3 enables it with the lock and refuses to suspend it); orgtrail's own retention rule is
/// read both as `retention` and among the enabled rules.
fn protected() -> impl Strategy<Value = Protected> {
    let settings = (
        any::<bool>(),
        prop::sample::select(vec!["AES256", "aws:kms", "aws:kms:dsse"]),
        any::<bool>(),
        prop::sample::select(vec![
            None,
            Some("BucketOwnerEnforced"),
            Some("BucketOwnerPreferred"),
            Some("ObjectWriter"),
        ]),
        prop::sample::select(vec![None, Some("Enabled"), Some("Suspended")]),
    );
    let retention = prop::option::of((
        prop::sample::select(vec![60u32, 400, 3650]),
        prop::option::of(prop::sample::select(vec![30u32, 90])),
        prop::option::of(Just(30u32)),
    ));
    let lock = prop::option::of((
        prop::sample::select(vec![LockMode::Governance, LockMode::Compliance]),
        prop::sample::select(vec![30u32, 365]),
    ));
    let logging = prop::option::of((
        prop::option::of(Just("s3/")),
        prop::array::uniform3(any::<bool>()),
    ));
    (settings, retention, foreign_rules(), lock, logging, 0u8..4).prop_map(
        |((blocked, enc, key, own, ver), ret, foreign, lock, logging, tls)| {
            let (retention, rules) = lifecycle_read(ret, foreign);
            let object_lock = lock.map(|(mode, days)| ObjectLock { mode, days });
            let versioning = if object_lock.is_some() {
                Some("Enabled")
            } else {
                ver
            };
            let target = "access-logs";
            let logging_target = logging.map(|(prefix, [exists, locked, granted])| {
                (
                    prefix,
                    LoggingTarget {
                        name: target.into(),
                        exists,
                        policy: None,
                        object_lock: locked,
                    },
                    granted,
                )
            });
            Protected {
                protection: Some(BucketProtection {
                    public_access_blocked: blocked,
                    encryption: Some(enc.into()),
                    bucket_key: key,
                    ownership: own.map(str::to_string),
                    versioning: versioning.map(str::to_string),
                    retention,
                    object_lock,
                    logging: logging_target
                        .as_ref()
                        .map(|(p, _, _)| (target.to_string(), p.map(str::to_string))),
                    other_lifecycle_rules: rules,
                }),
                // The target's policy is filled in once the bucket's name is known.
                logging_target: logging_target.map(|(p, mut t, granted)| {
                    if granted {
                        t.policy = Some(p.unwrap_or("").to_string());
                    }
                    t
                }),
                tls,
            }
        },
    )
}

/// The target's policy: with the statement that lets S3 deliver `bucket`'s access logs when the
/// generator granted it (it left the prefix in the policy's place).
fn grant_logging(p: &mut Protected, bucket: &str) {
    let Some(t) = &mut p.logging_target else {
        return;
    };
    if let Some(prefix) = t.policy.take() {
        let prefix = Some(prefix).filter(|p| !p.is_empty());
        let s = policy::access_logging("aws", &t.name, prefix.as_deref(), bucket, MGMT);
        t.policy = Some(
            serde_json::json!({"Version": "2012-10-17", "Statement": [s.statement]}).to_string(),
        );
    }
}

fn trail_and_live() -> impl Strategy<Value = (TrailState, LiveState)> {
    (live_trail(), protected(), any::<bool>()).prop_flat_map(|((t, bucket_region), p, read)| {
        organization(t.settings.organization).prop_map(move |org| {
            let mut p = p.clone();
            grant_logging(&mut p, &t.settings.s3_bucket);
            // A bucket of another account has no protection read: half the cases.
            let p = if read { p } else { Protected::default() };
            let live = live_protected(&t, &bucket_region, org, p);
            (t.clone(), live)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For any live trail, `diff(spec_of(live), live)` plans no steps and finds no error: the
    /// plan reads "No changes".
    #[test]
    fn imported_spec_plans_no_changes(
        (t, live) in trail_and_live(),
        verify in any::<bool>(),
    ) {
        let choices = Choices {
            policy: if verify { PolicyMode::Verify } else { PolicyMode::Merge },
            ..Choices::default()
        };
        let imported = spec_of(&t, &live.trails[0].bucket, &live, &choices);
        let plan = plan_of(&imported.spec, &live);
        let steps: Vec<_> = plan.steps.iter().map(|s| (s.kind, &s.changes)).collect();
        prop_assert!(plan.steps.is_empty(), "steps: {:#?}\nspec: {:#?}", steps, imported.spec);
        let errors: Vec<_> = plan.findings.iter().filter(|f| f.severity == crate::plan::Severity::Error).collect();
        prop_assert!(!plan.has_errors(), "errors: {:#?}", errors);
        prop_assert_eq!(imported.source, t.arn);
    }
}

#[test]
fn a_trail_logging_its_own_bucket_is_imported_accepting_it() {
    let selectors = Selectors::Basic(vec![EventSelector {
        data_resources: vec![DataResource {
            resource_type: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3".into()],
        }],
        ..EventSelector::aws_default()
    }]);
    let t = TrailState {
        selectors,
        ..plain_trail()
    };
    let live = live_around(&t, "us-east-2", organization_of_trail());
    let imported = spec_of(&t, &live.trails[0].bucket, &live, &Choices::default());
    assert!(imported.spec.trail.accept_log_bucket_data_events);
    assert_eq!(
        imported.own_deliveries.as_deref(),
        Some("arn:aws:s3:::my-bucket/AWSLogs/")
    );
    let mut refused = imported.spec.clone();
    refused.trail.accept_log_bucket_data_events = false;
    assert!(plan_of(&refused, &live).has_errors());
}

#[test]
fn the_bucket_is_read_as_the_choices_say() {
    let probe = probe("my-trail", "us-east-2");
    let t = TrailState {
        arn: trail_arn("aws", "us-east-2", MGMT, "my-trail"),
        home_region: "us-east-2".into(),
        settings: TrailSettings {
            name: "my-trail".into(),
            s3_bucket: "archive-bucket".into(),
            s3_key_prefix: None,
            organization: probe.trail.organization,
            multi_region: probe.trail.multi_region,
            include_global_service_events: true,
            log_file_validation: true,
            kms_key_id: None,
            sns_topic: None,
            cloudwatch_logs: None,
            tags: BTreeMap::new(),
        },
        logging: true,
        selectors: Selectors::aws_default(),
        insights: Vec::new(),
    };
    let live = live_around(&t, "us-east-2", organization_of_trail());
    let mine = bucket_to_read(&t, &live, &Choices::default());
    assert_eq!(
        (
            mine.name.as_str(),
            mine.region.as_str(),
            mine.owner.as_str()
        ),
        ("archive-bucket", "us-east-2", MGMT)
    );
    let role = "arn:aws:iam::222222222222:role/BucketRole";
    let theirs = bucket_to_read(
        &t,
        &live,
        &Choices {
            bucket: BucketAccess {
                role_arn: Some(role.into()),
                ..BucketAccess::default()
            },
            ..Choices::default()
        },
    );
    assert_eq!(theirs.owner, "222222222222");
    assert_eq!(theirs.role_arn.as_deref(), Some(role));
}

/// The organization of the management account that owns the trail (the core's fixture).
fn organization_of_trail() -> OrgState {
    crate::fixtures::org()
}

fn plain_trail() -> TrailState {
    TrailState {
        arn: trail_arn("aws", "us-east-2", MGMT, "my-trail"),
        home_region: "us-east-2".into(),
        settings: TrailSettings {
            name: "my-trail".into(),
            s3_bucket: "my-bucket".into(),
            s3_key_prefix: None,
            organization: true,
            multi_region: true,
            include_global_service_events: true,
            log_file_validation: true,
            kms_key_id: None,
            sns_topic: None,
            cloudwatch_logs: None,
            tags: BTreeMap::new(),
        },
        logging: true,
        selectors: Selectors::aws_default(),
        insights: Vec::new(),
    }
}

fn rule(id: &str, prefix: &str, days: Option<u32>, noncurrent: Option<u32>) -> LifecycleRule {
    LifecycleRule {
        id: id.into(),
        prefix: prefix.into(),
        expire_days: days,
        noncurrent_expire_days: noncurrent,
    }
}

/// Every protection on (orgtrail's retention rule beside a shorter one of Terraform's): each is
/// managed as it is, each note says what was read, and the plan has nothing to do.
#[test]
fn every_protection_on_is_imported_as_managed() {
    let t = plain_trail();
    let own = Lifecycle {
        expire_days: 400,
        noncurrent_expire_days: None,
        archive_after_days: Some(30),
    };
    let mut p = Protected {
        protection: Some(BucketProtection {
            public_access_blocked: true,
            encryption: Some("aws:kms".into()),
            bucket_key: true,
            ownership: Some("BucketOwnerEnforced".into()),
            versioning: Some("Enabled".into()),
            retention: Some(own),
            object_lock: Some(ObjectLock {
                mode: LockMode::Compliance,
                days: 180,
            }),
            logging: Some(("access-logs".into(), Some("s3/".into()))),
            other_lifecycle_rules: vec![
                rule("expire-logs", "AWSLogs/", Some(365), Some(90)),
                rule(RETENTION_RULE, "", Some(400), None),
                rule("tmp", "tmp/", Some(1), None),
            ],
        }),
        logging_target: Some(LoggingTarget {
            name: "access-logs".into(),
            exists: true,
            policy: Some("s3/".into()),
            object_lock: false,
        }),
        tls: 2,
    };
    grant_logging(&mut p, "my-bucket");
    let live = live_protected(&t, "us-east-2", organization_of_trail(), p);
    let imported = spec_of(&t, &live.trails[0].bucket, &live, &Choices::default());
    let b = &imported.spec.bucket;
    assert!(b.public_access_block && b.versioning && b.require_tls);
    assert_eq!(
        b.ownership,
        Some(orgtrail_spec::Ownership::BucketOwnerEnforced)
    );
    assert_eq!(
        b.encryption.map(|e| (e.kind, e.bucket_key)),
        Some((orgtrail_spec::EncryptionType::SseKms, true))
    );
    assert_eq!(
        b.lifecycle,
        Some(Lifecycle {
            expire_days: 365,
            noncurrent_expire_days: Some(90),
            archive_after_days: Some(30),
        })
    );
    assert_eq!(b.object_lock.map(|l| l.days), Some(180));
    assert_eq!(
        b.access_logging.as_ref().map(|a| a.target_bucket.as_str()),
        Some("access-logs")
    );
    let keys: Vec<&str> = imported.notes.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "access_logging",
            "encryption",
            "lifecycle",
            "object_lock",
            "ownership",
            "public_access_block",
            "require_tls",
            "versioning"
        ]
    );
    assert!(imported.notes.values().all(|n| n.starts_with("read: ")));
    assert!(imported.notes["lifecycle"].contains("`expire-logs`"));
    assert!(!imported.notes["lifecycle"].contains("`tmp`"));
    let plan = plan_of(&imported.spec, &live);
    assert!(plan.steps.is_empty(), "{:#?}", plan.steps);
}

/// A rule that deletes only noncurrent log file versions cannot be stated by a spec (a
/// retention needs `expire_days`): import leaves `lifecycle` unmanaged and names the rule, and
/// the plan removes it; a lock longer than the retention is left unmanaged likewise.
#[test]
fn a_rule_a_spec_cannot_state_is_named_and_left_to_the_plan() {
    let t = plain_trail();
    let p = Protected {
        protection: Some(BucketProtection {
            encryption: Some("AES256".into()),
            other_lifecycle_rules: vec![rule("old-versions", "", None, Some(30))],
            ..BucketProtection::default()
        }),
        ..Protected::default()
    };
    let live = live_protected(&t, "us-east-2", organization_of_trail(), p);
    let imported = spec_of(&t, &live.trails[0].bucket, &live, &Choices::default());
    assert_eq!(imported.spec.bucket.lifecycle, None);
    assert!(
        imported.notes["lifecycle"].contains("`old-versions` (noncurrent versions after 30 days)"),
        "{}",
        imported.notes["lifecycle"]
    );
    let plan = plan_of(&imported.spec, &live);
    let kinds: Vec<&str> = plan.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["remove-lifecycle-rules"]);

    let p = Protected {
        protection: Some(BucketProtection {
            encryption: Some("AES256".into()),
            versioning: Some("Enabled".into()),
            object_lock: Some(ObjectLock {
                mode: LockMode::Governance,
                days: 365,
            }),
            other_lifecycle_rules: vec![rule("expire", "", Some(90), None)],
            ..BucketProtection::default()
        }),
        ..Protected::default()
    };
    let live = live_protected(&t, "us-east-2", organization_of_trail(), p);
    let imported = spec_of(&t, &live.trails[0].bucket, &live, &Choices::default());
    assert_eq!(imported.spec.bucket.object_lock, None);
    assert!(imported.notes["object_lock"].contains("GOVERNANCE for 365 days"));
    assert!(plan_of(&imported.spec, &live).steps.is_empty());
}
