//! The chat settings: message length and rate, the edit window, retention, the word filter.

use super::{Settings, SettingsError};

impl Settings {
    pub(super) fn validate_chat(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        let c = &self.chat;
        if !(1..=10_000).contains(&c.chat_message_max_chars) {
            return invalid("chat_message_max_chars", "must be between 1 and 10000");
        }
        if !(1..=600).contains(&c.chat_messages_per_minute) {
            return invalid("chat_messages_per_minute", "must be between 1 and 600");
        }
        if c.chat_edit_window_s > 86_400 {
            return invalid("chat_edit_window_s", "must be at most 86400");
        }
        for (key, days) in [
            ("chat_retention_party_days", c.chat_retention_party_days),
            ("chat_retention_match_days", c.chat_retention_match_days),
            ("chat_retention_dm_days", c.chat_retention_dm_days),
        ] {
            if !(1..=3_650).contains(&days) {
                return invalid(key, "must be between 1 and 3650");
            }
        }
        if let Some(path) = &c.chat_word_filter
            && !path.is_file()
        {
            return invalid("chat_word_filter", "must name a readable file");
        }
        Ok(())
    }
}
