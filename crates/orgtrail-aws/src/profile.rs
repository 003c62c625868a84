//! A named profile (`--profile`, `AWS_PROFILE`) must exist in the shared files. The SDK's
//! credential chain would otherwise move past it and end with an unrelated failure (for example
//! an instance-metadata token error on a laptop), so orgtrail checks first, like the AWS CLI.

use std::path::{Path, PathBuf};

use crate::error::AwsError;

/// One shared file, where it was looked for and the profiles it defines.
struct SharedFile {
    path: PathBuf,
    /// The variable that named it, when one did.
    named_by: Option<&'static str>,
    exists: bool,
    profiles: Vec<String>,
}

/// `Err` when `name` is defined in neither the config nor the credentials file. The `default`
/// profile may be absent (credentials may come from the environment), and without a home
/// directory or file variables there is nothing to check.
pub(crate) fn check_profile(name: &str) -> Result<(), AwsError> {
    if name == "default" {
        return Ok(());
    }
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let home = env("HOME")
        .or_else(|| env("USERPROFILE"))
        .map(PathBuf::from);
    let locate = |var: &'static str, default: &str| match env(var) {
        Some(p) => Some((expand_home(Path::new(&p), home.as_deref()), Some(var))),
        None => home.as_ref().map(|h| (h.join(".aws").join(default), None)),
    };
    let (Some(config), Some(credentials)) = (
        locate("AWS_CONFIG_FILE", "config"),
        locate("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ) else {
        return Ok(());
    };
    let config = read(config, true);
    let credentials = read(credentials, false);
    if config
        .profiles
        .iter()
        .chain(&credentials.profiles)
        .any(|p| p == name)
    {
        return Ok(());
    }
    Err(missing(name, &config, &credentials))
}

fn missing(name: &str, config: &SharedFile, credentials: &SharedFile) -> AwsError {
    let where_ = |f: &SharedFile| {
        let mut notes = Vec::new();
        if let Some(var) = f.named_by {
            notes.push(format!("from {var}"));
        }
        if !f.exists {
            notes.push("no such file".to_string());
        }
        if notes.is_empty() {
            f.path.display().to_string()
        } else {
            format!("{} ({})", f.path.display(), notes.join(", "))
        }
    };
    let mut defined: Vec<&str> = config
        .profiles
        .iter()
        .chain(&credentials.profiles)
        .map(String::as_str)
        .collect();
    defined.sort_unstable();
    defined.dedup();
    let others = if defined.is_empty() {
        "or unset AWS_PROFILE / --profile to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            .to_string()
    } else {
        format!(
            "or name a defined profile ({}) with --profile / AWS_PROFILE",
            defined.join(", ")
        )
    };
    AwsError::configuration(
        format!(
            "AWS profile `{name}` not found: searched {} and {}",
            where_(config),
            where_(credentials)
        ),
        format!(
            "create the profile (`aws configure --profile {name}`, or `aws configure sso` for SSO), {others}"
        ),
    )
}

fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

fn read((path, named_by): (PathBuf, Option<&'static str>), config_file: bool) -> SharedFile {
    let text = std::fs::read_to_string(&path);
    SharedFile {
        exists: text.is_ok() || path.exists(),
        profiles: text
            .map(|t| profile_names(&t, config_file))
            .unwrap_or_default(),
        named_by,
        path,
    }
}

/// The profiles a shared file defines, by the SDK's rules: in the config file `[profile NAME]`
/// or `[default]` (other sections are SSO sessions, services, ...), in the credentials file
/// `[NAME]`.
fn profile_names(text: &str, config_file: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(inner) = line
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .map(|(inner, _)| inner.trim())
        else {
            continue;
        };
        let name = match (inner.split_once(char::is_whitespace), config_file) {
            (Some(("profile", name)), true) => name.trim(),
            (None, true) if inner == "default" => inner,
            (None, false) => inner,
            _ => continue,
        };
        if !name.is_empty() {
            out.push(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_follow_the_sdk_rules_for_each_file() {
        let config = "# comment\n[default]\nregion = us-east-1\n[profile dev] ; trailing\n[ profile   ops ]\n\
                      [sso-session corp]\n[stray]\n  [profile indented]\n";
        assert_eq!(
            profile_names(config, true),
            ["default", "dev", "ops", "indented"]
        );
        let credentials = "[default]\naws_access_key_id = x\n[ci]\n[profile wrong]\n";
        assert_eq!(profile_names(credentials, false), ["default", "ci"]);
    }

    #[test]
    fn a_missing_profile_names_the_files_searched_and_the_defined_profiles() {
        let config = SharedFile {
            path: PathBuf::from("/h/.aws/config"),
            named_by: None,
            exists: true,
            profiles: vec!["dev".into(), "default".into()],
        };
        let credentials = SharedFile {
            path: PathBuf::from("/h/creds"),
            named_by: Some("AWS_SHARED_CREDENTIALS_FILE"),
            exists: false,
            profiles: Vec::new(),
        };
        let text = missing("nosuch", &config, &credentials).to_string();
        assert!(
            text.starts_with(
                "AWS profile `nosuch` not found: searched /h/.aws/config and /h/creds (from AWS_SHARED_CREDENTIALS_FILE, no such file)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("fix: create the profile") && text.contains("(default, dev)"),
            "{text}"
        );
        assert_eq!(
            expand_home(Path::new("~/x/config"), Some(Path::new("/h"))),
            PathBuf::from("/h/x/config")
        );
    }
}
