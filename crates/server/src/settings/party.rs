//! The party settings: the largest party, and how long invites and ready checks last; and the
//! friends and moderation settings beside them.

use std::time::Duration;

use super::{PartySettings, Settings, SettingsError};

impl Settings {
    pub(super) fn validate_parties(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if !(2..=100).contains(&self.parties.party_max_size) {
            return invalid("party_max_size", "must be between 2 and 100");
        }
        if !(1..=7 * 86_400).contains(&self.parties.party_invite_ttl_s) {
            return invalid("party_invite_ttl_s", "must be between 1 and 604800");
        }
        if !(1..=3600).contains(&self.parties.party_ready_check_s) {
            return invalid("party_ready_check_s", "must be between 1 and 3600");
        }
        if !(1..=10_000).contains(&self.friends.friends_max) {
            return invalid("friends_max", "must be between 1 and 10000");
        }
        if !(1..=1_000).contains(&self.friends.friend_requests_max) {
            return invalid("friend_requests_max", "must be between 1 and 1000");
        }
        if !(1..=10_000).contains(&self.friends.blocks_max) {
            return invalid("blocks_max", "must be between 1 and 10000");
        }
        if !(1..=600).contains(&self.friends.friend_presence_per_minute) {
            return invalid("friend_presence_per_minute", "must be between 1 and 600");
        }
        Ok(())
    }

    pub(super) fn validate_moderation(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        let m = &self.moderation;
        if m.auto_ban_reports > 1_000 {
            return invalid("auto_ban_reports", "must be between 0 (off) and 1000");
        }
        if !(60..=30 * 86_400).contains(&m.auto_ban_window_s) {
            return invalid("auto_ban_window_s", "must be between 60 and 2592000");
        }
        if !(60..=30 * 86_400).contains(&m.auto_ban_duration_s) {
            return invalid("auto_ban_duration_s", "must be between 60 and 2592000");
        }
        Ok(())
    }
}

impl PartySettings {
    /// How long a party invite admits.
    pub fn party_invite_ttl(&self) -> Duration {
        Duration::from_secs(self.party_invite_ttl_s)
    }

    /// How long members have to answer a ready check.
    pub fn party_ready_check(&self) -> Duration {
        Duration::from_secs(self.party_ready_check_s)
    }
}
