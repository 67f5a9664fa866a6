//! Named drift scenarios: what changes in the comments from a chosen hour on.

use std::fmt;
use std::str::FromStr;

/// A kind of drift the monitor must catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Nothing changes.
    None,
    /// A surge of shipping complaints: shipping is mentioned far more, mostly negatively.
    AspectMix,
    /// Opinions on quality flip from mostly positive to mostly negative.
    SentimentFlip,
    /// Sentiment carried by slang never seen in training.
    NewSlang,
    /// Bots: the same promotional comments again and again, and emoji-only comments.
    SpamBots,
    /// A large share of comments in Spanish, German and Portuguese.
    LanguageMix,
    /// Comments become much longer.
    LengthShift,
}

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::None,
        Scenario::AspectMix,
        Scenario::SentimentFlip,
        Scenario::NewSlang,
        Scenario::SpamBots,
        Scenario::LanguageMix,
        Scenario::LengthShift,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::None => "none",
            Scenario::AspectMix => "aspect_mix",
            Scenario::SentimentFlip => "sentiment_flip",
            Scenario::NewSlang => "new_slang",
            Scenario::SpamBots => "spam_bots",
            Scenario::LanguageMix => "language_mix",
            Scenario::LengthShift => "length_shift",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown scenario '{0}' (expected one of: none, aspect_mix, sentiment_flip, new_slang, spam_bots, language_mix, length_shift)"
)]
pub struct UnknownScenario(String);

impl FromStr for Scenario {
    type Err = UnknownScenario;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL.into_iter().find(|x| x.name() == s).ok_or_else(|| UnknownScenario(s.to_owned()))
    }
}
