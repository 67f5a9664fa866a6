//! The features of one (comment, aspect) pair: the one function both
//! training and the transform step call, so a model never sees features
//! computed differently from those it was trained on. [`FeatureSpec::hash`]
//! names this exact computation; a model stores it and is refused when it
//! differs.
//!
//! Lexicon scoring follows VADER (C.J. Hutto, MIT licence, see
//! `data/lexicon/LICENSE-VADER.txt`): word valences, a negation within three
//! words before a sentiment word scales it by -0.74, a booster word just
//! before it adds or removes 0.293, and an emoji scores as the words of its
//! description.

use std::collections::HashMap;

use taxonomy::Taxonomy;

use crate::aspects::{AspectExtractor, AspectMention};
use crate::tokens::{Token, TokenKind, tokenize};

const VADER_LEXICON: &str = include_str!("../../../data/lexicon/vader_lexicon.txt");
const EMOJI_DESCRIPTIONS: &str = include_str!("../../../data/lexicon/emoji_utf8_lexicon.txt");

/// VADER's negation words (`NEGATE`).
pub(crate) const NEGATORS: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];
/// VADER's booster weights (`B_INCR`, `B_DECR`) and negation scalar (`N_SCALAR`).
const BOOST_UP: f32 = 0.293;
const BOOST_DOWN: f32 = -0.293;
const NEGATION_SCALAR: f32 = -0.74;
/// A subset of VADER's `BOOSTER_DICT`: the degree adverbs comments use.
const BOOSTERS_UP: &[&str] = &[
    "absolutely",
    "completely",
    "extremely",
    "really",
    "so",
    "super",
    "totally",
    "very",
    "incredibly",
    "highly",
    "hella",
    "insanely",
    "most",
    "utterly",
    "truly",
    "especially",
];
const BOOSTERS_DOWN: &[&str] =
    &["kinda", "somewhat", "slightly", "barely", "hardly", "partly", "sorta", "almost", "little"];
const CONTRAST: &[&str] = &["but", "however", "though", "although", "yet"];

/// What the features are: bumping any of these changes [`FeatureSpec::hash`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSpec {
    /// Changes whenever the computation changes in a way the fields miss.
    pub version: u32,
    /// Hashed n-gram buckets.
    pub buckets: usize,
    /// Words on each side of the aspect term that count as its context.
    pub window: usize,
    pub names: Vec<String>,
}

/// The dense, fixed-order features that follow the n-gram buckets.
const DENSE_FEATURES: [&str; 23] = [
    "window_valence_sum",
    "window_valence_max",
    "window_valence_min",
    "window_positive_words",
    "window_negative_words",
    "comment_valence_sum",
    "comment_valence_max",
    "comment_valence_min",
    "comment_positive_words",
    "comment_negative_words",
    "emoji_count",
    "emoji_valence_sum",
    "emoji_positive",
    "emoji_negative",
    "exclamation_marks",
    "question_marks",
    "uppercase_letter_share",
    "all_caps_words",
    "aspects_in_comment",
    "mention_position",
    "contrast_words",
    "window_has_negator",
    "word_count",
];

/// How many figures [`Featurizer::comment_dense`] gives.
pub const COMMENT_DENSE: usize = 16;

impl FeatureSpec {
    fn new(buckets: usize, window: usize) -> Self {
        let names =
            (0..buckets).map(|b| format!("ngram_{b}")).chain(DENSE_FEATURES.iter().map(|s| s.to_string())).collect();
        FeatureSpec { version: 2, buckets, window, names }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A short fingerprint of the spec and the lexicons, stored with a model.
    pub fn hash(&self) -> String {
        let mut h = Fnv::default();
        h.write(format!("v{};b{};w{};", self.version, self.buckets, self.window).as_bytes());
        for name in &self.names {
            h.write(name.as_bytes());
            h.write(b";");
        }
        h.write(VADER_LEXICON.as_bytes());
        h.write(EMOJI_DESCRIPTIONS.as_bytes());
        format!("{:016x}", h.0)
    }
}

/// Computes features for every aspect a comment mentions.
pub struct Featurizer {
    spec: FeatureSpec,
    extractor: AspectExtractor,
    lexicon: HashMap<String, f32>,
    emoji: HashMap<String, f32>,
}

/// One aspect of one comment, ready for the model.
#[derive(Debug, Clone, PartialEq)]
pub struct AspectFeatures {
    /// The first mention of the aspect in the comment.
    pub mention: AspectMention,
    pub values: Vec<f32>,
}

impl Featurizer {
    /// The bundled taxonomy and lexicons, 1024 n-gram buckets, a window of 4.
    pub fn bundled() -> Self {
        Self::new(&Taxonomy::bundled(), 1024, 4)
    }

    pub fn new(taxonomy: &Taxonomy, buckets: usize, window: usize) -> Self {
        let lexicon: HashMap<String, f32> = VADER_LEXICON
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                Some((fields.next()?.to_owned(), fields.next()?.parse().ok()?))
            })
            .collect();
        let emoji = EMOJI_DESCRIPTIONS
            .lines()
            .filter_map(|line| {
                let (emoji, description) = line.split_once('\t')?;
                let valence: f32 = description.split_whitespace().filter_map(|w| lexicon.get(w)).sum();
                Some((emoji.to_owned(), valence))
            })
            .collect();
        Featurizer {
            spec: FeatureSpec::new(buckets, window),
            extractor: AspectExtractor::new(taxonomy),
            lexicon,
            emoji,
        }
    }

    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// Features for each distinct aspect in `text`, in order of first mention.
    pub fn featurize(&self, text: &str) -> Vec<AspectFeatures> {
        self.featurize_tokens(text, &tokenize(text))
    }

    /// [`Featurizer::featurize`] for a text already tokenised.
    pub fn featurize_tokens(&self, text: &str, tokens: &[Token]) -> Vec<AspectFeatures> {
        let mentions = self.extractor.extract_from_tokens(text, tokens);
        let mut distinct: Vec<&AspectMention> = Vec::new();
        for m in &mentions {
            if !distinct.iter().any(|d| d.aspect == m.aspect) {
                distinct.push(m);
            }
        }
        let comment = self.comment_features(text, tokens, distinct.len());
        distinct.iter().map(|m| AspectFeatures { mention: (*m).clone(), values: self.values(&comment, m) }).collect()
    }

    /// What every aspect of one comment shares, computed once per comment.
    fn comment_features<'t>(&self, text: &str, tokens: &'t [Token], aspects: usize) -> CommentFeatures<'t> {
        let words: Vec<&Token> = tokens.iter().filter(|t| t.kind != TokenKind::Punctuation).collect();
        let emoji: Vec<&Token> = tokens.iter().filter(|t| t.kind == TokenKind::Emoji).collect();
        // Every emoji of the comment gets a bucket: VADER scores 🔥 as
        // negative and 💀 or 🤮 as nothing, so the model must learn them itself.
        let emoji_buckets = emoji.iter().map(|t| bucket(&format!("emoji:{}", t.text), self.spec.buckets)).collect();
        let emoji_scores: Vec<f32> = emoji.iter().map(|t| *self.emoji.get(&t.text).unwrap_or(&0.0)).collect();
        let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
        let valence = summary(&self.valences(&words));
        let dense = [
            valence[0],
            valence[1],
            valence[2],
            valence[3],
            valence[4],
            emoji_scores.len() as f32,
            emoji_scores.iter().sum(),
            emoji_scores.iter().filter(|v| **v > 0.0).count() as f32,
            emoji_scores.iter().filter(|v| **v < 0.0).count() as f32,
            text.matches('!').count() as f32,
            text.matches('?').count() as f32,
            if letters.is_empty() {
                0.0
            } else {
                letters.iter().filter(|c| c.is_uppercase()).count() as f32 / letters.len() as f32
            },
            text.split_whitespace()
                .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() > 1 && !w.chars().any(char::is_lowercase))
                .count() as f32,
            aspects as f32,
        ];
        let contrast_words = words.iter().filter(|t| CONTRAST.contains(&t.text.as_str())).count() as f32;
        CommentFeatures { words, emoji_buckets, dense, contrast_words, chars: text.chars().count() }
    }

    /// The features of one mention: its window, then the comment's.
    fn values(&self, comment: &CommentFeatures, mention: &AspectMention) -> Vec<f32> {
        let words = &comment.words;
        let first = words.iter().position(|t| t.start >= mention.start).unwrap_or(0);
        let last = words.iter().rposition(|t| t.end <= mention.end).unwrap_or(first);
        let (from, to) = (first.saturating_sub(self.spec.window), (last + 1 + self.spec.window).min(words.len()));
        let context: Vec<&Token> = words[from..first].iter().chain(&words[last + 1..to]).copied().collect();

        let mut values = vec![0f32; self.spec.len()];
        for gram in ngrams(&context) {
            values[bucket(&gram, self.spec.buckets)] += 1.0;
        }
        for &b in &comment.emoji_buckets {
            values[b] += 1.0;
        }
        let window = summary(&self.valences(&words[from..to]));
        let negator_in_window = words[from..to].iter().any(|t| NEGATORS.contains(&t.text.as_str()));
        let tail = [
            mention.start as f32 / comment.chars.max(1) as f32,
            comment.contrast_words,
            f32::from(u8::from(negator_in_window)),
            words.len() as f32,
        ];
        // In DENSE_FEATURES order; copy_from_slice checks the count.
        let dense: Vec<f32> = window.into_iter().chain(comment.dense).chain(tail).collect();
        values[self.spec.buckets..].copy_from_slice(&dense);
        values
    }

    /// VADER-style valence of each sentiment word (0 for the others).
    fn valences(&self, words: &[&Token]) -> Vec<f32> {
        (0..words.len())
            .map(|i| {
                let Some(&base) = self.lexicon.get(&words[i].text) else { return 0.0 };
                let mut v = base;
                if i > 0 {
                    let before = words[i - 1].text.as_str();
                    let boost = if BOOSTERS_UP.contains(&before) {
                        BOOST_UP
                    } else if BOOSTERS_DOWN.contains(&before) {
                        BOOST_DOWN
                    } else {
                        0.0
                    };
                    v += boost * v.signum();
                }
                if words[i.saturating_sub(3)..i].iter().any(|w| NEGATORS.contains(&w.text.as_str())) {
                    v *= NEGATION_SCALAR;
                }
                v
            })
            .collect()
    }

    /// The whole comment's lexicon figures, what the comment-level model
    /// reads beside its text scorer: the comment-level dense features
    /// from `comment_valence_sum` to `all_caps_words`, then the lexicon
    /// score, `contrast_words` and `word_count`.
    pub fn comment_dense(&self, text: &str) -> [f32; COMMENT_DENSE] {
        let tokens = tokenize(text);
        let comment = self.comment_features(text, &tokens, 0);
        let mut out = [0f32; COMMENT_DENSE];
        out[..13].copy_from_slice(&comment.dense[..13]);
        out[13] = self.comment_lexicon_score(text);
        out[14] = comment.contrast_words;
        out[15] = comment.words.len() as f32;
        out
    }

    /// The lexicon-only baseline: the sign of the window's VADER score.
    pub fn lexicon_baseline(&self, values: &[f32]) -> taxonomy::Polarity {
        polarity_of_score(values[self.spec.buckets])
    }

    /// The whole comment's lexicon score, VADER's way: its words' valences
    /// (boosters and negation applied) and its emoji's, summed and mapped
    /// into −1…1 as VADER's compound is (`s / √(s² + 15)`). The comment-level
    /// baseline, scored on the human-rated sets beside VADER itself.
    pub fn comment_lexicon_score(&self, text: &str) -> f32 {
        let tokens = tokenize(text);
        let words: Vec<&Token> = tokens.iter().filter(|t| t.kind != TokenKind::Punctuation).collect();
        let emoji =
            tokens.iter().filter(|t| t.kind == TokenKind::Emoji).map(|t| self.emoji.get(&t.text).unwrap_or(&0.0));
        let sum: f32 = self.valences(&words).iter().chain(emoji).sum();
        sum / (sum * sum + 15.0).sqrt()
    }
}

/// A lexicon score's polarity, with VADER's usual cut-offs (±0.05).
pub fn polarity_of_score(score: f32) -> taxonomy::Polarity {
    if score > 0.05 {
        taxonomy::Polarity::Positive
    } else if score < -0.05 {
        taxonomy::Polarity::Negative
    } else {
        taxonomy::Polarity::Neutral
    }
}

/// What every aspect of one comment shares.
struct CommentFeatures<'t> {
    /// Word and emoji tokens, without punctuation.
    words: Vec<&'t Token>,
    emoji_buckets: Vec<usize>,
    /// The comment-level dense features, in [`DENSE_FEATURES`] order from
    /// `comment_valence_sum` to `aspects_in_comment`.
    dense: [f32; 14],
    contrast_words: f32,
    chars: usize,
}

/// Sum, maximum (at least 0), minimum (at most 0), and the number of
/// positive and of negative valences.
fn summary(valences: &[f32]) -> [f32; 5] {
    [
        valences.iter().sum(),
        valences.iter().copied().fold(0.0, f32::max),
        valences.iter().copied().fold(0.0, f32::min),
        valences.iter().filter(|v| **v > 0.0).count() as f32,
        valences.iter().filter(|v| **v < 0.0).count() as f32,
    ]
}

/// Unigrams and bigrams of the context, a word after a negator marked `not_`.
fn ngrams(context: &[&Token]) -> Vec<String> {
    let mut negated_for: u32 = 0;
    let marked: Vec<String> = context
        .iter()
        .map(|t| {
            let word = if negated_for > 0 { format!("not_{}", t.text) } else { t.text.clone() };
            negated_for = if NEGATORS.contains(&t.text.as_str()) { 3 } else { negated_for.saturating_sub(1) };
            word
        })
        .collect();
    let bigrams = marked.windows(2).map(|w| format!("{} {}", w[0], w[1]));
    marked.iter().cloned().chain(bigrams).collect()
}

fn bucket(gram: &str, buckets: usize) -> usize {
    (fnv1a(gram.as_bytes()) % buckets as u64) as usize
}

/// FNV-1a, 64 bits: a stable hash for n-gram buckets (std's hasher is
/// randomised per process and may change between Rust releases).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.0
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_valence(text: &str) -> f32 {
        let f = Featurizer::bundled();
        let features = f.featurize(text);
        features[0].values[f.spec().buckets]
    }

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn negation_turns_praise_into_criticism() {
        assert!(window_valence("the price is good") > 0.0);
        assert!(window_valence("the price is not good") < 0.0);
        assert!(window_valence("the price is not bad at all") > 0.0);
    }

    #[test]
    fn boosters_strengthen_and_dampeners_weaken() {
        let plain = window_valence("the price is good");
        assert!(window_valence("the price is really good") > plain);
        assert!(window_valence("the price is kinda good") < plain);
    }

    #[test]
    fn only_words_near_the_aspect_are_its_context() {
        let f = Featurizer::bundled();
        let far = "terrible terrible terrible day honestly and then some more words the price";
        let features = &f.featurize(far)[0].values;
        let dense = |name: &str| features[f.spec().buckets + DENSE_FEATURES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(dense("window_valence_sum"), 0.0);
        assert!(dense("comment_valence_sum") < 0.0);
    }

    #[test]
    fn emoji_score_by_their_description_and_get_their_own_bucket() {
        let f = Featurizer::bundled();
        let emoji_sum = |text: &str| f.featurize(text)[0].values[f.spec().buckets + 11];
        assert!(emoji_sum("love the package 😍") > 0.0);
        assert!(emoji_sum("the package 😢") < 0.0);
        // VADER gives 😡 no valence; its bucket lets the model learn it.
        assert_eq!(emoji_sum("the package 😡"), 0.0);
        let values = &f.featurize("the package is here 😡")[0].values;
        assert!(values[bucket("emoji:😡", f.spec().buckets)] >= 1.0);
    }

    #[test]
    fn one_vector_per_distinct_aspect_with_the_spec_length() {
        let f = Featurizer::bundled();
        let features = f.featurize("THE PRICE IS GREAT!!! but shipping was slow, price though?");
        let aspects: Vec<&str> = features.iter().map(|a| a.mention.aspect.as_str()).collect();
        assert_eq!(aspects, ["price", "shipping"]);
        assert!(features.iter().all(|a| a.values.len() == f.spec().len()));
        let dense =
            |name: &str| features[0].values[f.spec().buckets + DENSE_FEATURES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(dense("exclamation_marks"), 3.0);
        assert_eq!(dense("all_caps_words"), 4.0);
        assert_eq!(dense("aspects_in_comment"), 2.0);
        assert_eq!(dense("contrast_words"), 2.0);
    }

    #[test]
    fn the_spec_hash_changes_with_the_spec() {
        let a = Featurizer::bundled().spec().hash();
        assert_eq!(a, Featurizer::bundled().spec().hash());
        assert_ne!(a, Featurizer::new(&Taxonomy::bundled(), 512, 4).spec().hash());
        assert_ne!(a, Featurizer::new(&Taxonomy::bundled(), 1024, 3).spec().hash());
    }
}
