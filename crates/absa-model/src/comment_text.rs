//! What the comment-level sentiment reads of a whole comment: hashed word
//! and character n-grams (a sparse vector for a linear text scorer) and a
//! few dense lexicon figures. Both training and the pipeline call
//! [`TextFeatures::of`], so a scorer never sees features computed
//! differently from those it was trained on.
//!
//! Words carry a `not_` mark from a negator to the next punctuation;
//! character n-grams (2 to 5, within a word and its boundaries) let slang,
//! typos and stretched words ("soooo") share weight with their neighbours.
//! Every feature is hashed twice: once as it is and once with the text's
//! [`TextDomain`], so the scorer learns what holds across kinds of text and
//! what holds in one ("feature augmentation", Daumé III 2007).

use crate::features::{NEGATORS, fnv1a};
use crate::tokens::{TokenKind, tokenize};

/// Where a text comes from. TikTok comments are [`TextDomain::Social`],
/// the domain of the human-rated tweets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextDomain {
    Social,
    ProductReviews,
    MovieReviews,
    Editorials,
}

impl TextDomain {
    pub const ALL: [TextDomain; 4] =
        [TextDomain::Social, TextDomain::ProductReviews, TextDomain::MovieReviews, TextDomain::Editorials];

    pub fn name(self) -> &'static str {
        match self {
            TextDomain::Social => "social",
            TextDomain::ProductReviews => "product_reviews",
            TextDomain::MovieReviews => "movie_reviews",
            TextDomain::Editorials => "editorials",
        }
    }
}

/// A text's sparse features: (bucket, weight), sorted by bucket, buckets
/// distinct, each group (words, characters) scaled to unit length.
#[derive(Debug, Clone, PartialEq)]
pub struct TextFeatures {
    pub sparse: Vec<(u32, f32)>,
}

impl TextFeatures {
    /// The features of `text` from `domain`, hashed into `buckets`.
    pub fn of(text: &str, domain: TextDomain, buckets: u32) -> Self {
        let tokens = tokenize(text);
        let mut words: Vec<String> = Vec::new();
        let mut grams: Vec<String> = Vec::new();
        let mut negated = false;
        for t in &tokens {
            match t.kind {
                TokenKind::Punctuation => {
                    negated = false;
                    if matches!(t.text.as_str(), "!" | "?") {
                        words.push(t.text.clone());
                    }
                }
                TokenKind::Word | TokenKind::Mention | TokenKind::Emoji => {
                    words.push(if negated { format!("not_{}", t.text) } else { t.text.clone() });
                    if NEGATORS.contains(&t.text.as_str()) {
                        negated = true;
                    }
                    if t.kind == TokenKind::Word {
                        char_grams(&t.text, &mut grams);
                    }
                }
            }
        }
        let bigrams: Vec<String> = words.windows(2).map(|w| format!("{} {}", w[0], w[1])).collect();
        let word_features = words.iter().map(|w| format!("w:{w}")).chain(bigrams.iter().map(|b| format!("b:{b}")));
        let mut sparse = Vec::new();
        add_group(&mut sparse, word_features.collect(), domain, buckets);
        add_group(&mut sparse, grams.into_iter().map(|g| format!("c:{g}")).collect(), domain, buckets);
        sparse.sort_unstable_by_key(|(b, _)| *b);
        sparse.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        TextFeatures { sparse }
    }
}

/// Character 2- to 5-grams of `word` framed by `<` and `>`.
fn char_grams(word: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = std::iter::once('<').chain(word.chars()).chain(std::iter::once('>')).collect();
    for n in 2..=5 {
        for w in chars.windows(n) {
            out.push(w.iter().collect());
        }
    }
}

/// Adds one group of features, each counted as 1 + ln(count), scaled so the
/// group has unit length, hashed plain and with the domain.
fn add_group(sparse: &mut Vec<(u32, f32)>, mut features: Vec<String>, domain: TextDomain, buckets: u32) {
    features.sort_unstable();
    let mut counted: Vec<(&str, f32)> = Vec::new();
    for f in &features {
        match counted.last_mut() {
            Some((last, n)) if *last == f.as_str() => *n += 1.0,
            _ => counted.push((f, 1.0)),
        }
    }
    let weights: Vec<f32> = counted.iter().map(|(_, n)| 1.0 + n.ln()).collect();
    let norm = weights.iter().map(|w| w * w).sum::<f32>().sqrt();
    if norm == 0.0 {
        return;
    }
    let prefix = format!("{}|", domain.name());
    for ((feature, _), w) in counted.iter().zip(weights) {
        let w = w / norm;
        sparse.push(((fnv1a(feature.as_bytes()) % u64::from(buckets)) as u32, w));
        let in_domain = fnv1a(format!("{prefix}{feature}").as_bytes());
        sparse.push(((in_domain % u64::from(buckets)) as u32, w));
    }
}

/// A multinomial logistic regression over [`TextFeatures`]: one weight per
/// bucket and class, and a bias per class.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearText {
    pub buckets: u32,
    /// `weights[bucket * 3 + class]`.
    pub weights: Vec<f32>,
    pub bias: [f32; 3],
}

#[derive(Debug, thiserror::Error)]
#[error("comment-text.bin: {0}")]
pub struct LinearTextError(String);

const MAGIC: &[u8; 8] = b"ABSALIN1";

impl LinearText {
    pub fn zeros(buckets: u32) -> Self {
        LinearText { buckets, weights: vec![0.0; buckets as usize * 3], bias: [0.0; 3] }
    }

    /// The three class margins.
    pub fn margins(&self, features: &TextFeatures) -> [f32; 3] {
        let mut m = self.bias;
        for &(b, v) in &features.sparse {
            let w = &self.weights[b as usize * 3..b as usize * 3 + 3];
            for c in 0..3 {
                m[c] += w[c] * v;
            }
        }
        m
    }

    /// `comment-text.bin`: the magic, the bucket count (u32), three biases
    /// and the weights, all little-endian f32.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + 4 * (3 + self.weights.len()));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.buckets.to_le_bytes());
        for v in self.bias.iter().chain(&self.weights) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LinearTextError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| LinearTextError("not a linear text scorer".into()))?;
        let (buckets, rest) = rest.split_at_checked(4).ok_or_else(|| LinearTextError("truncated".into()))?;
        let buckets = u32::from_le_bytes(buckets.try_into().expect("4 bytes"));
        let expected = 4 * (3 + buckets as usize * 3);
        if rest.len() != expected {
            return Err(LinearTextError(format!("{} bytes of weights, expected {expected}", rest.len())));
        }
        let floats: Vec<f32> =
            rest.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        Ok(LinearText { buckets, bias: [floats[0], floats[1], floats[2]], weights: floats[3..].to_vec() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_marks_words_up_to_the_next_punctuation() {
        let plain = TextFeatures::of("good", TextDomain::Social, 1 << 20);
        let negated = TextFeatures::of("not good", TextDomain::Social, 1 << 20);
        let after_comma = TextFeatures::of("not now, good", TextDomain::Social, 1 << 20);
        let bucket = |f: &str| (fnv1a(f.as_bytes()) % (1 << 20)) as u32;
        let has = |t: &TextFeatures, f: &str| t.sparse.iter().any(|(b, _)| *b == bucket(f));
        assert!(has(&plain, "w:good") && !has(&negated, "w:good") && has(&negated, "w:not_good"));
        assert!(has(&after_comma, "w:good"));
    }

    #[test]
    fn each_group_has_unit_length_and_the_domain_copy() {
        let f = TextFeatures::of("sooo goood", TextDomain::MovieReviews, 1 << 24);
        // Two groups, each hashed twice with unit length: squares sum to 4.
        let squares: f32 = f.sparse.iter().map(|(_, v)| v * v).sum();
        assert!((squares - 4.0).abs() < 1e-3, "{squares}");
        assert!(f.sparse.windows(2).all(|w| w[0].0 < w[1].0));
        assert_ne!(f, TextFeatures::of("sooo goood", TextDomain::Social, 1 << 24));
    }

    #[test]
    fn the_scorer_survives_a_round_trip_and_refuses_damage() {
        let mut scorer = LinearText::zeros(8);
        scorer.weights[5] = 1.5;
        scorer.bias = [0.1, -0.2, 0.3];
        let bytes = scorer.to_bytes();
        assert_eq!(LinearText::from_bytes(&bytes).unwrap(), scorer);
        assert!(LinearText::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(LinearText::from_bytes(b"{}").is_err());
    }
}
