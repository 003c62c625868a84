//! The trail's files in its bucket, read for `orgtrail verify`: one ListObjectsV2 per account ×
//! region × day folder of digests (plus pages), the account folders under the organization's
//! root (for accounts that left), and under `--validate` every digest of the window
//! (GetObject: body and its `signature` metadata) and every log file it vouches for, streamed
//! through the hash. All as the bucket's role when the spec names one; concurrent under the
//! per-endpoint request limit.

use std::sync::Arc;

use orgtrail_core::BucketRef;
use orgtrail_core::verify::digest::{self, MAX_DIGEST_BYTES};
use orgtrail_core::verify::time::{HOUR, parse_rfc3339};
use orgtrail_core::verify::{
    Checked, DigestName, DigestProblem, Fetched, Judged, Layout, Listed, LogHasher, LogProblem,
};

use crate::client::Aws;
use crate::error::{Absence, AwsError, call_error};
use crate::verify_scope::Keys;

/// The bucket as verify reads it.
#[derive(Clone)]
pub(crate) struct Bucket {
    pub r: BucketRef,
    pub layout: Layout,
}

impl Bucket {
    fn resource(&self) -> String {
        self.named(&format!("bucket `{}`", self.r.name))
    }

    /// `what`, and the role it is read as when the spec names one.
    fn named(&self, what: &str) -> String {
        match &self.r.role_arn {
            Some(role) => format!("{what} (as {role})"),
            None => what.to_string(),
        }
    }
}

impl Aws {
    /// Every key under `prefix` (ListObjectsV2, all pages; with `delimiter`, the common
    /// prefixes instead).
    async fn list(
        &self,
        b: &Bucket,
        prefix: &str,
        delimiter: bool,
    ) -> Result<Vec<String>, AwsError> {
        let s3 = self
            .s3_as(&b.r.region, self.bucket_role(&b.r).as_ref())
            .await?;
        let mut pages = s3
            .list_objects_v2()
            .bucket(&b.r.name)
            .prefix(prefix)
            .set_delimiter(delimiter.then(|| "/".to_string()))
            .expected_bucket_owner(&b.r.owner)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        let endpoint = format!("s3/{}", b.r.region);
        while let Some(page) = self.next_page(&endpoint, pages.next()).await {
            let page = page.map_err(|e| call_error("s3:ListBucket", b.resource(), e))?;
            if delimiter {
                out.extend(
                    page.common_prefixes()
                        .iter()
                        .filter_map(|p| p.prefix())
                        .map(str::to_string),
                );
            } else {
                out.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key())
                        .map(str::to_string),
                );
            }
        }
        Ok(out)
    }

    /// This trail's digests in the day folders of `account` × `region`.
    pub(crate) async fn list_digests(
        &self,
        b: &Bucket,
        account: &str,
        region: &str,
        days: &[i64],
    ) -> Result<Listed, AwsError> {
        let mut digests = Vec::new();
        for day in days {
            let prefix = b.layout.digest_day(account, region, *day);
            for key in self.list(b, &prefix, false).await? {
                if let Some(name) = b.layout.parse_digest_key(&key) {
                    digests.push((key, name));
                }
            }
        }
        Ok(Listed {
            account: account.to_string(),
            region: region.to_string(),
            digests,
        })
    }

    /// The account folders under the organization's root.
    pub(crate) async fn account_folders(&self, b: &Bucket) -> Result<Vec<String>, AwsError> {
        let root = b.layout.accounts_root();
        let folders = self.list(b, &root, true).await?;
        Ok(folders
            .iter()
            .filter_map(|f| b.layout.account_of(f))
            .collect())
    }

    /// The regions an account folder has digests for.
    pub(crate) async fn digest_regions(
        &self,
        b: &Bucket,
        account: &str,
    ) -> Result<Vec<String>, AwsError> {
        let root = b.layout.digest_root(account);
        let folders = self.list(b, &root, true).await?;
        Ok(folders
            .iter()
            .filter_map(|f| f.strip_prefix(&root)?.strip_suffix('/').map(str::to_string))
            .collect())
    }

    /// One digest read and judged, then its log files.
    pub(crate) async fn judge(
        &self,
        b: &Bucket,
        key: String,
        name: DigestName,
        keys: Arc<Keys>,
    ) -> Result<Judged, AwsError> {
        let (read, generated) = self.read_digest(b, &key).await?;
        let verified = match read {
            Ok(d) => self.check_signature(d, &name, generated, &keys).await?,
            Err(p) => Err(p),
        };
        let outcome = match verified {
            Ok(d) => {
                let mut logs = Vec::new();
                for l in &d.logs {
                    logs.push((
                        l.key.clone(),
                        self.judge_log(&l.bucket, &l.key, &l.hash, b).await?,
                    ));
                }
                Ok(Checked {
                    start: d.start,
                    end: d.end,
                    previous: d.previous_bucket.clone().zip(d.previous_key.clone()),
                    logs,
                })
            }
            Err(p) => Err(p),
        };
        Ok(Judged { key, name, outcome })
    }

    /// The signature, with the key the digest names: one of the window's keys; for a backfill
    /// digest, as the AWS CLI does, only a key valid an hour either side of its
    /// `backfill-generation-timestamp` (metadata a backfill digest must carry).
    async fn check_signature(
        &self,
        d: digest::Digest,
        name: &DigestName,
        generated: Option<i64>,
        keys: &Keys,
    ) -> Result<Result<digest::Digest, DigestProblem>, AwsError> {
        let der = if name.backfill {
            let Some(t) = generated else {
                let why = "a backfill digest without `backfill-generation-timestamp` metadata";
                return Ok(Err(DigestProblem::Format(why.to_string())));
            };
            self.public_keys(&name.region, t - HOUR, t + HOUR)
                .await?
                .remove(&d.fingerprint)
        } else {
            keys.get(&d.fingerprint).cloned()
        };
        let Some(der) = der else {
            return Ok(Err(DigestProblem::UnknownKey(d.fingerprint.clone())));
        };
        Ok(d.verify(&der).map(|()| d))
    }

    /// Whether `key` is in the bucket: a listing of exactly that key. S3 answers GetObject of a
    /// missing key with 403, not 404, to a caller without `s3:ListBucket` on the whole bucket
    /// (GetObject, Amazon S3 API reference: "If you don't have the s3:ListBucket permission,
    /// Amazon S3 returns an HTTP status code 403"), and verify's policy allows listing only
    /// under `AWSLogs/`: so a 403 is asked again this way before it is read as denied.
    async fn exists(&self, b: &Bucket, key: &str) -> Result<bool, AwsError> {
        Ok(self.list(b, key, false).await?.iter().any(|k| k == key))
    }

    /// A failed GetObject of `key`: gone (NoSuchKey, or a 403 for a key the listing does not
    /// have) or a real error.
    async fn gone(&self, b: &Bucket, key: &str, e: AwsError) -> Result<(), AwsError> {
        if e.is_absent(Absence::Object) || (e.is_access_denied() && !self.exists(b, key).await?) {
            Ok(())
        } else {
            Err(e)
        }
    }

    /// A digest object: read (format, place), and its backfill generation time if any.
    async fn read_digest(
        &self,
        b: &Bucket,
        key: &str,
    ) -> Result<(Result<digest::Digest, DigestProblem>, Option<i64>), AwsError> {
        let s3 = self
            .s3_as(&b.r.region, self.bucket_role(&b.r).as_ref())
            .await?;
        let _s = self.slot(&format!("s3/{}", b.r.region)).await;
        let resource = b.named(&format!("digest s3://{}/{key}", b.r.name));
        let got = s3
            .get_object()
            .bucket(&b.r.name)
            .key(key)
            .expected_bucket_owner(&b.r.owner)
            .send()
            .await;
        drop(_s);
        let out = match got {
            Ok(out) => out,
            Err(e) => {
                // Listed a moment ago, gone now: deleted while verify ran (or by a lifecycle rule).
                self.gone(b, key, call_error("s3:GetObject", resource, e))
                    .await?;
                return Ok((Err(DigestProblem::Gone), None));
            }
        };
        let meta = out.metadata().cloned().unwrap_or_default();
        let generated = meta
            .get("backfill-generation-timestamp")
            .and_then(|t| parse_rfc3339(t));
        if u64::try_from(out.content_length().unwrap_or_default()).unwrap_or_default()
            > MAX_DIGEST_BYTES
        {
            let too_big = DigestProblem::Format(format!("larger than {MAX_DIGEST_BYTES} bytes"));
            return Ok((Err(too_big), generated));
        }
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| AwsError::data("s3:GetObject", resource, e.to_string()))?
            .into_bytes();
        let fetched = Fetched {
            bucket: &b.r.name,
            key,
            body: &body,
            signature: meta.get("signature").map(String::as_str),
            algorithm: meta.get("signature-algorithm").map(String::as_str),
        };
        Ok((digest::read(&fetched), generated))
    }

    /// A log file streamed through its hash; deleted is [`LogProblem::Missing`].
    async fn judge_log(
        &self,
        bucket: &str,
        key: &str,
        hash: &str,
        b: &Bucket,
    ) -> Result<Result<(), LogProblem>, AwsError> {
        let s3 = self
            .s3_as(&b.r.region, self.bucket_role(&b.r).as_ref())
            .await?;
        let _s = self.slot(&format!("s3/{}", b.r.region)).await;
        let resource = b.named(&format!("log file s3://{bucket}/{key}"));
        let got = s3.get_object().bucket(bucket).key(key).send().await;
        let out = match got {
            Ok(out) => out,
            Err(e) => {
                // The listing that tells a 403 from a missing key needs a request slot of its own.
                drop(_s);
                let e = call_error("s3:GetObject", resource, e);
                if bucket != b.r.name {
                    return e.absent_as(Absence::Object, Err(LogProblem::Missing));
                }
                self.gone(b, key, e).await?;
                return Ok(Err(LogProblem::Missing));
            }
        };
        let mut body = out.body;
        let mut hasher = LogHasher::default();
        while let Some(chunk) = body
            .try_next()
            .await
            .map_err(|e| AwsError::data("s3:GetObject", resource.clone(), e.to_string()))?
        {
            hasher.push(&chunk);
        }
        Ok(hasher.finish(hash))
    }
}
