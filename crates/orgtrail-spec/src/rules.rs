//! Naming and limit rules of AWS (CloudTrail, S3, tagging), checked offline so a bad spec is
//! reported before any request is made.

/// A broken rule: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub message: String,
    pub help: String,
}

fn fail(message: impl Into<String>, help: impl Into<String>) -> Result<(), RuleError> {
    Err(RuleError {
        message: message.into(),
        help: help.into(),
    })
}

fn looks_like_ip(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// `Ok` when `ok`, else the error `why` words (message, fix).
fn check(ok: bool, why: impl FnOnce() -> (String, String)) -> Result<(), RuleError> {
    if ok {
        return Ok(());
    }
    let (message, fix) = why();
    fail(message, fix)
}

/// A name of 3 to `max` characters (`allowed`: what it may hold, for the fix).
fn length(what: &str, s: &str, max: usize, allowed: &str) -> Result<(), RuleError> {
    let n = s.chars().count();
    check((3..=max).contains(&n), || {
        let message = format!("{what} `{s}` is {n} characters long; it must be 3 to {max}");
        (message, format!("choose a name of 3 to {max} {allowed}"))
    })
}

/// A name that starts and ends with a letter or digit (`others`: the other characters allowed).
fn alphanumeric_ends(what: &str, s: &str, others: &str) -> Result<(), RuleError> {
    let ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    check(ok(s.chars().next()) && ok(s.chars().last()), || {
        let message = format!("{what} `{s}` must start and end with a letter or digit");
        (message, format!("remove the leading or trailing {others}"))
    })
}

/// CloudTrail and S3 both reject names that read as an IPv4 address.
fn not_an_ip_address(what: &str, s: &str, fix: &str) -> Result<(), RuleError> {
    check(!looks_like_ip(s), || {
        (
            format!("{what} `{s}` looks like an IP address"),
            fix.to_string(),
        )
    })
}

/// CloudTrail trail names.
pub fn trail_name(s: &str) -> Result<(), RuleError> {
    length("trail name", s, 128, "letters, digits, `.`, `_` or `-`")?;
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return fail(
            format!("trail name `{s}` contains `{c}`"),
            "use only ASCII letters, digits, `.`, `_` and `-`",
        );
    }
    alphanumeric_ends("trail name", s, "`.`, `_` or `-`")?;
    let b = s.as_bytes();
    if b.windows(2)
        .any(|w| matches!(w[0], b'.' | b'_' | b'-') && matches!(w[1], b'.' | b'_' | b'-'))
    {
        return fail(
            format!("trail name `{s}` has two of `.`, `_`, `-` next to each other"),
            "separate them with a letter or digit (e.g. `my-trail`, not `my--trail`)",
        );
    }
    not_an_ip_address(
        "trail name",
        s,
        "CloudTrail rejects IP-address names; choose a word",
    )
}

/// S3 general purpose bucket names.
pub fn bucket_name(s: &str) -> Result<(), RuleError> {
    length(
        "bucket name",
        s,
        63,
        "lowercase letters, digits, `.` or `-`",
    )?;
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
    {
        let help = if c.is_ascii_uppercase() {
            format!(
                "S3 bucket names are lowercase, with `-` instead of `_`: `{}`",
                s.to_ascii_lowercase().replace('_', "-")
            )
        } else {
            "use only lowercase letters, digits, `.` and `-`".to_string()
        };
        return fail(format!("bucket name `{s}` contains `{c}`"), help);
    }
    alphanumeric_ends("bucket name", s, "`.` or `-`")?;
    if s.contains("..") {
        return fail(
            format!("bucket name `{s}` contains `..`"),
            "use a single `.`",
        );
    }
    not_an_ip_address("bucket name", s, "S3 rejects IP-address names")?;
    for p in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if s.starts_with(p) {
            return fail(
                format!("bucket name `{s}` starts with `{p}`, which S3 reserves"),
                "choose another prefix",
            );
        }
    }
    for x in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] {
        if s.ends_with(x) {
            return fail(
                format!("bucket name `{s}` ends with `{x}`, which S3 reserves"),
                "choose another suffix",
            );
        }
    }
    Ok(())
}

/// AWS region names such as `us-east-2`, `eu-central-1`, `us-gov-west-1`, `cn-north-1`.
pub fn region(s: &str) -> Result<(), RuleError> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts.len() <= 4
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[0].len() == 2
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|v| v >= 1)
        && !parts[parts.len() - 1].starts_with('0');
    check(ok, || {
        (
            format!("`{s}` is not a region name"),
            "write a region such as `us-east-2` or `eu-west-1`".to_string(),
        )
    })
}

pub fn key_prefix(s: &str) -> Result<(), RuleError> {
    if s.chars().count() > 200 {
        return fail(
            "s3_key_prefix is longer than 200 characters",
            "shorten the prefix",
        );
    }
    if s.is_empty() {
        return fail(
            "s3_key_prefix is empty",
            "remove the field, or write `null`",
        );
    }
    if s.starts_with('/') || s.ends_with('/') {
        return fail(
            format!("s3_key_prefix `{s}` starts or ends with `/`"),
            "CloudTrail adds the `/` itself; write the prefix without it",
        );
    }
    Ok(())
}

pub fn kms_key_id(s: &str) -> Result<(), RuleError> {
    let ok = s.starts_with("alias/")
        || (s.starts_with("arn:") && (s.contains(":key/") || s.contains(":alias/")))
        || (s.len() == 36 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        || (s.starts_with("mrk-") && s.len() > 4);
    check(ok && s != "alias/", || {
        (
            format!("`{s}` is not a KMS key id, key ARN, alias name or alias ARN"),
            "write e.g. `alias/cloudtrail` or `arn:aws:kms:us-east-2:111111111111:key/<id>`"
                .to_string(),
        )
    })
}

pub fn sns_topic(s: &str) -> Result<(), RuleError> {
    if s.starts_with("arn:") {
        if s.split(':').count() == 6 && s.contains(":sns:") {
            return Ok(());
        }
        return fail(
            format!("`{s}` is not an SNS topic ARN"),
            "write `arn:aws:sns:REGION:ACCOUNT:NAME` or just the topic name",
        );
    }
    if s.is_empty()
        || s.len() > 256
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return fail(
            format!("`{s}` is not an SNS topic name"),
            "topic names are 1-256 letters, digits, `-` and `_`",
        );
    }
    Ok(())
}

pub fn log_group_arn(s: &str) -> Result<(), RuleError> {
    check(
        s.starts_with("arn:") && s.contains(":logs:") && s.contains(":log-group:"),
        || {
            (
                format!("`{s}` is not a CloudWatch Logs log group ARN"),
                "write `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`".to_string(),
            )
        },
    )
}

pub fn role_arn(s: &str) -> Result<(), RuleError> {
    check(
        s.starts_with("arn:") && s.contains(":iam::") && s.contains(":role/"),
        || {
            (
                format!("`{s}` is not an IAM role ARN"),
                "write `arn:aws:iam::ACCOUNT:role/NAME`".to_string(),
            )
        },
    )
}

/// A 12-digit AWS account id.
pub fn account_id(s: &str) -> Result<(), RuleError> {
    check(
        s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()),
        || {
            (
                format!("`{s}` is not an AWS account id"),
                "write the 12 digits of the account, quoted (e.g. \"111122223333\")".to_string(),
            )
        },
    )
}

/// The account of an IAM role ARN (`arn:<partition>:iam::<account>:role/...`).
pub fn role_account(arn: &str) -> Option<&str> {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    (p.len() == 6 && p[0] == "arn" && p[2] == "iam" && p[5].starts_with("role/")).then(|| p[4])
}

/// An STS external id: 2 to 1224 characters of letters, digits and `+=,.@:/-_`.
pub fn external_id(s: &str) -> Result<(), RuleError> {
    let n = s.chars().count();
    let ok = (2..=1224).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c));
    check(ok, || {
        (
            "the external id must be 2 to 1224 letters, digits or `+=,.@:/-_`".to_string(),
            "use the external id the role's trust policy names".to_string(),
        )
    })
}

/// A KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<id>`.
pub fn kms_key_arn_parts(s: &str) -> Option<(&str, &str)> {
    let p: Vec<&str> = s.splitn(6, ':').collect();
    (p.len() == 6 && p[0] == "arn" && p[2] == "kms" && p[5].starts_with("key/"))
        .then(|| (p[3], p[4]))
}

pub fn tag_key(s: &str) -> Result<(), RuleError> {
    let n = s.chars().count();
    if !(1..=128).contains(&n) {
        return fail(
            format!("tag key is {n} characters long; it must be 1 to 128"),
            "shorten the key",
        );
    }
    if s.to_ascii_lowercase().starts_with("aws:") {
        return fail(
            format!("tag key `{s}` starts with `aws:`, which AWS reserves"),
            "choose another key",
        );
    }
    Ok(())
}

pub fn tag_value(s: &str) -> Result<(), RuleError> {
    let n = s.chars().count();
    if n > 256 {
        return fail(
            format!("tag value is {n} characters long; it may be at most 256"),
            "shorten the value",
        );
    }
    Ok(())
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase().replace('-', "_");
    candidates
        .iter()
        .map(|c| (levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(256).collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn did_you_mean_is_conservative() {
        assert_eq!(
            did_you_mean("trusted_acess", &["all_features", "trusted_access"]),
            Some("trusted_access")
        );
        assert_eq!(
            did_you_mean("zzz", &["all_features", "trusted_access"]),
            None
        );
    }
}
