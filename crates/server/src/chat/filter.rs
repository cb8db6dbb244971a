//! [`WordFilter`]: the operator's list of words refused or masked in chat messages.
//!
//! The list is a text file, one word or phrase per line (blank lines and lines starting with
//! `#` are skipped). A listed word matches case-insensitively and as a whole word: `ass` does
//! not match `class`. Masking replaces each letter of a match with `*`.

use std::path::Path;

/// A character as words are compared: lowercased one for one, so a message and the list are
/// folded alike and a match keeps its place in the message.
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// What the filter does with a message that holds a listed word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// Masks the word and sends the message.
    #[default]
    Mask,
    /// Refuses the message (`message_refused`).
    Refuse,
}

/// The list, lowercased, and what to do on a match.
#[derive(Debug, Clone, Default)]
pub struct WordFilter {
    words: Vec<Vec<char>>,
    mode: FilterMode,
}

/// What the filter made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filtered {
    /// Send this text (masked where a word matched).
    Send(String),
    /// Refused: a listed word is in it.
    Refused,
}

impl WordFilter {
    /// A filter of the words in `text` (the file's contents).
    pub fn of(text: &str, mode: FilterMode) -> Self {
        let words = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.chars().map(fold).collect())
            .collect();
        Self { words, mode }
    }

    /// The filter of the list file at `path`.
    pub fn load(path: &Path, mode: FilterMode) -> std::io::Result<Self> {
        Ok(Self::of(&std::fs::read_to_string(path)?, mode))
    }

    /// How many words are listed.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word is listed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// `text` as it may be sent, or refused.
    pub fn apply(&self, text: &str) -> Filtered {
        if self.words.is_empty() {
            return Filtered::Send(text.to_owned());
        }
        let mut chars: Vec<char> = text.chars().collect();
        let lower: Vec<char> = chars.iter().copied().map(fold).collect();
        let mut matched = false;
        for word in &self.words {
            let mut at = 0;
            while at + word.len() <= lower.len() {
                let end = at + word.len();
                let bounded = (at == 0 || !lower[at - 1].is_alphanumeric())
                    && (end == lower.len() || !lower[end].is_alphanumeric());
                if bounded && lower[at..end] == word[..] {
                    matched = true;
                    for c in &mut chars[at..end] {
                        if c.is_alphanumeric() {
                            *c = '*';
                        }
                    }
                    at = end;
                } else {
                    at += 1;
                }
            }
        }
        match (matched, self.mode) {
            (true, FilterMode::Refuse) => Filtered::Refused,
            _ => Filtered::Send(chars.into_iter().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_words_are_masked_whole_and_in_any_case() {
        let filter = WordFilter::of("# rude words\nbadword\n\nfoo bar\n", FilterMode::Mask);
        assert_eq!(filter.len(), 2);
        let said = |t: &str| filter.apply(t);
        assert_eq!(
            said("a BadWord here"),
            Filtered::Send("a ******* here".into())
        );
        assert_eq!(
            said("badwords stay"),
            Filtered::Send("badwords stay".into())
        );
        assert_eq!(said("so Foo Bar!"), Filtered::Send("so *** ***!".into()));
        assert_eq!(said("nothing"), Filtered::Send("nothing".into()));
        let strict = WordFilter::of("badword", FilterMode::Refuse);
        assert_eq!(strict.apply("x badword"), Filtered::Refused);
        assert_eq!(strict.apply("fine"), Filtered::Send("fine".into()));
        assert_eq!(
            WordFilter::default().apply("badword"),
            Filtered::Send("badword".into())
        );
    }
}
