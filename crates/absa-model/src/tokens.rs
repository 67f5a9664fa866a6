//! Unicode-aware tokenisation: words by UAX #29 (the `unicode-segmentation`
//! crate), emoji kept as tokens of their own, spans in characters.

use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Emoji,
    Punctuation,
}

/// A token, lowercased, with its place in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub kind: TokenKind,
    /// Character (not byte) offsets into the original text: [start, end).
    pub start: usize,
    pub end: usize,
}

/// Splits `text` into words, emoji and punctuation; whitespace is dropped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars_before = 0;
    for segment in text.split_word_bounds() {
        let len = segment.chars().count();
        let kind = if segment.chars().any(char::is_alphanumeric) {
            Some(TokenKind::Word)
        } else if segment.chars().any(is_emoji) {
            Some(TokenKind::Emoji)
        } else if segment.chars().all(char::is_whitespace) {
            None
        } else {
            Some(TokenKind::Punctuation)
        };
        if let Some(kind) = kind {
            tokens.push(Token { text: segment.to_lowercase(), kind, start: chars_before, end: chars_before + len });
        }
        chars_before += len;
    }
    tokens
}

/// Pictographic characters: the emoji blocks, symbols and dingbats.
fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_emoji_and_punctuation_with_character_spans() {
        let tokens = tokenize("Love it 😍🔥, don't!");
        let view: Vec<(&str, TokenKind, usize, usize)> =
            tokens.iter().map(|t| (t.text.as_str(), t.kind, t.start, t.end)).collect();
        assert_eq!(
            view,
            [
                ("love", TokenKind::Word, 0, 4),
                ("it", TokenKind::Word, 5, 7),
                ("😍", TokenKind::Emoji, 8, 9),
                ("🔥", TokenKind::Emoji, 9, 10),
                (",", TokenKind::Punctuation, 10, 11),
                ("don't", TokenKind::Word, 12, 17),
                ("!", TokenKind::Punctuation, 17, 18),
            ]
        );
    }

    #[test]
    fn non_latin_words_are_words() {
        let tokens = tokenize("die Qualität ist super");
        assert_eq!(tokens[1].text, "qualität");
        assert_eq!(tokens[1].kind, TokenKind::Word);
    }
}
