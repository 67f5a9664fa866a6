//! The TikTok comment-exporter CSV, byte for byte as users have it: a UTF-8
//! byte-order mark, every field quoted, ids as Excel text formulas
//! (`="7226…"`, so spreadsheets keep all 19 digits), times as
//! `DD/MM/YYYY, HH:MM:SS`, `Yes`/`No` flags and empty cells for absent values.

use std::io::{self, Write};

use tiktok_export::{HEADER, format_id, format_time, utc_date};

use crate::generator::Comment;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write_exporter_csv(comments: &[Comment], out: &mut impl Write) -> io::Result<()> {
    out.write_all(BOM)?;
    write_row(out, HEADER.iter().map(|h| h.to_string()))?;
    for c in comments {
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
                c.reply_count.to_string(),
                yes_no(c.pinned),
                format!("https://www.tiktok.com/@{}", c.user.username),
            ],
        )?;
    }
    Ok(())
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
    let (y, m, d) = utc_date(secs);
    format!("{y:04}-{m:02}-{d:02}T{:02}", secs.rem_euclid(86_400) / 3600)
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
