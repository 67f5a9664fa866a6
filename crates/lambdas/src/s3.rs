//! The object store on an S3 bucket. The client honours
//! `AWS_ENDPOINT_URL` like every SDK client; [`S3Store::from_config`] adds
//! path-style addressing when an endpoint is set, which emulators (moto,
//! LocalStack) need.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;

use pipeline_store::{ObjectStore, StoreError, check_key};

/// What a conditional write requires of the object.
enum Condition<'a> {
    /// `If-None-Match: *`: that there is none.
    Absent,
    /// `If-Match: <ETag>`: that it is still at this version.
    Version(&'a str),
}

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        S3Store { client, bucket: bucket.into() }
    }

    /// A client on the process's shared configuration ([`crate::aws_config`]).
    pub fn from_config(shared: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        let path_style = std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let config = aws_sdk_s3::config::Builder::from(shared).force_path_style(path_style).build();
        S3Store::new(Client::from_conf(config), bucket)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// S3's conditional write: `Ok(false)` when the condition fails (412),
    /// a concurrent conditional write won (409), or the object to match is
    /// gone (404).
    async fn put_when(&self, key: &str, bytes: Vec<u8>, condition: Condition<'_>) -> Result<bool, StoreError> {
        check_key(key)?;
        let request = self.client.put_object().bucket(&self.bucket).key(key).body(ByteStream::from(bytes));
        let request = match condition {
            Condition::Absent => request.if_none_match("*"),
            Condition::Version(etag) => request.if_match(etag),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if matches!(e.raw().status().as_u16(), 412 | 409 | 404) => Ok(false),
            Err(e) => Err(Self::backend(key, e)),
        }
    }

    fn backend<E: std::fmt::Debug>(key: &str, e: SdkError<E>) -> StoreError {
        let message = match &e {
            SdkError::ServiceError(s) => format!("S3: {:?}", s.err()),
            other => format!("S3: {other}"),
        };
        StoreError::Backend { key: key.to_owned(), message }
    }
}

impl ObjectStore for S3Store {
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.get_versioned(key).await.map(|(bytes, _)| bytes)
    }

    async fn get_versioned(&self, key: &str) -> Result<(Vec<u8>, String), StoreError> {
        check_key(key)?;
        let response = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => {
                return Err(StoreError::NotFound { key: key.to_owned() });
            }
            other => other.map_err(|e| Self::backend(key, e))?,
        };
        let etag = response.e_tag().unwrap_or_default().to_owned();
        let bytes = response
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Backend { key: key.to_owned(), message: format!("S3: reading the body: {e}") })?;
        Ok((bytes.into_bytes().to_vec(), etag))
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| Self::backend(key, e))?;
        Ok(())
    }

    async fn put_if_absent(&self, key: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
        self.put_when(key, bytes, Condition::Absent).await
    }

    async fn size(&self, key: &str) -> Result<u64, StoreError> {
        check_key(key)?;
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(head) => Ok(head.content_length().unwrap_or(0).max(0) as u64),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => {
                Err(StoreError::NotFound { key: key.to_owned() })
            }
            Err(e) => Err(Self::backend(key, e)),
        }
    }

    async fn put_if_version(&self, key: &str, bytes: Vec<u8>, version: &str) -> Result<bool, StoreError> {
        self.put_when(key, bytes, Condition::Version(version)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Self::backend(prefix, e))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        }
        keys.sort();
        Ok(keys)
    }
}
