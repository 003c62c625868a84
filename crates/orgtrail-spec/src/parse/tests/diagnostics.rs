//! How problems are reported: every one of them, each at the node at fault with its field
//! path, and an unknown field with the closest known name.

use super::{BASE, errs};
use crate::parse_bytes;

/// (name, yaml, expected first error "line:col path: message", or "" for valid)
const CASES: &[(&str, &str, &str)] = &[
    ("minimal_is_valid", BASE, ""),
    (
        "full_example_is_valid",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../specs/org-trail.yaml"
        )),
        "",
    ),
    (
        "single_region_example_is_valid",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../specs/single-region-org-trail.yaml"
        )),
        "",
    ),
    (
        "unknown_top_level_field",
        "version: 1\nbukcet: {}\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "2:1 bukcet: unknown field `bukcet`",
    ),
    (
        "unknown_trail_field",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  multiregion: true\n",
        "7:3 trail.multiregion: unknown field `multiregion`",
    ),
    (
        "missing_version",
        "bucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "1:1 version: missing required field `version`",
    ),
    (
        "version_two",
        "version: 2\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "1:10 version: unsupported spec version 2",
    ),
    (
        "version_string",
        "version: \"1\"\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "1:10 version: expected the number 1, found a string",
    ),
    (
        "missing_bucket",
        "version: 1\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "1:1 bucket: missing required field `bucket`",
    ),
    (
        "missing_trail_name",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  home_region: us-east-2\n",
        "5:3 trail.name: missing required field `name`",
    ),
    (
        "bool_as_string",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  logging: \"yes\"\n",
        "7:12 trail.logging: expected true or false, found a string",
    ),
    (
        "yaml11_bool_rejected",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  logging: yes\n",
        "7:12 trail.logging: expected true or false, found a string",
    ),
    (
        "trail_name_too_short",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: ab\n  home_region: us-east-2\n",
        "5:9 trail.name: trail name `ab` is 2 characters long; it must be 3 to 128",
    ),
    (
        "trail_name_bad_char",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my trail\n  home_region: us-east-2\n",
        "5:9 trail.name: trail name `my trail` contains ` `",
    ),
    (
        "trail_name_leading_dash",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: -trail\n  home_region: us-east-2\n",
        "5:9 trail.name: trail name `-trail` must start and end with a letter or digit",
    ),
    (
        "trail_name_adjacent_separators",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-_trail\n  home_region: us-east-2\n",
        "5:9 trail.name: trail name `my-_trail` has two of `.`, `_`, `-` next to each other",
    ),
    (
        "trail_name_ip",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: 10.0.0.1\n  home_region: us-east-2\n",
        "5:9 trail.name: trail name `10.0.0.1` looks like an IP address",
    ),
    (
        "bucket_uppercase",
        "version: 1\nbucket:\n  name: My-Bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `My-Bucket` contains `M`",
    ),
    (
        "bucket_too_long",
        "version: 1\nbucket:\n  name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` is 64 characters long; it must be 3 to 63",
    ),
    (
        "bucket_double_dot",
        "version: 1\nbucket:\n  name: my..bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `my..bucket` contains `..`",
    ),
    (
        "bucket_ip",
        "version: 1\nbucket:\n  name: 192.168.5.4\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `192.168.5.4` looks like an IP address",
    ),
    (
        "bucket_reserved_prefix",
        "version: 1\nbucket:\n  name: xn--bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `xn--bucket` starts with `xn--`, which S3 reserves",
    ),
    (
        "bucket_reserved_suffix",
        "version: 1\nbucket:\n  name: logs-s3alias\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `logs-s3alias` ends with `-s3alias`, which S3 reserves",
    ),
    (
        "bucket_sthree_prefix",
        "version: 1\nbucket:\n  name: sthree-logs\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:9 bucket.name: bucket name `sthree-logs` starts with `sthree-`, which S3 reserves",
    ),
    (
        "bad_region",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: useast2\n",
        "6:16 trail.home_region: `useast2` is not a region name",
    ),
    (
        "bad_bucket_region",
        "version: 1\nbucket:\n  name: my-bucket\n  region: US-EAST-1\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "4:11 bucket.region: `US-EAST-1` is not a region name",
    ),
    (
        "multi_region_without_global",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  include_global_service_events: false\n",
        "7:34 trail.include_global_service_events: a multi-region trail must include global service events (AWS rejects `false` here)",
    ),
    (
        "single_region_without_global_ok",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  multi_region: false\n  include_global_service_events: false\n",
        "",
    ),
    (
        "selectors_exclusive",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  event_selectors: [{}]\n  advanced_event_selectors:\n    - field_selectors: [{field: eventCategory, equals: [Management]}]\n",
        "9:5 trail.advanced_event_selectors: `event_selectors` and `advanced_event_selectors` cannot both be set",
    ),
    (
        "too_many_basic_selectors",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  event_selectors: [{}, {}, {}, {}, {}, {}]\n",
        "7:20 trail.event_selectors: 6 basic event selectors; CloudTrail allows at most 5",
    ),
    (
        "cloudwatch_needs_role",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  cloudwatch_logs:\n    log_group_arn: arn:aws:logs:us-east-2:111111111111:log-group:ct:*\n",
        "8:5 trail.cloudwatch_logs.role_arn: missing required field `role_arn`",
    ),
    (
        "unknown_insight",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  insight_selectors: [ApiCallRateInsights]\n",
        "7:23 trail.insight_selectors[0]: unknown insight type `ApiCallRateInsights`",
    ),
    (
        "unknown_policy_mode",
        "version: 1\nbucket:\n  name: my-bucket\n  policy: merg\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "4:11 bucket.policy: unknown policy mode `merg`",
    ),
    (
        "verify_with_create",
        "version: 1\nbucket:\n  name: my-bucket\n  create: true\n  policy: verify\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:3 bucket: `create: true` with `policy: verify` cannot work: a new bucket has no policy to verify",
    ),
    (
        "prefix_too_long",
        const_long_prefix(),
        "7:18 trail.s3_key_prefix: s3_key_prefix is longer than 200 characters",
    ),
    (
        "tag_key_reserved",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  tags:\n    aws:owner: me\n",
        "8:5 trail.tags.aws:owner: tag key `aws:owner` starts with `aws:`, which AWS reserves",
    ),
    (
        "duplicate_key",
        "version: 1\nversion: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "2:1 : invalid YAML: duplicate mapping key: version",
    ),
    (
        "tab_indentation",
        "version: 1\nbucket:\n\tname: my-bucket\n",
        "3:2 : invalid YAML: tabs disallowed",
    ),
    (
        "not_a_mapping",
        "- a\n- b\n",
        "1:1 : expected a mapping, found a list",
    ),
    ("empty_file", "   \n", "1:1 : the file is empty"),
    (
        "bad_kms",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  kms_key_id: mykey\n",
        "7:15 trail.kms_key_id: `mykey` is not a KMS key id, key ARN, alias name or alias ARN",
    ),
    (
        "kms_alias_ok",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  kms_key_id: alias/cloudtrail\n",
        "",
    ),
    (
        "bad_read_write_type",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  event_selectors:\n    - read_write_type: all\n",
        "8:24 trail.event_selectors[0].read_write_type: unknown read_write_type `all`",
    ),
    (
        "log_archive_bucket_is_valid",
        "version: 1\nbucket:\n  name: my-bucket\n  account: \"222222222222\"\n  role_arn: arn:aws:iam::222222222222:role/orgtrail\n  external_id: ext-1\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "",
    ),
    (
        "unquoted_account_is_read_as_digits",
        "version: 1\nbucket:\n  name: my-bucket\n  account: 222222222222\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "",
    ),
    (
        "bucket_account_not_twelve_digits",
        "version: 1\nbucket:\n  name: my-bucket\n  account: \"2222\"\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "4:12 bucket.account: `2222` is not an AWS account id",
    ),
    (
        "bucket_role_in_another_account",
        "version: 1\nbucket:\n  name: my-bucket\n  account: \"222222222222\"\n  role_arn: arn:aws:iam::333333333333:role/x\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "5:13 bucket.role_arn: role arn:aws:iam::333333333333:role/x is in account 333333333333, but `bucket.account` is 222222222222",
    ),
    (
        "external_id_without_role",
        "version: 1\nbucket:\n  name: my-bucket\n  external_id: abc\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "4:16 bucket.external_id: `external_id` without `role_arn` has no use",
    ),
    (
        "kms_role_needs_a_key_arn",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  kms_key_id: alias/logs\n  kms_role_arn: arn:aws:iam::333333333333:role/r\n",
        "8:17 trail.kms_role_arn: `kms_role_arn` needs `kms_key_id` to be a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`)",
    ),
    (
        "kms_role_in_the_keys_account_is_valid",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  kms_key_id: arn:aws:kms:us-east-2:333333333333:key/k\n  kms_role_arn: arn:aws:iam::333333333333:role/r\n",
        "",
    ),
    (
        "delegated_administrator_listed_twice",
        "version: 1\norganization:\n  delegated_administrators: [\"444444444444\", \"444444444444\"]\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "3:46 organization.delegated_administrators[1]: account 444444444444 is listed twice",
    ),
    (
        "s3_data_resource_needs_an_arn_prefix",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  event_selectors:\n    - read_write_type: All\n      data_resources:\n        - type: AWS::S3::Object\n          values: [\"acme-payments-data\"]\n",
        "11:19 trail.event_selectors[0].data_resources[0].values: `acme-payments-data` is not an S3 object ARN prefix",
    ),
    (
        "s3_data_resource_arn_prefix_is_valid",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  event_selectors:\n    - read_write_type: All\n      data_resources:\n        - type: AWS::S3::Object\n          values: [\"arn:aws:s3:::acme-payments-data/\", \"arn:aws:s3:::acme-payments-data/reports/\"]\n",
        "",
    ),
    (
        "read_role_needs_the_write_role",
        "version: 1\nbucket:\n  name: my-bucket\n  read_role_arn: arn:aws:iam::111122223333:role/r\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "4:18 bucket.read_role_arn: `read_role_arn` without `role_arn`",
    ),
    (
        "read_role_in_another_account",
        "version: 1\nbucket:\n  name: my-bucket\n  role_arn: arn:aws:iam::111122223333:role/w\n  read_role_arn: arn:aws:iam::999999999999:role/r\ntrail:\n  name: my-trail\n  home_region: us-east-2\n",
        "5:18 bucket.read_role_arn: role arn:aws:iam::999999999999:role/r is in account 999999999999, but the bucket is in account 111122223333",
    ),
    (
        "acknowledged_warning_is_valid",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nacknowledge:\n  - {code: no-kms, reason: SSE-S3 is our standard}\n",
        "",
    ),
    (
        "acknowledging_an_error_or_unknown_code",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nacknowledge:\n  - {code: no-kmss, reason: x}\n",
        "8:12 acknowledge[0].code: `no-kmss` is not a warning a spec can acknowledge",
    ),
    (
        "acknowledgement_without_a_reason",
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nacknowledge:\n  - {code: no-kms}\n",
        "8:5 acknowledge[0].reason: missing required field `reason`",
    ),
];

const fn const_long_prefix() -> &'static str {
    "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  s3_key_prefix: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
}

#[test]
fn every_case_is_valid_or_reports_the_expected_error_first() {
    let mut failures = Vec::new();
    for (name, yaml, expected) in CASES {
        let got = errs(yaml);
        let ok = if expected.is_empty() {
            got.is_empty()
        } else {
            got.first().is_some_and(|g| g.starts_with(expected))
        };
        if !ok {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    assert!(CASES.len() >= 30);
}

#[test]
fn reports_all_errors_not_just_the_first() {
    let got = errs(
        "version: 1\nbucket:\n  name: Bad_Bucket\ntrail:\n  name: x\n  home_region: nowhere\n  colour: red\n",
    );
    assert_eq!(got.len(), 4, "{got:?}");
}

#[test]
fn unknown_field_suggests_the_closest_name() {
    let err = parse_bytes("t.yaml", b"version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  multiregion: true\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("t.yaml:7:3: error: trail.multiregion: unknown field `multiregion`"),
        "{text}"
    );
    assert!(text.contains("did you mean `multi_region`?"), "{text}");
}
