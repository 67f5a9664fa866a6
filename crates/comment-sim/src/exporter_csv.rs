//! The TikTok comment-exporter CSV, byte for byte as users have it: a UTF-8
//! byte-order mark, every field quoted, ids as Excel text formulas
//! (`="7226…"`, so spreadsheets keep all 19 digits), times as
//! `DD/MM/YYYY, HH:MM:SS`, `Yes`/`No` flags and empty cells for absent
//! values. As the real exporter does (tests/fixtures/real-export), replies
//! leave `Reply Count` and `Pinned to Top` empty.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use pipeline_events::BatchHour;
use tiktok_export::{HEADER, format_id, format_time};

use crate::generator::Comment;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write_exporter_csv(comments: &[Comment], out: &mut impl Write) -> io::Result<()> {
    out.write_all(BOM)?;
    write_row(out, HEADER.iter().map(|h| h.to_string()))?;
    for c in comments {
        // Only top-level comments have replies and can be pinned.
        let (reply_count, pinned) = match c.reply_to {
            None => (c.reply_count.to_string(), yes_no(c.pinned)),
            Some(_) => (String::new(), String::new()),
        };
        write_row(
            out,
            [
                format_id(c.id),
                c.reply_to.map(format_id).unwrap_or_default(),
                format_id(c.user.id),
                c.user.username.clone(),
                c.user.nickname.clone(),
                c.text.clone(),
                format_time(c.time),
                c.digg_count.to_string(),
                yes_no(c.author_digged),
                reply_count,
                pinned,
                format!("https://www.tiktok.com/@{}", c.user.username),
            ],
        )?;
    }
    Ok(())
}

/// `<dir>/<name>.csv` in the exporter format and `<name>.labels.csv`
/// beside it (`dir` is created). An error names the file.
pub fn write_batch_files(dir: &Path, name: &str, comments: &[Comment]) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let write = |file: String, body: &dyn Fn(&mut BufWriter<File>) -> io::Result<()>| {
        let path = dir.join(file);
        let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let mut out = BufWriter::new(File::create(&path).map_err(named)?);
        body(&mut out).and_then(|()| out.flush()).map_err(named)
    };
    write(format!("{name}.csv"), &|out| write_exporter_csv(comments, out))?;
    write(format!("{name}.labels.csv"), &|out| write_labels_csv(comments, out))
}

/// `comment_id,aspect,polarity`: one row per labelled aspect mention.
pub fn write_labels_csv(comments: &[Comment], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "comment_id,aspect,polarity")?;
    for c in comments {
        for (aspect, polarity) in &c.labels {
            writeln!(out, "{},{aspect},{}", c.id, polarity.name())?;
        }
    }
    Ok(())
}

fn write_row(out: &mut impl Write, fields: impl IntoIterator<Item = String>) -> io::Result<()> {
    let quoted: Vec<String> = fields.into_iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
    writeln!(out, "{}", quoted.join(","))
}

fn yes_no(flag: bool) -> String {
    if flag { "Yes" } else { "No" }.to_owned()
}

/// `YYYY-MM-DDTHH` (UTC): how hourly batch files are named.
pub fn iso_hour(secs: i64) -> String {
    let hour = BatchHour::containing(secs);
    format!("{}T{}", hour.dt(), hour.hour())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_batches_are_named_by_their_utc_hour() {
        assert_eq!(iso_hour(1_682_471_587), "2023-04-26T01");
        assert_eq!(iso_hour(1_793_491_200 + 23 * 3600), "2026-11-01T23");
    }
}
