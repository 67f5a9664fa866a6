//! Reads TikTok comment-exporter CSV files: a UTF-8 byte-order mark
//! (optional here), a fixed quoted header, ids written as Excel text
//! formulas (`="7226…"`), times as `DD/MM/YYYY, HH:MM:SS`, `Yes`/`No` flags
//! and empty cells for absent values.
//!
//! A file whose header is wrong is refused as a whole ([`FileError`]). A bad
//! row is returned as a [`RowError`] that names the row and field and keeps
//! the row's original text, so a caller can quarantine it and go on: nothing
//! is dropped silently.

use pipeline_events::time;
use std::fmt;

/// The exporter's columns, in order.
pub const HEADER: [&str; 12] = [
    "Comment ID",
    "Reply to Which Comment",
    "User ID",
    "Username",
    "Nick Name",
    "Comment",
    "Comment Time",
    "Digg Count",
    "Author Digged",
    "Reply Count",
    "Pinned to Top",
    "User Homepage",
];

/// One exported comment. Times are seconds since 1970 (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedComment {
    pub comment_id: u64,
    pub reply_to: Option<u64>,
    pub user_id: u64,
    pub username: String,
    pub nickname: String,
    pub text: String,
    pub time: i64,
    pub digg_count: u64,
    pub author_digged: bool,
    pub reply_count: u64,
    pub pinned: bool,
    pub homepage: String,
}

/// Why a whole file cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {0}, not UTF-8: save or export it as UTF-8")]
    Encoding(&'static str),
    #[error("header column {position} is '{found}', expected '{expected}'")]
    Header { position: usize, expected: &'static str, found: String },
    #[error("the header has {found} columns, expected 12")]
    HeaderWidth { found: usize },
    #[error("the header is not valid UTF-8 or CSV: {0}")]
    Unreadable(String),
}

/// Why one row is bad. `row` counts data rows from 1; `raw` is the row's
/// text exactly as it stands in the file; `cells` its twelve cells, when it
/// has twelve valid UTF-8 cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub line: u64,
    pub field: Option<&'static str>,
    pub reason: RowErrorReason,
    pub raw: String,
    pub cells: Option<Vec<String>>,
}

/// A stable reason code, for quarantine records and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowErrorReason {
    FieldCount {
        found: usize,
    },
    NotUtf8,
    BadId(String),
    BadTime(String),
    /// A valid time before TikTok existed: no comment can be that old.
    TooEarly(String),
    /// A valid time later than the file can have been exported.
    TooLate(String),
    /// A quoted cell not closed before the end of its line, which ran on
    /// into the lines after it.
    UnclosedQuote,
    BadCount(String),
    BadFlag(String),
    TooLong {
        chars: usize,
    },
    Csv(String),
}

impl RowErrorReason {
    /// A short code: `field_count`, `not_utf8`, `bad_id`, `bad_time`, `bad_count`, `bad_flag`,
    /// `too_long`, `csv`.
    pub fn code(&self) -> &'static str {
        match self {
            RowErrorReason::FieldCount { .. } | RowErrorReason::UnclosedQuote => "field_count",
            RowErrorReason::NotUtf8 => "not_utf8",
            RowErrorReason::BadId(_) => "bad_id",
            RowErrorReason::BadTime(_) | RowErrorReason::TooEarly(_) | RowErrorReason::TooLate(_) => "bad_time",
            RowErrorReason::BadCount(_) => "bad_count",
            RowErrorReason::BadFlag(_) => "bad_flag",
            RowErrorReason::TooLong { .. } => "too_long",
            RowErrorReason::Csv(_) => "csv",
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} (line {})", self.row, self.line)?;
        if let Some(field) = self.field {
            write!(f, ", field '{field}'")?;
        }
        match &self.reason {
            RowErrorReason::FieldCount { found } => write!(f, ": {found} fields, expected 12"),
            RowErrorReason::NotUtf8 => write!(f, ": not valid UTF-8"),
            RowErrorReason::UnclosedQuote => {
                write!(f, ": a quote opened in this line is not closed (the lines after it are read on their own)")
            }
            RowErrorReason::BadId(v) => write!(f, ": '{v}' is not an id"),
            RowErrorReason::BadTime(v) => write!(f, ": '{v}' is not a time like 26/04/2023, 01:13:07"),
            RowErrorReason::TooEarly(v) => write!(f, ": '{v}' is before TikTok existed (September 2016)"),
            RowErrorReason::TooLate(v) => write!(f, ": '{v}' is later than the file arrived, by more than a day"),
            RowErrorReason::BadCount(v) => write!(f, ": '{v}' is not a count (0 to 9223372036854775807)"),
            RowErrorReason::BadFlag(v) => write!(f, ": '{v}' is neither Yes nor No"),
            RowErrorReason::TooLong { chars } => {
                write!(f, ": {chars} characters, more than the {MAX_COMMENT_CHARS} a comment can have")
            }
            RowErrorReason::Csv(m) => write!(f, ": {m}"),
        }
    }
}

impl std::error::Error for RowError {}

/// Reads a whole exporter file held in memory (batches are small; holding
/// the bytes is what lets a bad row keep its exact original text).
pub fn read(bytes: &[u8]) -> Result<Vec<Result<ExportedComment, RowError>>, FileError> {
    read_until(bytes, i64::MAX)
}

/// [`read`], rejecting comment times after `not_after` (seconds since 1970).
pub fn read_until(bytes: &[u8], not_after: i64) -> Result<Vec<Result<ExportedComment, RowError>>, FileError> {
    if let Some(encoding) = wide_encoding(bytes) {
        return Err(FileError::Encoding(encoding));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body);
    let header = reader.byte_headers().map_err(|e| FileError::Unreadable(e.to_string()))?.clone();
    if header.len() != HEADER.len() {
        return Err(FileError::HeaderWidth { found: header.len() });
    }
    for (position, (found, expected)) in header.iter().zip(HEADER).enumerate() {
        if found != expected.as_bytes() {
            return Err(FileError::Header {
                position: position + 1,
                expected,
                found: shorten(&String::from_utf8_lossy(found)),
            });
        }
    }
    // Rows are read from `offset` on; a reader starts again after a row that
    // a quote left open (see below), so lines are counted from `lines_before`.
    let mut offset = reader.position().byte() as usize;
    let mut lines_before = reader.position().line() - 1;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    'readers: loop {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&body[offset..]);
        loop {
            let start = offset + reader.position().byte() as usize;
            let line = lines_before + reader.position().line();
            let row = rows.len() + 1;
            let raw_until =
                |end: usize| String::from_utf8_lossy(&body[start..end.min(body.len())]).trim_end().to_owned();
            match reader.read_byte_record(&mut record) {
                Ok(false) => break 'readers,
                Ok(true) => {
                    let end = (offset + reader.position().byte() as usize).min(body.len());
                    // A row of the wrong width over several lines is a quote left
                    // open, which swallowed the lines after it: only its first
                    // line is the bad row, and reading starts again on the next.
                    let bytes = &body[start..end];
                    let content = bytes.len() - bytes.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
                    if record.len() != HEADER.len()
                        && let Some(newline) = bytes[..content].iter().position(|&b| b == b'\n')
                    {
                        let first_line = String::from_utf8_lossy(&bytes[..newline]).trim_end().to_owned();
                        let reason = RowErrorReason::UnclosedQuote;
                        rows.push(Err(RowError { row, line, field: None, reason, raw: first_line, cells: None }));
                        offset = start + newline + 1;
                        lines_before = line;
                        continue 'readers;
                    }
                    rows.push(parse_row(&record, not_after).map_err(|(field, reason)| {
                        let raw = raw_until(end);
                        let cells = (record.len() == HEADER.len())
                            .then(|| record.iter().map(|c| std::str::from_utf8(c).ok().map(str::to_owned)).collect())
                            .flatten();
                        RowError { row, line, field, reason, raw, cells }
                    }));
                }
                Err(e) => {
                    let raw = raw_until(offset + reader.position().byte() as usize);
                    let reason = RowErrorReason::Csv(e.to_string().split_whitespace().collect::<Vec<_>>().join(" "));
                    rows.push(Err(RowError { row, line, field: None, reason, raw, cells: None }));
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                        break 'readers;
                    }
                }
            }
        }
    }
    Ok(rows)
}

/// 2016-09-01T00:00Z: TikTok (Douyin) launched in September 2016, so an
/// earlier comment time is a broken export (a `01/01/0000` once relabelled
/// a whole batch and silenced its alarms).
pub const FIRST_POSSIBLE_COMMENT: i64 = 1_472_688_000;

/// Longer comments are rejected: TikTok caps comments at 150 characters,
/// so a cell this long is not a comment (a broken quote swallowing rows,
/// or garbage).
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// The field a row fails on (None for the whole row) and why.
pub type FieldError = (Option<&'static str>, RowErrorReason);

fn parse_row(record: &csv::ByteRecord, not_after: i64) -> Result<ExportedComment, FieldError> {
    if record.len() != HEADER.len() {
        return Err((None, RowErrorReason::FieldCount { found: record.len() }));
    }
    let mut fields = Vec::with_capacity(HEADER.len());
    for (name, bytes) in HEADER.iter().zip(record.iter()) {
        fields.push(std::str::from_utf8(bytes).map_err(|_| (Some(*name), RowErrorReason::NotUtf8))?);
    }
    parse_fields(&fields, not_after)
}

/// Validates one row given as the exporter's twelve cells, in [`HEADER`]
/// order: the one validation every input format (CSV, JSON Lines, Parquet)
/// goes through.
///
/// The real exporter leaves `Reply Count` and `Pinned to Top` empty on
/// replies (replies nest one level only, and only top-level comments can
/// be pinned), so on a reply an empty cell reads as 0 and No. Everywhere
/// else, and for `Digg Count` and `Author Digged` (which real exports
/// always fill), an empty cell is an error. A comment time before TikTok
/// existed, or after `not_after`, is one too.
pub fn parse_fields(fields: &[&str], not_after: i64) -> Result<ExportedComment, FieldError> {
    if fields.len() != HEADER.len() {
        return Err((None, RowErrorReason::FieldCount { found: fields.len() }));
    }
    let id = |i: usize| parse_id(fields[i]).ok_or((Some(HEADER[i]), RowErrorReason::BadId(shorten(fields[i]))));
    let reply_to = if fields[1].trim().is_empty() { None } else { Some(id(1)?) };
    let empty_on_reply = |i: usize| reply_to.is_some() && fields[i].trim().is_empty();
    let count = |i: usize| if empty_on_reply(i) { Ok(0) } else { count_always(fields, i) };
    let flag = |i: usize| if empty_on_reply(i) { Ok(false) } else { flag_always(fields, i) };
    Ok(ExportedComment {
        comment_id: id(0)?,
        reply_to,
        user_id: id(2)?,
        username: fields[3].to_owned(),
        nickname: fields[4].to_owned(),
        text: match fields[5].chars().count() {
            chars if chars > MAX_COMMENT_CHARS => return Err((Some(HEADER[5]), RowErrorReason::TooLong { chars })),
            _ => fields[5].to_owned(),
        },
        time: match parse_time(fields[6]) {
            Some(t) if t < FIRST_POSSIBLE_COMMENT => {
                return Err((Some(HEADER[6]), RowErrorReason::TooEarly(shorten(fields[6]))));
            }
            Some(t) if t > not_after => return Err((Some(HEADER[6]), RowErrorReason::TooLate(shorten(fields[6])))),
            Some(t) => t,
            None => return Err((Some(HEADER[6]), RowErrorReason::BadTime(shorten(fields[6])))),
        },
        digg_count: count_always(fields, 7)?,
        author_digged: flag_always(fields, 8)?,
        reply_count: count(9)?,
        pinned: flag(10)?,
        homepage: fields[11].to_owned(),
    })
}

/// The largest count a row may have: the tables store counts as 64-bit
/// signed integers, and a larger one is no count anyone made.
pub const MAX_COUNT: u64 = i64::MAX as u64;

/// A count that must be present, reply or not.
fn count_always(fields: &[&str], i: usize) -> Result<u64, FieldError> {
    match fields[i].trim().parse::<u64>() {
        Ok(n) if n <= MAX_COUNT => Ok(n),
        _ => Err((Some(HEADER[i]), RowErrorReason::BadCount(shorten(fields[i])))),
    }
}

/// A Yes/No flag that must be present, reply or not.
fn flag_always(fields: &[&str], i: usize) -> Result<bool, FieldError> {
    match fields[i].trim() {
        "Yes" => Ok(true),
        "No" => Ok(false),
        other => Err((Some(HEADER[i]), RowErrorReason::BadFlag(shorten(other)))),
    }
}

/// A cell for a message: whole up to 60 characters, else its start and its
/// length, so a 1 MB cell never ends up in a log or an alert.
fn shorten(value: &str) -> String {
    let chars = value.chars().count();
    if chars <= 60 {
        return value.to_owned();
    }
    format!("{}… ({chars} characters)", value.chars().take(60).collect::<String>())
}

/// UTF-16 and UTF-32, by their byte-order mark, or without one by the
/// zero bytes every ASCII character brings (spreadsheet "Unicode text"
/// exports): named, rather than reported as broken UTF-8 at line 1.
pub fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => return Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian)"),
        _ => {}
    }
    let start = &bytes[..bytes.len().min(64)];
    let zeros = start.iter().filter(|&&b| b == 0).count();
    (start.len() >= 8 && zeros * 4 >= start.len()).then_some("UTF-16 or UTF-32 without a byte-order mark")
}

/// `="7226…"` (the exporter's form) or plain digits.
/// `text` with the handle of every @mention replaced by `replace(handle)`.
/// A mention is `@` at the start or after a character that is not part of
/// a word, followed by letters, digits, `_` or `.` (a final `.` ends the
/// sentence).
pub fn replace_mentions(text: &str, mut replace: impl FnMut(&str) -> String) -> String {
    let handle_char = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(at) = rest.find('@') {
        let (before, from_at) = rest.split_at(at);
        out.push_str(before);
        previous = before.chars().last().or(previous);
        let after = &from_at[1..];
        let handle_len = after.find(|c: char| !handle_char(c)).unwrap_or(after.len());
        let handle = after[..handle_len].trim_end_matches('.');
        let starts_mention = previous.is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '.');
        if starts_mention && handle.chars().any(char::is_alphanumeric) {
            out.push('@');
            out.push_str(&replace(handle));
            rest = &after[handle.len()..];
            previous = Some('_');
        } else {
            out.push('@');
            rest = after;
            previous = Some('@');
        }
    }
    out.push_str(rest);
    out
}

/// The handle that stands for a mentioned user after pseudonymisation:
/// `u_` and the first 12 hex digits of `digest_hex`. Every pseudonym has
/// this length, so the training reference (which has no key) can give its
/// comments the shape extract gives the pipeline's.
pub fn mention_pseudonym(digest_hex: &str) -> String {
    format!("u_{}", &digest_hex[..12])
}

pub fn parse_id(cell: &str) -> Option<u64> {
    let cell = cell.trim();
    let digits = cell.strip_prefix("=\"").and_then(|c| c.strip_suffix('"')).unwrap_or(cell);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// An id as the exporter writes it: an Excel text formula, `="7226…"`, so
/// spreadsheets keep all 19 digits.
pub fn format_id(id: u64) -> String {
    format!("=\"{id}\"")
}

/// `DD/MM/YYYY, HH:MM:SS` (UTC), as the exporter writes times.
pub fn format_time(secs: i64) -> String {
    let (y, m, d) = time::utc_date(secs);
    let rest = secs.rem_euclid(86_400);
    format!("{d:02}/{m:02}/{y:04}, {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `DD/MM/YYYY, HH:MM:SS` (UTC) to seconds since 1970, checking every part.
pub fn parse_time(cell: &str) -> Option<i64> {
    let (date, clock) = cell.trim().split_once(", ")?;
    let date: Vec<&str> = date.split('/').collect();
    let clock: Vec<&str> = clock.split(':').collect();
    let ([d, m, y], [hh, mm, ss]) = (date.as_slice(), clock.as_slice()) else { return None };
    let part = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    time::utc_seconds(i64::from(part(y, 4)?), part(m, 2)?, part(d, 2)?, part(hh, 2)?, part(mm, 2)?, part(ss, 2)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_impossible_ones_do_not() {
        assert_eq!(parse_time("26/04/2023, 01:13:07"), Some(1_682_471_587));
        assert_eq!(parse_time("29/02/2000, 00:00:00"), Some(951_782_400));
        for bad in [
            "29/02/2023, 00:00:00",
            "31/04/2023, 00:00:00",
            "26/13/2023, 01:13:07",
            "26/04/2023 01:13:07",
            "2023-04-26T01:13:07",
            "26/04/2023, 24:00:00",
            "6/4/2023, 1:13:07",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn formatting_and_parsing_times_round_trip() {
        assert_eq!(format_time(0), "01/01/1970, 00:00:00");
        assert_eq!(format_time(1_682_471_587), "26/04/2023, 01:13:07");
        for secs in [0, 951_782_400, 1_682_471_587, 1_793_491_200, 4_102_444_799] {
            assert_eq!(parse_time(&format_time(secs)), Some(secs));
        }
    }

    #[test]
    fn wide_encodings_are_named() {
        let header = "\"Comment ID\",\"Comment\"\n";
        let utf16le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain(header.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(read(&utf16le).unwrap_err(), FileError::Encoding("UTF-16 (little-endian)"));
        assert!(read(&utf16le).unwrap_err().to_string().contains("not UTF-8"));
        let utf16be: Vec<u8> = header.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(wide_encoding(&utf16be), Some("UTF-16 or UTF-32 without a byte-order mark"));
        let utf32le: Vec<u8> =
            [0xFF, 0xFE, 0, 0].into_iter().chain(header.chars().flat_map(|c| (c as u32).to_le_bytes())).collect();
        assert_eq!(wide_encoding(&utf32le), Some("UTF-32 (little-endian)"));
        assert_eq!(wide_encoding(b"\xEF\xBB\xBF\"Comment ID\""), None, "UTF-8 with its BOM is fine");
    }

    #[test]
    fn a_huge_cell_is_cut_in_messages_with_its_length() {
        let huge = "x".repeat(1_000_000);
        let err = read(format!("{huge},{}\n", HEADER[1..].join(",")).as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.len() < 200 && message.contains("(1000000 characters)"),
            "{}",
            &message[..message.len().min(300)]
        );
    }

    #[test]
    fn ids_in_excel_form_or_plain() {
        assert_eq!(format_id(7), "=\"7\"");
        assert_eq!(parse_id("=\"7226129420561761066\""), Some(7_226_129_420_561_761_066));
        assert_eq!(parse_id("7226129420561761066"), Some(7_226_129_420_561_761_066));
        assert_eq!(parse_id("=\"72261x\""), None);
        assert_eq!(parse_id("=\"99999999999999999999999\""), None);
    }
}
