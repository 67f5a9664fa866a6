//! How pandas' `read_csv` reads a cell, so a CSV means the same here as in
//! Evidently: which cells are missing, and which columns are integers,
//! floats, booleans or text.

/// pandas' default missing-value markers (`STR_NA_VALUES`), plus the empty cell.
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell,
        "" | "#N/A"
            | "#N/A N/A"
            | "#NA"
            | "-1.#IND"
            | "-1.#QNAN"
            | "-NaN"
            | "-nan"
            | "1.#IND"
            | "1.#QNAN"
            | "<NA>"
            | "N/A"
            | "NA"
            | "NULL"
            | "NaN"
            | "None"
            | "n/a"
            | "nan"
            | "null"
    )
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

/// The common cell `[-+]digits[.digits]` whose digits fit a double exactly:
/// then one division by an exact power of ten is correctly rounded (Clinger's
/// fast path), so the value is the one `str::parse` gives, without its
/// general machinery. Anything else: `None`, and the caller parses in full.
fn plain_decimal(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell.first()? {
        b'-' => (true, &cell[1..]),
        b'+' => (false, &cell[1..]),
        _ => (false, cell),
    };
    let (mut mantissa, mut count, mut point) = (0u64, 0usize, None);
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' if count < 19 => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    let scale = point.map_or(0, |i| digits.len() - i - 1);
    if count == 0 || mantissa > 1 << 53 || scale >= EXACT_POWERS_OF_TEN.len() {
        return None;
    }
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[scale];
    Some(if negative { -value } else { value })
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
        for _ in 0..200_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let digits = (state >> 60) as usize + 1;
            let number = (state >> 4) % 10u64.pow(digits.min(19) as u32);
            let text = number.to_string();
            let point = (state as usize >> 40) % (text.len() + 1);
            cells.push(format!("{}{}.{}", if state & 1 == 1 { "-" } else { "" }, &text[..point], &text[point..]));
            cells.push(format!("{}", f64::from_bits(state >> 2)));
        }
        for cell in cells {
            let want: Option<f64> = cell.trim().parse().ok();
            assert_eq!(parse_number(&cell).map(f64::to_bits), want.map(f64::to_bits), "{cell}");
        }
        assert!(is_integer("-12") && is_integer(" 12 ") && !is_integer("1.0") && !is_integer("-"));
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
