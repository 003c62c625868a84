//! Reading a mapping's fields and typed values out of the located tree. Each reader reports
//! what does not fit (unknown or duplicate field, missing field, wrong type, out-of-range
//! value) at the node at fault and returns `None` or a default, so the converters go on and
//! find the other problems too.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::cx::{Cx, did_you_mean_or, join};
use super::node::Node;
use crate::rules::{self, RuleError};

/// The fields of one mapping, after unknown/duplicate keys were reported.
pub(super) struct Fields<'a> {
    /// The mapping's dotted path (empty for the document).
    pub(super) path: String,
    /// The mapping itself: where a problem of the whole mapping (a missing field) is reported.
    pub(super) at: &'a Spanned<Node>,
    pub(super) map: BTreeMap<&'a str, &'a Spanned<Node>>,
}

impl<'a> Fields<'a> {
    /// The value of `key` unless it is absent or `null` (`null` means "the default").
    pub(super) fn present(&self, key: &str) -> Option<&'a Spanned<Node>> {
        self.map.get(key).copied().filter(|n| !n.value.is_null())
    }

    /// Where to report a problem with `key`: its value, else the mapping.
    pub(super) fn locate(&self, key: &str) -> &'a Spanned<Node> {
        self.map.get(key).copied().unwrap_or(self.at)
    }
}

/// How a string field is read: `Cx::req_string` or `Cx::opt_string`.
pub(super) type StringField = fn(&mut Cx, &Fields, &str) -> Option<(String, Spanned<Node>)>;

impl Cx {
    /// The mapping `n` at `path`, with its unknown (not in `allowed`) and duplicate keys
    /// reported and left out.
    pub(super) fn fields<'a>(
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
                let help = did_you_mean_or(
                    key,
                    allowed,
                    format!("allowed fields here: {}", allowed.join(", ")),
                );
                self.err(k, &p, format!("unknown field `{key}`"), help);
                continue;
            }
            if map.insert(key, v).is_some() {
                self.err(
                    k,
                    &p,
                    format!("duplicate field `{key}`"),
                    "keep one of the two",
                );
            }
        }
        Some(Fields {
            path: path.to_string(),
            at: n,
            map,
        })
    }

    /// The value of `key`, reported at the mapping when absent or `null`.
    pub(super) fn require<'a>(&mut self, f: &Fields<'a>, key: &str) -> Option<&'a Spanned<Node>> {
        match f.present(key) {
            Some(n) => Some(n),
            None => {
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

    pub(super) fn bool_or(&mut self, f: &Fields, key: &str, default: bool) -> bool {
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

    pub(super) fn string(&mut self, n: &Spanned<Node>, path: &str) -> Option<String> {
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

    pub(super) fn req_string(&mut self, f: &Fields, key: &str) -> Option<(String, Spanned<Node>)> {
        let n = self.require(f, key)?;
        let s = self.string(n, &join(&f.path, key))?;
        Some((s, n.clone()))
    }

    pub(super) fn opt_string(&mut self, f: &Fields, key: &str) -> Option<(String, Spanned<Node>)> {
        let n = f.present(key)?;
        let s = self.string(n, &join(&f.path, key))?;
        Some((s, n.clone()))
    }

    /// The string `key` of `f` as `get` reads it (required or optional), checked with `rule`
    /// when present.
    pub(super) fn checked(
        &mut self,
        f: &Fields,
        key: &str,
        get: StringField,
        rule: fn(&str) -> Result<(), RuleError>,
    ) -> Option<(String, Spanned<Node>)> {
        let v = get(self, f, key);
        if let Some((s, at)) = &v {
            self.check(at, &join(&f.path, key), rule(s));
        }
        v
    }

    /// The items of the list `n`; `null` is the empty list.
    pub(super) fn list<'a>(&mut self, n: &'a Spanned<Node>, path: &str) -> &'a [Spanned<Node>] {
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

    /// The strings of the list `key`; an item that is no string is reported and left out.
    pub(super) fn string_list(&mut self, f: &Fields, key: &str) -> Vec<String> {
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

    /// The mapping `key` of `f` with its `allowed` fields; `None` when absent or `null`.
    pub(super) fn some_map<'a>(
        &mut self,
        f: &Fields<'a>,
        key: &str,
        allowed: &[&str],
    ) -> Option<Fields<'a>> {
        let n = f.present(key)?;
        self.fields(n, &join(&f.path, key), allowed)
    }

    /// The string `n`, one of the spellings in `options`.
    pub(super) fn choice<T: Copy>(
        &mut self,
        n: &Spanned<Node>,
        path: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let s = self.string(n, path)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let help = did_you_mean_or(&s, &names, format!("use one of: {}", names.join(", ")));
        self.err(n, path, format!("unknown value `{s}`"), help);
        None
    }

    /// The required `key` of `f`, one of `options`.
    pub(super) fn required_choice<T: Copy>(
        &mut self,
        f: &Fields,
        key: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let n = self.require(f, key)?;
        self.choice(n, &join(&f.path, key), options)
    }

    /// A whole number of days, 1 to 36,500 (S3 lifecycle and Object Lock limits are in days).
    pub(super) fn days(&mut self, f: &Fields, key: &str) -> Option<u32> {
        let n = f.present(key)?;
        match &n.value {
            Node::Int(v) if (1..=36_500).contains(v) => u32::try_from(*v).ok(),
            other => {
                self.err(
                    n,
                    &join(&f.path, key),
                    format!(
                        "expected a number of days from 1 to 36500, found {}",
                        match other {
                            Node::Int(v) => v.to_string(),
                            o => o.kind().to_string(),
                        }
                    ),
                    "write a whole number of days, e.g. `400`",
                );
                None
            }
        }
    }

    /// An account id; an unquoted number is accepted (YAML reads `111122223333` as an integer).
    pub(super) fn account_string(&mut self, n: &Spanned<Node>, path: &str) -> Option<String> {
        let s = match &n.value {
            Node::Int(v) => format!("{v:012}"),
            _ => self.string(n, path)?,
        };
        self.check(n, path, rules::account_id(&s));
        rules::account_id(&s).is_ok().then_some(s)
    }
}
