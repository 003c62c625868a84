//! The bucket as the simulator writes it: plain HTTP straight to moto (path style, as the
//! bucket's owner through moto's `x-moto-account-id`), marked with the contract layer's marker so
//! that moto's request counts leave the simulator's writes out. Many writes go through a pool of
//! threads.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::contract::wire::{MARKER, Reply, percent_encode};

/// One object to write.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    pub body: Vec<u8>,
    /// `x-amz-meta-<name>` values.
    pub metadata: Vec<(String, String)>,
}

/// The trail's bucket in moto, as its owner.
#[derive(Debug, Clone)]
pub struct Store {
    /// `host:port` of moto.
    pub addr: String,
    pub bucket: String,
    pub account: String,
}

/// `http://host:port/…` to `host:port`.
pub fn host_port(endpoint: &str) -> String {
    let rest = endpoint
        .strip_prefix("http://")
        .unwrap_or(endpoint)
        .trim_end_matches('/');
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn key_path(key: &str) -> String {
    key.split('/')
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/")
}

impl Store {
    pub fn new(moto: &str, bucket: &str, account: &str) -> Store {
        Store {
            addr: host_port(moto),
            bucket: bucket.to_string(),
            account: account.to_string(),
        }
    }

    fn request(
        &self,
        method: &str,
        key: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> std::io::Result<Reply> {
        let mut head = format!(
            "{method} /{}/{} HTTP/1.1\r\nHost: {}\r\n{MARKER}: 1\r\nx-moto-account-id: {}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAORGTRAILDELIVERY/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20250101T000000Z\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.bucket,
            key_path(key),
            self.addr,
            self.account,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut s = TcpStream::connect(&self.addr)?;
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        s.write_all(&out)?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        Ok(Reply::parse(&raw))
    }

    fn checked(reply: Reply, what: &str) -> std::io::Result<Reply> {
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(std::io::Error::other(format!(
                "{what}: HTTP {} {}",
                reply.status,
                reply.text()
            )))
        }
    }

    pub fn put(&self, o: &Object) -> std::io::Result<()> {
        let headers: Vec<(String, String)> = o
            .metadata
            .iter()
            .map(|(k, v)| (format!("x-amz-meta-{k}"), v.clone()))
            .chain([(
                "Content-Type".to_string(),
                "application/octet-stream".to_string(),
            )])
            .collect();
        let r = self.request("PUT", &o.key, &headers, &o.body)?;
        Self::checked(r, &format!("PUT {}", o.key)).map(|_| ())
    }

    /// The object's body and its `x-amz-meta-*` metadata.
    pub fn get(&self, key: &str) -> std::io::Result<Object> {
        let r = Self::checked(self.request("GET", key, &[], &[])?, &format!("GET {key}"))?;
        let metadata = r
            .headers
            .iter()
            .filter_map(|(k, v)| {
                let k = k.to_ascii_lowercase();
                k.strip_prefix("x-amz-meta-")
                    .map(|m| (m.to_string(), v.clone()))
            })
            .collect();
        Ok(Object {
            key: key.to_string(),
            body: r.body,
            metadata,
        })
    }

    pub fn delete(&self, key: &str) -> std::io::Result<()> {
        let r = self.request("DELETE", key, &[], &[])?;
        Self::checked(r, &format!("DELETE {key}")).map(|_| ())
    }

    /// Write every object with `threads` concurrent connections; the first error, if any.
    pub fn put_all(&self, objects: &[Object], threads: usize) -> std::io::Result<()> {
        let next = AtomicUsize::new(0);
        let failure: Mutex<Option<std::io::Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..threads.clamp(1, 64).min(objects.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(o) = objects.get(i) else { break };
                        if let Err(e) = self.put_retrying(o) {
                            failure.lock().expect("lock").get_or_insert(e);
                            break;
                        }
                    }
                });
            }
        });
        match failure.into_inner().expect("lock") {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// moto (a threaded development server) may drop a connection under load: try again.
    fn put_retrying(&self, o: &Object) -> std::io::Result<()> {
        let mut attempt = 0;
        loop {
            match self.put(o) {
                Ok(()) => return Ok(()),
                Err(_) if attempt < 5 => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
                }
                Err(e) => return Err(e),
            }
        }
    }
}
