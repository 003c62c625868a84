//! The import mapping is the inverse of the desired-state builder: for any live trail, the
//! imported spec plans no steps (and no errors) against the live state it came from.
//!
//! The live-state fixtures are a few lines in the manner of `plan/tests.rs` (`in_sync`,
//! `plan_of`, `live_trail`), copied so this file does not depend on where those live.

use std::collections::BTreeMap;

use orgtrail_spec::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightCategory,
    InsightSelector, InsightType, PolicyMode, ReadWriteType,
};
use proptest::prelude::*;

use super::*;
use crate::model::{
    BucketState, Caller, KmsState, LiveState, OrgState, TrailLive, TrailSettings, TrailState,
    trail_arn,
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
                policy: Some(delivering_policy(t)),
                protection: None,
                denied: false,
                logging_target: None,
            },
            trail: Some(t.clone()),
            other_trails: Vec::new(),
            kms,
            health: None,
        }],
    }
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
    })
}

fn trail_and_live() -> impl Strategy<Value = (TrailState, LiveState)> {
    live_trail().prop_flat_map(|(t, bucket_region)| {
        organization(t.settings.organization).prop_map(move |org| {
            let live = live_around(&t, &bucket_region, org);
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
        selectors,
        insights: Vec::new(),
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

fn organization_of_trail() -> OrgState {
    OrgState {
        id: ORG.into(),
        all_features: true,
        management_account: MGMT.into(),
        trusted_access: true,
        delegated_admins: Vec::new(),
    }
}
