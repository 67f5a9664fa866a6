//! Classification metrics over the three polarities.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub macro_f1: f64,
    pub accuracy: f64,
    /// Keyed by polarity name.
    pub per_class: std::collections::BTreeMap<String, ClassMetrics>,
    /// `confusion[truth][prediction]`, classes in `labels` order.
    pub confusion: [[u64; 3]; 3],
    pub labels: [&'static str; 3],
}

/// Scores predicted class indices against the truth. A class never
/// predicted has precision 0 (scikit-learn's `zero_division=0`).
pub fn evaluate(truth: &[usize], predicted: &[usize]) -> Evaluation {
    let mut confusion = [[0u64; 3]; 3];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let labels = absa_model::LABELS.map(|p| p.name());
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: std::collections::BTreeMap<String, ClassMetrics> = (0..3)
        .map(|k| {
            let tp = confusion[k][k];
            let predicted: u64 = (0..3).map(|t| confusion[t][k]).sum();
            let support: u64 = confusion[k].iter().sum();
            let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            (labels[k].to_owned(), ClassMetrics { precision, recall, f1, support })
        })
        .collect();
    let macro_f1 = per_class.values().map(|m| m.f1).sum::<f64>() / 3.0;
    let correct: u64 = (0..3).map(|k| confusion[k][k]).sum();
    Evaluation { macro_f1, accuracy: ratio(correct, truth.len() as u64), per_class, confusion, labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_scores() {
        // truth:     0 0 0 1 1 2 2 2
        // predicted: 0 0 1 1 2 2 2 0
        let e = evaluate(&[0, 0, 0, 1, 1, 2, 2, 2], &[0, 0, 1, 1, 2, 2, 2, 0]);
        assert_eq!(e.confusion, [[2, 1, 0], [0, 1, 1], [1, 0, 2]]);
        let neg = &e.per_class["negative"];
        assert!((neg.precision - 2.0 / 3.0).abs() < 1e-12 && (neg.recall - 2.0 / 3.0).abs() < 1e-12);
        let neu = &e.per_class["neutral"];
        assert!((neu.precision - 0.5).abs() < 1e-12 && (neu.recall - 0.5).abs() < 1e-12);
        assert!((e.accuracy - 5.0 / 8.0).abs() < 1e-12);
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_class_never_predicted_scores_zero_not_nan() {
        let e = evaluate(&[0, 1, 2], &[0, 0, 0]);
        assert_eq!(e.per_class["positive"].precision, 0.0);
        assert_eq!(e.per_class["positive"].f1, 0.0);
        assert!(e.macro_f1.is_finite());
    }
}
