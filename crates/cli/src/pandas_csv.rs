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
    cell.trim().parse().ok()
}

pub fn is_integer(cell: &str) -> bool {
    cell.trim().parse::<i64>().is_ok()
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
