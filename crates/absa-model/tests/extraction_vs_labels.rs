//! Aspect extraction against the simulator's ground truth: on English
//! comments it must find the labelled aspects and little else.

use std::collections::BTreeSet;

use absa_model::AspectExtractor;
use comment_sim::Generator;
use taxonomy::Taxonomy;

#[test]
fn extraction_recovers_the_labelled_aspects() {
    let taxonomy = Taxonomy::bundled();
    let extractor = AspectExtractor::new(&taxonomy);
    let comments = Generator::new(&taxonomy, 99).training_set(5000);
    let (mut true_positive, mut labelled, mut found) = (0usize, 0usize, 0usize);
    for c in comments.iter().filter(|c| c.language == "en") {
        let truth: BTreeSet<&str> = c.labels.iter().map(|(a, _)| a.as_str()).collect();
        let extracted: BTreeSet<String> = extractor.extract(&c.text).into_iter().map(|m| m.aspect).collect();
        labelled += truth.len();
        found += extracted.len();
        true_positive += extracted.iter().filter(|a| truth.contains(a.as_str())).count();
    }
    let (recall, precision) = (true_positive as f64 / labelled as f64, true_positive as f64 / found as f64);
    eprintln!("aspect extraction on {labelled} labelled mentions: recall {recall:.4}, precision {precision:.4}");
    // Typos break a few terms; nothing else should be missed or invented.
    assert!(recall > 0.95, "recall {recall:.3}");
    assert!(precision > 0.99, "precision {precision:.3}");
}
