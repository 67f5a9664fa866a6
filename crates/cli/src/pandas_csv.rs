//! How pandas' `read_csv` reads a cell, so a CSV means the same here as in
//! Evidently: which cells are missing, and which columns are integers,
//! floats, booleans or text.

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
pub fn plain_decimal(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell.first()? {
        b'-' => (true, &cell[1..]),
        b'+' => (false, &cell[1..]),
        _ => (false, cell),
    };
    // Leading zeros are not among the 19 digits kept: "0.0123…" has 17
    // more, as ratios written in full do.
    let mut mantissa = Mantissa::default();
    let zeros = leading_zeros(digits);
    let mut at = zeros + mantissa.take_digits(&digits[zeros..]);
    let mut scale = 0;
    if digits.get(at) == Some(&b'.') {
        let fraction = &digits[at + 1..];
        let zeros = if mantissa.count == 0 { leading_zeros(fraction) } else { 0 };
        let taken = zeros + mantissa.take_digits(&fraction[zeros..]);
        (at, scale) = (at + 1 + taken, taken);
    }
    let no_digit = at == 0 || at == 1 && digits[0] == b'.';
    if at != digits.len() || no_digit || mantissa.count > MAX_DIGITS || scale >= POWERS_OF_FIVE.len() {
        return None;
    }
    let value = if mantissa.value == 0 { 0.0 } else { eisel_lemire(mantissa.value, scale) };
    Some(if negative { -value } else { value })
}

fn leading_zeros(digits: &[u8]) -> usize {
    digits.iter().take_while(|&&b| b == b'0').count()
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

/// 5^-n for n in 0..=22 in 128 bits: 2^k / 5^n for the k that sets the top
/// bit, rounded up (the error of a product with it is then one-sided, which
/// [`eisel_lemire`] relies on), as (high, low) halves.
const RECIPROCALS_OF_FIVE: [(u64, u64); 23] = {
    let mut table = [(1 << 63, 0); 23];
    let mut n = 1;
    while n < table.len() {
        let five = POWERS_OF_FIVE[n] as u128;
        // 2^(bits + 127) / 5^n lies between 2^127 and 2^128; long division
        // by 64-bit limbs of the 192-bit numerator.
        let exponent = 64 - POWERS_OF_FIVE[n].leading_zeros() as usize + 127;
        let mut limbs = [0u64; 3];
        limbs[exponent / 64] = 1 << (exponent % 64);
        let (mut quotient, mut remainder) = ([0u64; 3], 0u128);
        let mut i = 3;
        while i > 0 {
            i -= 1;
            let current = remainder << 64 | limbs[i] as u128;
            quotient[i] = (current / five) as u64;
            remainder = current % five;
        }
        let (low, carry) = quotient[0].overflowing_add(1);
        table[n] = (quotient[1] + carry as u64, low);
        n += 1;
    }
    table
};

/// `mantissa / 10^scale` correctly rounded (ties to even), for a non-zero
/// mantissa and `scale` <= 22: Eisel and Lemire's algorithm (Lemire,
/// "Number parsing at a gigabyte per second", 2021). The mantissa, shifted
/// to fill 64 bits, times the 128-bit reciprocal of 5^scale gives the
/// double's 53 bits and the bits below them, from which it rounds. One or
/// two integer products instead of a division: parsing numbers was a fifth
/// of the drift command's CPU on a large CSV.
fn eisel_lemire(mantissa: u64, scale: usize) -> f64 {
    let shift = mantissa.leading_zeros();
    let normalised = u128::from(mantissa << shift);
    let (high, low) = RECIPROCALS_OF_FIVE[scale];
    let product = normalised * u128::from(high);
    let (mut upper, mut lower) = ((product >> 64) as u64, product as u64);
    if upper & 0x1FF == 0x1FF {
        // The bits that decide the rounding may depend on the low half.
        let (sum, carry) = lower.overflowing_add(((normalised * u128::from(low)) >> 64) as u64);
        (upper, lower) = (upper + u64::from(carry), sum);
    }
    let top = (upper >> 63) as u32;
    // 54 bits: the double's 53 and one to round with.
    let mut bits = upper >> (top + 9);
    // floor(log2(10^-scale)) + 63, via 217 706 / 2^16 ~ log2(10).
    let exponent = ((-217_706 * scale as i64) >> 16) + 63 + i64::from(top) - i64::from(shift) + 1023;
    debug_assert!((1..0x7FF).contains(&exponent), "a plain decimal is a normal double");
    // Exactly halfway between two doubles (only possible for few decimals):
    // round to even, not up.
    if lower <= 1 && scale <= 4 && bits & 3 == 1 && bits << (top + 9) == upper {
        bits &= !1;
    }
    bits = (bits + (bits & 1)) >> 1;
    let (bits, exponent) = if bits >> 53 == 1 { (1 << 52, exponent + 1) } else { (bits, exponent) };
    f64::from_bits(bits & !(1 << 52) | (exponent as u64) << 52)
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
        let mut cells: Vec<String> = [
            "0",
            "-0",
            "-0.0",
            "+1.5",
            "1.",
            ".5",
            "007",
            "0.",
            "00.00",
            ".",
            "-.",
            "0.0773222230566699123",
            "123456789012345678",
            "9007199254740993",
        ]
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
            // Leading zeros before and after the point are not digits kept.
            let zeros = "0".repeat((state >> 20) as usize % 4);
            let ratio = format!("{zeros}0.{zeros}{text}");
            if zeros.len() + text.len() <= 22 {
                assert!(plain_decimal(ratio.as_bytes()).is_some(), "{ratio}");
            }
            cells.push(ratio);
        }
        for cell in cells {
            let want: Option<f64> = cell.trim().parse().ok();
            assert_eq!(parse_number(&cell).map(f64::to_bits), want.map(f64::to_bits), "{cell}");
        }
        assert!(is_integer("-12") && is_integer(" 12 ") && !is_integer("1.0") && !is_integer("-"));
    }

    /// Random cells of digits mixed with the bytes next to them (`/`, `:`),
    /// signs, points, exponents, spaces and a two-byte letter, at every length
    /// up to 30: read eight bytes at a time, a non-digit anywhere must end
    /// the digits exactly where `str::parse` sees it.
    #[test]
    fn digits_end_where_str_parse_says_they_do() {
        let alphabet = ["0", "1", "5", "9", "9", "3", "7", "/", ":", ".", "-", "+", "e", " ", "é", "\0"];
        let mut state = 3u64;
        for _ in 0..300_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (state >> 59) as usize % 31;
            let mut bits = state;
            let cell: String = (0..len)
                .map(|i| {
                    bits = bits.rotate_left(7) ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    // Mostly digits, so that long runs of them occur.
                    if bits & 3 != 0 { alphabet[(bits >> 8) as usize % 6] } else { alphabet[(bits >> 8) as usize % 16] }
                })
                .collect();
            let want: Option<f64> = cell.trim().parse().ok();
            assert_eq!(parse_number(&cell).map(f64::to_bits), want.map(f64::to_bits), "{cell:?}");
        }
    }

    /// Every scale with mantissas of every length, and the neighbours of
    /// exact halfway cases (a double's 54-bit midpoint written out in decimal).
    #[test]
    fn eisel_lemire_rounds_as_str_parse_does_at_every_scale() {
        let mut state = 5u64;
        for scale in 0..POWERS_OF_FIVE.len() {
            for _ in 0..20_000 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let mantissa = (state >> 1) >> (state % 64).min(62);
                if mantissa == 0 || mantissa >= 10_000_000_000_000_000_000 {
                    continue;
                }
                let want: f64 = format!("{mantissa}e-{scale}").parse().unwrap();
                assert_eq!(eisel_lemire(mantissa, scale).to_bits(), want.to_bits(), "{mantissa}e-{scale}");
            }
        }
        for odd in (1u64 << 53) + 1..(1 << 53) + 2000 {
            for (mantissa, scale) in [(odd, 0), (odd * 5, 1), (odd * 25, 2), (odd * 625, 4)] {
                for m in [mantissa - 1, mantissa, mantissa + 1] {
                    let want: f64 = format!("{m}e-{scale}").parse().unwrap();
                    assert_eq!(eisel_lemire(m, scale).to_bits(), want.to_bits(), "{m}e-{scale}");
                }
            }
        }
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
