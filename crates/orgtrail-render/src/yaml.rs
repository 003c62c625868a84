//! The one YAML quoting rule of everything orgtrail writes as YAML (the field diffs of
//! `fields.rs`, the spec `spec_yaml.rs` writes): a string is written plain only when every YAML
//! reader reads it back as that same string, under YAML 1.1 and 1.2 alike; otherwise it is
//! double-quoted. It only quotes; where a scalar goes is the caller's business.

/// Characters that mean something at the start of a plain scalar (YAML's indicators).
const INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";

/// Words YAML 1.1 or 1.2 reads as a boolean or null (compared ignoring case: quoting a word
/// that would have been a string anyway costs nothing), and 1.1's merge and value keys.
const RESERVED: [&str; 12] = [
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
];

/// `s` as a YAML scalar: plain when that reads back as the same string, else double-quoted.
pub fn scalar(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// `s` double-quoted. Printable characters stay as they are; escaped are `"` and `\`, control
/// characters, and what YAML 1.1 reads as a line break (NEL, LS, PS) or refuses unescaped.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if printable(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// YAML's printable characters, less the ones YAML 1.1 takes for line breaks.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

fn plain_ok(s: &str) -> bool {
    !s.is_empty()
        // Plain scalars in orgtrail's output are ASCII: no line break or lookalike to misread.
        && s.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !s.starts_with(|c: char| c == ' ' || INDICATORS.contains(c))
        && !s.ends_with([' ', ':'])
        // A key separator or a comment inside a value; flow punctuation ends an item of a
        // `[a, b]` list early (PyYAML, a YAML 1.1 reader, counts `?` among it).
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains([',', '[', ']', '{', '}', '?'])
        && !RESERVED.iter().any(|w| w.eq_ignore_ascii_case(s))
        && !numeric(s)
}

/// Whether YAML 1.1 or 1.2 may read `s` as a number or a date: integers in any base (with 1.1's
/// `_` separators and `:` sexagesimals), floats, `.inf`/`.nan`, timestamps. Deliberately broad.
fn numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let lower = body.to_ascii_lowercase();
    let starts_numeric = match body {
        [b'.', d, ..] | [d, ..] => d.is_ascii_digit(),
        [] => false,
    };
    s.parse::<f64>().is_ok()
        || matches!(lower.as_slice(), b".inf" | b".nan")
        || [b"0x", b"0o", b"0b"].iter().any(|p| lower.starts_with(*p))
        || (starts_numeric && body.iter().all(|c| b"0123456789_.:eE+-".contains(c)))
        || (body.len() > 4 && body[..4].iter().all(u8::is_ascii_digit) && body[4] == b'-')
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
