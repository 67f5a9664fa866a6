//! numpy's `histogram_bin_edges(a, bins="sturges")` and `histogram(a, edges)`,
//! reproduced operation for operation: a value on an edge falls in the same
//! bin as in numpy, so binned statistics match Evidently's exactly.

/// Bin edges numpy computes for `bins="sturges"` over values spanning
/// `[min, max]`, `size` values in all. `integer` is true when numpy would see
/// an integer array (then a bin is never narrower than 1).
pub fn sturges_edges(min: f64, max: f64, size: usize, integer: bool) -> Vec<f64> {
    let (first, last) = if min == max { (min - 0.5, max + 0.5) } else { (min, max) };
    let n_bins = if size == 0 {
        1
    } else {
        // _hist_bin_sturges: ptp(a) / (log2(a.size) + 1); the ptp is of the
        // data (0 when all values are equal), not of the widened range.
        let mut width = (max - min) / ((size as f64).log2() + 1.0);
        if width != 0.0 {
            if integer && width < 1.0 {
                width = 1.0;
            }
            ((last - first) / width).ceil() as usize
        } else {
            1
        }
    };
    linspace(first, last, n_bins + 1)
}

/// `numpy.linspace(start, stop, num)` with `endpoint=True`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut edges: Vec<f64> = (0..num)
        .map(|i| {
            let y = i as f64;
            if step == 0.0 { y / div * delta + start } else { y * step + start }
        })
        .collect();
    edges[num - 1] = stop;
    edges
}

/// Counts per bin of *sorted* values, numpy's rule: bin i holds
/// `edges[i] <= v < edges[i+1]`, the last bin also holds `v == edges[last]`;
/// values outside the edges are not counted.
pub fn histogram_sorted(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let last = edges.len() - 1;
    let cumulative: Vec<usize> = edges
        .iter()
        .enumerate()
        .map(|(i, &e)| if i < last { sorted.partition_point(|&v| v < e) } else { sorted.partition_point(|&v| v <= e) })
        .collect();
    cumulative.windows(2).map(|w| (w[1] - w[0]) as u64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sturges_edges_match_numpy_for_a_simple_range() {
        // numpy.histogram_bin_edges(np.arange(10.0), bins="sturges")
        // -> 5 bins: log2(10) + 1 = 4.32, ceil(9 / (9 / 4.32)) = 5.
        let edges = sturges_edges(0.0, 9.0, 10, false);
        assert_eq!(edges, vec![0.0, 1.8, 3.6, 5.4, 7.2, 9.0]);
    }

    #[test]
    fn integer_data_never_gets_bins_narrower_than_one() {
        // 1 000 values spanning 3 (numpy: 4 edges for int64, 12 for float64):
        // the Sturges width 3 / 10.97 is raised to 1 for integers.
        assert_eq!(sturges_edges(0.0, 3.0, 1000, true).len(), 4);
        assert_eq!(sturges_edges(0.0, 3.0, 1000, false).len(), 12);
    }

    #[test]
    fn histogram_puts_edge_values_where_numpy_does() {
        let edges = [0.0, 1.0, 2.0];
        let counts = histogram_sorted(&[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0], &edges);
        assert_eq!(counts, vec![2, 2]); // -1 and 3 are outside; 2.0 is in the last bin
    }
}
