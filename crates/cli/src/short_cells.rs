//! A CSV column's short cells counted by their bytes. Columns of counts,
//! ratings, lengths or labels repeat a few thousand distinct cells a
//! million times; each distinct cell is read once (missing-value check,
//! number parse, type) and after that only counted: one hash lookup a cell
//! instead of a parse and a lookup by value, or a string hash and compare.

use std::collections::HashMap;

use foldhash::fast::FixedState;

/// Distinct cells kept at most per column.
const CAPACITY: usize = 4096;

/// The readings of a column's short cells, each with how often it appeared.
pub struct ShortCells<T> {
    /// A cell's key to its place in `readings` and its count: one cache line
    /// touched per cell, and small entries, so that a few thousand stay in cache.
    places: HashMap<u128, (u32, u64), FixedState>,
    readings: Vec<T>,
    hits: u64,
    misses: u64,
    /// Set when the table is full and misses outnumber hits (a column of
    /// short but mostly distinct cells): cells then go straight to the caller.
    given_up: bool,
}

impl<T> Default for ShortCells<T> {
    fn default() -> Self {
        ShortCells { places: HashMap::default(), readings: Vec::new(), hits: 0, misses: 0, given_up: false }
    }
}

impl<T> ShortCells<T> {
    /// Counts `cell` if it was seen before, or reads it with `read` and keeps
    /// the reading while there is room: then `true`. `false` leaves the cell
    /// to the caller (too long, the table full, or counting given up).
    /// `window`: 16 bytes from the cell's start, if there are, for a faster key.
    pub fn count<E>(
        &mut self,
        cell: &str,
        window: Option<&[u8; 16]>,
        read: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<bool, E> {
        let key = match key_of(cell.as_bytes(), window) {
            Some(key) if !self.given_up => key,
            _ => return Ok(false),
        };
        if let Some((_, count)) = self.places.get_mut(&key) {
            *count += 1;
            self.hits += 1;
            return Ok(true);
        }
        if self.readings.len() < CAPACITY {
            self.readings.push(read(cell)?);
            self.places.insert(key, (self.readings.len() as u32 - 1, 1));
            return Ok(true);
        }
        self.misses += 1;
        self.given_up = self.misses > self.hits;
        Ok(false)
    }

    /// Each distinct cell's reading and count.
    pub fn into_counts(self) -> impl Iterator<Item = (T, u64)> {
        let mut counts = vec![0; self.readings.len()];
        self.places.into_values().for_each(|(place, count)| counts[place as usize] = count);
        self.readings.into_iter().zip(counts)
    }
}

/// A cell of at most 15 bytes as one integer: its bytes from the lowest,
/// zero-padded, and its length in the top byte; equal keys are equal cells.
/// From the 16-byte window at the cell's start, masked, when there is one;
/// else with overlapping loads rather than byte by byte.
fn key_of(bytes: &[u8], window: Option<&[u8; 16]>) -> Option<u128> {
    let len = bytes.len();
    if len > 15 {
        return None;
    }
    if let Some(window) = window {
        let kept = (1u128 << (8 * len)) - 1;
        return Some(u128::from_le_bytes(*window) & kept | (len as u128) << 120);
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
    let half = |at: usize| u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes")));
    let (low, high) = match len {
        0 => (0, 0),
        1..=3 => (
            u64::from(bytes[0])
                | u64::from(bytes[len / 2]) << (8 * (len / 2))
                | u64::from(bytes[len - 1]) << (8 * (len - 1)),
            0,
        ),
        4..=7 => (half(0) | half(len - 4) << (8 * (len - 4)), 0),
        8 => (word(0), 0),
        9..=15 => (word(0), word(len - 8) >> (8 * (16 - len))),
        _ => unreachable!("longer cells have no key (above)"),
    };
    Some(u128::from(low) | u128::from(high | (len as u64) << 56) << 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_cells_bytes_and_length() {
        for len in 0..=15 {
            for position in 0..len {
                for byte in [b'0', 0, 0xff] {
                    let mut cell = vec![b'1'; len];
                    cell[position] = byte;
                    let mut padded = [0u8; 16];
                    padded[..len].copy_from_slice(&cell);
                    padded[15] = len as u8;
                    assert_eq!(key_of(&cell, None), Some(u128::from_le_bytes(padded)), "{cell:?}");
                    let mut window = [b'9'; 16];
                    window[..len].copy_from_slice(&cell);
                    assert_eq!(key_of(&cell, Some(&window)), Some(u128::from_le_bytes(padded)), "{cell:?}");
                }
            }
        }
        assert_eq!(key_of(&[b'1'; 16], Some(&[b'1'; 16])), None);
    }

    #[test]
    fn cells_are_read_once_counted_after_and_left_to_the_caller_past_capacity() {
        let mut short = ShortCells::default();
        let reads = std::cell::Cell::new(0);
        let read = |cell: &str| -> Result<String, ()> {
            reads.set(reads.get() + 1);
            Ok(cell.to_owned())
        };
        for _ in 0..3 {
            assert_eq!(short.count("7", None, read), Ok(true));
            assert_eq!(short.count("a longer cell than sixteen bytes", None, read), Ok(false));
        }
        assert_eq!(reads.get(), 1, "the short cell read once, the long one left to the caller");
        for i in 0..CAPACITY - 1 {
            assert_eq!(short.count(&format!("n{i}"), None, read), Ok(true));
        }
        // Full: new cells go to the caller; once misses outnumber the hits (two), it gives up.
        for miss in ["x1", "x2", "x3"] {
            assert_eq!(short.count(miss, None, read), Ok(false));
        }
        assert!(short.given_up);
        assert_eq!(short.count("7", None, read), Ok(false), "after giving up, even known cells");
        let counts: HashMap<String, u64> = short.into_counts().collect();
        assert_eq!((counts.len(), counts["7"]), (CAPACITY, 3));
    }

    #[test]
    fn an_error_reading_a_cell_is_returned_and_nothing_kept() {
        let mut short: ShortCells<f64> = ShortCells::default();
        assert_eq!(short.count("x", None, |_| Err("not a number")), Err("not a number"));
        assert_eq!(short.count("x", None, |_| Ok::<_, &str>(1.0)), Ok(true));
        assert_eq!(short.into_counts().collect::<Vec<_>>(), [(1.0, 1)]);
    }
}
