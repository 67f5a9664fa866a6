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

mod formats;

use std::collections::{BTreeMap, HashSet};

use hmac::{Hmac, Mac};
use pipeline_events::{
    BatchHour, Counts, DEFAULT_STREAM, ExtractInput, ExtractOutput, Ingestion, Partition, StepError, keys, time,
};
use pipeline_store::{ObjectStore, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tables::CleanComment;
use tiktok_export::HEADER;

pub use formats::{Format, FormatError, Rejected, Rows, detect, read_file};

/// The shortest pseudonym key accepted.
pub const MIN_KEY_BYTES: usize = 16;

/// The largest raw object read, in MB, by default: extract holds a file
/// and its parsed rows in memory, about five times its size, and the
/// function has 256 MB. `ABSA_MAX_OBJECT_MB` sets another.
pub const MAX_OBJECT_MB: u64 = 32;

/// How much later than its ingestion a comment time may be: the exporter
/// writes times without a zone, and local time runs up to 14 h ahead of
/// UTC; the rest is for clocks. A later time is quarantined (`bad_time`).
pub const FUTURE_TOLERANCE_SECS: i64 = 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("extract input must name exactly one of 'key', 'prefix' and 'scheduled_time'")]
    BadInput,
    #[error("{field} '{value}' is not YYYY-MM-DDTHH:MM:SSZ")]
    BadTime { field: &'static str, value: String },
    #[error("ingested_at goes with 'key' or 'prefix'; a scheduled run is ingested in the hour before its time")]
    IngestedAtWithSchedule,
    #[error("stream '{0}' must be 1 to 64 letters, digits, '-' or '_'")]
    BadStream(String),
    #[error("no raw file under '{prefix}'")]
    NoInput { prefix: String },
    #[error("{key}: {source}")]
    Format { key: String, source: FormatError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{key}: writing Parquet: {source}")]
    Write { key: String, source: tables::TableError },
    #[error(
        "{key}: {size} bytes, more than the {limit} an input file may have: split the export, or raise ABSA_MAX_OBJECT_MB (and the function's memory)"
    )]
    TooLarge { key: String, size: u64, limit: u64 },
    #[error("the pseudonym key must be at least {MIN_KEY_BYTES} bytes (set ABSA_PSEUDONYM_KEY)")]
    Key,
}

pub struct Extractor {
    pseudonym_key: Vec<u8>,
    max_object_bytes: u64,
}

/// The exporter's columns that identify a person. A quarantined row keeps
/// none of them in clear: the user id becomes its pseudonym, the rest are
/// dropped, and a message about one of them does not quote its value.
const IDENTITY: [&str; 4] = ["User ID", "Username", "Nick Name", "User Homepage"];

/// One quarantined row as stored: where it came from, why, and the cells an
/// operator needs to fix it, without personal data.
#[derive(Serialize)]
struct QuarantineRecord<'a> {
    source_key: &'a str,
    row: usize,
    line: u64,
    field: Option<&'static str>,
    reason: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    cells: Option<BTreeMap<&'static str, String>>,
}

/// Every key under `prefix`; none is [`ExtractError::NoInput`].
async fn batch_under<S: ObjectStore>(store: &S, prefix: String) -> Result<Vec<String>, ExtractError> {
    let keys = store.list(&prefix).await?;
    if keys.is_empty() {
        return Err(ExtractError::NoInput { prefix });
    }
    Ok(keys)
}

impl StepError for ExtractError {
    /// `ExtractNoInput` for an empty hour (the state machine ends that run
    /// as a success), else `ExtractError`.
    fn error_type(&self) -> &'static str {
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
        Ok(Extractor { pseudonym_key: pseudonym_key.to_vec(), max_object_bytes: MAX_OBJECT_MB << 20 })
    }

    /// Refuses raw objects larger than `bytes` (default [`MAX_OBJECT_MB`]).
    pub fn with_max_object_bytes(self, bytes: u64) -> Self {
        Extractor { max_object_bytes: bytes, ..self }
    }

    /// [`Extractor::with_max_object_bytes`] in MB, as `ABSA_MAX_OBJECT_MB` says it.
    pub fn with_max_object_mb(self, mb: u64) -> Self {
        self.with_max_object_bytes(mb.saturating_mul(1 << 20))
    }

    /// The stable pseudonym of a user id: HMAC-SHA256 under the key, hex.
    pub fn pseudonym(&self, user_id: u64) -> String {
        self.hmac(user_id.to_string().as_bytes())
    }

    fn hmac(&self, message: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pseudonym_key).expect("HMAC takes any key length");
        mac.update(message);
        hex(&mac.finalize().into_bytes())
    }

    /// `text` with every @mention's handle replaced by a stable pseudonym
    /// ([`tiktok_export::mention_pseudonym`] of the HMAC of the lowercased
    /// handle): who is mentioned stays linkable across comments, not readable.
    pub fn pseudonymise_mentions(&self, text: &str) -> String {
        tiktok_export::replace_mentions(text, |handle| {
            tiktok_export::mention_pseudonym(&self.hmac(format!("@{}", handle.to_lowercase()).as_bytes()))
        })
    }

    fn quarantine_record<'a>(&self, source_key: &'a str, r: &Rejected) -> QuarantineRecord<'a> {
        let message = match r.field {
            Some(field) if IDENTITY.contains(&field) => format!(
                "row {} (line {}), field '{field}': {} (the value is personal data and is not kept)",
                r.row, r.line, r.reason
            ),
            _ => r.message.clone(),
        };
        let cells = r.cells.as_ref().map(|cells| {
            let kept = HEADER.iter().copied().zip(cells).filter_map(|(name, value)| match name {
                "User ID" => tiktok_export::parse_id(value).map(|id| ("user", self.pseudonym(id))),
                _ if IDENTITY.contains(&name) => None,
                "Comment" => Some((name, self.pseudonymise_mentions(value))),
                _ => Some((name, value.clone())),
            });
            kept.collect()
        });
        QuarantineRecord { source_key, row: r.row, line: r.line, field: r.field, reason: r.reason, message, cells }
    }

    pub async fn run<S: ObjectStore>(&self, store: &S, input: &ExtractInput) -> Result<ExtractOutput, ExtractError> {
        let bad_time = |field, value: &String| ExtractError::BadTime { field, value: value.clone() };
        let ingested_at = match (&input.scheduled_time, &input.ingested_at) {
            (Some(_), Some(_)) => return Err(ExtractError::IngestedAtWithSchedule),
            // The last second of the hour the files were dropped in.
            (Some(t), None) => {
                let dropped = BatchHour::from_iso(t).ok_or_else(|| bad_time("scheduled_time", t))?.previous();
                dropped.start() + 3599
            }
            (None, Some(t)) => time::parse_iso_time(t).ok_or_else(|| bad_time("ingested_at", t))?,
            (None, None) => time::unix_now(),
        };
        let keys = match (&input.key, &input.prefix, &input.scheduled_time) {
            (Some(key), None, None) => vec![key.clone()],
            (None, Some(prefix), None) => batch_under(store, prefix.clone()).await?,
            (None, None, Some(_)) => batch_under(store, keys::raw_drop(BatchHour::containing(ingested_at))).await?,
            _ => return Err(ExtractError::BadInput),
        };
        let stream = stream_of(input, &keys)?;
        let mut batch_hash = Sha256::new();
        let mut files = Vec::with_capacity(keys.len());
        for key in &keys {
            let size = store.size(key).await?;
            if size > self.max_object_bytes {
                return Err(ExtractError::TooLarge { key: key.clone(), size, limit: self.max_object_bytes });
            }
            let bytes = store.get(key).await?;
            batch_hash.update(key.as_bytes());
            batch_hash.update([0]);
            batch_hash.update(Sha256::digest(&bytes));
            files.push((key, bytes));
        }
        let batch_id = hex(&batch_hash.finalize()[..8]);

        let mut counts = Counts::default();
        let mut seen = HashSet::new();
        let mut by_hour: BTreeMap<BatchHour, Vec<CleanComment>> = BTreeMap::new();
        let mut quarantine = String::new();
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for (key, bytes) in &files {
            let (_, rows) = formats::read_file(bytes, ingested_at + FUTURE_TOLERANCE_SECS)
                .map_err(|source| ExtractError::Format { key: (*key).clone(), source })?;
            for (i, row) in rows.into_iter().enumerate() {
                counts.input_rows += 1;
                match row {
                    Err(rejected) => {
                        counts.quarantined_rows += 1;
                        *reasons.entry(rejected.reason.to_owned()).or_default() += 1;
                        let record = self.quarantine_record(key, &rejected);
                        quarantine.push_str(&serde_json::to_string(&record).expect("serialisable"));
                        quarantine.push('\n');
                    }
                    Ok(c) if !seen.insert(c.comment_id) => counts.duplicate_rows += 1,
                    Ok(c) => {
                        counts.clean_rows += 1;
                        by_hour.entry(BatchHour::containing(c.time)).or_default().push(CleanComment {
                            comment_id: c.comment_id,
                            reply_to: c.reply_to,
                            user: self.pseudonym(c.user_id),
                            text: self.pseudonymise_mentions(&c.text),
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

        let times = by_hour.values().flatten().map(|c| c.created_at);
        let label = BatchHour::containing(ingested_at);
        let ingestion = Ingestion {
            dt: label.dt(),
            hour: label.hour(),
            stream,
            first_comment: times.clone().min().map(time::iso_time),
            last_comment: times.max().map(time::iso_time),
        };
        let mut partitions = Vec::new();
        for (hour, rows) in by_hour {
            let key = keys::clean_partition(hour, &batch_id);
            let bytes =
                tables::clean::to_parquet(&rows).map_err(|source| ExtractError::Write { key: key.clone(), source })?;
            store.put(&key, bytes).await?;
            partitions.push(Partition { dt: hour.dt(), hour: hour.hour(), key, rows: rows.len() as u64 });
        }
        let quarantine_key = if quarantine.is_empty() {
            None
        } else {
            let key = keys::quarantine(&batch_id);
            store.put(&key, quarantine.into_bytes()).await?;
            Some(key)
        };
        let manifest_key = keys::extract_manifest(&batch_id);
        let output = ExtractOutput {
            batch_id,
            ingestion,
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

/// The batch's stream: the input's own; else the video of exporter files
/// named as the exporter names them (`TTCommentExporter-<video id>-…`), when
/// every file names the same one; else [`DEFAULT_STREAM`] (the hourly drops).
fn stream_of(input: &ExtractInput, keys: &[String]) -> Result<String, ExtractError> {
    if let Some(stream) = &input.stream {
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if stream.is_empty() || stream.len() > 64 || !stream.chars().all(valid) {
            return Err(ExtractError::BadStream(stream.clone()));
        }
        return Ok(stream.clone());
    }
    let video = |key: &String| {
        let name = key.rsplit('/').next()?;
        let id = name.strip_prefix("TTCommentExporter-")?.split('-').next()?;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("video-{id}"))
    };
    let videos: Vec<Option<String>> = keys.iter().map(video).collect();
    Ok(match videos.first() {
        Some(Some(first)) if videos.iter().all(|v| v.as_ref() == Some(first)) => first.clone(),
        _ => DEFAULT_STREAM.to_owned(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
