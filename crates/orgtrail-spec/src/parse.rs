//! YAML -> located tree -> typed [`Spec`], collecting every error with its line and column.
//!
//! serde-saphyr parses the text (with budgets against alias bombs, deep nesting and huge
//! scalars) into a small tree of [`Spanned`] nodes; the converter below walks that tree so it
//! can report *all* problems at once, each at the node that caused it, with a "did you mean"
//! for unknown fields. Deserializing straight into the typed structs would stop at the first
//! error.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::model::*;
use crate::selector_fields;
use crate::{Diagnostic, SpecError};
use crate::{InsightCategory, InsightSelector, rules};

/// Specs larger than this are refused before parsing; a real spec is a few kilobytes.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Float(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Err(E::custom("binary values are not allowed in a spec"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Spanned<Node>>()? {
            out.push(v);
        }
        Ok(Node::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyString>>()? {
            let v = map.next_value::<Spanned<Node>>()?;
            let key = Spanned::new(k.value.0, k.referenced, k.defined);
            out.push((key, v));
        }
        Ok(Node::Map(out))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// Mapping keys: any scalar, kept as text (`1: x` has key "1"), so that a wrong key is reported
/// as an unknown field instead of a type error.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Node::deserialize(d)? {
            Node::Str(s) => Ok(KeyString(s)),
            Node::Bool(b) => Ok(KeyString(b.to_string())),
            Node::Int(i) => Ok(KeyString(i.to_string())),
            Node::Float(f) => Ok(KeyString(f.to_string())),
            Node::Null => Ok(KeyString("null".into())),
            Node::Seq(_) | Node::Map(_) => Err(de::Error::custom(
                "mapping keys must be plain strings, not lists or mappings",
            )),
        }
    }
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_events = 100_000;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_nodes = 50_000;
    budget.max_total_scalar_bytes = MAX_SPEC_BYTES;
    let mut alias = serde_saphyr::options::AliasLimits::default();
    alias.max_total_replayed_events = 10_000;
    alias.max_alias_expansions_per_anchor = 50;
    let mut o = serde_saphyr::Options::default();
    o.budget = Some(budget);
    o.alias_limits = alias;
    o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    o.strict_booleans = true;
    o.emit_comments = false;
    o
}

/// Parse and validate one spec. `file` is used only in error messages.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Spec, SpecError> {
    let fail = |d: Diagnostic| SpecError::Invalid {
        file: file.to_string(),
        diagnostics: vec![d],
    };
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(fail(Diagnostic::new(
            1,
            1,
            "",
            format!(
                "the file is {} bytes; a spec may be at most {} bytes",
                bytes.len(),
                MAX_SPEC_BYTES
            ),
            "a spec describes one trail in a few kilobytes; check that this is the right file",
        )));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = line_col(bytes, e.valid_up_to());
            return Err(fail(Diagnostic::new(
                line,
                col,
                "",
                "the file is not valid UTF-8",
                "save the spec as UTF-8 text",
            )));
        }
    };
    if let Some(pos) = text.find('\0') {
        let (line, col) = line_col(bytes, pos);
        return Err(fail(Diagnostic::new(
            line,
            col,
            "",
            "the file contains a NUL byte (binary data?)",
            "a spec is a YAML text file",
        )));
    }
    if text.trim().is_empty() {
        return Err(fail(Diagnostic::new(
            1,
            1,
            "",
            "the file is empty",
            "start from specs/org-trail.yaml",
        )));
    }
    let root: Spanned<Node> = match serde_saphyr::from_str_with_options(text, options()) {
        Ok(n) => n,
        Err(e) => {
            let (line, col) = e
                .location()
                .map(|l| (l.line() as u32, l.column() as u32))
                .unwrap_or((1, 1));
            let msg = e.without_snippet().to_string();
            let msg = msg.lines().next().unwrap_or("invalid YAML");
            // The position is reported in our own `file:line:col` prefix.
            let msg = match msg.rfind(" at line ") {
                Some(i) => &msg[..i],
                None => msg,
            };
            return Err(fail(Diagnostic::new(
                line.max(1),
                col.max(1),
                "",
                format!("invalid YAML: {msg}"),
                "fix the YAML syntax (indent with spaces, not tabs; quote strings containing `: `)",
            )));
        }
    };
    let mut cx = Cx::default();
    let spec = cx.spec(&root);
    if cx.diags.is_empty()
        && let Some(spec) = spec
    {
        return Ok(spec);
    }
    cx.diags.sort_by_key(|d| (d.line, d.col));
    Err(SpecError::Invalid {
        file: file.to_string(),
        diagnostics: cx.diags,
    })
}

fn line_col(bytes: &[u8], pos: usize) -> (u32, u32) {
    let before = &bytes[..pos.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line as u32, col as u32)
}

fn loc(n: &Spanned<Node>) -> (u32, u32) {
    (
        n.referenced.line().max(1) as u32,
        n.referenced.column().max(1) as u32,
    )
}

/// How a string field is read: `Cx::req_string` or `Cx::opt_string`.
type StringField = fn(&mut Cx, &Fields, &str) -> Option<(String, Spanned<Node>)>;

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[derive(Default)]
pub(crate) struct Cx {
    diags: Vec<Diagnostic>,
}

/// The fields of one mapping, after unknown/duplicate keys were reported.
pub(crate) struct Fields<'a> {
    pub(crate) path: String,
    pub(crate) at: &'a Spanned<Node>,
    pub(crate) map: BTreeMap<&'a str, &'a Spanned<Node>>,
}

impl Cx {
    pub(crate) fn err(
        &mut self,
        at: &Spanned<Node>,
        path: &str,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (line, col) = loc(at);
        self.diags.push(Diagnostic::new(line, col, path, msg, help));
    }

    pub(crate) fn fields<'a>(
        &mut self,
        n: &'a Spanned<Node>,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'a>> {
        let Node::Map(entries) = &n.value else {
            self.err(
                n,
                path,
                format!("expected a mapping, found {}", n.value.kind()),
                format!(
                    "write `{}` as `key: value` lines",
                    if path.is_empty() { "the spec" } else { path }
                ),
            );
            return None;
        };
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            let key = k.value.as_str();
            let p = join(path, key);
            if !allowed.contains(&key) {
                let (line, col) = (k.referenced.line() as u32, k.referenced.column() as u32);
                let help = match rules::did_you_mean(key, allowed) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("allowed fields here: {}", allowed.join(", ")),
                };
                self.diags.push(Diagnostic::new(
                    line.max(1),
                    col.max(1),
                    &p,
                    format!("unknown field `{key}`"),
                    help,
                ));
                continue;
            }
            if map.insert(key, v).is_some() {
                let (line, col) = (k.referenced.line() as u32, k.referenced.column() as u32);
                self.diags.push(Diagnostic::new(
                    line.max(1),
                    col.max(1),
                    &p,
                    format!("duplicate field `{key}`"),
                    "keep one of the two",
                ));
            }
        }
        Some(Fields {
            path: path.to_string(),
            at: n,
            map,
        })
    }

    pub(crate) fn require<'a>(&mut self, f: &Fields<'a>, key: &str) -> Option<&'a Spanned<Node>> {
        match f.map.get(key) {
            Some(n) if !matches!(n.value, Node::Null) => Some(*n),
            _ => {
                let p = join(&f.path, key);
                self.err(
                    f.at,
                    &p,
                    format!("missing required field `{key}`"),
                    format!(
                        "add `{key}:` under `{}`",
                        if f.path.is_empty() {
                            "the top level"
                        } else {
                            &f.path
                        }
                    ),
                );
                None
            }
        }
    }

    pub(crate) fn bool_or(&mut self, f: &Fields, key: &str, default: bool) -> bool {
        match f.map.get(key) {
            None => default,
            Some(n) => match &n.value {
                Node::Bool(b) => *b,
                Node::Null => default,
                other => {
                    self.err(
                        n,
                        &join(&f.path, key),
                        format!("expected true or false, found {}", other.kind()),
                        "write `true` or `false`",
                    );
                    default
                }
            },
        }
    }

    pub(crate) fn string(&mut self, n: &Spanned<Node>, path: &str) -> Option<String> {
        match &n.value {
            Node::Str(s) => Some(s.clone()),
            other => {
                self.err(
                    n,
                    path,
                    format!("expected a string, found {}", other.kind()),
                    "quote the value if it is meant to be text",
                );
                None
            }
        }
    }

    pub(crate) fn req_string(&mut self, f: &Fields, key: &str) -> Option<(String, Spanned<Node>)> {
        let n = self.require(f, key)?;
        let s = self.string(n, &join(&f.path, key))?;
        Some((s, n.clone()))
    }

    pub(crate) fn opt_string(&mut self, f: &Fields, key: &str) -> Option<(String, Spanned<Node>)> {
        let n = f.map.get(key)?;
        if matches!(n.value, Node::Null) {
            return None;
        }
        let s = self.string(n, &join(&f.path, key))?;
        Some((s, (*n).clone()))
    }

    fn list<'a>(&mut self, n: &'a Spanned<Node>, path: &str) -> &'a [Spanned<Node>] {
        match &n.value {
            Node::Seq(items) => items,
            Node::Null => &[],
            other => {
                self.err(
                    n,
                    path,
                    format!("expected a list, found {}", other.kind()),
                    "write the items as `- item` lines or `[a, b]`",
                );
                &[]
            }
        }
    }

    fn string_list(&mut self, f: &Fields, key: &str) -> Vec<String> {
        let Some(n) = f.map.get(key) else {
            return Vec::new();
        };
        let path = join(&f.path, key);
        let items = self.list(n, &path);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.string(item, &format!("{path}[{i}]")) {
                out.push(s);
            }
        }
        out
    }

    /// The string `key` of `f` as `get` reads it (required or optional), checked with `rule`
    /// when present.
    pub(crate) fn checked(
        &mut self,
        f: &Fields,
        key: &str,
        get: StringField,
        rule: fn(&str) -> Result<(), rules::RuleError>,
    ) -> Option<(String, Spanned<Node>)> {
        let v = get(self, f, key);
        if let Some((s, at)) = &v {
            self.check(at, &join(&f.path, key), rule(s));
        }
        v
    }

    pub(crate) fn check(&mut self, n: &Spanned<Node>, path: &str, r: Result<(), rules::RuleError>) {
        if let Err(e) = r {
            self.err(n, path, e.message, e.help);
        }
    }

    fn spec(&mut self, root: &Spanned<Node>) -> Option<Spec> {
        let f = self.fields(root, "", &["version", "organization", "bucket", "trail"])?;
        let version = match f.map.get("version") {
            None => {
                self.err(
                    root,
                    "version",
                    "missing required field `version`",
                    "add `version: 1` at the top of the spec",
                );
                None
            }
            Some(n) => match &n.value {
                Node::Int(1) => Some(1),
                Node::Int(v) => {
                    self.err(
                        n,
                        "version",
                        format!("unsupported spec version {v}"),
                        "this orgtrail reads spec version 1; write `version: 1`",
                    );
                    None
                }
                other => {
                    self.err(
                        n,
                        "version",
                        format!("expected the number 1, found {}", other.kind()),
                        "write `version: 1`",
                    );
                    None
                }
            },
        };
        let organization = match f.map.get("organization") {
            Some(n) if !matches!(n.value, Node::Null) => self.organization(n),
            _ => Some(Organization::default()),
        };
        let trail_node = self.require(&f, "trail");
        let trail = trail_node.and_then(|n| self.trail(n));
        let bucket = self
            .require(&f, "bucket")
            .and_then(|n| self.bucket(n, trail.as_ref().map(|t| t.home_region.as_str())));
        Some(Spec {
            version: version?,
            organization: organization?,
            bucket: bucket?,
            trail: trail?,
        })
    }

    fn organization(&mut self, n: &Spanned<Node>) -> Option<Organization> {
        let f = self.fields(
            n,
            "organization",
            &["all_features", "trusted_access", "delegated_administrators"],
        )?;
        let admins = match f.map.get("delegated_administrators") {
            Some(a) if !matches!(a.value, Node::Null) => Some(self.account_list(a)),
            _ => None,
        };
        Some(Organization {
            all_features: self.bool_or(&f, "all_features", true),
            trusted_access: self.bool_or(&f, "trusted_access", true),
            delegated_administrators: admins,
        })
    }

    /// A list of distinct account ids.
    fn account_list(&mut self, n: &Spanned<Node>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let path = "organization.delegated_administrators";
        for (i, item) in self.list(n, path).iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(s) = self.account_string(item, &p) else {
                continue;
            };
            if out.contains(&s) {
                self.err(
                    item,
                    &p,
                    format!("account {s} is listed twice"),
                    "list each account once",
                );
            } else {
                out.push(s);
            }
        }
        out.sort();
        out
    }

    /// An account id; an unquoted number is accepted (YAML reads `111122223333` as an integer).
    fn account_string(&mut self, n: &Spanned<Node>, path: &str) -> Option<String> {
        let s = match &n.value {
            Node::Int(v) => format!("{v:012}"),
            _ => self.string(n, path)?,
        };
        self.check(n, path, rules::account_id(&s));
        rules::account_id(&s).is_ok().then_some(s)
    }

    /// `bucket.account`, `bucket.role_arn`, `bucket.external_id`: the bucket's account and how
    /// to act in it.
    fn bucket_access(&mut self, f: &Fields) -> (Option<String>, Option<String>, Option<String>) {
        let account = f
            .map
            .get("account")
            .filter(|a| !matches!(a.value, Node::Null))
            .and_then(|a| self.account_string(a, "bucket.account"));
        let role = self.opt_string(f, "role_arn");
        if let Some((r, at)) = &role {
            self.check(at, "bucket.role_arn", rules::role_arn(r));
            if let (Some(a), Some(ra)) = (&account, rules::role_account(r))
                && a != ra
            {
                self.err(
                    at,
                    "bucket.role_arn",
                    format!("role {r} is in account {ra}, but `bucket.account` is {a}"),
                    "use a role in the bucket's account (the log-archive account)",
                );
            }
        }
        let external = self.opt_string(f, "external_id");
        if let Some((e, at)) = &external {
            self.check(at, "bucket.external_id", rules::external_id(e));
            if role.is_none() {
                self.err(
                    at,
                    "bucket.external_id",
                    "`external_id` without `role_arn` has no use",
                    "set `bucket.role_arn`, or remove `external_id`",
                );
            }
        }
        (account, role.map(|r| r.0), external.map(|e| e.0))
    }

    fn bucket(&mut self, n: &Spanned<Node>, _home: Option<&str>) -> Option<Bucket> {
        let f = self.fields(
            n,
            "bucket",
            &[
                &[
                    "name",
                    "region",
                    "create",
                    "policy",
                    "account",
                    "role_arn",
                    "external_id",
                ][..],
                crate::parse_protection::FIELDS,
            ]
            .concat(),
        )?;
        let (account, role_arn, external_id) = self.bucket_access(&f);
        let name = self.checked(&f, "name", Self::req_string, rules::bucket_name);
        let region = self.checked(&f, "region", Self::opt_string, rules::region);
        let create = self.bool_or(&f, "create", false);
        let policy = match f.map.get("policy") {
            None => PolicyMode::Merge,
            Some(p) => match &p.value {
                Node::Null => PolicyMode::Merge,
                Node::Str(s) if s == "merge" => PolicyMode::Merge,
                Node::Str(s) if s == "verify" => PolicyMode::Verify,
                Node::Str(s) => {
                    let help = match rules::did_you_mean(s, &["merge", "verify"]) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => "use `merge` or `verify`".into(),
                    };
                    self.err(
                        p,
                        "bucket.policy",
                        format!("unknown policy mode `{s}`"),
                        help,
                    );
                    PolicyMode::Merge
                }
                other => {
                    self.err(
                        p,
                        "bucket.policy",
                        format!("expected `merge` or `verify`, found {}", other.kind()),
                        "use `merge` or `verify`",
                    );
                    PolicyMode::Merge
                }
            },
        };
        if policy == PolicyMode::Verify && create {
            self.err(
                n,
                "bucket",
                "`create: true` with `policy: verify` cannot work: a new bucket has no policy to verify",
                "use `policy: merge` (orgtrail writes the statements), or create the bucket and its policy yourself",
            );
        }
        let p = self.protection(&f, name.as_ref().map(|n| n.0.as_str()));
        Some(Bucket {
            name: name?.0,
            region: region.map(|r| r.0),
            create,
            policy,
            account,
            role_arn,
            external_id,
            public_access_block: p.public_access_block,
            ownership: p.ownership,
            encryption: p.encryption,
            versioning: p.versioning,
            lifecycle: p.lifecycle,
            object_lock: p.object_lock,
            access_logging: p.access_logging,
            require_tls: p.require_tls,
        })
    }

    fn trail(&mut self, n: &Spanned<Node>) -> Option<Trail> {
        const FIELDS: &[&str] = &[
            "name",
            "home_region",
            "organization",
            "multi_region",
            "include_global_service_events",
            "log_file_validation",
            "logging",
            "s3_key_prefix",
            "kms_key_id",
            "kms_role_arn",
            "sns_topic",
            "cloudwatch_logs",
            "event_selectors",
            "advanced_event_selectors",
            "insight_selectors",
            "accept_log_bucket_data_events",
            "tags",
        ];
        let f = self.fields(n, "trail", FIELDS)?;
        let name = self.checked(&f, "name", Self::req_string, rules::trail_name);
        let home = self.checked(&f, "home_region", Self::req_string, rules::region);
        let organization = self.bool_or(&f, "organization", true);
        let multi_region = self.bool_or(&f, "multi_region", true);
        let include_global = self.bool_or(&f, "include_global_service_events", true);
        if multi_region && !include_global {
            let at = f
                .map
                .get("include_global_service_events")
                .copied()
                .unwrap_or(n);
            self.err(
                at,
                "trail.include_global_service_events",
                "a multi-region trail must include global service events (AWS rejects `false` here)",
                "remove `include_global_service_events: false`, or set `multi_region: false`",
            );
        }
        let log_file_validation = self.bool_or(&f, "log_file_validation", true);
        let logging = self.bool_or(&f, "logging", true);
        let prefix = self.checked(&f, "s3_key_prefix", Self::opt_string, rules::key_prefix);
        let kms = self.checked(&f, "kms_key_id", Self::opt_string, rules::kms_key_id);
        let kms_role = self.opt_string(&f, "kms_role_arn");
        if let Some((r, at)) = &kms_role {
            self.check(at, "trail.kms_role_arn", rules::role_arn(r));
            match kms.as_ref().map(|k| rules::kms_key_arn_parts(&k.0)) {
                Some(Some((_, key_account))) if rules::role_account(r) != Some(key_account) => self.err(
                    at,
                    "trail.kms_role_arn",
                    format!("role {r} is not in the key's account {key_account}"),
                    "use a role in the account that owns the key (the security account)",
                ),
                Some(Some(_)) => {}
                _ => self.err(
                    at,
                    "trail.kms_role_arn",
                    "`kms_role_arn` needs `kms_key_id` to be a key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`)",
                    "write the key's ARN in `trail.kms_key_id`",
                ),
            }
        }
        let sns = self.checked(&f, "sns_topic", Self::opt_string, rules::sns_topic);
        let cloudwatch_logs = match f.map.get("cloudwatch_logs") {
            Some(c) if !matches!(c.value, Node::Null) => self.cloudwatch(c),
            _ => None,
        };
        let event_selectors = match f.map.get("event_selectors") {
            Some(e) if !matches!(e.value, Node::Null) => Some(self.event_selectors(e)),
            _ => None,
        };
        let advanced = match f.map.get("advanced_event_selectors") {
            Some(e) if !matches!(e.value, Node::Null) => Some(self.advanced_selectors(e)),
            _ => None,
        };
        if event_selectors.is_some() && advanced.is_some() {
            let at = f.map.get("advanced_event_selectors").copied().unwrap_or(n);
            self.err(
                at,
                "trail.advanced_event_selectors",
                "`event_selectors` and `advanced_event_selectors` cannot both be set",
                "keep one of them (CloudTrail accepts either basic or advanced selectors on a trail)",
            );
        }
        let insights = match f.map.get("insight_selectors") {
            Some(i) => self.insight_selectors(i),
            None => Vec::new(),
        };
        let accept_loop = self.bool_or(&f, "accept_log_bucket_data_events", false);
        let tags = match f.map.get("tags") {
            Some(t) if !matches!(t.value, Node::Null) => self.tags(t),
            _ => Some(BTreeMap::new()),
        };
        Some(Trail {
            name: name?.0,
            home_region: home?.0,
            organization,
            multi_region,
            include_global_service_events: include_global,
            log_file_validation,
            logging,
            s3_key_prefix: prefix.map(|p| p.0),
            kms_key_id: kms.map(|k| k.0),
            kms_role_arn: kms_role.map(|r| r.0),
            sns_topic: sns.map(|s| s.0),
            cloudwatch_logs,
            event_selectors,
            advanced_event_selectors: advanced,
            insight_selectors: insights,
            accept_log_bucket_data_events: accept_loop,
            tags: tags?,
        })
    }

    fn cloudwatch(&mut self, n: &Spanned<Node>) -> Option<CloudWatchLogs> {
        let f = self.fields(n, "trail.cloudwatch_logs", &["log_group_arn", "role_arn"])?;
        let group = self.checked(&f, "log_group_arn", Self::req_string, rules::log_group_arn);
        let role = self.checked(&f, "role_arn", Self::req_string, rules::role_arn);
        Some(CloudWatchLogs {
            log_group_arn: group?.0,
            role_arn: role?.0,
        })
    }

    fn event_selectors(&mut self, n: &Spanned<Node>) -> Vec<EventSelector> {
        let items = self.list(n, "trail.event_selectors");
        if items.len() > 5 {
            self.err(
                n,
                "trail.event_selectors",
                format!(
                    "{} basic event selectors; CloudTrail allows at most 5",
                    items.len()
                ),
                "combine selectors, or use advanced_event_selectors",
            );
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("trail.event_selectors[{i}]");
            let Some(f) = self.fields(
                item,
                &path,
                &[
                    "read_write_type",
                    "include_management_events",
                    "exclude_management_event_sources",
                    "data_resources",
                ],
            ) else {
                continue;
            };
            let rw = match self.opt_string(&f, "read_write_type") {
                None => ReadWriteType::All,
                Some((s, at)) => match ReadWriteType::parse(&s) {
                    Some(r) => r,
                    None => {
                        let allowed = ["ReadOnly", "WriteOnly", "All"];
                        let help = match rules::did_you_mean(&s, &allowed) {
                            Some(m) => format!("did you mean `{m}`?"),
                            None => "use ReadOnly, WriteOnly or All".into(),
                        };
                        self.err(
                            &at,
                            &format!("{path}.read_write_type"),
                            format!("unknown read_write_type `{s}`"),
                            help,
                        );
                        ReadWriteType::All
                    }
                },
            };
            let mgmt = self.bool_or(&f, "include_management_events", true);
            let mut excl = self.string_list(&f, "exclude_management_event_sources");
            excl.sort();
            let mut resources = Vec::new();
            if let Some(dr) = f.map.get("data_resources") {
                let drs = self.list(dr, &format!("{path}.data_resources"));
                for (j, d) in drs.iter().enumerate() {
                    let dp = format!("{path}.data_resources[{j}]");
                    let Some(df) = self.fields(d, &dp, &["type", "values"]) else {
                        continue;
                    };
                    let ty = self.req_string(&df, "type");
                    let mut values = self.string_list(&df, "values");
                    values.sort();
                    if let Some((t, _)) = ty {
                        resources.push(DataResource {
                            resource_type: t,
                            values,
                        });
                    }
                }
            }
            resources.sort();
            out.push(EventSelector {
                read_write_type: rw,
                include_management_events: mgmt,
                exclude_management_event_sources: excl,
                data_resources: resources,
            });
        }
        out
    }

    fn advanced_selectors(&mut self, n: &Spanned<Node>) -> Vec<AdvancedEventSelector> {
        let items = self.list(n, "trail.advanced_event_selectors");
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("trail.advanced_event_selectors[{i}]");
            let Some(f) = self.fields(item, &path, &["name", "field_selectors"]) else {
                continue;
            };
            let name = self.opt_string(&f, "name").map(|s| s.0);
            let Some(fs) = self.require(&f, "field_selectors") else {
                continue;
            };
            let fsp = format!("{path}.field_selectors");
            let fs_items = self.list(fs, &fsp);
            if fs_items.is_empty() {
                self.err(
                    fs,
                    &fsp,
                    "an advanced event selector needs at least one field selector",
                    "add `- field: eventCategory` with `equals: [Management]`",
                );
            }
            let mut fields = Vec::new();
            let mut located = Vec::new();
            for (j, fsel) in fs_items.iter().enumerate() {
                if let Some((sel, at)) = self.field_selector(fsel, &format!("{fsp}[{j}]")) {
                    fields.push(sel);
                    located.push(at);
                }
            }
            if !fs_items.is_empty() {
                self.check_selector_fields(fs, &fsp, &fields, &located);
            }
            fields.sort();
            out.push(AdvancedEventSelector {
                name,
                field_selectors: fields,
            });
        }
        out
    }

    /// One field selector (its values sorted), and where its parts are, for later errors.
    fn field_selector<'a>(
        &mut self,
        n: &'a Spanned<Node>,
        path: &str,
    ) -> Option<(FieldSelector, Fields<'a>)> {
        let ff = self.fields(
            n,
            path,
            &[
                "field",
                "equals",
                "starts_with",
                "ends_with",
                "not_equals",
                "not_starts_with",
                "not_ends_with",
            ],
        )?;
        let field = self.req_string(&ff, "field");
        let mut sel = FieldSelector {
            field: String::new(),
            equals: self.string_list(&ff, "equals"),
            starts_with: self.string_list(&ff, "starts_with"),
            ends_with: self.string_list(&ff, "ends_with"),
            not_equals: self.string_list(&ff, "not_equals"),
            not_starts_with: self.string_list(&ff, "not_starts_with"),
            not_ends_with: self.string_list(&ff, "not_ends_with"),
        };
        for v in [
            &mut sel.equals,
            &mut sel.starts_with,
            &mut sel.ends_with,
            &mut sel.not_equals,
            &mut sel.not_starts_with,
            &mut sel.not_ends_with,
        ] {
            v.sort();
        }
        sel.field = field?.0;
        Some((sel, ff))
    }

    /// The fields, operators and values of one selector against the table of
    /// [`selector_fields`]; each error at the field (or operator) at fault.
    fn check_selector_fields(
        &mut self,
        list: &Spanned<Node>,
        list_path: &str,
        fields: &[FieldSelector],
        located: &[Fields],
    ) {
        for p in selector_fields::check(fields) {
            let (at, path) = match p.field.and_then(|i| located.get(i)) {
                None => (list, list_path.to_string()),
                Some(f) => {
                    let key = p.operator.map_or("field", |o| o.key());
                    (f.map.get(key).copied().unwrap_or(f.at), join(&f.path, key))
                }
            };
            self.err(at, &path, p.message, p.help);
        }
    }

    /// `insight_selectors`: each an insight type (on management events) or
    /// `{type, event_categories}`; each type once.
    fn insight_selectors(&mut self, n: &Spanned<Node>) -> Vec<InsightSelector> {
        let mut out: Vec<InsightSelector> = Vec::new();
        for (idx, item) in self.list(n, "trail.insight_selectors").iter().enumerate() {
            let p = format!("trail.insight_selectors[{idx}]");
            let Some((sel, at)) = self.insight_selector(item, &p) else {
                continue;
            };
            if out.iter().any(|s| s.insight_type == sel.insight_type) {
                self.err(
                    at,
                    &p,
                    format!(
                        "insight type `{}` is listed twice",
                        sel.insight_type.as_str()
                    ),
                    "list each insight type once, with all its event categories",
                );
            } else {
                out.push(sel);
            }
        }
        out.sort();
        out
    }

    fn insight_selector<'a>(
        &mut self,
        item: &'a Spanned<Node>,
        p: &str,
    ) -> Option<(InsightSelector, &'a Spanned<Node>)> {
        if let Node::Str(s) = &item.value {
            let t = self.insight_type(item, p, s)?;
            return Some((InsightSelector::management(t), item));
        }
        if !matches!(item.value, Node::Map(_)) {
            self.err(
                item,
                p,
                format!(
                    "expected an insight type or `{{type, event_categories}}`, found {}",
                    item.value.kind()
                ),
                "write `ApiCallRateInsight`, or `{type: ApiCallRateInsight, event_categories: [Management, Data]}`",
            );
            return None;
        }
        let f = self.fields(item, p, &["type", "event_categories"])?;
        let categories = self.insight_categories(&f);
        let (s, at) = self.req_string(&f, "type")?;
        let t = self.insight_type(&at, &join(p, "type"), &s)?;
        let mut event_categories = categories?;
        event_categories.sort();
        Some((
            InsightSelector {
                insight_type: t,
                event_categories,
            },
            f.map.get("type").copied().unwrap_or(item),
        ))
    }

    fn insight_type(&mut self, at: &Spanned<Node>, p: &str, s: &str) -> Option<InsightType> {
        let t = InsightType::parse(s);
        if t.is_none() {
            let allowed = ["ApiCallRateInsight", "ApiErrorRateInsight"];
            let help = match rules::did_you_mean(s, &allowed) {
                Some(m) => format!("did you mean `{m}`?"),
                None => "use ApiCallRateInsight or ApiErrorRateInsight".into(),
            };
            self.err(at, p, format!("unknown insight type `{s}`"), help);
        }
        t
    }

    /// `event_categories`: `Management` and/or `Data`, each once (default `[Management]`).
    fn insight_categories(&mut self, f: &Fields) -> Option<Vec<InsightCategory>> {
        let Some(n) = f.map.get("event_categories").copied() else {
            return Some(vec![InsightCategory::Management]);
        };
        let path = join(&f.path, "event_categories");
        let items = self.list(n, &path);
        if items.is_empty() {
            self.err(
                n,
                &path,
                "`event_categories` is empty: the insight type would analyse nothing",
                "list `Management`, `Data` or both, or remove the insight type",
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{path}[{i}]");
            let Some(s) = self.string(item, &ip) else {
                ok = false;
                continue;
            };
            match InsightCategory::parse(&s) {
                Some(c) if out.contains(&c) => {
                    self.err(item, &ip, format!("`{s}` is listed twice"), "list it once");
                    ok = false;
                }
                Some(c) => out.push(c),
                None => {
                    let help = match rules::did_you_mean(&s, &["Management", "Data"]) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => "Insights analyse `Management` or `Data` events".into(),
                    };
                    self.err(item, &ip, format!("unknown event category `{s}`"), help);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn tags(&mut self, n: &Spanned<Node>) -> Option<BTreeMap<String, String>> {
        let Node::Map(entries) = &n.value else {
            self.err(
                n,
                "trail.tags",
                format!(
                    "expected a mapping of tag keys to values, found {}",
                    n.value.kind()
                ),
                "write tags as `key: value` lines",
            );
            return None;
        };
        if entries.len() > 50 {
            self.err(
                n,
                "trail.tags",
                format!(
                    "{} tags; CloudTrail allows at most 50 per trail",
                    entries.len()
                ),
                "remove some tags",
            );
        }
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            let p = format!("trail.tags.{}", k.value);
            let value = match &v.value {
                Node::Str(s) => s.clone(),
                Node::Null => String::new(),
                Node::Bool(b) => b.to_string(),
                Node::Int(i) => i.to_string(),
                other => {
                    self.err(
                        v,
                        &p,
                        format!("a tag value must be a string, found {}", other.kind()),
                        "quote the value",
                    );
                    continue;
                }
            };
            let key_node = Spanned::new(Node::Str(k.value.clone()), k.referenced, k.defined);
            self.check(&key_node, &p, rules::tag_key(&k.value));
            self.check(v, &p, rules::tag_value(&value));
            if out.insert(k.value.clone(), value).is_some() {
                self.err(
                    &key_node,
                    &p,
                    format!("duplicate tag `{}`", k.value),
                    "keep one of the two",
                );
            }
        }
        Some(out)
    }
}
