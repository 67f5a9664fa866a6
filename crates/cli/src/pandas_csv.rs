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
    untrimmed_number(cell.as_bytes()).or_else(|| cell.trim().parse().ok())
}

/// The number a cell spells with nothing around it, rounded as `str::parse`
/// rounds: lexical's parser (arrow's already), which takes 40 % less time
/// than `str::parse` on the long decimals of ratios, whose parsing is a
/// quarter of reading a large CSV. What it refuses, `str::parse` may still
/// read.
pub fn untrimmed_number(cell: &[u8]) -> Option<f64> {
    lexical_core::parse(cell).ok()
}

pub fn is_integer(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    // Up to 18 digits always fit an i64; anything else takes the full check.
    (!digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()))
        || cell.trim().parse::<i64>().is_ok()
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
    fn numbers_parse_as_str_parse_does() {
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
            "1e5",
            "1E+05",
            "-2.5e-3",
            "1e400",
            "1e-400",
            "1e",
            "e5",
            "inf",
            "-inf",
            "+Inf",
            "INF",
            "infinity",
            "Infinity",
            "nan",
            "NaN",
            "-nan",
            "NAN",
            "1_0",
            "0x10",
            "1,5",
            "١",
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
            // Every decimal is read by lexical, without `str::parse`.
            assert!(untrimmed_number(cell.as_bytes()).is_some(), "{cell}");
            cells.push(cell);
            cells.push(format!("{}", f64::from_bits(state >> 2)));
            let zeros = "0".repeat((state >> 20) as usize % 4);
            let ratio = format!("{zeros}0.{zeros}{text}");
            assert!(untrimmed_number(ratio.as_bytes()).is_some(), "{ratio}");
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
    /// up to 30: a non-digit anywhere must end the digits exactly where
    /// `str::parse` sees it.
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
    fn numbers_round_as_str_parse_does_at_every_scale() {
        let agree = |cell: String| {
            let want: f64 = cell.parse().unwrap();
            assert_eq!(parse_number(&cell).map(f64::to_bits), Some(want.to_bits()), "{cell}");
        };
        let mut state = 5u64;
        for scale in 0..23 {
            for _ in 0..20_000 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let mantissa = (state >> 1) >> (state % 64).min(62);
                let text = format!("{mantissa:0>width$}", width = scale + 1);
                agree(format!("{}.{}", &text[..text.len() - scale], &text[text.len() - scale..]));
            }
        }
        for odd in (1u64 << 53) + 1..(1 << 53) + 2000 {
            for (mantissa, scale) in [(odd, 0), (odd * 5, 1), (odd * 25, 2), (odd * 625, 4)] {
                for m in [mantissa - 1, mantissa, mantissa + 1] {
                    agree(format!("{m}e-{scale}"));
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
