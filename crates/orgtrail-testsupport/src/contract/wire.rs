//! HTTP as the contract layer sees it: an incoming SigV4-signed request taken apart (service,
//! region and access key from the credential scope; the operation from `X-Amz-Target`, the
//! query `Action` or S3's method and sub-resource), the replies AWS gives (S3's XML errors, the
//! JSON protocol's `__type` errors), and moto spoken to directly for the state a rule needs.

use std::io::{Read, Write};
use std::net::TcpStream;

/// The header on every request the layer itself sends to moto. `Moto::requests()` leaves those
/// out: they are the layer looking at the state, not requests orgtrail made.
pub const MARKER: &str = "x-orgtrail-contract";

/// One request as it reached the layer.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub raw: Vec<u8>,
    pub method: String,
    /// The path without the query, percent-decoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub access_key: String,
    pub region: String,
    pub service: String,
    /// `CreateTrail`, `GetKeyPolicy`, `AssumeRole`; empty for S3 (see `s3::operation`).
    pub operation: String,
}

impl Incoming {
    pub fn parse(raw: Vec<u8>) -> Incoming {
        let end = crate::proxy::head_end(&raw);
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let first = lines.next().unwrap_or_default();
        let mut parts = first.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(&raw[end..])
        } else {
            raw[end..].to_vec()
        };
        let (path, query) = split_target(&target);
        let mut req = Incoming {
            raw,
            method,
            path,
            query,
            headers,
            body,
            access_key: String::new(),
            region: String::new(),
            service: String::new(),
            operation: String::new(),
        };
        req.read_scope();
        req.operation = req.find_operation();
        req
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_query(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// `Credential=AKID/date/region/service/aws4_request` of the Authorization header.
    fn read_scope(&mut self) {
        let Some(scope) = self
            .header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .map(str::to_string)
        else {
            return;
        };
        let parts: Vec<&str> = scope
            .split([',', ' '])
            .next()
            .unwrap_or("")
            .split('/')
            .collect();
        if parts.len() >= 4 {
            self.access_key = parts[0].to_string();
            self.region = parts[2].to_string();
            self.service = parts[3].to_string();
        }
    }

    fn find_operation(&self) -> String {
        if let Some(t) = self.header("x-amz-target") {
            return t.rsplit('.').next().unwrap_or_default().to_string();
        }
        let text = String::from_utf8_lossy(&self.body);
        text.split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .map(str::to_string)
            .unwrap_or_default()
    }

    /// The raw request with one more header (e.g. `x-moto-account-id`).
    pub fn raw_with_header(&self, name: &str, value: &str) -> Vec<u8> {
        let end = crate::proxy::head_end(&self.raw);
        let head = String::from_utf8_lossy(&self.raw[..end]);
        let head = head.trim_end_matches("\r\n");
        let mut out = format!("{head}\r\n{name}: {value}\r\n\r\n").into_bytes();
        out.extend_from_slice(&self.raw[end..]);
        out
    }
}

fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let (path, q) = target.split_once('?').unwrap_or((target, ""));
    let query = q
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (percent_decode(path), query)
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The payload of an HTTP/1.1 chunked body.
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(nl) = b.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&b[..nl]);
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("0").trim(), 16) else {
            break;
        };
        b = &b[nl + 2..];
        if n == 0 || b.len() < n {
            break;
        }
        out.extend_from_slice(&b[..n]);
        b = b.get(n + 2..).unwrap_or_default();
    }
    out
}

/// An HTTP response, built by the layer or read from moto.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

const REQUEST_ID: &str = "0RGTRA1LC0NTRACT";

impl Reply {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// S3's error document (REST-XML): `<Error><Code>…</Code><Message>…</Message>…</Error>`,
    /// with extra elements (e.g. `Region`, `Endpoint`, `Bucket`) before the request ids.
    pub fn s3_error(status: u16, code: &str, message: &str, extra: &[(&str, &str)]) -> Reply {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message>",
            xml_escape(message)
        );
        for (k, v) in extra {
            xml.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
        }
        xml.push_str(&format!(
            "<RequestId>{REQUEST_ID}</RequestId><HostId>orgtrail-contract-layer</HostId></Error>"
        ));
        Reply::new(status, "application/xml", xml.into_bytes())
            .with_header("x-amz-request-id", REQUEST_ID)
    }

    /// The JSON protocol's error (`application/x-amz-json-1.1`): HTTP 400 and
    /// `{"__type": code, "<message_key>": message}`; CloudTrail and Organizations name the message
    /// member `Message`, KMS `message`.
    pub fn json_error(code: &str, message_key: &str, message: &str) -> Reply {
        let body = serde_json::json!({"__type": code, message_key: message});
        Reply::new(
            400,
            "application/x-amz-json-1.1",
            body.to_string().into_bytes(),
        )
        .with_header("x-amzn-RequestId", REQUEST_ID)
    }

    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::new(
            200,
            "application/x-amz-json-1.1",
            value.to_string().into_bytes(),
        )
        .with_header("x-amzn-RequestId", REQUEST_ID)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The JSON body, `Null` if it is not JSON.
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The bytes to send; a HEAD reply carries no body.
    pub fn to_bytes(&self, head: bool) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            204 => "No Content",
            301 => "Moved Permanently",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            _ => "Error",
        };
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (k, v) in &self.headers {
            if !k.eq_ignore_ascii_case("content-length")
                && !k.eq_ignore_ascii_case("connection")
                && !k.eq_ignore_ascii_case("transfer-encoding")
            {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        let body: &[u8] = if head { &[] } else { &self.body };
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    /// A raw HTTP response (moto's) taken apart.
    pub fn parse(raw: &[u8]) -> Reply {
        let end = crate::proxy::head_end(raw);
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
        let body = if chunked {
            dechunk(&raw[end..])
        } else {
            raw[end..].to_vec()
        };
        Reply {
            status,
            headers,
            body,
        }
    }
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<tag>…</tag>` element in `xml`, in order.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        out.push(xml_unescape(&rest[..end]));
        rest = &rest[end + close.len()..];
    }
    out
}

/// What the layer asks moto, as which account, in which region.
pub struct Query<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    /// Answer as this account (moto's `x-moto-account-id`).
    pub account: Option<&'a str>,
    /// Sign the scope with this access key instead (moto maps keys to accounts).
    pub access_key: Option<&'a str>,
    /// `X-Amz-Target` for the JSON protocols.
    pub target: Option<&'a str>,
    pub body: Vec<u8>,
}

impl<'a> Query<'a> {
    pub fn new(method: &'a str, path: &'a str, service: &'a str, region: &'a str) -> Query<'a> {
        Query {
            method,
            path,
            service,
            region,
            account: None,
            access_key: None,
            target: None,
            body: Vec::new(),
        }
    }

    /// A JSON-protocol call (`target` like `CloudTrail_20131101.GetTrail`).
    pub fn json(
        service: &'a str,
        region: &'a str,
        target: &'a str,
        body: serde_json::Value,
    ) -> Query<'a> {
        Query {
            target: Some(target),
            body: body.to_string().into_bytes(),
            ..Query::new("POST", "/", service, region)
        }
    }

    pub fn as_account(mut self, account: &'a str) -> Query<'a> {
        self.account = Some(account);
        self
    }

    fn to_bytes(&self, port: u16) -> Vec<u8> {
        let key = self.access_key.unwrap_or("AKIAORGTRAILCONTRACT");
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{MARKER}: 1\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/20250101/{}/{}/aws4_request, SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20250101T000000Z\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.method,
            self.path,
            self.region,
            self.service,
            self.body.len()
        );
        if let Some(a) = self.account {
            head.push_str(&format!("x-moto-account-id: {a}\r\n"));
        }
        if let Some(t) = self.target {
            head.push_str(&format!(
                "X-Amz-Target: {t}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            ));
        } else if matches!(self.service, "sts" | "iam" | "sns" | "sqs") {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// Send one query to moto and read its whole answer.
pub fn ask(port: u16, q: &Query) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(&q.to_bytes(port))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    Ok(Reply::parse(&raw))
}
