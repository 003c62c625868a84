//! A loopback HTTP proxy between orgtrail and moto that injects faults reproducibly from a seed
//! (throttling, 5xx, connection reset, a response delayed past the SDK timeout, a truncated body),
//! or holds the N-th write request forever so a test can `kill -9` orgtrail at a step boundary.
//!
//! It can also stand in for the network to AWS ([`Mode::Latency`]): every request answers after a
//! fixed round-trip time, concurrently, and a read that was answered once is answered again from a
//! cache of moto's own response. moto serves one request at a time (one Python process), AWS serves
//! them in parallel; the benchmark uses this mode to show how orgtrail's plan time grows with the
//! number of calls when the server is parallel and each call costs a real round trip.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    ServerError,
    Unavailable,
    Reset,
    Delay,
    Truncate,
}

/// How the proxy behaves.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// Forward everything.
    Pass,
    /// Fault `percent`% of requests, chosen from `seed` and the request's ordinal.
    Faults {
        seed: u64,
        percent: u64,
        delay: Duration,
    },
    /// Hold the `n`-th write request (1-based) forever; forward it to moto first if `forward`.
    HangOnWrite { n: usize, forward: bool },
    /// Answer every request after `rtt`, concurrently; reads are forwarded to moto once and then
    /// replayed from the cache (keyed by method, path, target, signing region/service and body).
    /// Writes are always forwarded and clear the cache.
    Latency { rtt: Duration },
    /// Answer every call of `operation` (its `X-Amz-Target`) as moto answers a call it does not
    /// implement: Werkzeug's HTML "500 Internal Server Error" page; forward the rest.
    Unimplemented { operation: &'static str },
}

/// moto's answer to a call it lacks, byte for byte (an unhandled NotImplementedError).
const MOTO_500: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicUsize,
    pub faulted: AtomicUsize,
    pub writes: AtomicUsize,
    /// Set once the held request arrived (HangOnWrite).
    pub hung: AtomicBool,
}

pub struct FaultProxy {
    pub port: u16,
    pub endpoint: String,
    pub stats: Arc<Stats>,
    mode: Arc<Mutex<Mode>>,
}

/// Cached raw responses of reads, for [`Mode::Latency`].
type Cache = Mutex<HashMap<Vec<u8>, Vec<u8>>>;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl FaultProxy {
    pub fn start(upstream_port: u16, mode: Mode) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let stats = Arc::new(Stats::default());
        let mode = Arc::new(Mutex::new(mode));
        let (s, m) = (stats.clone(), mode.clone());
        let cache: Arc<Cache> = Arc::default();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (s, m, c) = (s.clone(), m.clone(), cache.clone());
                thread::spawn(move || {
                    let _ = serve(conn, upstream_port, &s, &m, &c);
                });
            }
        });
        FaultProxy {
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            stats,
            mode,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().expect("mode lock") = mode;
    }
}

/// Read one HTTP request (head + body by Content-Length or chunked). `None` on EOF.
pub(crate) fn read_request(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(len) = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        body.resize(len, 0);
        r.read_exact(&mut body)?;
    } else if text.contains("transfer-encoding: chunked") {
        loop {
            let mut size_line = Vec::new();
            r.read_until(b'\n', &mut size_line)?;
            body.extend_from_slice(&size_line);
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&size_line)
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or("0"),
                16,
            )
            .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            r.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            if size == 0 {
                break;
            }
        }
    }
    head.extend_from_slice(&body);
    Ok(Some(head))
}

/// Where the head of a raw HTTP message ends (after the blank line), or its length if it has none.
pub(crate) fn head_end(msg: &[u8]) -> usize {
    msg.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(msg.len())
}

/// Whether a raw request changes state (JSON target / query Action / S3 method).
pub fn raw_is_write(req: &[u8]) -> bool {
    let text = String::from_utf8_lossy(req);
    let method = text.split_whitespace().next().unwrap_or("");
    let target = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("x-amz-target")
            .then(|| v.trim().to_string())
    });
    let op = if let Some(t) = target {
        t.rsplit('.').next().unwrap_or("").to_string()
    } else if let Some(a) = text
        .split(['&', '\n'])
        .find_map(|kv| kv.trim().strip_prefix("Action="))
    {
        a.to_string()
    } else if let Some(op) = rest_json_read(&text) {
        // A REST-JSON API that POSTs its reads (Account Management's `POST /listRegions`).
        op
    } else {
        return !matches!(method, "GET" | "HEAD");
    };
    [
        "Create", "Update", "Put", "Start", "Stop", "Enable", "Disable", "Add", "Remove", "Delete",
        "Register",
    ]
    .iter()
    .any(|p| op.starts_with(p))
}

/// The operation of an Account Management POST whose path names a read (`/listRegions`,
/// `/getRegionOptStatus`): the path as an operation name, capitalised.
fn rest_json_read(text: &str) -> Option<String> {
    let mut first = text.lines().next()?.split_whitespace();
    let (method, path) = (first.next()?, first.next()?);
    let name = path.trim_start_matches('/').split(['?', '/']).next()?;
    let read = ["list", "get", "describe"]
        .iter()
        .any(|p| name.starts_with(p));
    // Only Account Management's (never S3's POSTs, whatever the bucket is called).
    let account = text.contains("/account/aws4_request");
    (method == "POST" && read && account).then(|| {
        let mut c = name.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    })
}

/// The `X-Amz-Target` header of a raw request.
fn target_of(req: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&req[..head_end(req)]);
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("x-amz-target")
            .then(|| v.trim().to_string())
    })
}

/// Send the request to moto with `Connection: close` and return the raw response.
pub(crate) fn forward(req: &[u8], upstream_port: u16) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    let text = req;
    // Rewrite the Connection header so moto closes and we can read to EOF.
    let head_end = head_end(text);
    let head = String::from_utf8_lossy(&text[..head_end]);
    let mut new_head = String::new();
    for line in head.split("\r\n") {
        if line.is_empty() {
            continue;
        }
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        new_head.push_str(line);
        new_head.push_str("\r\n");
    }
    new_head.push_str("Connection: close\r\n\r\n");
    up.write_all(new_head.as_bytes())?;
    up.write_all(&text[head_end..])?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    Ok(resp)
}

fn canned(status: &str, code: &str) -> Vec<u8> {
    let body =
        format!("{{\"__type\":\"{code}\",\"message\":\"injected by the orgtrail fault proxy\"}}");
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: {code}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What makes two reads the same for the replay cache: method and path, the JSON target, the
/// region and service of the SigV4 credential scope (all regions share one host here), and the
/// body. The signature and the request date are left out.
fn replay_key(req: &[u8]) -> Vec<u8> {
    let head_end = head_end(req);
    let head = String::from_utf8_lossy(&req[..head_end]);
    let mut key = head.lines().next().unwrap_or("").to_string();
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.eq_ignore_ascii_case("x-amz-target") {
            key.push_str(v.trim());
        } else if k.eq_ignore_ascii_case("authorization")
            && let Some(scope) = v.split("Credential=").nth(1)
        {
            // AKID/date/region/service/aws4_request
            let parts: Vec<&str> = scope.split(['/', ',']).collect();
            key.push_str(&parts.get(2..4).unwrap_or_default().join("/"));
        }
    }
    key.push('\n');
    let mut key = key.into_bytes();
    key.extend_from_slice(&req[head_end..]);
    key
}

fn serve(
    client: TcpStream,
    upstream_port: u16,
    stats: &Stats,
    mode: &Mutex<Mode>,
    cache: &Cache,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    // One request per connection: every response is sent with `Connection: close`.
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let n = stats.requests.fetch_add(1, Ordering::SeqCst) as u64;
    let write = raw_is_write(&req);
    let nth_write = if write {
        stats.writes.fetch_add(1, Ordering::SeqCst) + 1
    } else {
        0
    };
    let m = *mode.lock().expect("mode lock");
    match m {
        Mode::HangOnWrite {
            n: target,
            forward: fwd,
        } if write && nth_write == target => {
            if fwd {
                let _ = forward(&req, upstream_port)?;
            }
            stats.hung.store(true, Ordering::SeqCst);
            return hang(&mut client);
        }
        Mode::Latency { rtt } => {
            let started = std::time::Instant::now();
            let resp = cached(&req, write, upstream_port, cache)?;
            thread::sleep(rtt.saturating_sub(started.elapsed()));
            client.write_all(&resp)?;
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        Mode::Faults {
            seed,
            percent,
            delay,
        } => {
            let r = splitmix(seed ^ splitmix(n));
            if r % 100 < percent {
                stats.faulted.fetch_add(1, Ordering::SeqCst);
                fault(&mut client, &req, upstream_port, r, delay)?;
                let _ = client.shutdown(Shutdown::Both);
                return Ok(());
            }
        }
        Mode::Unimplemented { operation }
            if target_of(&req).is_some_and(|t| t.ends_with(operation)) =>
        {
            let resp = format!(
                "HTTP/1.1 500 INTERNAL SERVER ERROR\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{MOTO_500}",
                MOTO_500.len()
            );
            client.write_all(resp.as_bytes())?;
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        Mode::Pass | Mode::HangOnWrite { .. } | Mode::Unimplemented { .. } => {}
    }
    let resp = forward(&req, upstream_port)?;
    client.write_all(&resp)?;
    // moto answered `Connection: close`; so do we.
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// Hold the connection until the client is killed (a write that never answers).
fn hang(client: &mut TcpStream) -> std::io::Result<()> {
    loop {
        thread::sleep(Duration::from_millis(200));
        let mut probe = [0u8; 1];
        client.set_read_timeout(Some(Duration::from_millis(50)))?;
        match client.peek(&mut probe) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Ok(()),
        }
    }
}

/// The answer through the latency proxy's cache: reads are replayed, writes clear it.
fn cached(req: &[u8], write: bool, upstream_port: u16, cache: &Cache) -> std::io::Result<Vec<u8>> {
    if write {
        // Cleared after the write as well: a read that raced it may have cached the state from
        // before.
        cache.lock().expect("cache lock").clear();
        let r = forward(req, upstream_port)?;
        cache.lock().expect("cache lock").clear();
        return Ok(r);
    }
    let key = replay_key(req);
    let hit = cache.lock().expect("cache lock").get(&key).cloned();
    match hit {
        Some(r) => Ok(r),
        None => {
            let r = forward(req, upstream_port)?;
            cache.lock().expect("cache lock").insert(key, r.clone());
            Ok(r)
        }
    }
}

/// Answer with the fault `r` picks: throttling, a 500 or 503, a reset, a delay, a cut body.
fn fault(
    client: &mut TcpStream,
    req: &[u8],
    upstream_port: u16,
    r: u64,
    delay: Duration,
) -> std::io::Result<()> {
    let fault = match (r / 100) % 6 {
        0 => Fault::Throttle,
        1 => Fault::ServerError,
        2 => Fault::Unavailable,
        3 => Fault::Reset,
        4 => Fault::Delay,
        _ => Fault::Truncate,
    };
    match fault {
        Fault::Throttle => {
            client.write_all(&canned("429 Too Many Requests", "ThrottlingException"))?;
        }
        Fault::ServerError => {
            client.write_all(&canned("500 Internal Server Error", "InternalFailure"))?;
        }
        Fault::Unavailable => {
            client.write_all(&canned("503 Service Unavailable", "ServiceUnavailable"))?;
        }
        Fault::Reset => {}
        Fault::Delay => {
            thread::sleep(delay);
            let resp = forward(req, upstream_port)?;
            let _ = client.write_all(&resp);
        }
        Fault::Truncate => {
            let resp = forward(req, upstream_port)?;
            let head_end = head_end(&resp);
            let body_len = resp.len() - head_end;
            let cut = if body_len > 1 {
                head_end + body_len / 2
            } else {
                head_end.saturating_sub(10)
            };
            client.write_all(&resp[..cut])?;
        }
    }
    Ok(())
}
