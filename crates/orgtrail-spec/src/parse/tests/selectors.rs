//! Advanced event selectors: each field selector is checked against the table of
//! `selector_fields` for its event category, and an error names the fix.

use super::{BASE, errs};
use crate::parse_bytes;

/// A spec whose one advanced event selector has these field selectors, one per line (flow
/// mappings), from line 9 on.
fn advanced(field_selectors: &[&str]) -> String {
    let mut y = format!("{BASE}  advanced_event_selectors:\n    - field_selectors:\n");
    for f in field_selectors {
        y.push_str(&format!("        - {f}\n"));
    }
    y
}

const MGMT: &str = "{field: eventCategory, equals: [Management]}";
const DATA: &str = "{field: eventCategory, equals: [Data]}";
const NET: &str = "{field: eventCategory, equals: [NetworkActivity]}";
const S3: &str = "{field: resources.type, equals: [\"AWS::S3::Object\"]}";
const EC2: &str = "{field: eventSource, equals: [ec2.amazonaws.com]}";

/// (behaviour, field selectors, an expected error "line:col path: message", "" = valid)
const SELECTOR_FIELD_CASES: &[(&str, &[&str], &str)] = &[
    ("management_all_events", &[MGMT], ""),
    (
        "management_write_only_without_kms",
        &[
            MGMT,
            "{field: readOnly, equals: [\"false\"]}",
            "{field: eventSource, not_equals: [kms.amazonaws.com, rdsdata.amazonaws.com]}",
        ],
        "",
    ),
    (
        "management_event_source_takes_only_not_equals",
        &[MGMT, "{field: eventSource, equals: [s3.amazonaws.com]}"],
        "10:40 trail.advanced_event_selectors[0].field_selectors[1].equals: `eventSource` of Management selectors does not take `equals`",
    ),
    (
        "management_event_source_excludes_only_kms_or_rds_data",
        &[MGMT, "{field: eventSource, not_equals: [s3.amazonaws.com]}"],
        "10:44 trail.advanced_event_selectors[0].field_selectors[1].not_equals: `s3.amazonaws.com` is not a value of `eventSource` in Management selectors",
    ),
    (
        "management_event_name_is_for_event_data_stores",
        &[MGMT, "{field: eventName, equals: [ConsoleLogin]}"],
        "10:19 trail.advanced_event_selectors[0].field_selectors[1].field: `eventName` is not a field of Management selectors (it is one of Data and NetworkActivity selectors)",
    ),
    (
        "read_only_is_true_or_false",
        &[MGMT, "{field: readOnly, equals: [\"yes\"]}"],
        "10:37 trail.advanced_event_selectors[0].field_selectors[1].equals: `yes` is not a value of `readOnly` in Management selectors",
    ),
    (
        "data_s3_objects_except_the_log_bucket",
        &[
            DATA,
            S3,
            "{field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/\"]}",
            "{field: eventName, not_equals: [GetObject]}",
            "{field: userIdentity.arn, starts_with: [\"arn:aws:iam::111111111111:role/\"]}",
            "{field: sessionCredentialFromConsole, not_equals: [\"true\"]}",
            "{field: eventType, equals: [AwsApiCall]}",
            "{field: eventSource, equals: [s3.amazonaws.com]}",
        ],
        "",
    ),
    (
        "data_needs_a_resource_type",
        &[DATA, "{field: readOnly, equals: [\"true\"]}"],
        "9:9 trail.advanced_event_selectors[0].field_selectors: a Data selector needs `resources.type`",
    ),
    (
        "data_takes_one_resource_type_per_selector",
        &[
            DATA,
            "{field: resources.type, equals: [\"AWS::S3::Object\", \"AWS::Lambda::Function\"]}",
        ],
        "10:43 trail.advanced_event_selectors[0].field_selectors[1].equals: `resources.type` needs exactly one value in `equals`, found 2",
    ),
    (
        "data_resource_type_twice",
        &[DATA, S3, S3],
        "11:19 trail.advanced_event_selectors[0].field_selectors[2].field: `resources.type` appears more than once in this selector",
    ),
    (
        "data_resource_type_takes_only_equals",
        &[
            DATA,
            S3,
            "{field: resources.type, starts_with: [\"AWS::S3\"]}",
        ],
        "11:48 trail.advanced_event_selectors[0].field_selectors[2].starts_with: `resources.type` of Data selectors does not take `starts_with`",
    ),
    (
        "data_unknown_field_suggests_the_closest",
        &[
            DATA,
            S3,
            "{field: resources.arn, starts_with: [\"arn:aws:s3:::b/\"]}",
        ],
        "11:19 trail.advanced_event_selectors[0].field_selectors[2].field: unknown field `resources.arn`",
    ),
    (
        "data_error_code_is_for_network_activity",
        &[DATA, S3, "{field: errorCode, equals: [VpceAccessDenied]}"],
        "11:19 trail.advanced_event_selectors[0].field_selectors[2].field: `errorCode` is not a field of Data selectors (it is one of NetworkActivity selectors)",
    ),
    (
        "a_field_selector_needs_a_condition",
        &[DATA, S3, "{field: eventName}"],
        "11:19 trail.advanced_event_selectors[0].field_selectors[2].field: the field selector on `eventName` has no condition",
    ),
    (
        "network_activity_of_one_source_denied_by_a_vpc_endpoint_policy",
        &[
            NET,
            EC2,
            "{field: errorCode, equals: [VpceAccessDenied]}",
            "{field: vpcEndpointId, not_equals: [vpce-0123456789abcdef0]}",
            "{field: eventName, starts_with: [Describe]}",
        ],
        "",
    ),
    (
        "network_activity_needs_an_event_source",
        &[NET, "{field: errorCode, equals: [VpceAccessDenied]}"],
        "9:9 trail.advanced_event_selectors[0].field_selectors: a NetworkActivity selector needs `eventSource`",
    ),
    (
        "network_activity_one_event_source_per_selector",
        &[
            NET,
            "{field: eventSource, equals: [ec2.amazonaws.com, kms.amazonaws.com]}",
        ],
        "10:40 trail.advanced_event_selectors[0].field_selectors[1].equals: `eventSource` needs exactly one value in `equals`, found 2",
    ),
    (
        "network_activity_event_source_takes_only_equals",
        &[
            NET,
            EC2,
            "{field: eventSource, not_equals: [kms.amazonaws.com]}",
        ],
        "11:44 trail.advanced_event_selectors[0].field_selectors[2].not_equals: `eventSource` of NetworkActivity selectors does not take `not_equals`",
    ),
    (
        "network_activity_error_code_only_vpce_access_denied",
        &[NET, EC2, "{field: errorCode, equals: [AccessDenied]}"],
        "11:38 trail.advanced_event_selectors[0].field_selectors[2].equals: `AccessDenied` is not a value of `errorCode` in NetworkActivity selectors",
    ),
    (
        "network_activity_has_no_read_only",
        &[NET, EC2, "{field: readOnly, equals: [\"true\"]}"],
        "11:19 trail.advanced_event_selectors[0].field_selectors[2].field: `readOnly` is not a field of NetworkActivity selectors (it is one of Management and Data selectors)",
    ),
    (
        "every_selector_needs_an_event_category",
        &[S3],
        "9:9 trail.advanced_event_selectors[0].field_selectors: an advanced event selector needs an `eventCategory`",
    ),
    (
        "one_event_category_per_selector",
        &["{field: eventCategory, equals: [Management, Data]}"],
        "9:42 trail.advanced_event_selectors[0].field_selectors[0].equals: `eventCategory` needs exactly one value in `equals`, found 2",
    ),
    (
        "event_category_takes_only_equals",
        &[MGMT, "{field: eventCategory, not_equals: [Data]}"],
        "10:46 trail.advanced_event_selectors[0].field_selectors[1].not_equals: `eventCategory` of Management selectors does not take `not_equals`",
    ),
    (
        "unknown_event_category_suggests_the_closest",
        &["{field: eventCategory, equals: [Mangement]}"],
        "9:42 trail.advanced_event_selectors[0].field_selectors[0].equals: unknown event category `Mangement`",
    ),
    (
        "event_data_store_categories_are_refused",
        &["{field: eventCategory, equals: [Insight]}"],
        "9:42 trail.advanced_event_selectors[0].field_selectors[0].equals: unknown event category `Insight`",
    ),
    (
        "without_a_category_unknown_fields_are_still_found",
        &["{field: eventname, equals: [x]}"],
        "9:19 trail.advanced_event_selectors[0].field_selectors[0].field: unknown field `eventname`",
    ),
];

#[test]
fn advanced_selector_fields_follow_the_table_per_event_category() {
    let mut failures = Vec::new();
    for (name, fields, expected) in SELECTOR_FIELD_CASES {
        let got = errs(&advanced(fields));
        let ok = if expected.is_empty() {
            got.is_empty()
        } else {
            got.iter().any(|g| g == expected)
        };
        if !ok {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        SELECTOR_FIELD_CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn selector_field_errors_name_the_fix() {
    let help = |fields: &[&str]| {
        parse_bytes("t.yaml", advanced(fields).as_bytes())
            .unwrap_err()
            .to_string()
    };
    let text = help(&[
        DATA,
        S3,
        "{field: resources.arn, starts_with: [\"arn:aws:s3:::b/\"]}",
    ]);
    assert!(text.contains("did you mean `resources.ARN`?"), "{text}");
    let text = help(&["{field: eventCategory, equals: [Mangement]}"]);
    assert!(text.contains("did you mean `Management`?"), "{text}");
    let text = help(&[DATA]);
    assert!(
        text.contains("add `- field: resources.type` with `equals: [AWS::S3::Object]`"),
        "{text}"
    );
    let text = help(&[NET, EC2, "{field: errorCode, equals: [VpceAccesDenied]}"]);
    assert!(text.contains("did you mean `VpceAccessDenied`?"), "{text}");
}
