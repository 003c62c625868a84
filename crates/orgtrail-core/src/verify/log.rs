//! One log file judged against the digest that vouches for it: the SHA-256 of its uncompressed
//! content equals the digest's `hashValue`, it is one gzip member with nothing after it (the
//! AWS CLI's "unexpected data after end of compressed stream"), and it exists. Streaming: the
//! object is fed chunk by chunk as it arrives, so memory stays bounded whatever its size.

use std::io::Write;

use sha2::{Digest as _, Sha256};

use super::digest::hex;

/// Why a log file is not what its digest vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogProblem {
    /// Deleted (NoSuchKey).
    Missing,
    /// Its content's hash differs from the digest's.
    Modified,
    /// Bytes after the gzip member.
    TrailingData,
    /// Not gzip.
    Format(String),
}

impl LogProblem {
    pub fn reason(&self) -> String {
        match self {
            LogProblem::Missing => "not found (deleted)".to_string(),
            LogProblem::Modified => "hash value doesn't match: the content was changed".to_string(),
            LogProblem::TrailingData => {
                "unexpected data after end of compressed stream".to_string()
            }
            LogProblem::Format(why) => format!("invalid format: {why}"),
        }
    }
}

/// A `Write` that hashes what it is given.
struct HashSink(Sha256);

impl Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hashes a gzip log file's uncompressed content as its bytes arrive.
pub struct LogHasher {
    decoder: flate2::write::GzDecoder<HashSink>,
    problem: Option<LogProblem>,
}

impl Default for LogHasher {
    fn default() -> Self {
        LogHasher {
            decoder: flate2::write::GzDecoder::new(HashSink(Sha256::new())),
            problem: None,
        }
    }
}

impl LogHasher {
    /// Feed the next chunk of the object.
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while self.problem.is_none() && !rest.is_empty() {
            match self.decoder.write(rest) {
                // The member (header, data, trailer) is complete and bytes remain.
                Ok(0) => self.problem = Some(LogProblem::TrailingData),
                Ok(n) => rest = &rest[n..],
                Err(e) => self.problem = Some(LogProblem::Format(format!("not gzip ({e})"))),
            }
        }
    }

    /// The result against the digest's `hashValue` (hex).
    pub fn finish(mut self, expected: &str) -> Result<(), LogProblem> {
        if let Some(p) = self.problem {
            return Err(p);
        }
        self.decoder
            .try_finish()
            .map_err(|e| LogProblem::Format(format!("truncated gzip ({e})")))?;
        let sink = self
            .decoder
            .finish()
            .map_err(|e| LogProblem::Format(format!("truncated gzip ({e})")))?;
        let got = hex(&sink.0.finalize());
        if got.eq_ignore_ascii_case(expected.trim()) {
            Ok(())
        } else {
            Err(LogProblem::Modified)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("gzip");
        e.finish().expect("gzip")
    }

    fn judge(body: &[u8], chunk: usize, expected: &str) -> Result<(), LogProblem> {
        let mut h = LogHasher::default();
        for c in body.chunks(chunk) {
            h.push(c);
        }
        h.finish(expected)
    }

    #[test]
    fn a_log_matches_the_hash_of_its_uncompressed_content_in_any_chunking() {
        let content = br#"{"Records":[{"eventName":"ConsoleLogin"}]}"#;
        let expected = hex(&Sha256::digest(content));
        let body = gzip(content);
        for chunk in [1, 7, 4096] {
            assert_eq!(judge(&body, chunk, &expected), Ok(()), "chunk {chunk}");
        }
        let changed = gzip(br#"{"Records":[]}"#);
        assert_eq!(judge(&changed, 5, &expected), Err(LogProblem::Modified));
    }

    #[test]
    fn bytes_after_the_gzip_member_are_tampering_even_with_the_right_hash() {
        let content = b"{\"Records\":[]}";
        let expected = hex(&Sha256::digest(content));
        for extra in [&b"x"[..], &gzip(b"second member")[..]] {
            let mut body = gzip(content);
            body.extend_from_slice(extra);
            for chunk in [1, 3, 4096] {
                assert_eq!(
                    judge(&body, chunk, &expected),
                    Err(LogProblem::TrailingData)
                );
            }
        }
    }

    #[test]
    fn not_gzip_or_truncated_is_a_format_problem() {
        assert!(matches!(
            judge(b"plain text", 4, "00"),
            Err(LogProblem::Format(_))
        ));
        let body = gzip(b"{\"Records\":[]}");
        assert!(matches!(
            judge(&body[..body.len() - 4], 4, "00"),
            Err(LogProblem::Format(_))
        ));
    }
}
