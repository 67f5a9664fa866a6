//! How pandas' `read_csv` reads a cell, so a CSV means the same here as in
//! Evidently: which cells are missing, and which columns are integers,
//! floats, booleans or text.

use std::cmp::Ordering;

/// pandas' default missing-value markers (`STR_NA_VALUES`); the empty cell is one too.
const MISSING_MARKERS: [&str; 18] = [
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL",
    "NaN", "None", "n/a", "nan", "null",
];

/// Each marker as one integer: its bytes (all at most eight), then its length.
const MISSING_WORDS: [(u64, usize); 18] = {
    let mut words = [(0, 0); 18];
    let mut i = 0;
    while i < words.len() {
        words[i] = (word_of(MISSING_MARKERS[i].as_bytes()), MISSING_MARKERS[i].len());
        i += 1;
    }
    words
};

/// Up to eight bytes as a little-endian integer, zero-padded.
const fn word_of(bytes: &[u8]) -> u64 {
    let mut word = 0;
    let mut i = 0;
    while i < bytes.len() {
        word |= (bytes[i] as u64) << (8 * i);
        i += 1;
    }
    word
}

/// Whether pandas reads the cell as missing. Compared as integers, not as
/// eighteen strings: every label cell of a large file asks.
pub fn is_missing(cell: &str) -> bool {
    let bytes = cell.as_bytes();
    if bytes.is_empty() {
        return true;
    }
    // Every marker has a letter: most numbers are ruled out by that.
    if bytes.len() > 8 || !bytes.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    let word = word_of(bytes);
    MISSING_WORDS.iter().any(|&(marker, len)| marker == word && len == bytes.len())
}

/// The boolean a cell spells, as pandas' default `true_values`/`false_values`.
pub fn parse_bool(cell: &str) -> Option<bool> {
    match cell {
        "True" | "TRUE" | "true" => Some(true),
        "False" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

pub fn parse_number(cell: &str) -> Option<f64> {
    plain_decimal(cell.as_bytes()).or_else(|| cell.trim().parse().ok())
}

pub fn is_integer(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    // Up to 18 digits always fit an i64; anything else takes the full check.
    (!digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()))
        || cell.trim().parse::<i64>().is_ok()
}

/// Powers of ten that are exact doubles.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// 10^-0 ..= 10^-22, each rounded.
const INVERSE_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17,
    1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
];

/// 5^0 ..= 5^22 (5^22 < 2^52).
const POWERS_OF_FIVE: [u64; 23] = {
    let mut powers = [1u64; 23];
    let mut i = 1;
    while i < powers.len() {
        powers[i] = powers[i - 1] * 5;
        i += 1;
    }
    powers
};

/// The common cell `[-+]digits[.digits]` with at most 19 digits and 22
/// after the point, correctly rounded: the value `str::parse` gives, in one
/// pass and without its general machinery (a large share of reading a big
/// CSV). Anything else: `None`, and the caller parses in full.
fn plain_decimal(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell.first()? {
        b'-' => (true, &cell[1..]),
        b'+' => (false, &cell[1..]),
        _ => (false, cell),
    };
    let mut mantissa = Mantissa::default();
    let mut at = mantissa.take_digits(digits);
    let mut scale = 0;
    if digits.get(at) == Some(&b'.') {
        let taken = mantissa.take_digits(&digits[at + 1..]);
        (at, scale) = (at + 1 + taken, taken);
    }
    if at != digits.len() || mantissa.count == 0 || mantissa.count > MAX_DIGITS || scale >= EXACT_POWERS_OF_TEN.len() {
        return None;
    }
    let value = if mantissa.value <= 1 << 53 {
        // Clinger's fast path: both exact, so one division rounds correctly.
        mantissa.value as f64 / EXACT_POWERS_OF_TEN[scale]
    } else {
        rounded_quotient(mantissa.value, scale)
    };
    Some(if negative { -value } else { value })
}

/// Digits a u64 always holds.
const MAX_DIGITS: usize = 19;

/// Decimal digits read so far, as one integer.
#[derive(Default)]
struct Mantissa {
    value: u64,
    /// Digits read; past [`MAX_DIGITS`] `value` is no longer kept.
    count: usize,
}

impl Mantissa {
    /// Reads the digits at the start of `bytes`, eight at a time while
    /// they fit; returns how many bytes were digits.
    fn take_digits(&mut self, bytes: &[u8]) -> usize {
        let mut at = 0;
        while self.count + 8 <= MAX_DIGITS
            && let Some(word) = bytes.get(at..at + 8)
            && let Some(eight) = eight_digits(u64::from_le_bytes(word.try_into().expect("eight bytes")))
        {
            self.value = self.value * 100_000_000 + eight;
            self.count += 8;
            at += 8;
        }
        while let Some(&b) = bytes.get(at)
            && b.is_ascii_digit()
        {
            if self.count < MAX_DIGITS {
                self.value = self.value * 10 + u64::from(b - b'0');
            }
            self.count += 1;
            at += 1;
        }
        at
    }
}

/// The number eight ASCII digits spell (the first in the lowest byte), or
/// `None` if one of the bytes is not a digit; SWAR, as in simdjson.
fn eight_digits(word: u64) -> Option<u64> {
    const ALL: u64 = 0x0101_0101_0101_0101;
    let all_digits = (word & (ALL * 0xF0)) | ((word.wrapping_add(ALL * 0x06) & (ALL * 0xF0)) >> 4) == ALL * 0x33;
    if !all_digits {
        return None;
    }
    let bytes = word - ALL * u64::from(b'0');
    // Pairs of digits, then pairs of pairs, then the two halves.
    let pairs = (bytes * 10 + (bytes >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs * 100 + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((quads * 10_000 + (quads >> 32)) & 0xFFFF_FFFF)
}

/// `mantissa / 10^scale` correctly rounded (ties to even), for a mantissa
/// above 2^53 (not exact as a double, so Clinger's division could round
/// twice) and `scale` <= 22. A first guess from the rounded mantissa moves
/// while the exact quotient lies beyond a midpoint to a neighbour, compared
/// in 128-bit integers.
fn rounded_quotient(mantissa: u64, scale: usize) -> f64 {
    // A product, not a quotient (a division costs several products); the
    // guess is then within two ulps, and the checks move it as far as needed.
    let mut guess = mantissa as f64 * INVERSE_POWERS_OF_TEN[scale];
    loop {
        let up = guess.next_up();
        match versus_midpoint(mantissa, scale, guess, up) {
            Ordering::Greater => guess = up,
            Ordering::Equal => return if guess.to_bits() & 1 == 0 { guess } else { up },
            Ordering::Less => break,
        }
    }
    loop {
        let down = guess.next_down();
        match versus_midpoint(mantissa, scale, down, guess) {
            Ordering::Less => guess = down,
            Ordering::Equal => return if down.to_bits() & 1 == 0 { down } else { guess },
            Ordering::Greater => return guess,
        }
    }
}

/// How `mantissa / 10^scale` compares with the midpoint of two adjacent
/// positive normal doubles `low < high`. With x = m·2^e for each and E the
/// smaller exponent, the midpoint is (M_low + M_high)·2^(E-1) with both
/// mantissas on E; and 10^scale = 5^scale·2^scale, so the comparison is
/// mantissa·2^(1-E-scale) against (M_low + M_high)·5^scale: below 2^119 on
/// both sides for 19 digits and scale <= 22.
fn versus_midpoint(mantissa: u64, scale: usize, low: f64, high: f64) -> Ordering {
    let parts = |x: f64| {
        let bits = x.to_bits();
        ((bits & ((1 << 52) - 1)) | (1 << 52), (bits >> 52) as i32 - 1075)
    };
    let ((m_low, e_low), (m_high, e_high)) = (parts(low), parts(high));
    let e = e_low.min(e_high);
    let sum = u128::from((m_low << (e_low - e)) + (m_high << (e_high - e)));
    let shift = 1 - e - scale as i32;
    let (quotient, midpoint) = (u128::from(mantissa), sum * u128::from(POWERS_OF_FIVE[scale]));
    if shift >= 0 { (quotient << shift).cmp(&midpoint) } else { quotient.cmp(&(midpoint << -shift)) }
}

/// The dtype pandas gives a column, widened cell by cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellType {
    /// Only missing cells so far (pandas: float64 of NaN).
    Empty,
    Integer,
    Float,
    Boolean,
    Text,
}

impl CellType {
    /// The type of the column after one more non-missing cell.
    pub fn widen(self, cell: &str) -> CellType {
        use CellType::*;
        match self {
            Text => Text,
            Boolean => {
                if parse_bool(cell).is_some() {
                    Boolean
                } else {
                    Text
                }
            }
            Empty | Integer | Float => {
                if self != Float && is_integer(cell) {
                    Integer
                } else if parse_number(cell).is_some() {
                    Float
                } else if self == Empty && parse_bool(cell).is_some() {
                    Boolean
                } else {
                    Text
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_parses_as_str_parse_does() {
        let mut state = 11u64;
        let mut cells: Vec<String> =
            ["0", "-0", "-0.0", "+1.5", "1.", ".5", "007", "123456789012345678", "9007199254740993"]
                .map(String::from)
                .to_vec();
        // Ties between two doubles (to even), a guess on a power of two whose
        // lower neighbour is closer, and the most digits and decimals taken.
        cells.extend(
            [
                "9007199254740995",
                "-9007199254740993.0",
                "18014398509481986.0",
                "180143985094819.9",
                "1152921504606846975",
                "1152921504606846977",
                "9999999999999999999",
                "0.30000000000000004",
                "0.1000000000000000055511151231257827",
                "0.0000000000000000000012345678901234567",
                "1234567890123456789.",
                "12345678901234567890",
            ]
            .map(String::from),
        );
        for _ in 0..200_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let digits = ((state >> 59) as usize + 1).min(19);
            let number = (state >> 4) % 10u64.pow(digits as u32);
            let text = number.to_string();
            let point = (state as usize >> 40) % (text.len() + 1);
            let cell = format!("{}{}.{}", if state & 1 == 1 { "-" } else { "" }, &text[..point], &text[point..]);
            // Up to 19 digits: parsed here, not handed to `str::parse`.
            assert!(plain_decimal(cell.as_bytes()).is_some(), "{cell}");
            cells.push(cell);
            cells.push(format!("{}", f64::from_bits(state >> 2)));
        }
        for cell in cells {
            let want: Option<f64> = cell.trim().parse().ok();
            assert_eq!(parse_number(&cell).map(f64::to_bits), want.map(f64::to_bits), "{cell}");
        }
        assert!(is_integer("-12") && is_integer(" 12 ") && !is_integer("1.0") && !is_integer("-"));
    }

    #[test]
    fn missing_cells_are_pandas_markers_and_nothing_else() {
        for marker in MISSING_MARKERS.into_iter().chain([""]) {
            assert!(is_missing(marker), "{marker}");
            for near in [format!("{marker} "), format!("{marker}\0"), format!("x{marker}"), marker.to_lowercase()] {
                assert_eq!(is_missing(&near), near.is_empty() || MISSING_MARKERS.contains(&near.as_str()), "{near:?}");
            }
        }
        assert!(!is_missing("0") && !is_missing("negative") && !is_missing("NaNs"));
    }

    fn infer(cells: &[&str]) -> CellType {
        cells.iter().filter(|c| !is_missing(c)).fold(CellType::Empty, |t, c| t.widen(c))
    }

    #[test]
    fn columns_get_pandas_dtypes() {
        assert_eq!(infer(&["1", "NA", "-3", "+4"]), CellType::Integer);
        assert_eq!(infer(&["1", "2.5", "1e3", "inf"]), CellType::Float);
        assert_eq!(infer(&["True", "false", ""]), CellType::Boolean);
        assert_eq!(infer(&["True", "1"]), CellType::Text);
        assert_eq!(infer(&["1", "x"]), CellType::Text);
        assert_eq!(infer(&["", "nan", "NULL"]), CellType::Empty);
    }
}
