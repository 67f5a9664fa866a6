//! Each drift scenario moves the features the monitor watches, computed by
//! the model's own tokeniser, extractor and featurizer: four hours before
//! its start against four hours after.

use std::collections::HashSet;

use absa_model::{AspectExtractor, Featurizer, TokenKind, tokenize};
use comment_sim::{Comment, Generator, Scenario};
use taxonomy::Taxonomy;

const FROM_HOUR: u32 = 24;

struct Batches {
    before: Vec<Comment>,
    after: Vec<Comment>,
    training_vocabulary: HashSet<String>,
}

fn batches(scenario: Scenario) -> Batches {
    let taxonomy = Taxonomy::bundled();
    let mut generator = Generator::new(&taxonomy, 31);
    let training_vocabulary = generator
        .training_set(4000)
        .iter()
        .flat_map(|c| tokenize(&c.text))
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text)
        .collect();
    let mut hours =
        |range: std::ops::Range<u32>| range.flat_map(|h| generator.hour(h, 300, scenario, FROM_HOUR)).collect();
    Batches { before: hours(20..24), after: hours(24..28), training_vocabulary }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Share of word tokens never seen in training.
fn unseen_share(comments: &[Comment], vocabulary: &HashSet<String>) -> f64 {
    let words: Vec<String> =
        comments.iter().flat_map(|c| tokenize(&c.text)).filter(|t| t.kind == TokenKind::Word).map(|t| t.text).collect();
    words.iter().filter(|w| !vocabulary.contains(*w)).count() as f64 / words.len() as f64
}

/// Asserts that `after` exceeds `before` by more than `margin`.
fn assert_rises(feature: &str, before: f64, after: f64, margin: f64) {
    assert!(after > before + margin, "{feature}: {before:.4} -> {after:.4}, expected a rise of more than {margin}");
}

fn aspect_share(comments: &[Comment], aspect: &str) -> f64 {
    let extractor = AspectExtractor::new(&Taxonomy::bundled());
    let found: Vec<String> = comments.iter().flat_map(|c| extractor.extract(&c.text)).map(|m| m.aspect).collect();
    found.iter().filter(|a| *a == aspect).count() as f64 / found.len() as f64
}

fn dense_values(featurizer: &Featurizer, comments: &[Comment], aspect: Option<&str>, name: &str) -> Vec<f64> {
    let index = featurizer.spec().names.iter().position(|n| n == name).unwrap();
    comments
        .iter()
        .flat_map(|c| featurizer.featurize(&c.text))
        .filter(|f| aspect.is_none_or(|a| f.mention.aspect == a))
        .map(|f| f64::from(f.values[index]))
        .collect()
}

fn dense(featurizer: &Featurizer, comments: &[Comment], aspect: Option<&str>, name: &str) -> f64 {
    mean(dense_values(featurizer, comments, aspect, name).into_iter())
}

/// Standard error of the difference of two sample means.
fn standard_error(a: &[f64], b: &[f64]) -> f64 {
    let variance = |v: &[f64]| {
        let m = mean(v.iter().copied());
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
    };
    (variance(a) / a.len() as f64 + variance(b) / b.len() as f64).sqrt()
}

#[test]
fn aspect_mix_shifts_the_extracted_aspect_mix_to_shipping() {
    let b = batches(Scenario::AspectMix);
    let (before, after) = (aspect_share(&b.before, "shipping"), aspect_share(&b.after, "shipping"));
    assert!(after > 2.0 * before, "shipping share of extracted aspects: {before:.3} -> {after:.3}");
}

#[test]
fn sentiment_flip_lowers_the_lexicon_score_around_quality() {
    let b = batches(Scenario::SentimentFlip);
    let f = Featurizer::bundled();
    let (before, after) = (
        dense(&f, &b.before, Some("quality"), "window_valence_sum"),
        dense(&f, &b.after, Some("quality"), "window_valence_sum"),
    );
    assert!(before > 0.3 && after < before - 0.6, "quality window valence: {before:.3} -> {after:.3}");
    let price = |cs: &[Comment]| dense(&f, cs, Some("price"), "window_valence_sum");
    assert!((price(&b.before) - price(&b.after)).abs() < 0.3, "price is untouched");
}

#[test]
fn new_slang_raises_the_unseen_token_share() {
    let b = batches(Scenario::NewSlang);
    let share = |cs: &[Comment]| unseen_share(cs, &b.training_vocabulary);
    assert_rises("unseen-token share", share(&b.before), share(&b.after), 0.03);
}

#[test]
fn spam_bots_raise_emoji_only_and_aspect_free_comments() {
    let b = batches(Scenario::SpamBots);
    let extractor = AspectExtractor::new(&Taxonomy::bundled());
    let no_aspect =
        |cs: &[Comment]| cs.iter().filter(|c| extractor.extract(&c.text).is_empty()).count() as f64 / cs.len() as f64;
    let emoji_only = |cs: &[Comment]| {
        cs.iter().filter(|c| tokenize(&c.text).iter().all(|t| t.kind != TokenKind::Word)).count() as f64
            / cs.len() as f64
    };
    assert_rises("aspect-free comments", no_aspect(&b.before), no_aspect(&b.after), 0.2);
    assert_rises("emoji-only comments", emoji_only(&b.before), emoji_only(&b.after), 0.1);
}

#[test]
fn language_mix_raises_unseen_tokens_and_hides_aspects_from_the_english_extractor() {
    let b = batches(Scenario::LanguageMix);
    let share = |cs: &[Comment]| unseen_share(cs, &b.training_vocabulary);
    assert_rises("unseen-token share", share(&b.before), share(&b.after), 0.1);
    let extractor = AspectExtractor::new(&Taxonomy::bundled());
    let found = |cs: &[Comment]| mean(cs.iter().map(|c| extractor.extract(&c.text).len() as f64));
    assert!(
        found(&b.after) < 0.8 * found(&b.before),
        "aspects found per comment: {} -> {}",
        found(&b.before),
        found(&b.after)
    );
}

#[test]
fn length_shift_raises_the_word_count() {
    let b = batches(Scenario::LengthShift);
    let f = Featurizer::bundled();
    let (before, after) = (dense(&f, &b.before, None, "word_count"), dense(&f, &b.after, None, "word_count"));
    assert!(after > 1.8 * before, "words per comment with an aspect: {before:.1} -> {after:.1}");
}

#[test]
fn without_a_scenario_the_features_stay_put() {
    let b = batches(Scenario::None);
    let f = Featurizer::bundled();
    // Sampling noise only: within four standard errors.
    for name in ["window_valence_sum", "word_count", "emoji_count", "exclamation_marks"] {
        let (before, after) = (dense_values(&f, &b.before, None, name), dense_values(&f, &b.after, None, name));
        let (mb, ma) = (mean(before.iter().copied()), mean(after.iter().copied()));
        let se = standard_error(&before, &after);
        assert!((ma - mb).abs() < 4.0 * se, "{name}: {mb:.3} -> {ma:.3} (standard error {se:.3})");
    }
    let (before, after) =
        (unseen_share(&b.before, &b.training_vocabulary), unseen_share(&b.after, &b.training_vocabulary));
    assert!((after - before).abs() < 0.01, "unseen-token share: {before:.4} -> {after:.4}");
}
