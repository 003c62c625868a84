//! `acknowledge:` -> the warnings a team accepts: a list of `{code, reason}`, each code one of
//! [`ACKNOWLEDGEABLE`] and listed once, each with a reason.

use serde_saphyr::Spanned;

use super::cx::{Cx, did_you_mean_or};
use super::node::Node;
use crate::model::{ACKNOWLEDGEABLE, Acknowledgement};

pub(super) fn acknowledge(cx: &mut Cx, n: &Spanned<Node>) -> Vec<Acknowledgement> {
    let mut out: Vec<Acknowledgement> = Vec::new();
    for (i, item) in cx.list(n, "acknowledge").iter().enumerate() {
        let path = format!("acknowledge[{i}]");
        let Some(f) = cx.fields(item, &path, &["code", "reason"]) else {
            continue;
        };
        let code = cx.req_string(&f, "code");
        let reason = cx.req_string(&f, "reason");
        let (Some((code, at)), Some((reason, reason_at))) = (code, reason) else {
            continue;
        };
        if !ACKNOWLEDGEABLE.contains(&code.as_str()) {
            let help = did_you_mean_or(
                &code,
                ACKNOWLEDGEABLE,
                format!("acknowledge one of: {}", ACKNOWLEDGEABLE.join(", ")),
            );
            cx.err(
                &at,
                &format!("{path}.code"),
                format!("`{code}` is not a warning a spec can acknowledge"),
                help,
            );
            continue;
        }
        if reason.trim().is_empty() {
            cx.err(
                &reason_at,
                &format!("{path}.reason"),
                "the reason is empty",
                "say why the team accepts this warning: the plan prints it",
            );
            continue;
        }
        if out.iter().any(|a| a.code == code) {
            cx.err(
                &at,
                &format!("{path}.code"),
                format!("`{code}` is acknowledged twice"),
                "acknowledge each warning once",
            );
            continue;
        }
        out.push(Acknowledgement { code, reason });
    }
    out
}
