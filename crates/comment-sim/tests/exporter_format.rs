//! The exporter CSV is exactly what the TikTok comment exporter writes.

use comment_sim::{Generator, Scenario, write_exporter_csv, write_labels_csv};
use taxonomy::Taxonomy;
use tiktok_export::HEADER;

fn exported() -> (String, Vec<comment_sim::Comment>) {
    let taxonomy = Taxonomy::bundled();
    let comments = Generator::new(&taxonomy, 5).hour(3, 200, Scenario::None, 24);
    let mut out = Vec::new();
    write_exporter_csv(&comments, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), comments)
}

#[test]
fn it_starts_with_a_bom_and_the_quoted_header() {
    let (text, _) = exported();
    let header = text.lines().next().unwrap();
    let expected: Vec<String> = HEADER.iter().map(|h| format!("\"{h}\"")).collect();
    assert_eq!(header, format!("\u{feff}{}", expected.join(",")));
    assert_eq!(
        header.trim_start_matches('\u{feff}'),
        r#""Comment ID","Reply to Which Comment","User ID","Username","Nick Name","Comment","Comment Time","Digg Count","Author Digged","Reply Count","Pinned to Top","User Homepage""#
    );
}

#[test]
fn rows_carry_excel_ids_exporter_times_flags_and_homepages() {
    let (text, comments) = exported();
    let first = text.lines().nth(1).unwrap();
    let c = &comments[0];
    assert!(first.starts_with(&format!("\"=\"\"{}\"\"\",", c.id)), "{first}");
    // Hour 3 of the hourly batches: 2026-11-01 03:xx:xx.
    assert!(first.contains(",\"01/11/2026, 03:"), "{first}");
    assert!(first.ends_with(&format!("\"https://www.tiktok.com/@{}\"", c.user.username)), "{first}");
    assert!(first.contains("\"No\"") || first.contains("\"Yes\""));
    // A top-level comment has an empty "Reply to Which Comment" cell; a reply names its parent.
    let reply = comments.iter().find(|c| c.reply_to.is_some()).expect("some replies");
    let line = text.lines().find(|l| l.starts_with(&format!("\"=\"\"{}\"\"\"", reply.id))).unwrap();
    assert!(line.contains(&format!(",\"=\"\"{}\"\"\",", reply.reply_to.unwrap())), "{line}");
    assert!(text.lines().any(|l| l.contains("\"\",\"=\"\"")), "an empty reply cell");
    // As real exports (tests/fixtures/real-export): a reply's Reply Count and
    // Pinned to Top are empty; a top-level comment's are a number and Yes/No.
    assert_eq!(&cells(line)[9..11], ["", ""], "{line}");
    assert!(cells(first)[9].parse::<u32>().is_ok() && ["Yes", "No"].contains(&cells(first)[10].as_str()), "{first}");
}

/// The cells of one exporter CSV line (no line breaks inside it).
fn cells(line: &str) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn reply_counts_match_the_replies() {
    let (_, comments) = exported();
    for c in &comments {
        let replies = comments.iter().filter(|r| r.reply_to == Some(c.id)).count();
        assert_eq!(c.reply_count as usize, replies);
    }
}

#[test]
fn labels_list_every_aspect_mention() {
    let (_, comments) = exported();
    let mut out = Vec::new();
    write_labels_csv(&comments, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let rows = text.lines().count() - 1;
    assert_eq!(rows, comments.iter().map(|c| c.labels.len()).sum::<usize>());
    assert!(text.starts_with("comment_id,aspect,polarity\n"));
}
