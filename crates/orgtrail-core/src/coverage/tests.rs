//! The coverage model, case by case: what a change loses (plan) is what drift reports missing
//! when the same difference is found the other way round.

use orgtrail_spec::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightCategory,
    InsightSelector, InsightType, ReadWriteType,
};

use super::*;

fn basic(f: impl FnOnce(&mut EventSelector)) -> Selectors {
    let mut s = EventSelector::aws_default();
    f(&mut s);
    Selectors::Basic(vec![s])
}

fn field(name: &str, equals: &[&str], not_equals: &[&str]) -> FieldSelector {
    FieldSelector {
        field: name.into(),
        equals: equals.iter().map(|s| s.to_string()).collect(),
        starts_with: Vec::new(),
        ends_with: Vec::new(),
        not_equals: not_equals.iter().map(|s| s.to_string()).collect(),
        not_starts_with: Vec::new(),
        not_ends_with: Vec::new(),
    }
}

fn advanced(fields: Vec<FieldSelector>) -> Selectors {
    Selectors::Advanced(vec![AdvancedEventSelector {
        name: None,
        field_selectors: fields,
    }])
}

fn management() -> Selectors {
    advanced(vec![field("eventCategory", &["Management"], &[])])
}

fn s3_data() -> Selectors {
    advanced(vec![
        field("eventCategory", &["Data"], &[]),
        field("resources.type", &["AWS::S3::Object"], &[]),
    ])
}

/// S3 data events under `arn:aws:s3:::data-bucket/`, with more conditions on the ARN.
fn s3_bucket(f: impl FnOnce(&mut FieldSelector)) -> Selectors {
    let mut arn = field("resources.ARN", &[], &[]);
    arn.starts_with = vec!["arn:aws:s3:::data-bucket/".into()];
    f(&mut arn);
    let Selectors::Advanced(mut v) = s3_data() else {
        unreachable!()
    };
    v[0].field_selectors.push(arn);
    Selectors::Advanced(v)
}

/// (behaviour, from, to, loses something)
#[test]
#[allow(clippy::too_many_lines, reason = "a table of cases, one per line")]
fn selector_changes_are_judged_by_the_events_they_log() {
    let all = Selectors::aws_default();
    let cases: Vec<(&str, Selectors, Selectors, bool)> = vec![
        ("same selectors", all.clone(), all.clone(), false),
        (
            "read/write all to read only",
            all.clone(),
            basic(|s| s.read_write_type = ReadWriteType::ReadOnly),
            true,
        ),
        (
            "read/write all to write only",
            all.clone(),
            basic(|s| s.read_write_type = ReadWriteType::WriteOnly),
            true,
        ),
        (
            "write only to all",
            basic(|s| s.read_write_type = ReadWriteType::WriteOnly),
            all.clone(),
            false,
        ),
        (
            "exclude kms events",
            all.clone(),
            basic(|s| s.exclude_management_event_sources = vec!["kms.amazonaws.com".into()]),
            true,
        ),
        (
            "stop excluding kms events",
            basic(|s| s.exclude_management_event_sources = vec!["kms.amazonaws.com".into()]),
            all.clone(),
            false,
        ),
        (
            "management off",
            all.clone(),
            basic(|s| s.include_management_events = false),
            true,
        ),
        (
            "basic all to advanced management",
            all.clone(),
            management(),
            false,
        ),
        (
            "advanced management to basic all",
            management(),
            all.clone(),
            false,
        ),
        (
            "advanced narrowed to read only",
            management(),
            advanced(vec![
                field("eventCategory", &["Management"], &[]),
                field("readOnly", &["true"], &[]),
            ]),
            true,
        ),
        (
            "advanced narrowed by event source",
            management(),
            advanced(vec![
                field("eventCategory", &["Management"], &[]),
                field("eventSource", &[], &["kms.amazonaws.com"]),
            ]),
            true,
        ),
        ("advanced data only", management(), s3_data(), true),
        (
            "data events added",
            all.clone(),
            basic(|s| {
                s.data_resources = vec![DataResource {
                    resource_type: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }]
            }),
            false,
        ),
        (
            "data events removed",
            basic(|s| {
                s.data_resources = vec![DataResource {
                    resource_type: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }]
            }),
            all.clone(),
            true,
        ),
        (
            "unknown field narrows",
            management(),
            advanced(vec![
                field("eventCategory", &["Management"], &[]),
                field("userIdentity.arn", &[], &["x"]),
            ]),
            true,
        ),
        (
            "a bucket's data events narrowed by a suffix (not_ends_with added)",
            s3_bucket(|_| {}),
            s3_bucket(|a| a.not_ends_with = vec![".json".into()]),
            true,
        ),
        (
            "a bucket's data events narrowed to a longer suffix (ends_with .gz to x.gz)",
            s3_bucket(|a| a.ends_with = vec![".gz".into()]),
            s3_bucket(|a| a.ends_with = vec!["x.gz".into()]),
            true,
        ),
        (
            "a bucket's data events widened (not_ends_with removed)",
            s3_bucket(|a| a.not_ends_with = vec![".json".into()]),
            s3_bucket(|_| {}),
            false,
        ),
    ];
    for (name, from, to, loses) in cases {
        let lost = selectors(&from, &to);
        assert_eq!(!lost.is_empty(), loses, "{name}: {lost:?}");
    }
}

/// A selector both sides keep is not judged, whatever fields it has: adding a selector next to
/// one with a field orgtrail does not model only widens coverage.
#[test]
fn an_unchanged_selector_with_an_unknown_field_raises_no_alarm() {
    let odd = AdvancedEventSelector {
        name: None,
        field_selectors: vec![
            field("eventCategory", &["Management"], &[]),
            field(
                "userIdentity.arn",
                &[],
                &["arn:aws:iam::111111111111:role/noisy"],
            ),
        ],
    };
    let before = Selectors::Advanced(vec![odd.clone()]);
    let after = Selectors::Advanced(vec![
        odd,
        AdvancedEventSelector {
            name: None,
            field_selectors: s3_data_fields(),
        },
    ]);
    assert!(
        selectors(&before, &after).is_empty(),
        "{:?}",
        selectors(&before, &after)
    );
    assert!(logs_management_events(&before));
}

fn s3_data_fields() -> Vec<FieldSelector> {
    vec![
        field("eventCategory", &["Data"], &[]),
        field("resources.type", &["AWS::S3::Object"], &[]),
    ]
}

#[test]
fn management_events_are_found_in_basic_and_advanced_selectors() {
    assert!(logs_management_events(&Selectors::aws_default()));
    assert!(logs_management_events(&management()));
    assert!(!logs_management_events(&s3_data()));
    assert!(!logs_management_events(&basic(|s| s
        .include_management_events =
        false)));
}

fn trail() -> TrailSettings {
    TrailSettings {
        name: "t".into(),
        s3_bucket: "b".into(),
        s3_key_prefix: None,
        organization: true,
        multi_region: true,
        include_global_service_events: true,
        log_file_validation: true,
        kms_key_id: Some("arn:aws:kms:us-east-2:111111111111:key/k".into()),
        sns_topic: None,
        cloudwatch_logs: Some((
            "arn:aws:logs:us-east-2:111111111111:log-group:g:*".into(),
            "r".into(),
        )),
        tags: Default::default(),
    }
}

/// (behaviour, change to the trail, loses something going there, loses something coming back)
#[test]
fn trail_setting_changes_lose_coverage_one_way_or_both() {
    type Mutate = fn(&mut TrailSettings);
    let cases: [(&str, Mutate, bool, bool); 10] = [
        ("organization off", |t| t.organization = false, true, false),
        ("multi-region off", |t| t.multi_region = false, true, false),
        (
            "global events off",
            |t| t.include_global_service_events = false,
            true,
            false,
        ),
        (
            "validation off",
            |t| t.log_file_validation = false,
            true,
            false,
        ),
        ("kms cleared", |t| t.kms_key_id = None, true, false),
        (
            "kms changed",
            |t| t.kms_key_id = Some("arn:aws:kms:us-east-2:111111111111:key/other".into()),
            false,
            false,
        ),
        (
            "cloudwatch cleared",
            |t| t.cloudwatch_logs = None,
            true,
            false,
        ),
        (
            "bucket changed",
            |t| t.s3_bucket = "elsewhere".into(),
            true,
            true,
        ),
        (
            "prefix set",
            |t| t.s3_key_prefix = Some("p".into()),
            true,
            true,
        ),
        (
            "sns set",
            |t| t.sns_topic = Some("arn:aws:sns:us-east-2:111111111111:t".into()),
            false,
            false,
        ),
    ];
    for (name, mutate, there, back) in cases {
        let a = trail();
        let mut b = trail();
        mutate(&mut b);
        assert_eq!(
            !settings(&a, &b).is_empty(),
            there,
            "{name}: live -> desired"
        );
        assert_eq!(
            !settings(&b, &a).is_empty(),
            back,
            "{name}: desired -> live"
        );
    }
}

#[test]
fn insights_logging_and_trusted_access_lose_when_turned_off() {
    let api = [InsightSelector::management(InsightType::ApiCallRateInsight)];
    assert_eq!(insights(&api, &[]).len(), 1);
    assert!(insights(&[], &api).is_empty());
    assert_eq!(logging(true, false).len(), 1);
    assert!(logging(false, true).is_empty());
    assert_eq!(trusted_access(true, false).len(), 1);
    assert!(trusted_access(false, true).is_empty());
}

fn insight(t: InsightType, categories: &[InsightCategory]) -> InsightSelector {
    InsightSelector {
        insight_type: t,
        event_categories: categories.to_vec(),
    }
}

/// (behaviour, from, to, what is lost)
type InsightCase = (
    &'static str,
    Vec<InsightSelector>,
    Vec<InsightSelector>,
    Vec<&'static str>,
);

/// Each (type, event category) turned off is a loss.
#[test]
fn insight_changes_lose_each_type_and_event_category_turned_off() {
    use InsightCategory::{Data, Management};
    use InsightType::{ApiCallRateInsight as Call, ApiErrorRateInsight as Error};
    let cases: Vec<InsightCase> = vec![
        (
            "unchanged",
            vec![insight(Call, &[Management])],
            vec![insight(Call, &[Management])],
            vec![],
        ),
        (
            "data added",
            vec![insight(Call, &[Management])],
            vec![insight(Call, &[Management, Data])],
            vec![],
        ),
        (
            "only data where management was on",
            vec![insight(Call, &[Management])],
            vec![insight(Call, &[Data])],
            vec!["CloudTrail Insights `ApiCallRateInsight` on management events"],
        ),
        (
            "data dropped",
            vec![insight(Call, &[Management, Data])],
            vec![insight(Call, &[Management])],
            vec!["CloudTrail Insights `ApiCallRateInsight` on data events"],
        ),
        (
            "type removed",
            vec![insight(Call, &[Management]), insight(Error, &[Data])],
            vec![insight(Call, &[Management])],
            vec!["CloudTrail Insights `ApiErrorRateInsight` on data events"],
        ),
        (
            "moved to the other type",
            vec![insight(Call, &[Data])],
            vec![insight(Error, &[Data])],
            vec!["CloudTrail Insights `ApiCallRateInsight` on data events"],
        ),
        (
            "the same pairs written as two selectors",
            vec![insight(Call, &[Management]), insight(Call, &[Data])],
            vec![insight(Call, &[Data, Management])],
            vec![],
        ),
    ];
    for (name, from, to, want) in cases {
        assert_eq!(insights(&from, &to), want, "{name}");
    }
    assert_eq!(
        InsightSelector::normalise(&[insight(Call, &[Data]), insight(Call, &[Management, Data])]),
        [insight(Call, &[Management, Data])]
    );
}

fn starts(name: &str, prefixes: &[&str]) -> FieldSelector {
    let mut f = field(name, &[], &[]);
    f.starts_with = prefixes.iter().map(|s| s.to_string()).collect();
    f
}

fn with(mut fields: Vec<FieldSelector>, extra: Vec<FieldSelector>) -> Vec<FieldSelector> {
    fields.extend(extra);
    fields
}

/// The table's fields beyond event source, name and resource are evaluated too: narrowing by
/// them loses the events left out, and splitting a selector by one of them loses nothing.
#[test]
#[allow(clippy::too_many_lines, reason = "a table of cases")]
fn narrowing_by_the_tables_other_fields_is_judged_by_events() {
    let network = || {
        vec![
            field("eventCategory", &["NetworkActivity"], &[]),
            field("eventSource", &["ec2.amazonaws.com"], &[]),
        ]
    };
    let console = |v: &str| field("sessionCredentialFromConsole", &[v], &[]);
    let cases: Vec<(&str, Selectors, Selectors, bool)> = vec![
        (
            "data events of one role only",
            s3_data(),
            advanced(with(
                s3_data_fields(),
                vec![starts("userIdentity.arn", &["arn:aws:iam::1:role/app"])],
            )),
            true,
        ),
        (
            "one role's data events widened to all",
            advanced(with(
                s3_data_fields(),
                vec![starts("userIdentity.arn", &["arn:aws:iam::1:role/app"])],
            )),
            s3_data(),
            false,
        ),
        (
            "data events of api calls only",
            s3_data(),
            advanced(with(
                s3_data_fields(),
                vec![field("eventType", &["AwsApiCall"], &[])],
            )),
            true,
        ),
        (
            "console and non-console sessions as two selectors",
            s3_data(),
            Selectors::Advanced(vec![
                AdvancedEventSelector {
                    name: None,
                    field_selectors: with(s3_data_fields(), vec![console("true")]),
                },
                AdvancedEventSelector {
                    name: None,
                    field_selectors: with(s3_data_fields(), vec![console("false")]),
                },
            ]),
            false,
        ),
        (
            "network activity narrowed to denied requests",
            advanced(network()),
            advanced(with(
                network(),
                vec![field("errorCode", &["VpceAccessDenied"], &[])],
            )),
            true,
        ),
        (
            "network activity narrowed to other endpoints",
            advanced(network()),
            advanced(with(
                network(),
                vec![field("vpcEndpointId", &[], &["vpce-1"])],
            )),
            true,
        ),
        (
            "a field the table does not know narrows",
            s3_data(),
            advanced(with(
                s3_data_fields(),
                vec![field("someNewField", &["x"], &[])],
            )),
            true,
        ),
    ];
    for (name, from, to, loses) in cases {
        let lost = selectors(&from, &to);
        assert_eq!(!lost.is_empty(), loses, "{name}: {lost:?}");
    }
    let lost = selectors(
        &s3_data(),
        &advanced(with(
            s3_data_fields(),
            vec![starts("userIdentity.arn", &["arn:aws:iam::1:role/app"])],
        )),
    );
    assert!(
        lost.iter()
            .any(|l| l.contains("data events of AWS::S3::Object")),
        "{lost:?}"
    );
}
