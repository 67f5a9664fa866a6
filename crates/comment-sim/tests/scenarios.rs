//! Each drift scenario changes what it says it changes, from its start hour
//! on and not before; the baseline does not drift on its own.

use comment_sim::{Comment, Generator, NEW_SLANG_NEGATIVE, NEW_SLANG_POSITIVE, Scenario};
use taxonomy::{Polarity, Taxonomy};

const PER_HOUR: usize = 400;
const FROM_HOUR: u32 = 24;

/// Comments of hours 20..24 (before) and 24..28 (after) under `scenario`.
fn before_and_after(scenario: Scenario) -> (Vec<Comment>, Vec<Comment>) {
    let taxonomy = Taxonomy::bundled();
    let mut generator = Generator::new(&taxonomy, 7);
    let mut hours = |range: std::ops::Range<u32>| -> Vec<Comment> {
        range.flat_map(|h| generator.hour(h, PER_HOUR, scenario, FROM_HOUR)).collect()
    };
    (hours(20..24), hours(24..28))
}

fn share(comments: &[Comment], keep: impl Fn(&Comment) -> bool) -> f64 {
    comments.iter().filter(|c| keep(c)).count() as f64 / comments.len() as f64
}

fn mentions(c: &Comment, aspect: &str, polarity: Polarity) -> bool {
    c.labels.iter().any(|(a, p)| a == aspect && *p == polarity)
}

fn uses_new_slang(c: &Comment) -> bool {
    NEW_SLANG_POSITIVE.iter().chain(NEW_SLANG_NEGATIVE).any(|w| c.text.to_lowercase().contains(w))
}

fn emoji_only(c: &Comment) -> bool {
    !c.text.is_empty() && c.text.chars().all(|ch| !ch.is_alphanumeric() && !ch.is_ascii_punctuation())
}

fn duplicate_share(comments: &[Comment]) -> f64 {
    let mut texts: Vec<&str> = comments.iter().map(|c| c.text.as_str()).collect();
    texts.sort_unstable();
    let distinct = texts.windows(2).filter(|w| w[0] != w[1]).count() + 1;
    1.0 - distinct as f64 / texts.len() as f64
}

fn mean_length(comments: &[Comment]) -> f64 {
    comments.iter().map(|c| c.text.chars().count()).sum::<usize>() as f64 / comments.len() as f64
}

#[test]
fn aspect_mix_brings_a_surge_of_shipping_complaints() {
    let (before, after) = before_and_after(Scenario::AspectMix);
    let (b, a) = (
        share(&before, |c| mentions(c, "shipping", Polarity::Negative)),
        share(&after, |c| mentions(c, "shipping", Polarity::Negative)),
    );
    assert!(a > 3.0 * b && a > 0.35, "negative shipping mentions: {b:.3} -> {a:.3}");
}

#[test]
fn sentiment_flip_turns_quality_opinions_negative() {
    let (before, after) = before_and_after(Scenario::SentimentFlip);
    let negative_share = |cs: &[Comment]| {
        let q: Vec<&Polarity> =
            cs.iter().flat_map(|c| &c.labels).filter(|(a, _)| a == "quality").map(|(_, p)| p).collect();
        q.iter().filter(|p| ***p == Polarity::Negative).count() as f64 / q.len() as f64
    };
    let (b, a) = (negative_share(&before), negative_share(&after));
    assert!(b < 0.35 && a > 0.6, "negative share of quality opinions: {b:.3} -> {a:.3}");
    // Other aspects keep their opinions.
    let price = |cs: &[Comment]| share(cs, |c| mentions(c, "price", Polarity::Negative));
    assert!((price(&before) - price(&after)).abs() < 0.04);
}

#[test]
fn new_slang_appears_only_after_the_start_and_never_in_training() {
    let (before, after) = before_and_after(Scenario::NewSlang);
    assert_eq!(share(&before, uses_new_slang), 0.0);
    assert!(share(&after, uses_new_slang) > 0.2, "{}", share(&after, uses_new_slang));
    let taxonomy = Taxonomy::bundled();
    let training = Generator::new(&taxonomy, 7).training_set(5000);
    assert_eq!(share(&training, uses_new_slang), 0.0);
}

#[test]
fn spam_bots_repeat_themselves_and_post_emoji_only_comments() {
    let (before, after) = before_and_after(Scenario::SpamBots);
    assert!(
        duplicate_share(&after) > duplicate_share(&before) + 0.2,
        "{} -> {}",
        duplicate_share(&before),
        duplicate_share(&after)
    );
    assert!(share(&after, emoji_only) > 3.0 * share(&before, emoji_only).max(0.01));
    assert!(after.iter().filter(|c| c.spam).all(|c| c.labels.is_empty()), "spam talks about no aspect");
}

#[test]
fn language_mix_brings_non_english_comments_with_true_labels() {
    let (before, after) = before_and_after(Scenario::LanguageMix);
    let foreign = |c: &Comment| c.language != "en";
    assert!(
        share(&before, foreign) < 0.02 && share(&after, foreign) > 0.25,
        "{} -> {}",
        share(&before, foreign),
        share(&after, foreign)
    );
    assert!(after.iter().filter(|c| foreign(c)).all(|c| !c.labels.is_empty()));
}

#[test]
fn length_shift_makes_comments_much_longer() {
    let (before, after) = before_and_after(Scenario::LengthShift);
    assert!(mean_length(&after) > 1.8 * mean_length(&before), "{} -> {}", mean_length(&before), mean_length(&after));
}

#[test]
fn without_a_scenario_nothing_moves() {
    let (before, after) = before_and_after(Scenario::None);
    for (aspect, polarity) in
        [("shipping", Polarity::Negative), ("quality", Polarity::Positive), ("price", Polarity::Neutral)]
    {
        let (b, a) =
            (share(&before, |c| mentions(c, aspect, polarity)), share(&after, |c| mentions(c, aspect, polarity)));
        assert!((a - b).abs() < 0.04, "{aspect} {polarity:?}: {b:.3} -> {a:.3}");
    }
    assert!((mean_length(&after) / mean_length(&before) - 1.0).abs() < 0.1);
}

#[test]
fn the_same_seed_gives_the_same_comments_whatever_was_generated_before() {
    let taxonomy = Taxonomy::bundled();
    let mut first = Generator::new(&taxonomy, 11);
    let mut second = Generator::new(&taxonomy, 11);
    let _ = second.training_set(300);
    assert_eq!(first.hour(5, 50, Scenario::None, 24), second.hour(5, 50, Scenario::None, 24));
    assert_ne!(first.hour(5, 50, Scenario::None, 24), Generator::new(&taxonomy, 12).hour(5, 50, Scenario::None, 24));
}

#[test]
fn every_aspect_label_is_backed_by_a_taxonomy_term_in_english_comments() {
    let taxonomy = Taxonomy::bundled();
    let comments = Generator::new(&taxonomy, 3).training_set(3000);
    // Typos (8% of comments, one letter) can break a term, so a few labels
    // may have no intact term in the text.
    let untraceable = comments
        .iter()
        .filter(|c| c.language == "en")
        .flat_map(|c| c.labels.iter().map(move |(a, _)| (c, a)))
        .filter(|(c, a)| !taxonomy.aspects[*a].all_terms().any(|t| c.text.to_lowercase().contains(t.as_str())))
        .count();
    let labels: usize = comments.iter().map(|c| c.labels.len()).sum();
    assert!((untraceable as f64) < 0.05 * labels as f64, "{untraceable} of {labels} labels have no term in the text");
}
