use super::*;

const BASE: &str =
    "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";

fn errs(yaml: &str) -> Vec<String> {
    match parse_bytes("t.yaml", yaml.as_bytes()) {
        Ok(_) => Vec::new(),
        Err(SpecError::Invalid { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| format!("{}:{} {}: {}", d.line, d.col, d.path, d.message))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// (name, yaml, expected first error "line:col path: message", or "" for valid)
const CASES: &[(&str, &str, &str)] = &[
    ("minimal_is_valid", BASE, ""),
    (
        "full_example_is_valid",
        include_str!("../../../specs/org-trail.yaml"),
        "",
    ),
    (
        "single_region_example_is_valid",
        include_str!("../../../specs/single-region-org-trail.yaml"),
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
];

const fn const_long_prefix() -> &'static str {
    "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n  s3_key_prefix: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
}

#[test]
fn validation_table() {
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

#[test]
fn defaults_are_the_secure_ones() {
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    let t = &spec.trail;
    assert!(
        t.organization
            && t.multi_region
            && t.include_global_service_events
            && t.log_file_validation
            && t.logging
    );
    assert!(spec.organization.all_features && spec.organization.trusted_access);
    assert_eq!(spec.bucket.policy, PolicyMode::Merge);
    assert!(!spec.bucket.create);
    assert_eq!(spec.bucket_region(), "us-east-2");
    assert_eq!(t.event_selectors, None);
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let start = std::time::Instant::now();
    assert!(!errs(&y).is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn deep_nesting_and_garbage_are_refused() {
    let deep = "[".repeat(10_000);
    assert!(!errs(&deep).is_empty());
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(parse_bytes("g.bin", &garbage).is_err());
    let big = vec![b'#'; MAX_SPEC_BYTES + 1];
    let err = parse_bytes("big.yaml", &big).unwrap_err().to_string();
    assert!(err.starts_with("big.yaml:1:1: error: the file is"), "{err}");
}

#[test]
fn invalid_utf8_reports_position() {
    let err = parse_bytes("u.yaml", b"version: 1\nbucket: \xff\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("u.yaml:2:9: error: the file is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn did_you_mean_is_conservative() {
    assert_eq!(
        rules::did_you_mean("trusted_acess", &["all_features", "trusted_access"]),
        Some("trusted_access")
    );
    assert_eq!(
        rules::did_you_mean("zzz", &["all_features", "trusted_access"]),
        None
    );
}

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

#[test]
fn selector_field_table_is_consistent() {
    use crate::selector_fields::{EventCategory, FIELDS, Operator, rule};
    for c in EventCategory::ALL {
        let r = rule(c, "eventCategory").expect("every category has eventCategory");
        assert!(r.required && r.values == [c.as_str()], "{c:?}");
    }
    for r in FIELDS {
        assert!(!r.operators.is_empty(), "{}", r.field);
        // A required field is written once as `equals` with one value.
        assert!(
            !r.required || r.operators == [Operator::Equals],
            "{}",
            r.field
        );
        let dup = FIELDS
            .iter()
            .filter(|o| o.category == r.category && o.field == r.field)
            .count();
        assert_eq!(dup, 1, "{} listed twice for {:?}", r.field, r.category);
    }
}

type Pairs = &'static [(&'static str, &'static [&'static str])];

/// (behaviour, `insight_selectors:` value, Ok(type -> categories) or an expected error)
const INSIGHT_CASES: &[(&str, &str, Result<Pairs, &str>)] = &[
    ("none", "[]", Ok(&[])),
    (
        "a_bare_type_means_management_events",
        "[ApiCallRateInsight]",
        Ok(&[("ApiCallRateInsight", &["Management"])]),
    ),
    (
        "a_map_names_its_event_categories",
        "[{type: ApiErrorRateInsight, event_categories: [Data, Management]}]",
        Ok(&[("ApiErrorRateInsight", &["Management", "Data"])]),
    ),
    (
        "a_map_without_categories_means_management_events",
        "[{type: ApiCallRateInsight}]",
        Ok(&[("ApiCallRateInsight", &["Management"])]),
    ),
    (
        "data_only",
        "[{type: ApiCallRateInsight, event_categories: [Data]}]",
        Ok(&[("ApiCallRateInsight", &["Data"])]),
    ),
    (
        "both_forms_in_one_list",
        "[{type: ApiErrorRateInsight, event_categories: [Data]}, ApiCallRateInsight]",
        Ok(&[
            ("ApiCallRateInsight", &["Management"]),
            ("ApiErrorRateInsight", &["Data"]),
        ]),
    ),
    (
        "unknown_category",
        "[{type: ApiCallRateInsight, event_categories: [Datas]}]",
        Err("7:69 trail.insight_selectors[0].event_categories[0]: unknown event category `Datas`"),
    ),
    (
        "no_category",
        "[{type: ApiCallRateInsight, event_categories: []}]",
        Err(
            "7:68 trail.insight_selectors[0].event_categories: `event_categories` is empty: the insight type would analyse nothing",
        ),
    ),
    (
        "category_twice",
        "[{type: ApiCallRateInsight, event_categories: [Data, Data]}]",
        Err("7:75 trail.insight_selectors[0].event_categories[1]: `Data` is listed twice"),
    ),
    (
        "type_twice_across_forms",
        "[ApiCallRateInsight, {type: ApiCallRateInsight, event_categories: [Data]}]",
        Err("7:50 trail.insight_selectors[1]: insight type `ApiCallRateInsight` is listed twice"),
    ),
    (
        "unknown_key",
        "[{type: ApiCallRateInsight, categories: [Data]}]",
        Err("7:50 trail.insight_selectors[0].categories: unknown field `categories`"),
    ),
    (
        "unknown_type_in_a_map",
        "[{type: ApiCallRate}]",
        Err("7:30 trail.insight_selectors[0].type: unknown insight type `ApiCallRate`"),
    ),
    (
        "neither_a_type_nor_a_map",
        "[7]",
        Err(
            "7:23 trail.insight_selectors[0]: expected an insight type or `{type, event_categories}`, found a number",
        ),
    ),
];

#[test]
fn insight_selectors_take_a_type_or_a_type_with_event_categories() {
    let mut failures = Vec::new();
    for (name, value, want) in INSIGHT_CASES {
        let yaml = format!("{BASE}  insight_selectors: {value}\n");
        let got = match parse_bytes("t.yaml", yaml.as_bytes()) {
            Ok(spec) => Ok(spec
                .trail
                .insight_selectors
                .iter()
                .map(|s| {
                    let cats: Vec<&str> = s.event_categories.iter().map(|c| c.as_str()).collect();
                    (s.insight_type.as_str(), cats)
                })
                .collect::<Vec<_>>()),
            Err(_) => Err(errs(&yaml)),
        };
        let ok = match (want, &got) {
            (Ok(pairs), Ok(g)) => {
                pairs.len() == g.len()
                    && pairs
                        .iter()
                        .zip(g)
                        .all(|((t, c), (gt, gc))| t == gt && c == gc)
            }
            (Err(e), Err(g)) => g.iter().any(|x| x == e),
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn accepting_log_bucket_data_events_is_explicit() {
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    assert!(!spec.trail.accept_log_bucket_data_events);
    let yaml = format!("{BASE}  accept_log_bucket_data_events: true\n");
    let spec = parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
    assert!(spec.trail.accept_log_bucket_data_events);
}
