//! Classification scores from a confusion matrix, as scikit-learn computes
//! them: the monitor's estimated and realised model quality, and a
//! challenger against its champion.

use serde::{Deserialize, Serialize};

/// `confusion[truth][predicted]`, in class order; counts or expected counts.
pub type Confusion = [[f64; 3]; 3];

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub macro_f1: f64,
    pub accuracy: f64,
}

impl Scores {
    /// Macro-F1 over the classes present in the truth or the predictions
    /// (scikit-learn's), and accuracy. `None` for an empty matrix.
    pub fn of(confusion: &Confusion) -> Option<Scores> {
        let total: f64 = confusion.iter().flatten().sum();
        if total <= 0.0 {
            return None;
        }
        let mut f1 = Vec::new();
        for k in 0..3 {
            let truth: f64 = confusion[k].iter().sum();
            let predicted: f64 = confusion.iter().map(|row| row[k]).sum();
            if truth + predicted > 0.0 {
                f1.push(2.0 * confusion[k][k] / (truth + predicted));
            }
        }
        let correct: f64 = (0..3).map(|k| confusion[k][k]).sum();
        Some(Scores { macro_f1: f1.iter().sum::<f64>() / f1.len() as f64, accuracy: correct / total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_scikit_learn_on_a_known_matrix() {
        // truth × predicted: per-class F1 6/8, 2/5, 6/7; accuracy 7/10.
        let c = [[3.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 3.0]];
        let s = Scores::of(&c).unwrap();
        assert!((s.accuracy - 0.7).abs() < 1e-12);
        let expected = (2.0 * 3.0 / 8.0 + 2.0 * 1.0 / 5.0 + 2.0 * 3.0 / 7.0) / 3.0;
        assert!((s.macro_f1 - expected).abs() < 1e-12, "{}", s.macro_f1);
        // A class in neither truth nor predictions does not count.
        let two = [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]];
        assert_eq!(Scores::of(&two).unwrap().macro_f1, 1.0);
        assert_eq!(Scores::of(&[[0.0; 3]; 3]), None);
    }
}
