//! The quoting rule, case by case: what stays plain, what YAML 1.1 or 1.2 would misread.

use super::{quoted, scalar};

#[test]
fn strings_every_yaml_reads_as_strings_stay_plain() {
    for s in [
        "my-trail",
        "us-east-2",
        "AWS::S3::Object",
        "arn:aws:s3:::my-bucket/AWSLogs/",
        "arn:aws:kms:us-east-2:111111111111:key/1234abcd-12ab",
        "/aws/cloudtrail",
        "logs.example.com",
        "eventCategory",
        "S3 writes",
        "a#b",
        "x:y",
        "yesterday",
        "Nothing",
    ] {
        assert_eq!(scalar(s), s, "{s}");
    }
}

#[test]
fn what_yaml_would_read_as_another_type_or_misparse_is_quoted() {
    let cases = [
        // booleans and null, YAML 1.1 and 1.2, any case
        "",
        "true",
        "True",
        "FALSE",
        "yes",
        "Y",
        "n",
        "No",
        "on",
        "OFF",
        "null",
        "NULL",
        "~",
        // 1.1's merge and value keys
        "<<",
        "=",
        // numbers: integers in every base, 1.1's separators and sexagesimals, floats
        "123",
        "111111111111",
        "1_000",
        "0x1F",
        "0o17",
        "0b101",
        "017",
        "1.5",
        "1e3",
        "-1",
        "+1",
        ".5",
        ".inf",
        "-.Inf",
        ".NaN",
        "inf",
        "190:20:30",
        // dates
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        // indicators first, separators and comments inside, flow punctuation, edges
        "-foo",
        "*x",
        "&a",
        "!tag",
        "|",
        ">",
        "'x",
        "\"x",
        "%x",
        "@x",
        "`x",
        "#x",
        "? x",
        ":x",
        "a: b",
        "a #b",
        "a,b",
        "[x]",
        "{x}",
        "x?y",
        "x:",
        " x",
        "x ",
        // line breaks and anything not ASCII
        "a\nb",
        "é",
        "a\u{2028}b",
    ];
    for s in cases {
        assert!(
            scalar(s).starts_with('"'),
            "{s:?} must be quoted, got {}",
            scalar(s)
        );
        assert_eq!(scalar(s), quoted(s), "{s:?}");
    }
}

#[test]
fn quoting_escapes_what_yaml_would_not_keep() {
    assert_eq!(quoted("plain"), "\"plain\"");
    assert_eq!(
        quoted("a\"b\\c\nd\te\u{7f}\u{85}\u{2028}\u{feff}é"),
        "\"a\\\"b\\\\c\\nd\\te\\u007f\\u0085\\u2028\\ufeffé\""
    );
    // The same text JSON writes, for the strings orgtrail meets.
    for s in ["a b", "true", "1", "x: y", "tab\there"] {
        assert_eq!(quoted(s), serde_json::to_string(s).unwrap(), "{s:?}");
    }
}
