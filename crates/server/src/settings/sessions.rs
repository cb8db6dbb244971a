//! The game-session settings: how servers are allocated, session tokens, heartbeats.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{SessionSettings, Settings, SettingsError};

/// How game servers are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AllocatorKind {
    /// A pool of endpoints from the configuration.
    #[default]
    Static,
    /// An HTTP call to the studio's fleet manager.
    Webhook,
}

/// How a player who left early is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LeftPolicy {
    /// As if their team had lost.
    #[default]
    Loss,
    /// Half of their team's change.
    Partial,
}

/// One game server of the static pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameServer {
    /// Where players connect (`host:port`).
    pub endpoint: String,
    /// The region it serves.
    pub region: String,
    /// How many sessions it runs at once.
    pub capacity: u32,
}

impl Settings {
    pub(super) fn validate_sessions(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, why: &str| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if self.sessions.allocator == AllocatorKind::Webhook {
            match self
                .sessions
                .allocator_webhook_url
                .as_ref()
                .map(|url| url.expose())
            {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {}
                _ => {
                    return invalid(
                        "allocator_webhook_url",
                        "the webhook allocator needs an http:// or https:// url",
                    );
                }
            }
        }
        if !(100..=60_000).contains(&self.sessions.allocator_webhook_timeout_ms) {
            return invalid(
                "allocator_webhook_timeout_ms",
                "must be between 100 and 60000",
            );
        }
        if !(1..=10).contains(&self.sessions.allocator_webhook_attempts) {
            return invalid("allocator_webhook_attempts", "must be between 1 and 10");
        }
        // Every attempt and its backoff must end well inside the sessions role's ack wait (60 s),
        // or the match would be handed to another node while still allocating.
        let backoff_ms: u64 = (1..self.sessions.allocator_webhook_attempts)
            .map(|a| 100u64 << a.min(6))
            .sum();
        if u64::from(self.sessions.allocator_webhook_attempts)
            * self.sessions.allocator_webhook_timeout_ms
            + backoff_ms
            > 45_000
        {
            return invalid(
                "allocator_webhook_attempts",
                "attempts x allocator_webhook_timeout_ms (with backoff) must stay within 45 s",
            );
        }
        if !(60..=86_400).contains(&self.sessions.session_token_ttl_s) {
            return invalid("session_token_ttl_s", "must be between 60 and 86400");
        }
        if !(1..=3600).contains(&self.sessions.session_heartbeat_timeout_s) {
            return invalid("session_heartbeat_timeout_s", "must be between 1 and 3600");
        }
        let cooldowns = &self.sessions.decline_cooldowns_s;
        if cooldowns.is_empty() || cooldowns.len() > 20 {
            return invalid("decline_cooldowns_s", "needs 1 to 20 cooldowns");
        }
        if cooldowns.iter().any(|s| *s > 30 * 86_400) {
            return invalid(
                "decline_cooldowns_s",
                "each must be at most 2592000 (30 days)",
            );
        }
        if !(60..=365 * 86_400).contains(&self.sessions.decline_forgiven_after_s) {
            return invalid(
                "decline_forgiven_after_s",
                "must be between 60 and 31536000 (a year)",
            );
        }
        for (i, server) in self.sessions.game_servers.iter().enumerate() {
            if server.endpoint.is_empty() || server.capacity == 0 {
                return invalid(
                    &format!("game_servers[{i}]"),
                    "needs an endpoint and a capacity of at least 1",
                );
            }
            if !self.accounts.regions.contains(&server.region) {
                return invalid(
                    &format!("game_servers[{i}].region"),
                    "must be one of `regions`",
                );
            }
        }
        Ok(())
    }

    /// The static pool: as configured, or one `127.0.0.1:7777` per region.
    pub fn game_server_pool(&self) -> Vec<GameServer> {
        if !self.sessions.game_servers.is_empty() {
            return self.sessions.game_servers.clone();
        }
        self.accounts
            .regions
            .iter()
            .map(|region| GameServer {
                endpoint: "127.0.0.1:7777".to_owned(),
                region: region.clone(),
                capacity: 1000,
            })
            .collect()
    }

    /// How long a session token lives.
    pub fn session_token_ttl(&self) -> Duration {
        Duration::from_secs(self.sessions.session_token_ttl_s)
    }
}

/// Reads a list of seconds given as a list of numbers (`[60, 300]` in the file) or as text
/// with commas (`60,300` from the environment).
pub(super) fn seconds_list<'de, D>(deserializer: D) -> Result<Vec<u64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Many(Vec<u64>),
        One(u64),
        Text(String),
    }
    match Form::deserialize(deserializer)? {
        Form::Many(values) => Ok(values),
        Form::One(value) => Ok(vec![value]),
        Form::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<u64>().map_err(|_| {
                    serde::de::Error::custom(format!("`{part}` is not a number of seconds"))
                })
            })
            .collect(),
    }
}

impl SessionSettings {
    /// The queue cooldown of a player's `declines`-th decline in a row (from 1).
    pub fn decline_cooldown(&self, declines: u32) -> Duration {
        let index = usize::try_from(declines.max(1) - 1).unwrap_or(usize::MAX);
        let seconds = self
            .decline_cooldowns_s
            .get(index)
            .or(self.decline_cooldowns_s.last())
            .copied()
            .unwrap_or(0);
        Duration::from_secs(seconds)
    }

    /// How old a player's last decline must be for the next to count as a first again.
    pub fn decline_forgiven_after(&self) -> Duration {
        Duration::from_secs(self.decline_forgiven_after_s)
    }

    /// How long a session may go without a heartbeat.
    pub fn session_heartbeat_timeout(&self) -> Duration {
        Duration::from_secs(self.session_heartbeat_timeout_s)
    }
}
