//! Unicode-aware tokenisation: words by UAX #29 (the `unicode-segmentation`
//! crate), emoji kept as tokens of their own, @mentions as one token whose
//! text is always `@mention`, spans in characters.

use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Emoji,
    Punctuation,
    /// `@handle` at the start of the text or after a space or punctuation.
    /// Its text is `@mention` whoever is named (extract has replaced the
    /// handle by a pseudonym by then), so no name becomes a word or a feature.
    Mention,
}

/// The text of every [`TokenKind::Mention`].
pub const MENTION: &str = "@mention";

/// A token, lowercased, with its place in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub kind: TokenKind,
    /// Character (not byte) offsets into the original text: [start, end).
    pub start: usize,
    pub end: usize,
}

/// Splits `text` into words, emoji, punctuation and mentions; whitespace is
/// dropped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut chars_before = 0;
    let mut segments = text.split_word_bounds().peekable();
    let mut after_word = false;
    while let Some(segment) = segments.next() {
        let len = segment.chars().count();
        if segment == "@"
            && !after_word
            && let Some(handle) = segments.next_if(|next| next.chars().any(char::is_alphanumeric))
        {
            let end = chars_before + len + handle.chars().count();
            tokens.push(Token { text: MENTION.to_owned(), kind: TokenKind::Mention, start: chars_before, end });
            chars_before = end;
            after_word = true;
            continue;
        }
        after_word = segment.chars().any(char::is_alphanumeric);
        let kind = if after_word {
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
    fn mentions_are_one_token_that_names_nobody() {
        let view =
            |text: &str| -> Vec<(String, TokenKind)> { tokenize(text).into_iter().map(|t| (t.text, t.kind)).collect() };
        let mention = (MENTION.to_owned(), TokenKind::Mention);
        assert_eq!(
            view("@Mia love it"),
            [mention.clone(), ("love".into(), TokenKind::Word), ("it".into(), TokenKind::Word)]
        );
        assert_eq!(view("@u_3fa9b2c1d4e5 ok")[0], mention, "a pseudonymised handle too");
        assert_eq!(view("(@rl.user_12)")[1], mention);
        let t = &tokenize("hey @Mia!")[1];
        assert_eq!((t.start, t.end), (4, 8), "the span covers the handle");
        assert!(
            view("mail me at a@b.com").iter().all(|(_, k)| *k != TokenKind::Mention),
            "an address is not a mention"
        );
        assert_eq!(view("@ home")[0], ("@".to_owned(), TokenKind::Punctuation), "a lone @ is punctuation");
    }

    #[test]
    fn non_latin_words_are_words() {
        let tokens = tokenize("die Qualität ist super");
        assert_eq!(tokens[1].text, "qualität");
        assert_eq!(tokens[1].kind, TokenKind::Word);
    }
}
