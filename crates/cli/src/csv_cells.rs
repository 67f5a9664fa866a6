//! The drift command's CSV reader: the cells of chosen columns, a block of
//! rows at a time, as text slices of one buffer: no allocation per cell and
//! one UTF-8 check per block, because reading is most of the drift
//! command's time on a large CSV. Quoting as RFC 4180 and pandas: a quoted
//! cell may hold commas, line breaks and doubled quotes. Lines end with
//! `\n`, `\r\n` or `\r`; blank lines are skipped, as pandas skips them.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::dataset::InputError;

/// Bytes read from the file at a time; a record longer than this grows the
/// buffer. Small enough that a block of rows stays in the core's cache
/// while each chosen column's pass reads it again: 64 KB took about 5 %
/// less CPU than 1 MB on a large CSV.
const READ_BYTES: usize = 1 << 16;

/// Spans into the side buffer (unquoted text of quoted cells) have this bit set.
const QUOTED: u32 = 1 << 31;

/// One block of rows: for each chosen column, its cells in row order.
pub struct Block<'b> {
    text: &'b str,
    unquoted: &'b str,
    spans: &'b [Vec<(u32, u32)>],
    rows: usize,
}

impl<'b> Block<'b> {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The length of the block's records in the file.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// The cells of the `slot`-th chosen column. An empty cell is "".
    pub fn cells(&self, slot: usize) -> impl Iterator<Item = &'b str> + '_ {
        self.spans[slot].iter().map(|&span| self.cell(span))
    }

    /// The cells of the `slot`-th chosen column, each with the 16 bytes of
    /// text from its start where the block has that many: a short cell can
    /// then be read as one integer, whatever its length, without branching.
    pub fn cells_with_windows(&self, slot: usize) -> impl Iterator<Item = (&'b str, Option<&'b [u8; 16]>)> + '_ {
        // Most blocks quote nothing: then no span needs telling apart.
        let quoted = !self.unquoted.is_empty();
        self.spans[slot].iter().map(move |&span| {
            let (text, start, end) =
                if quoted { self.place(span) } else { (self.text, span.0 as usize, span.1 as usize) };
            let window = text.as_bytes().get(start..start + 16).map(|w| w.try_into().expect("sixteen bytes"));
            (&text[start..end], window)
        })
    }

    fn cell(&self, span: (u32, u32)) -> &'b str {
        let (text, start, end) = self.place(span);
        &text[start..end]
    }

    /// The text a span points into (the block's, or the side buffer's for a
    /// quoted cell) and the cell's range in it.
    fn place(&self, (start, end): (u32, u32)) -> (&'b str, usize, usize) {
        let text = if start & QUOTED != 0 { self.unquoted } else { self.text };
        (text, (start & !QUOTED) as usize, (end & !QUOTED) as usize)
    }
}

/// A CSV file read record by record from its start (after any byte-order mark).
pub struct CsvCells {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data; records start at 0.
    filled: usize,
    eof: bool,
    /// Records read so far, the header included: the next one's line number - 1.
    records: usize,
    unquoted: Vec<u8>,
}

/// What one record parse found.
enum Record {
    /// A record ending just before this offset, with this many fields.
    Complete {
        end: usize,
        fields: usize,
    },
    Blank {
        end: usize,
    },
    /// The buffer ends inside the record.
    Incomplete,
}

impl CsvCells {
    pub fn open(path: &Path) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|source| InputError::Open { path: path.to_owned(), source })?;
        let mut cells = CsvCells {
            path: path.to_owned(),
            file,
            buf: vec![0; READ_BYTES],
            filled: 0,
            eof: false,
            records: 0,
            unquoted: Vec::new(),
        };
        cells.fill()?;
        if cells.buf[..cells.filled].starts_with(b"\xEF\xBB\xBF") {
            cells.buf.copy_within(3..cells.filled, 0);
            cells.filled -= 3;
        }
        Ok(cells)
    }

    fn error(&self, message: impl std::fmt::Display) -> InputError {
        InputError::Unreadable { path: self.path.clone(), message: message.to_string() }
    }

    /// Reads more of the file after the `filled` bytes, growing the buffer if it is full.
    fn fill(&mut self) -> Result<(), InputError> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        while !self.eof && self.filled < self.buf.len() {
            match self.file.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(e)),
            }
        }
        Ok(())
    }

    /// The header's names (none if the file has no record at all). Call first.
    pub fn header(&mut self) -> Result<Vec<String>, InputError> {
        let width = self.width()?;
        let all: Vec<usize> = (0..width).collect();
        let mut names = Vec::new();
        self.blocks(&all, width, 1, |block| {
            names = (0..width).map(|slot| block.cells(slot).next().unwrap_or_default().to_owned()).collect();
            Ok::<_, InputError>(false)
        })?;
        Ok(names)
    }

    /// The number of fields in the first record.
    fn width(&mut self) -> Result<usize, InputError> {
        let mut start = 0;
        loop {
            match self.parse_record(start, &[], &mut [], 0) {
                Record::Complete { fields, .. } => return Ok(fields),
                Record::Blank { end } => start = end,
                Record::Incomplete if self.eof => return Ok(0),
                Record::Incomplete => self.fill()?,
            }
        }
    }

    /// Calls `each` with blocks of at most `block_rows` records, the cells
    /// of the `chosen` columns of `width`-field records, until the file ends
    /// or `each` answers `false`; a record of another width is an error.
    pub fn blocks<E: From<InputError>>(
        &mut self,
        chosen: &[usize],
        width: usize,
        block_rows: usize,
        mut each: impl FnMut(&Block<'_>) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut slot_of = vec![usize::MAX; width];
        for (slot, &column) in chosen.iter().enumerate() {
            slot_of[column] = slot;
        }
        let mut spans: Vec<Vec<(u32, u32)>> = vec![Vec::new(); chosen.len()];
        let mut starts: Vec<usize> = Vec::new();
        loop {
            spans.iter_mut().for_each(Vec::clear);
            starts.clear();
            self.unquoted.clear();
            let mut pos = 0;
            while starts.len() < block_rows {
                match self.parse_record(pos, &slot_of, &mut spans, starts.len()) {
                    Record::Complete { end, fields } => {
                        if fields != width {
                            let line = self.records + starts.len() + 1;
                            return Err(self
                                .error(format!("line {line}: {fields} fields where the header has {width}"))
                                .into());
                        }
                        starts.push(pos);
                        pos = end;
                    }
                    Record::Blank { end } => pos = end,
                    Record::Incomplete => break,
                }
            }
            if starts.is_empty() && pos == 0 && !self.eof {
                // Not one whole record in the buffer: read more.
                self.fill()?;
                continue;
            }
            let rows = starts.len();
            let text = std::str::from_utf8(&self.buf[..pos]).map_err(|e| {
                let line = self.records + starts.partition_point(|&s| s <= e.valid_up_to());
                self.error(format!("line {line}: invalid UTF-8"))
            })?;
            let unquoted = std::str::from_utf8(&self.unquoted)
                .map_err(|_| self.error(format!("line {}: invalid UTF-8 in a quoted cell", self.records + 1)))?;
            let more = rows == 0 || each(&Block { text, unquoted, spans: &spans, rows })?;
            self.records += rows;
            self.buf.copy_within(pos..self.filled, 0);
            self.filled -= pos;
            if !more || (self.eof && self.filled == 0) {
                return Ok(());
            }
            if self.eof && rows == 0 {
                // What is left cannot end: an unterminated quote.
                return Err(self.error(format!("line {}: a quoted cell never ends", self.records + 1)).into());
            }
            self.fill()?;
        }
    }

    /// Parses the record at `start`, the block's `row`-th, pushing the spans
    /// of chosen fields. On `Incomplete` what it pushed is taken back.
    fn parse_record(&mut self, start: usize, slot_of: &[usize], spans: &mut [Vec<(u32, u32)>], row: usize) -> Record {
        let buf = &self.buf[..self.filled];
        let unquoted_before = self.unquoted.len();
        let mut pos = start;
        let mut field = 0;
        let incomplete = |spans: &mut [Vec<(u32, u32)>], unquoted: &mut Vec<u8>| {
            spans.iter_mut().for_each(|s| s.truncate(row));
            unquoted.truncate(unquoted_before);
            Record::Incomplete
        };
        if pos >= buf.len() {
            return Record::Incomplete;
        }
        match buf[pos] {
            b'\n' => return Record::Blank { end: pos + 1 },
            b'\r' if pos + 1 < buf.len() || self.eof => {
                let end = if buf.get(pos + 1) == Some(&b'\n') { pos + 2 } else { pos + 1 };
                return Record::Blank { end };
            }
            b'\r' => return Record::Incomplete,
            _ => {}
        }
        loop {
            let span = if buf.get(pos) == Some(&b'"') {
                // A quoted cell: its text, quotes undoubled, goes to the side buffer.
                let from = self.unquoted.len() as u32 | QUOTED;
                pos += 1;
                loop {
                    let Some(offset) = buf[pos..].iter().position(|&b| b == b'"') else {
                        return incomplete(spans, &mut self.unquoted);
                    };
                    self.unquoted.extend_from_slice(&buf[pos..pos + offset]);
                    pos += offset + 1;
                    match buf.get(pos) {
                        Some(b'"') => {
                            self.unquoted.push(b'"');
                            pos += 1;
                        }
                        None if !self.eof => return incomplete(spans, &mut self.unquoted),
                        _ => break,
                    }
                }
                // Text after the closing quote belongs to the cell, as in pandas.
                let end = cell_end(buf, pos);
                self.unquoted.extend_from_slice(&buf[pos..end]);
                pos = end;
                (from, self.unquoted.len() as u32 | QUOTED)
            } else {
                let end = cell_end(buf, pos);
                let span = (pos as u32, end as u32);
                pos = end;
                span
            };
            if let Some(&slot) = slot_of.get(field)
                && slot != usize::MAX
            {
                spans[slot].push(span);
            }
            field += 1;
            match buf.get(pos) {
                Some(b',') => pos += 1,
                Some(b'\n') => return Record::Complete { end: pos + 1, fields: field },
                Some(b'\r') => match buf.get(pos + 1) {
                    Some(b'\n') => return Record::Complete { end: pos + 2, fields: field },
                    Some(_) => return Record::Complete { end: pos + 1, fields: field },
                    None if self.eof => return Record::Complete { end: pos + 1, fields: field },
                    None => return incomplete(spans, &mut self.unquoted),
                },
                None if self.eof => return Record::Complete { end: pos, fields: field },
                None => return incomplete(spans, &mut self.unquoted),
                Some(_) => unreachable!("a cell ends at a delimiter, a line end or the end of the data"),
            }
        }
    }
}

/// Where the unquoted text from `pos` ends: at a delimiter, a line end or
/// the data's end. Eight bytes at a time (SWAR): tokenising is a large share
/// of reading a big CSV, and a cell is a dozen bytes on average.
fn cell_end(buf: &[u8], pos: usize) -> usize {
    let mut at = pos;
    while let Some(word) = buf.get(at..at + 8) {
        let ends = cell_ends_in(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        if ends != 0 {
            return at + ends.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    buf[at..].iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')).map_or(buf.len(), |offset| at + offset)
}

/// A word whose high bit is set in the lowest byte equal to `,`, `\n` or
/// `\r` (if any; bytes above the first such one may be marked wrongly,
/// which the caller never looks at).
fn cell_ends_in(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b',')))
        | zero_bytes(word ^ (ONES * u64::from(b'\n')))
        | zero_bytes(word ^ (ONES * u64::from(b'\r')))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block's cells of the chosen columns, row by row, after the header.
    fn read(bytes: &[u8], chosen: &[usize], block_rows: usize) -> Result<(Vec<String>, Vec<Vec<String>>), InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut csv = CsvCells::open(&path)?;
        let header = csv.header()?;
        let mut rows = Vec::new();
        csv.blocks(chosen, header.len(), block_rows, |block| {
            let columns: Vec<Vec<&str>> = (0..chosen.len()).map(|slot| block.cells(slot).collect()).collect();
            for row in 0..block.rows() {
                rows.push(columns.iter().map(|c| c[row].to_owned()).collect());
            }
            Ok::<_, InputError>(true)
        })?;
        Ok((header, rows))
    }

    #[test]
    fn quoted_cells_line_ends_and_blank_lines_read_as_pandas_reads_them() {
        let text = b"\xEF\xBB\xBFa,\"b, quoted\",c\r\n1,\"x,\"\"y\"\"\nz\",\r\n\n2,plain,\"\"\r3,,last";
        let (header, rows) = read(text, &[2, 0, 1], 2).unwrap();
        assert_eq!(header, ["a", "b, quoted", "c"]);
        assert_eq!(rows, [vec!["", "1", "x,\"y\"\nz"], vec!["", "2", "plain"], vec!["last", "3", ""]]);
    }

    /// Blocks with and without quoted cells: the windowed cells are the
    /// cells, each window the text from the cell's start where there is one.
    #[test]
    fn windowed_cells_are_the_cells_in_quoted_and_plain_blocks() {
        let dir = tempfile::tempdir().unwrap();
        for text in [&b"a,b\n1,22\n333,4444444444444444444\n"[..], b"a,b\n1,\"2,2\"\n\"3\"\"3\",4\n"] {
            let path = dir.path().join("t.csv");
            std::fs::write(&path, text).unwrap();
            let mut csv = CsvCells::open(&path).unwrap();
            let width = csv.header().unwrap().len();
            csv.blocks(&[0, 1], width, 10, |block| {
                for slot in 0..2 {
                    for ((cell, window), plain) in block.cells_with_windows(slot).zip(block.cells(slot)) {
                        assert_eq!(cell, plain);
                        if let Some(window) = window {
                            let shared = cell.len().min(16);
                            assert_eq!(window[..shared], cell.as_bytes()[..shared], "{cell}");
                        }
                    }
                }
                Ok::<_, InputError>(true)
            })
            .unwrap();
        }
    }

    #[test]
    fn records_longer_than_a_read_and_cells_across_reads_are_whole() {
        let long = "é".repeat(READ_BYTES);
        let mut text = String::from("id,text\n");
        for i in 0..3 {
            text.push_str(&format!("{i},\"{long}\"\n{i},{}\n", "x".repeat(READ_BYTES / 3 + i)));
        }
        let (_, rows) = read(text.as_bytes(), &[0, 1], 1000).unwrap();
        assert_eq!(rows.len(), 6);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0], (i / 2).to_string());
            let want = if i % 2 == 0 { long.clone() } else { "x".repeat(READ_BYTES / 3 + i / 2) };
            assert!(row[1] == want, "row {i}: {} bytes", row[1].len());
        }
    }

    #[test]
    fn cell_ends_are_found_as_a_byte_by_byte_scan_finds_them() {
        let mut state = 7u64;
        let alphabet = b",\n\r\"a0.\x80\xff\x2c\x8c\x0b\x0d\x0a";
        for _ in 0..2000 {
            let buf: Vec<u8> = (0..(state % 40) as usize)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let pick = (state >> 33) as usize % (alphabet.len() * 3);
                    // Mostly ordinary bytes, so that some cells are longer than a word.
                    alphabet.get(pick).copied().unwrap_or(b'7')
                })
                .collect();
            for pos in 0..=buf.len() {
                let scanned = buf[pos..].iter().position(|&b| b"\n\r,".contains(&b)).map_or(buf.len(), |o| pos + o);
                assert_eq!(cell_end(&buf, pos), scanned, "{buf:?} from {pos}");
            }
        }
    }

    #[test]
    fn bad_records_name_their_line() {
        let error = |text: &[u8]| read(text, &[0], 10).unwrap_err().to_string();
        assert!(
            error(b"a,b\n1,2\n3\n").contains("line 3: 1 fields where the header has 2"),
            "{}",
            error(b"a,b\n1,2\n3\n")
        );
        assert!(error(b"a,b\n1,2\n\n\n3,\xff\n").contains("line 3: invalid UTF-8"));
        assert!(error(b"a,b\n1,\"open\n").contains("line 2: a quoted cell never ends"));
    }
}
