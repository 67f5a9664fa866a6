//! The TikTok comment-exporter CSV, byte for byte as users have it: a UTF-8
//! byte-order mark, every field quoted, ids as Excel text formulas
//! (`="7226…"`, so spreadsheets keep all 19 digits), times as
//! `DD/MM/YYYY, HH:MM:SS`, `Yes`/`No` flags and empty cells for absent values.

use std::io::{self, Write};

use crate::generator::Comment;

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

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write_exporter_csv(comments: &[Comment], out: &mut impl Write) -> io::Result<()> {
    out.write_all(BOM)?;
    write_row(out, HEADER.iter().map(|h| h.to_string()))?;
    for c in comments {
        write_row(
            out,
            [
                excel_id(c.id),
                c.reply_to.map(excel_id).unwrap_or_default(),
                excel_id(c.user.id),
                c.user.username.clone(),
                c.user.nickname.clone(),
                c.text.clone(),
                exporter_time(c.time),
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

fn excel_id(id: u64) -> String {
    format!("=\"{id}\"")
}

fn yes_no(flag: bool) -> String {
    if flag { "Yes" } else { "No" }.to_owned()
}

/// `DD/MM/YYYY, HH:MM:SS` (UTC) from seconds since 1970.
pub fn exporter_time(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{d:02}/{m:02}/{y:04}, {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `YYYY-MM-DDTHH` (UTC): how hourly batch files are named.
pub fn iso_hour(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}T{:02}", secs.rem_euclid(86_400) / 3600)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_exporter_writes_them() {
        assert_eq!(exporter_time(0), "01/01/1970, 00:00:00");
        // 2023-04-26T01:13:07Z, the example in the exporter's own files.
        assert_eq!(exporter_time(1_682_471_587), "26/04/2023, 01:13:07");
        assert_eq!(exporter_time(951_782_400), "29/02/2000, 00:00:00");
        assert_eq!(iso_hour(1_682_471_587), "2023-04-26T01");
    }
}
