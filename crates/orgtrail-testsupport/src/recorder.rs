//! moto's request recorder read back: which requests reached AWS since the last reset (read vs
//! write), leaving out the contract layer's own reads of the state.

use crate::contract;
use crate::local::base64_decode;
use crate::moto::Moto;

/// One AWS API request as moto recorded it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// `Service.Operation` for JSON protocols, `Action=` for query protocols, or `S3 METHOD ?sub`.
    pub operation: String,
    /// The request's headers, names lower-cased.
    pub headers: std::collections::BTreeMap<String, String>,
}

impl Request {
    /// Whether the request changes anything.
    pub fn is_write(&self) -> bool {
        let op = self.operation.rsplit(['.', ' ', '=']).next().unwrap_or("");
        if self.operation.starts_with("S3 ") {
            return !matches!(self.method.as_str(), "GET" | "HEAD");
        }
        [
            "Create", "Update", "Put", "Start", "Stop", "Enable", "Disable", "Add", "Remove",
            "Delete", "Register", "Attach", "Tag", "Untag",
        ]
        .iter()
        .any(|p| op.starts_with(p))
    }
}

impl Moto {
    /// Forget every request recorded so far.
    pub fn reset_requests(&self) {
        let _ = std::fs::write(&self.recording, b"");
    }

    /// The requests moto received since the last reset, leaving out those the contract layer
    /// itself made to read the state (marked with [`contract::wire::MARKER`]).
    pub fn requests(&self) -> Vec<Request> {
        let text = std::fs::read_to_string(&self.recording).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| !is_contract_query(&v["headers"]))
            .map(|v| {
                let method = v["method"].as_str().unwrap_or_default().to_string();
                let url = v["url"].as_str().unwrap_or_default().to_string();
                let headers: std::collections::BTreeMap<String, String> = v["headers"]
                    .as_object()
                    .map(|h| {
                        h.iter()
                            .map(|(k, v)| {
                                (
                                    k.to_ascii_lowercase(),
                                    v.as_str().unwrap_or_default().to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let target = headers.get("x-amz-target").cloned();
                let raw = v["body"].as_str().unwrap_or_default();
                let body = if v["body_encoded"].as_bool() == Some(true) {
                    String::from_utf8_lossy(&base64_decode(raw)).into_owned()
                } else {
                    raw.to_string()
                };
                let operation = if let Some(t) = target {
                    t
                } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
                    format!("Action={a}")
                } else {
                    let path_q = url.splitn(4, '/').nth(3).unwrap_or_default();
                    let sub = path_q
                        .split_once('?')
                        .map(|(_, q)| q.split(['=', '&']).next().unwrap_or(""))
                        .unwrap_or("");
                    format!("S3 {method} ?{sub}")
                };
                Request {
                    method,
                    url,
                    operation,
                    headers,
                }
            })
            .collect()
    }

    pub fn writes(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_write)
            .collect()
    }
}

/// Whether a recorded request is one the contract layer made to read moto's state.
fn is_contract_query(headers: &serde_json::Value) -> bool {
    headers.as_object().is_some_and(|h| {
        h.keys()
            .any(|k| k.eq_ignore_ascii_case(contract::wire::MARKER))
    })
}
