//! Finds the aspects a comment talks about: the taxonomy's terms, matched
//! on whole tokens, case-insensitively, longest term first ("build quality"
//! over "quality").

use std::collections::HashMap;

use taxonomy::Taxonomy;

use crate::tokens::{Token, TokenKind, tokenize};

/// One mention of an aspect in a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspectMention {
    /// The aspect's key in the taxonomy (`shipping`, …).
    pub aspect: String,
    /// The term as written in the comment.
    pub term: String,
    /// Character offsets into the comment: [start, end).
    pub start: usize,
    pub end: usize,
}

/// The taxonomy's terms, tokenised once, indexed by their first word.
pub struct AspectExtractor {
    /// first word -> (term words, aspect key), longest terms first.
    by_first_word: HashMap<String, Vec<(Vec<String>, String)>>,
}

impl AspectExtractor {
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let mut by_first_word: HashMap<String, Vec<(Vec<String>, String)>> = HashMap::new();
        for (key, aspect) in &taxonomy.aspects {
            for term in aspect.all_terms() {
                let words: Vec<String> = tokenize(term).into_iter().map(|t| t.text).collect();
                if let Some(first) = words.first() {
                    by_first_word.entry(first.clone()).or_default().push((words, key.clone()));
                }
            }
        }
        for candidates in by_first_word.values_mut() {
            candidates.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        AspectExtractor { by_first_word }
    }

    /// Every aspect mention in `text`, in order; mentions do not overlap.
    pub fn extract(&self, text: &str) -> Vec<AspectMention> {
        self.extract_from_tokens(text, &tokenize(text))
    }

    /// [`AspectExtractor::extract`] for a text already tokenised.
    pub fn extract_from_tokens(&self, text: &str, tokens: &[Token]) -> Vec<AspectMention> {
        let words: Vec<&Token> = tokens.iter().filter(|t| t.kind == TokenKind::Word).collect();
        let mut mentions = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let matched = self.by_first_word.get(&words[i].text).and_then(|candidates| {
                candidates.iter().find(|(term, _)| {
                    words.len() - i >= term.len() && term.iter().zip(&words[i..]).all(|(t, w)| *t == w.text)
                })
            });
            match matched {
                Some((term, aspect)) => {
                    let (start, end) = (words[i].start, words[i + term.len() - 1].end);
                    mentions.push(AspectMention {
                        aspect: aspect.clone(),
                        term: text.chars().skip(start).take(end - start).collect(),
                        start,
                        end,
                    });
                    i += term.len();
                }
                None => i += 1,
            }
        }
        mentions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extractor() -> AspectExtractor {
        AspectExtractor::new(&Taxonomy::bundled())
    }

    #[test]
    fn finds_aspects_with_their_terms_and_spans() {
        let found = extractor().extract("🔥 The Build Quality is great but it ARRIVED late");
        let view: Vec<(&str, &str, usize, usize)> =
            found.iter().map(|m| (m.aspect.as_str(), m.term.as_str(), m.start, m.end)).collect();
        assert_eq!(view, [("quality", "Build Quality", 6, 19), ("shipping", "ARRIVED", 36, 43)]);
    }

    #[test]
    fn multi_word_terms_win_over_their_parts() {
        // "quality" alone is a term too: the two-word term must win where it fits.
        let found = extractor().extract("build quality is poor, quality control too");
        let terms: Vec<&str> = found.iter().map(|m| m.term.as_str()).collect();
        assert_eq!(terms, ["build quality", "quality"]);
        assert_eq!((found[0].start, found[0].end), (0, 13));
    }

    #[test]
    fn only_whole_words_match() {
        assert!(extractor().extract("boxing day sale, unpriced").is_empty());
    }
}
