//! One typed settings tree for a Rally node, layered: defaults, then an optional `rally.toml`,
//! then `RALLY_*` environment variables, then command-line flags.
//!
//! Everything is validated when it is loaded: a bad value stops the process with a message that
//! names the key, where the value came from and what was wrong. Secrets are [`Secret`]s and
//! connection URLs are [`BackendUrl`]s, so printing the settings (`rally config`) shows neither.

mod accounts;
mod chat;
mod gateway;
mod http;
mod keys;
mod party;
mod queues;
mod roles;
mod secret;
mod secrets;
mod sections;
mod sessions;
mod url;
mod voice;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use accounts::{DEFAULT_ACCESS_TOKEN_TTL_S, DEFAULT_REFRESH_TOKEN_TTL_S};
use keys::Keys;
pub use roles::{Role, Roles};
pub use secret::{REDACTED, Secret};
pub use secrets::Secrets;
pub use sections::{
    AccountSettings, ChatSettings, FriendSettings, GatewaySettings, HttpSettings, KeySettings,
    MatchmakingSettings, ModerationSettings, NodeSettings, PartySettings, RatingSettings,
    SessionSettings, TelemetrySettings, VoiceProviderKind, VoiceSettings,
};
pub use sessions::{AllocatorKind, GameServer, LeftPolicy};
pub use url::BackendUrl;

/// The file read when neither `--config` nor `RALLY_CONFIG` names one and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "rally.toml";

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value is missing, malformed or out of range; the message names the key.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The configuration file named with `--config` / `RALLY_CONFIG` does not exist.
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    /// Production refuses to start on missing or weak secrets.
    #[error("refusing to start in production: {0}")]
    InsecureSecrets(String),
    /// The secrets file in the data directory could not be read or written.
    #[error("secrets file {path}: {source}")]
    SecretsFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Where this node runs: production demands configured, strong secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer machine or a test: missing secrets are generated and kept in the data directory.
    #[default]
    Development,
    /// A live deployment: every secret must be configured and strong.
    Production,
}

/// How log lines are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when the terminal supports it.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The whole configuration of a Rally node, in sections. See the configuration reference in the
/// README: keys are flat there (`party_max_size`, `RALLY_PARTY_MAX_SIZE`) and each lives in one
/// section here (`settings.parties.party_max_size`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Keys", into = "Keys")]
pub struct Settings {
    /// Where the node runs and what it connects to: its environment, address, data directory, backends, namespace, roles and shutdown.
    pub node: NodeSettings,
    /// Logs, traces and metrics.
    pub telemetry: TelemetrySettings,
    /// The HTTP server: connection and request bounds, body size, trusted proxies.
    pub http: HttpSettings,
    /// The node's keys and their predecessors (resolved into [`Secrets`] at start).
    pub keys: KeySettings,
    /// Accounts: token lifetimes and claims, regions, rate limits.
    pub accounts: AccountSettings,
    /// Parties: their size, invites and ready checks.
    pub parties: PartySettings,
    /// Friends: how many a player may have, and how many requests may wait.
    pub friends: FriendSettings,
    /// Chat: message length and rate, edits, retention, the word filter.
    pub chat: ChatSettings,
    /// Moderation: the automatic ban from reports.
    pub moderation: ModerationSettings,
    /// Voice: the provider of parties' voice rooms.
    pub voice: VoiceSettings,
    /// The WebSocket gateway: pings, idle timeout, resume grace, queues and frame limits.
    pub gateway: GatewaySettings,
    /// Matchmaking: the queues, the matchmaker's leases, status pushes, the disconnect policy.
    pub matchmaking: MatchmakingSettings,
    /// Game sessions: how servers are found, session tokens, heartbeats.
    pub sessions: SessionSettings,
    /// Ratings: the policy for players who left, the season that should run.
    pub ratings: RatingSettings,
}

/// The settings keys that `RALLY_*` environment variables may set (`RALLY_LISTEN` -> `listen`).
const ENV_KEYS: &[&str] = &[
    "env",
    "listen",
    "data_dir",
    "database_url",
    "redis_url",
    "nats_url",
    "namespace",
    "roles",
    "log_format",
    "log_level",
    "otlp_endpoint",
    "trace_sample_ratio",
    "shutdown_timeout_s",
    "readiness_timeout_ms",
    "backend_timeout_ms",
    "store_queue_ms",
    "max_connections",
    "max_requests_in_flight",
    "http_header_timeout_ms",
    "http_body_timeout_ms",
    "metrics_listen",
    "token_signing_key",
    "session_token_key",
    "server_key",
    "previous_token_signing_keys",
    "access_token_ttl_s",
    "refresh_token_ttl_s",
    "refresh_reuse_interval_s",
    "token_issuer",
    "token_audience",
    "regions",
    "login_limit_per_minute",
    "login_failure_limit",
    "login_failure_window_s",
    "register_limit_per_hour",
    "api_limit_per_minute",
    "trusted_proxies",
    "body_limit_bytes",
    "party_max_size",
    "party_invite_ttl_s",
    "party_ready_check_s",
    "friends_max",
    "friend_requests_max",
    "blocks_max",
    "friend_presence_per_minute",
    "auto_ban_reports",
    "auto_ban_window_s",
    "auto_ban_duration_s",
    "chat_message_max_chars",
    "chat_messages_per_minute",
    "chat_edit_window_s",
    "chat_retention_party_days",
    "chat_retention_match_days",
    "chat_retention_dm_days",
    "chat_word_filter",
    "chat_word_filter_mode",
    "voice_provider",
    "voice_url",
    "livekit_api_key",
    "livekit_api_secret",
    "voice_webhook_url",
    "voice_token_ttl_s",
    "ws_ping_interval_ms",
    "ws_idle_timeout_ms",
    "ws_resume_grace_s",
    "ws_outbound_queue",
    "ws_max_message_bytes",
    "ws_messages_per_second",
    "matchmaker_lease_s",
    "matchmaker_regions",
    "queue_status_interval_s",
    "queue_leave_on_disconnect",
    "allocator",
    "allocator_webhook_url",
    "allocator_webhook_timeout_ms",
    "allocator_webhook_attempts",
    "session_token_ttl_s",
    "previous_session_token_keys",
    "session_heartbeat_timeout_s",
    "decline_cooldowns_s",
    "decline_forgiven_after_s",
    "ratings_left_policy",
    "season",
];

impl Settings {
    /// Loads the settings from every layer: defaults, the file (`file`, else `rally.toml` when it
    /// exists), `RALLY_*` variables, then `overrides` (command-line flags as `(key, value)`).
    pub fn load(file: Option<&Path>, overrides: &[(&str, String)]) -> Result<Self, SettingsError> {
        Self::from_figment(Self::figment(file, overrides)?)
    }

    /// The layered sources, before extraction.
    pub fn figment(
        file: Option<&Path>,
        overrides: &[(&str, String)],
    ) -> Result<Figment, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.exists() => return Err(SettingsError::MissingFile(path.into())),
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("RALLY_").only(ENV_KEYS));
        for (key, value) in overrides {
            // Parsed like environment variables, so `--listen` and `RALLY_LISTEN` read alike.
            let value: figment::value::Value =
                value.parse().expect("BUG: parsing a value is infallible");
            figment = figment.merge(Serialized::default(key, value));
        }
        Ok(figment)
    }

    /// Extracts and validates the settings.
    pub fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let settings: Settings = figment.extract().map_err(|errors| {
            let messages: Vec<String> = errors.into_iter().map(describe).collect();
            SettingsError::Invalid(messages.join("; "))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let invalid =
            |key: &str, why: String| Err(SettingsError::Invalid(format!("`{key}`: {why}")));
        if let Some(url) = &self.node.database_url {
            match url.scheme().as_deref() {
                Some("postgres" | "postgresql" | "sqlite") => {}
                _ => {
                    return invalid(
                        "database_url",
                        format!("`{url}` is neither postgres:// nor sqlite://"),
                    );
                }
            }
        }
        if let Some(url) = &self.node.redis_url
            && !matches!(url.scheme().as_deref(), Some("redis" | "rediss"))
        {
            return invalid(
                "redis_url",
                format!("`{url}` is not a redis:// or rediss:// URL"),
            );
        }
        if let Some(url) = &self.node.nats_url
            && !matches!(url.scheme().as_deref(), Some("nats" | "tls"))
        {
            return invalid(
                "nats_url",
                format!("`{url}` is not a nats:// or tls:// URL"),
            );
        }
        if let Err(error) = tracing_subscriber::EnvFilter::try_new(&self.telemetry.log_level) {
            return invalid(
                "log_level",
                format!("`{}` is not a filter: {error}", self.telemetry.log_level),
            );
        }
        if !(0.0..=1.0).contains(&self.telemetry.trace_sample_ratio) {
            return invalid("trace_sample_ratio", "must be between 0 and 1".into());
        }
        let namespace_ok = !self.node.namespace.is_empty()
            && self.node.namespace.len() <= 32
            && self
                .node
                .namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !namespace_ok {
            return invalid(
                "namespace",
                "1 to 32 of letters, digits, `_` and `-`".into(),
            );
        }
        if self.node.shutdown_timeout_s == 0 || self.node.shutdown_timeout_s > 3600 {
            return invalid("shutdown_timeout_s", "must be between 1 and 3600".into());
        }
        if self.node.readiness_timeout_ms == 0 || self.node.readiness_timeout_ms > 60_000 {
            return invalid("readiness_timeout_ms", "must be between 1 and 60000".into());
        }
        self.validate_http()?;
        self.validate_accounts()?;
        self.validate_parties()?;
        self.validate_chat()?;
        self.validate_moderation()?;
        self.validate_voice()?;
        self.validate_gateway()?;
        self.validate_queues()?;
        self.validate_sessions()
    }

    /// The database to connect to: the configured URL, else the SQLite file in the data directory.
    pub fn database(&self) -> BackendUrl {
        self.node.database_url.clone().unwrap_or_else(|| {
            BackendUrl::new(format!(
                "sqlite://{}?mode=rwc",
                self.node.data_dir.join("rally.db").display()
            ))
        })
    }

    /// How long a shutdown waits for in-flight requests.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.node.shutdown_timeout_s)
    }

    /// How long `/readyz` waits for each backend.
    pub fn readiness_timeout(&self) -> Duration {
        Duration::from_millis(self.node.readiness_timeout_ms)
    }
}

/// One extraction error as `key (from source): what was wrong`.
fn describe(error: figment::Error) -> String {
    let key = error.path.join(".");
    let source = error
        .metadata
        .as_ref()
        .map(|m| {
            let env_name = (m.name.contains("environment"))
                .then(|| format!("RALLY_{}", key.to_ascii_uppercase()));
            env_name.unwrap_or_else(|| m.name.to_string())
        })
        .unwrap_or_else(|| "defaults".to_owned());
    format!("`{key}` (from {source}): {}", error.kind)
}

#[cfg(test)]
mod tests;
