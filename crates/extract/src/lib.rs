//! Pipeline step 1, **extract**: reads a raw comment export (a key, or
//! every file under a prefix) from the object store, validates every row,
//! quarantines bad rows with a reason and their original text, drops
//! duplicate comment ids, replaces user ids with keyed pseudonyms and drops
//! the other personal fields, and writes clean Parquet partitions by the
//! comments' hour.
//!
//! Outputs, all named after the batch id (a hash of the inputs' keys and
//! bytes), so a rerun on the same input rewrites the same bytes:
//!
//! ```text
//! clean/dt=YYYY-MM-DD/hour=HH/<batch>.parquet   clean rows of that hour
//! quarantine/<batch>.jsonl                       rejected rows, one JSON per line
//! manifests/extract/<batch>.json                 counts; written last
//! ```
//!
//! Raw input is only read, never written or deleted.

pub mod clean_table;
mod formats;

use std::collections::{BTreeMap, HashSet};

use hmac::{Hmac, Mac};
use pipeline_store::{ObjectStore, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use clean_table::CleanComment;
pub use formats::{Format, FormatError, Rejected, detect};

/// The shortest pseudonym key accepted.
pub const MIN_KEY_BYTES: usize = 16;

/// What extract is asked to read: exactly one of `key` (one file),
/// `prefix` (every file under it, as one batch) or `scheduled_time` (the
/// schedule's run time, `2026-11-02T06:00:00Z`: the files dropped in the
/// hour before it, under [`drop_prefix`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
}

/// Where the files of the hour before `scheduled_time` are dropped:
/// `raw/dt=YYYY-MM-DD/hour=HH/`. `None` unless the time is
/// `YYYY-MM-DDTHH:MM:SSZ` (an EventBridge event's `time`).
pub fn drop_prefix(scheduled_time: &str) -> Option<String> {
    let t = scheduled_time.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day) = (d.next()?, d.next()?, d.next()?);
    let secs = tiktok_export::parse_time(&format!("{day}/{m}/{y}, {time}"))?;
    let hour_before = secs - secs.rem_euclid(3600) - 3600;
    let (y, m, d) = tiktok_export::utc_date(hour_before);
    Some(format!("raw/dt={y:04}-{m:02}-{d:02}/hour={:02}/", hour_before.rem_euclid(86_400) / 3600))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub dt: String,
    pub hour: String,
    pub key: String,
    pub rows: u64,
}

/// `input_rows = clean_rows + quarantined_rows + duplicate_rows`, always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub input_rows: u64,
    pub clean_rows: u64,
    pub quarantined_rows: u64,
    pub duplicate_rows: u64,
}

/// What extract returns to the workflow (the manifest holds the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractOutput {
    pub batch_id: String,
    pub inputs: Vec<String>,
    pub partitions: Vec<Partition>,
    pub quarantine_key: Option<String>,
    pub manifest_key: String,
    pub counts: Counts,
    /// Rejected rows per reason code.
    pub reasons: BTreeMap<String, u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("extract input must name exactly one of 'key', 'prefix' and 'scheduled_time'")]
    BadInput,
    #[error("scheduled_time '{0}' is not YYYY-MM-DDTHH:MM:SSZ")]
    BadTime(String),
    #[error("no raw file under '{prefix}'")]
    NoInput { prefix: String },
    #[error("{key}: {source}")]
    Format { key: String, source: FormatError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{key}: writing Parquet: {message}")]
    Write { key: String, message: String },
    #[error("the pseudonym key must be at least {MIN_KEY_BYTES} bytes (set ABSA_PSEUDONYM_KEY)")]
    Key,
}

pub struct Extractor {
    pseudonym_key: Vec<u8>,
}

#[derive(Serialize)]
struct QuarantineRecord<'a> {
    source_key: &'a str,
    #[serde(flatten)]
    rejected: &'a Rejected,
}

/// Every key under `prefix`; none is [`ExtractError::NoInput`].
async fn batch_under<S: ObjectStore>(store: &S, prefix: String) -> Result<Vec<String>, ExtractError> {
    let keys = store.list(&prefix).await?;
    if keys.is_empty() {
        return Err(ExtractError::NoInput { prefix });
    }
    Ok(keys)
}

impl ExtractError {
    /// The error type the workflow sees: `ExtractNoInput` for an empty
    /// hour (the state machine ends that run as a success), else
    /// `ExtractError`.
    pub fn error_type(&self) -> &'static str {
        match self {
            ExtractError::NoInput { .. } => "ExtractNoInput",
            _ => "ExtractError",
        }
    }
}

impl Extractor {
    pub fn new(pseudonym_key: &[u8]) -> Result<Self, ExtractError> {
        if pseudonym_key.len() < MIN_KEY_BYTES {
            return Err(ExtractError::Key);
        }
        Ok(Extractor { pseudonym_key: pseudonym_key.to_vec() })
    }

    /// The stable pseudonym of a user id: HMAC-SHA256 under the key, hex.
    pub fn pseudonym(&self, user_id: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pseudonym_key).expect("HMAC takes any key length");
        mac.update(user_id.to_string().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    pub async fn run<S: ObjectStore>(&self, store: &S, input: &ExtractInput) -> Result<ExtractOutput, ExtractError> {
        let keys = match (&input.key, &input.prefix, &input.scheduled_time) {
            (Some(key), None, None) => vec![key.clone()],
            (None, Some(prefix), None) => batch_under(store, prefix.clone()).await?,
            (None, None, Some(time)) => {
                let prefix = drop_prefix(time).ok_or_else(|| ExtractError::BadTime(time.clone()))?;
                batch_under(store, prefix).await?
            }
            _ => return Err(ExtractError::BadInput),
        };
        let mut batch_hash = Sha256::new();
        let mut files = Vec::with_capacity(keys.len());
        for key in &keys {
            let bytes = store.get(key).await?;
            batch_hash.update(key.as_bytes());
            batch_hash.update([0]);
            batch_hash.update(Sha256::digest(&bytes));
            files.push((key, bytes));
        }
        let batch_id = hex(&batch_hash.finalize()[..8]);

        let mut counts = Counts::default();
        let mut seen = HashSet::new();
        let mut by_hour: BTreeMap<(String, String), Vec<CleanComment>> = BTreeMap::new();
        let mut quarantine = String::new();
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for (key, bytes) in &files {
            let (_, rows) =
                formats::read(bytes).map_err(|source| ExtractError::Format { key: (*key).clone(), source })?;
            for (i, row) in rows.into_iter().enumerate() {
                counts.input_rows += 1;
                match row {
                    Err(rejected) => {
                        counts.quarantined_rows += 1;
                        *reasons.entry(rejected.reason.to_owned()).or_default() += 1;
                        let record = QuarantineRecord { source_key: key, rejected: &rejected };
                        quarantine.push_str(&serde_json::to_string(&record).expect("serialisable"));
                        quarantine.push('\n');
                    }
                    Ok(c) if !seen.insert(c.comment_id) => counts.duplicate_rows += 1,
                    Ok(c) => {
                        counts.clean_rows += 1;
                        let (y, m, d) = tiktok_export::utc_date(c.time);
                        let hour = format!("{:02}", c.time.rem_euclid(86_400) / 3600);
                        by_hour.entry((format!("{y:04}-{m:02}-{d:02}"), hour)).or_default().push(CleanComment {
                            comment_id: c.comment_id,
                            reply_to: c.reply_to,
                            user: self.pseudonym(c.user_id),
                            text: c.text,
                            created_at: c.time,
                            digg_count: c.digg_count,
                            author_digged: c.author_digged,
                            reply_count: c.reply_count,
                            pinned: c.pinned,
                            source_key: (*key).clone(),
                            source_row: (i + 1) as u64,
                        });
                    }
                }
            }
        }

        let mut partitions = Vec::new();
        for ((dt, hour), rows) in by_hour {
            let key = format!("clean/dt={dt}/hour={hour}/{batch_id}.parquet");
            let bytes = clean_table::to_parquet(&rows)
                .map_err(|e| ExtractError::Write { key: key.clone(), message: e.to_string() })?;
            store.put(&key, bytes).await?;
            partitions.push(Partition { dt, hour, key, rows: rows.len() as u64 });
        }
        let quarantine_key = if quarantine.is_empty() {
            None
        } else {
            let key = format!("quarantine/{batch_id}.jsonl");
            store.put(&key, quarantine.into_bytes()).await?;
            Some(key)
        };
        let manifest_key = format!("manifests/extract/{batch_id}.json");
        let output = ExtractOutput {
            batch_id,
            inputs: keys,
            partitions,
            quarantine_key,
            manifest_key: manifest_key.clone(),
            counts,
            reasons,
        };
        debug_assert_eq!(counts.input_rows, counts.clean_rows + counts.quarantined_rows + counts.duplicate_rows);
        store.put(&manifest_key, serde_json::to_vec_pretty(&output).expect("serialisable")).await?;
        Ok(output)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
