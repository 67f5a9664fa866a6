//! What a comment can be about and how it can feel about it: the aspect
//! taxonomy (`data/aspects.toml`) and the three polarities. The model
//! extracts and scores these; the simulator writes comments about them.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How a comment feels about an aspect; the order is the model's class
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Polarity {
    Negative,
    Neutral,
    Positive,
}

impl Polarity {
    pub fn name(self) -> &'static str {
        match self {
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
            Polarity::Positive => "positive",
        }
    }
}

/// The taxonomy bundled with the project.
pub const BUNDLED_TAXONOMY: &str = include_str!("../../../data/aspects.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Aspect {
    /// Human-readable name, as reports show it.
    pub label: String,
    /// Nouns and noun phrases that mention the aspect.
    pub terms: Vec<String>,
    /// Verb forms that mention it ("arrived", "packaged").
    #[serde(default)]
    pub verb_terms: Vec<String>,
}

impl Aspect {
    /// Every term, nouns and verbs.
    pub fn all_terms(&self) -> impl Iterator<Item = &String> {
        self.terms.iter().chain(&self.verb_terms)
    }
}

/// Aspects by key (`price`, `shipping`, …), in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    pub aspects: BTreeMap<String, Aspect>,
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("aspect taxonomy: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("aspect taxonomy: aspect '{0}' has no terms")]
    NoTerms(String),
    #[error("aspect taxonomy: the term '{term}' is listed under both '{first}' and '{second}'")]
    SharedTerm { term: String, first: String, second: String },
}

impl Taxonomy {
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_TAXONOMY).expect("the bundled taxonomy is valid (tested)")
    }

    pub fn from_toml(text: &str) -> Result<Self, TaxonomyError> {
        let aspects: BTreeMap<String, Aspect> = toml::from_str(text)?;
        let mut owner: BTreeMap<String, &str> = BTreeMap::new();
        for (key, aspect) in &aspects {
            if aspect.terms.is_empty() {
                return Err(TaxonomyError::NoTerms(key.clone()));
            }
            for term in aspect.all_terms() {
                if let Some(first) = owner.insert(term.to_lowercase(), key) {
                    return Err(TaxonomyError::SharedTerm {
                        term: term.clone(),
                        first: first.to_owned(),
                        second: key.clone(),
                    });
                }
            }
        }
        Ok(Taxonomy { aspects })
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.aspects.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_taxonomy_loads_with_nine_aspects() {
        let t = Taxonomy::bundled();
        assert_eq!(
            t.keys().collect::<Vec<_>>(),
            [
                "argument",
                "audio",
                "commenters",
                "creator",
                "customer_service",
                "packaging",
                "price",
                "quality",
                "shipping"
            ]
        );
        assert!(t.aspects["customer_service"].terms.iter().any(|t| t.contains(' ')), "multi-word terms");
    }

    #[test]
    fn a_term_under_two_aspects_is_refused() {
        let err = Taxonomy::from_toml("[a]\nlabel='a'\nterms=['box']\n[b]\nlabel='b'\nterms=['Box']\n").unwrap_err();
        assert!(err.to_string().contains("'Box'"), "{err}");
    }
}
