//! The lexicon-only baseline on simulated comments: its features carry real
//! sentiment signal, and its macro-F1 is the bar the trained model must
//! clear by a clear margin.

use absa_model::Featurizer;
use comment_sim::Generator;
use taxonomy::{Polarity, Taxonomy};

#[test]
fn the_lexicon_baseline_beats_chance_on_every_class() {
    let featurizer = Featurizer::bundled();
    let taxonomy = Taxonomy::bundled();
    let comments = Generator::new(&taxonomy, 2024).training_set(4000);
    let classes = [Polarity::Negative, Polarity::Neutral, Polarity::Positive];
    // confusion[truth][prediction]
    let mut confusion = [[0u32; 3]; 3];
    for c in comments.iter().filter(|c| c.language == "en") {
        for features in featurizer.featurize(&c.text) {
            let Some((_, truth)) = c.labels.iter().find(|(a, _)| *a == features.mention.aspect) else { continue };
            let predicted = featurizer.lexicon_baseline(&features.values);
            confusion[*truth as usize][predicted as usize] += 1;
        }
    }
    let f1: Vec<f64> = (0..3)
        .map(|k| {
            let tp = f64::from(confusion[k][k]);
            let predicted: f64 = (0..3).map(|t| f64::from(confusion[t][k])).sum();
            let actual: f64 = confusion[k].iter().map(|&n| f64::from(n)).sum();
            if tp == 0.0 { 0.0 } else { 2.0 * tp / (predicted + actual) }
        })
        .collect();
    let macro_f1 = f1.iter().sum::<f64>() / 3.0;
    eprintln!("lexicon baseline: macro-F1 {macro_f1:.3}, per class {f1:.3?} ({classes:?}), confusion {confusion:?}");
    assert!(f1.iter().all(|&x| x > 0.4), "every class beats chance: {f1:?}");
    assert!(
        macro_f1 < 0.95,
        "the simulated data must leave the model something to learn beyond the lexicon: {macro_f1}"
    );
}
