//! Diagnostics wrapped to the terminal's width ([`crate::Style::width`]): findings, fixes and
//! step comments run to 240 characters, which a terminal breaks mid-word. Lines break between
//! words only, and not inside a `code span` (a name or a spec snippet reads as one piece)
//! unless the span alone is wider than a line. A word wider than a line (an ARN) is kept whole.

/// Fewer columns than this for the text itself would put a word or two on each line: the text
/// then runs past a very narrow terminal instead.
const MIN_TEXT: usize = 30;

/// `text` as lines for a terminal `width` columns wide: the first line starts after `lead`
/// columns (its prefix, written by the caller), the others after `hang` columns (the hanging
/// indent). The lines carry no prefix. Line breaks in `text` are kept.
pub(crate) fn wrap(text: &str, lead: usize, hang: usize, width: usize) -> Vec<String> {
    let room = |start: usize| width.saturating_sub(start).max(MIN_TEXT);
    let mut lines = Vec::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        let mut line = String::new();
        let mut limit = room(if n == 0 { lead } else { hang });
        for atom in atoms(paragraph, room(hang)) {
            let cols = atom.chars().count();
            let used = line.chars().count();
            if used > 0 && used + 1 + cols > limit {
                lines.push(std::mem::take(&mut line));
                limit = room(hang);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&atom);
        }
        lines.push(line);
    }
    lines
}

/// The pieces a line may break between: words, and `code spans` whole unless wider than
/// `room`, when the span's own words are the pieces.
fn atoms(text: &str, room: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut span: Vec<&str> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        span.push(word);
        let ticks: usize = span.iter().map(|w| w.matches('`').count()).sum();
        if ticks.is_multiple_of(2) {
            let whole = span.join(" ");
            if whole.chars().count() > room {
                out.extend(span.iter().map(|w| (*w).to_string()));
            } else {
                out.push(whole);
            }
            span.clear();
        }
    }
    // An unclosed backtick: its words are ordinary words.
    out.extend(span.iter().map(|w| (*w).to_string()));
    out
}

/// The lines, the first after `prefix`, the others after `cont` (the hanging indent), each
/// painted whole and ending in a newline.
pub(crate) fn prefixed(
    lines: &[String],
    prefix: &str,
    cont: &str,
    paint: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let p = if i == 0 { prefix } else { cont };
        out.push_str(&paint(&format!("{p}{l}")));
        out.push('\n');
    }
    out
}

/// A CLI message or a validation diagnostic (`file:line:col: error: …`, then `  help: …` or
/// `  fix: …` lines), wrapped to `width`: a first line hangs 4 columns, an indented `label:` line
/// hangs under its own text. An empty line stays empty.
pub fn wrap_message(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let label = line
            .strip_prefix("  ")
            .and_then(|rest| rest.split_once(": "))
            .filter(|(l, _)| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()));
        match label {
            Some((l, body)) => {
                let prefix = format!("  {l}: ");
                let cont = " ".repeat(prefix.len());
                let lines = wrap(body, prefix.len(), prefix.len(), width);
                out.push_str(&prefixed(&lines, &prefix, &cont, &|s| s.to_string()));
            }
            None if line.trim().is_empty() => out.push('\n'),
            None => {
                let lines = wrap(line, 0, 4, width);
                out.push_str(&prefixed(&lines, "", "    ", &|s| s.to_string()));
            }
        }
    }
    out.trim_end_matches('\n').to_string()
}
