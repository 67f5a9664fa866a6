//! The reader on files the simulator writes in the exporter format, and on
//! broken ones: every row comes back as a comment or as an error that names
//! its row and field and keeps its text.

use comment_sim::{Generator, Scenario, write_exporter_csv};
use taxonomy::Taxonomy;
use tiktok_export::{FileError, RowErrorReason, read};

fn exported(count: usize) -> (Vec<u8>, Vec<comment_sim::Comment>) {
    let taxonomy = Taxonomy::bundled();
    let comments = Generator::new(&taxonomy, 17).hour(2, count, Scenario::SpamBots, 0);
    let mut bytes = Vec::new();
    write_exporter_csv(&comments, &mut bytes).unwrap();
    (bytes, comments)
}

#[test]
fn every_simulated_comment_reads_back_field_for_field() {
    let (bytes, comments) = exported(300);
    let rows = read(&bytes).unwrap();
    assert_eq!(rows.len(), comments.len());
    for (row, c) in rows.iter().zip(&comments) {
        let r = row.as_ref().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (r.comment_id, r.reply_to, r.user_id, &r.username, &r.nickname, &r.text, r.time),
            (c.id, c.reply_to, c.user.id, &c.user.username, &c.user.nickname, &c.text, c.time)
        );
        assert_eq!(
            (r.digg_count, r.author_digged, r.reply_count, r.pinned),
            (u64::from(c.digg_count), c.author_digged, u64::from(c.reply_count), c.pinned)
        );
        assert_eq!(r.homepage, format!("https://www.tiktok.com/@{}", c.user.username));
    }
}

#[test]
fn crlf_line_endings_and_a_missing_bom_read_the_same() {
    let (bytes, _) = exported(20);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let crlf = text.trim_start_matches('\u{feff}').replace('\n', "\r\n");
    assert_eq!(read(crlf.as_bytes()).unwrap(), read(&bytes).unwrap());
}

#[test]
fn bad_rows_are_named_kept_whole_and_do_not_stop_the_others() {
    let (bytes, _) = exported(6);
    let mut lines: Vec<String> = String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen("\"=\"\"", "\"=\"\"x", 1); // row 2: broken comment id
    lines[3] = lines[3].replacen("/11/2026, ", "/13/2026, ", 1); // row 3: month 13
    lines[4] = lines[4].replacen("\"No\"", "\"Maybe\"", 1); // row 4: a flag
    lines[5] = "\"only\",\"three\",\"fields\"".to_owned(); // row 5: too few fields
    let file = lines.join("\n") + "\n";
    let rows = read(file.as_bytes()).unwrap();
    assert_eq!(rows.len(), 6, "every row is accounted for");
    assert!(rows[0].is_ok() && rows[5].is_ok());
    let errors: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
    let summary: Vec<(usize, Option<&str>, &str)> = errors.iter().map(|e| (e.row, e.field, e.reason.code())).collect();
    assert_eq!(
        summary,
        [
            (2, Some("Comment ID"), "bad_id"),
            (3, Some("Comment Time"), "bad_time"),
            (4, Some("Author Digged"), "bad_flag"),
            (5, None, "field_count")
        ]
    );
    for e in &errors {
        assert_eq!(e.raw, lines[e.row], "the original text of row {} is kept", e.row);
    }
    assert_eq!(errors[1].to_string().split(':').next().unwrap(), "row 3 (line 4), field 'Comment Time'");
}

#[test]
fn invalid_utf8_in_one_row_is_that_rows_error() {
    let (bytes, _) = exported(3);
    let text = String::from_utf8(bytes).unwrap();
    let second_row_start = text.match_indices('\n').nth(1).unwrap().0 + 1;
    let mut broken = text.into_bytes();
    let at = second_row_start + broken[second_row_start..].windows(4).position(|w| w == b"\",\"h").unwrap_or(40);
    broken.insert(at, 0xFF);
    let rows = read(&broken).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].is_ok() && rows[2].is_ok());
    let e = rows[1].as_ref().unwrap_err();
    assert_eq!(e.row, 2);
    assert!(matches!(e.reason, RowErrorReason::NotUtf8 | RowErrorReason::Csv(_)), "{e}");
}

#[test]
fn a_wrong_header_or_empty_file_is_refused_whole() {
    assert_eq!(read(b"").unwrap_err(), FileError::Empty);
    assert_eq!(read(b"\xEF\xBB\xBF\n").unwrap_err(), FileError::Empty);
    let (bytes, _) = exported(2);
    let renamed = String::from_utf8(bytes.clone()).unwrap().replacen("\"Nick Name\"", "\"Nickname\"", 1);
    assert_eq!(
        read(renamed.as_bytes()).unwrap_err(),
        FileError::Header { position: 5, expected: "Nick Name", found: "Nickname".into() }
    );
    let semicolons = String::from_utf8(bytes).unwrap().replace("\",\"", "\";\"");
    assert!(matches!(read(semicolons.as_bytes()).unwrap_err(), FileError::HeaderWidth { found: 1 }));
}
