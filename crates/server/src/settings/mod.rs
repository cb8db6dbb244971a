//! One typed settings tree for a Rally node, layered: defaults, then an optional `rally.toml`,
//! then `RALLY_*` environment variables, then command-line flags.
//!
//! Everything is validated when it is loaded: a bad value stops the process with a message that
//! names the key, where the value came from and what was wrong. Secrets are [`Secret`]s and
//! connection URLs are [`BackendUrl`]s, so printing the settings (`rally config`) shows neither.

mod accounts;
mod gateway;
mod http;
mod party;
mod queues;
mod roles;
mod secret;
mod secrets;
mod sections;
mod sessions;
mod url;

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use rally_engine::QueueConfig;
use serde::{Deserialize, Serialize};

pub use accounts::{DEFAULT_ACCESS_TOKEN_TTL_S, DEFAULT_REFRESH_TOKEN_TTL_S};
pub use roles::{Role, Roles};
pub use secret::{REDACTED, Secret};
pub use secrets::Secrets;
pub use sections::{
    AccountSettings, GatewaySettings, HttpSettings, KeySettings, MatchmakingSettings, NodeSettings,
    PartySettings, RatingSettings, SessionSettings, TelemetrySettings,
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
    /// The WebSocket gateway: pings, idle timeout, resume grace, queues and frame limits.
    pub gateway: GatewaySettings,
    /// Matchmaking: the queues, the matchmaker's leases, status pushes, the disconnect policy.
    pub matchmaking: MatchmakingSettings,
    /// Game sessions: how servers are found, session tokens, heartbeats.
    pub sessions: SessionSettings,
    /// Ratings: the policy for players who left, the season that should run.
    pub ratings: RatingSettings,
}

/// The settings as they are written: one flat table whose keys are the `rally.toml` keys and,
/// upper-cased after `RALLY_`, the environment variables. [`Settings`] reads and writes them
/// through it, so every key, default and error message stays the same. Each key is documented
/// on its field in its section (`sections.rs`) and in the README's configuration reference.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Keys {
    pub(crate) env: Environment,
    pub(crate) listen: SocketAddr,
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: Option<BackendUrl>,
    pub(crate) redis_url: Option<BackendUrl>,
    pub(crate) nats_url: Option<BackendUrl>,
    pub(crate) namespace: String,
    pub(crate) roles: Roles,
    pub(crate) log_format: LogFormat,
    pub(crate) log_level: String,
    pub(crate) otlp_endpoint: Option<BackendUrl>,
    pub(crate) shutdown_timeout_s: u64,
    pub(crate) readiness_timeout_ms: u64,
    pub(crate) backend_timeout_ms: u64,
    pub(crate) max_connections: usize,
    pub(crate) max_requests_in_flight: usize,
    pub(crate) http_header_timeout_ms: u64,
    pub(crate) http_body_timeout_ms: u64,
    pub(crate) metrics_listen: Option<SocketAddr>,
    pub(crate) token_signing_key: Option<Secret>,
    pub(crate) session_token_key: Option<Secret>,
    pub(crate) server_key: Option<Secret>,
    #[serde(deserialize_with = "accounts::list")]
    pub(crate) previous_token_signing_keys: Vec<Secret>,
    pub(crate) access_token_ttl_s: u64,
    pub(crate) refresh_token_ttl_s: u64,
    pub(crate) refresh_reuse_interval_s: u64,
    pub(crate) token_issuer: String,
    pub(crate) token_audience: String,
    #[serde(deserialize_with = "accounts::list")]
    pub(crate) regions: Vec<String>,
    pub(crate) login_limit_per_minute: u32,
    pub(crate) login_failure_limit: u32,
    pub(crate) login_failure_window_s: u64,
    pub(crate) register_limit_per_hour: u32,
    pub(crate) api_limit_per_minute: u32,
    #[serde(deserialize_with = "accounts::list")]
    pub(crate) trusted_proxies: Vec<IpAddr>,
    pub(crate) body_limit_bytes: usize,
    pub(crate) party_max_size: u32,
    pub(crate) party_invite_ttl_s: u64,
    pub(crate) party_ready_check_s: u64,
    pub(crate) ws_ping_interval_ms: u64,
    pub(crate) ws_idle_timeout_ms: u64,
    pub(crate) ws_resume_grace_s: u64,
    pub(crate) ws_outbound_queue: usize,
    pub(crate) ws_max_message_bytes: usize,
    pub(crate) ws_messages_per_second: u32,
    pub(crate) queues: BTreeMap<String, QueueConfig>,
    pub(crate) matchmaker_lease_s: u64,
    pub(crate) queue_status_interval_s: u64,
    pub(crate) queue_leave_on_disconnect: bool,
    pub(crate) allocator: AllocatorKind,
    pub(crate) game_servers: Vec<GameServer>,
    pub(crate) allocator_webhook_url: Option<BackendUrl>,
    pub(crate) allocator_webhook_timeout_ms: u64,
    pub(crate) allocator_webhook_attempts: u32,
    pub(crate) session_token_ttl_s: u64,
    #[serde(deserialize_with = "accounts::list")]
    pub(crate) previous_session_token_keys: Vec<Secret>,
    pub(crate) session_heartbeat_timeout_s: u64,
    pub(crate) ratings_left_policy: LeftPolicy,
    pub(crate) season: Option<String>,
}

impl Default for Keys {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./rally-data"),
            database_url: None,
            redis_url: None,
            nats_url: None,
            namespace: "rally".to_owned(),
            roles: Roles::all(),
            log_format: LogFormat::Pretty,
            log_level: "info".to_owned(),
            otlp_endpoint: None,
            shutdown_timeout_s: 10,
            readiness_timeout_ms: 2000,
            backend_timeout_ms: 500,
            max_connections: 0,
            max_requests_in_flight: 512,
            http_header_timeout_ms: 10_000,
            http_body_timeout_ms: 30_000,
            metrics_listen: None,
            token_signing_key: None,
            session_token_key: None,
            server_key: None,
            previous_token_signing_keys: Vec::new(),
            access_token_ttl_s: DEFAULT_ACCESS_TOKEN_TTL_S,
            refresh_token_ttl_s: DEFAULT_REFRESH_TOKEN_TTL_S,
            refresh_reuse_interval_s: 5,
            token_issuer: "rally".to_owned(),
            token_audience: "rally-api".to_owned(),
            regions: vec!["eu".to_owned(), "na".to_owned()],
            login_limit_per_minute: 10,
            login_failure_limit: 5,
            login_failure_window_s: 900,
            register_limit_per_hour: 10,
            api_limit_per_minute: 600,
            trusted_proxies: Vec::new(),
            body_limit_bytes: 64 * 1024,
            party_max_size: 5,
            party_invite_ttl_s: 300,
            party_ready_check_s: 30,
            ws_ping_interval_ms: 15_000,
            ws_idle_timeout_ms: 45_000,
            ws_resume_grace_s: 30,
            ws_outbound_queue: 256,
            ws_max_message_bytes: 16 * 1024,
            ws_messages_per_second: 20,
            queues: BTreeMap::new(),
            matchmaker_lease_s: 5,
            queue_status_interval_s: 5,
            queue_leave_on_disconnect: true,
            allocator: AllocatorKind::Static,
            game_servers: Vec::new(),
            allocator_webhook_url: None,
            allocator_webhook_timeout_ms: 2000,
            allocator_webhook_attempts: 3,
            session_token_ttl_s: 3600,
            previous_session_token_keys: Vec::new(),
            session_heartbeat_timeout_s: 30,
            ratings_left_policy: LeftPolicy::Loss,
            season: None,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Keys::default().into()
    }
}

impl From<Keys> for Settings {
    fn from(keys: Keys) -> Self {
        Self {
            node: NodeSettings {
                env: keys.env,
                listen: keys.listen,
                data_dir: keys.data_dir,
                database_url: keys.database_url,
                redis_url: keys.redis_url,
                nats_url: keys.nats_url,
                namespace: keys.namespace,
                roles: keys.roles,
                shutdown_timeout_s: keys.shutdown_timeout_s,
                readiness_timeout_ms: keys.readiness_timeout_ms,
                backend_timeout_ms: keys.backend_timeout_ms,
            },
            telemetry: TelemetrySettings {
                log_format: keys.log_format,
                log_level: keys.log_level,
                otlp_endpoint: keys.otlp_endpoint,
                metrics_listen: keys.metrics_listen,
            },
            http: HttpSettings {
                max_connections: keys.max_connections,
                max_requests_in_flight: keys.max_requests_in_flight,
                http_header_timeout_ms: keys.http_header_timeout_ms,
                http_body_timeout_ms: keys.http_body_timeout_ms,
                body_limit_bytes: keys.body_limit_bytes,
                trusted_proxies: keys.trusted_proxies,
            },
            keys: KeySettings {
                token_signing_key: keys.token_signing_key,
                session_token_key: keys.session_token_key,
                server_key: keys.server_key,
                previous_token_signing_keys: keys.previous_token_signing_keys,
                previous_session_token_keys: keys.previous_session_token_keys,
            },
            accounts: AccountSettings {
                access_token_ttl_s: keys.access_token_ttl_s,
                refresh_token_ttl_s: keys.refresh_token_ttl_s,
                refresh_reuse_interval_s: keys.refresh_reuse_interval_s,
                token_issuer: keys.token_issuer,
                token_audience: keys.token_audience,
                regions: keys.regions,
                login_limit_per_minute: keys.login_limit_per_minute,
                login_failure_limit: keys.login_failure_limit,
                login_failure_window_s: keys.login_failure_window_s,
                register_limit_per_hour: keys.register_limit_per_hour,
                api_limit_per_minute: keys.api_limit_per_minute,
            },
            parties: PartySettings {
                party_max_size: keys.party_max_size,
                party_invite_ttl_s: keys.party_invite_ttl_s,
                party_ready_check_s: keys.party_ready_check_s,
            },
            gateway: GatewaySettings {
                ws_ping_interval_ms: keys.ws_ping_interval_ms,
                ws_idle_timeout_ms: keys.ws_idle_timeout_ms,
                ws_resume_grace_s: keys.ws_resume_grace_s,
                ws_outbound_queue: keys.ws_outbound_queue,
                ws_max_message_bytes: keys.ws_max_message_bytes,
                ws_messages_per_second: keys.ws_messages_per_second,
            },
            matchmaking: MatchmakingSettings {
                queues: keys.queues,
                matchmaker_lease_s: keys.matchmaker_lease_s,
                queue_status_interval_s: keys.queue_status_interval_s,
                queue_leave_on_disconnect: keys.queue_leave_on_disconnect,
            },
            sessions: SessionSettings {
                allocator: keys.allocator,
                game_servers: keys.game_servers,
                allocator_webhook_url: keys.allocator_webhook_url,
                allocator_webhook_timeout_ms: keys.allocator_webhook_timeout_ms,
                allocator_webhook_attempts: keys.allocator_webhook_attempts,
                session_token_ttl_s: keys.session_token_ttl_s,
                session_heartbeat_timeout_s: keys.session_heartbeat_timeout_s,
            },
            ratings: RatingSettings {
                ratings_left_policy: keys.ratings_left_policy,
                season: keys.season,
            },
        }
    }
}

impl From<Settings> for Keys {
    fn from(settings: Settings) -> Self {
        Self {
            env: settings.node.env,
            listen: settings.node.listen,
            data_dir: settings.node.data_dir,
            database_url: settings.node.database_url,
            redis_url: settings.node.redis_url,
            nats_url: settings.node.nats_url,
            namespace: settings.node.namespace,
            roles: settings.node.roles,
            shutdown_timeout_s: settings.node.shutdown_timeout_s,
            readiness_timeout_ms: settings.node.readiness_timeout_ms,
            backend_timeout_ms: settings.node.backend_timeout_ms,
            log_format: settings.telemetry.log_format,
            log_level: settings.telemetry.log_level,
            otlp_endpoint: settings.telemetry.otlp_endpoint,
            metrics_listen: settings.telemetry.metrics_listen,
            max_connections: settings.http.max_connections,
            max_requests_in_flight: settings.http.max_requests_in_flight,
            http_header_timeout_ms: settings.http.http_header_timeout_ms,
            http_body_timeout_ms: settings.http.http_body_timeout_ms,
            body_limit_bytes: settings.http.body_limit_bytes,
            trusted_proxies: settings.http.trusted_proxies,
            token_signing_key: settings.keys.token_signing_key,
            session_token_key: settings.keys.session_token_key,
            server_key: settings.keys.server_key,
            previous_token_signing_keys: settings.keys.previous_token_signing_keys,
            previous_session_token_keys: settings.keys.previous_session_token_keys,
            access_token_ttl_s: settings.accounts.access_token_ttl_s,
            refresh_token_ttl_s: settings.accounts.refresh_token_ttl_s,
            refresh_reuse_interval_s: settings.accounts.refresh_reuse_interval_s,
            token_issuer: settings.accounts.token_issuer,
            token_audience: settings.accounts.token_audience,
            regions: settings.accounts.regions,
            login_limit_per_minute: settings.accounts.login_limit_per_minute,
            login_failure_limit: settings.accounts.login_failure_limit,
            login_failure_window_s: settings.accounts.login_failure_window_s,
            register_limit_per_hour: settings.accounts.register_limit_per_hour,
            api_limit_per_minute: settings.accounts.api_limit_per_minute,
            party_max_size: settings.parties.party_max_size,
            party_invite_ttl_s: settings.parties.party_invite_ttl_s,
            party_ready_check_s: settings.parties.party_ready_check_s,
            ws_ping_interval_ms: settings.gateway.ws_ping_interval_ms,
            ws_idle_timeout_ms: settings.gateway.ws_idle_timeout_ms,
            ws_resume_grace_s: settings.gateway.ws_resume_grace_s,
            ws_outbound_queue: settings.gateway.ws_outbound_queue,
            ws_max_message_bytes: settings.gateway.ws_max_message_bytes,
            ws_messages_per_second: settings.gateway.ws_messages_per_second,
            queues: settings.matchmaking.queues,
            matchmaker_lease_s: settings.matchmaking.matchmaker_lease_s,
            queue_status_interval_s: settings.matchmaking.queue_status_interval_s,
            queue_leave_on_disconnect: settings.matchmaking.queue_leave_on_disconnect,
            allocator: settings.sessions.allocator,
            game_servers: settings.sessions.game_servers,
            allocator_webhook_url: settings.sessions.allocator_webhook_url,
            allocator_webhook_timeout_ms: settings.sessions.allocator_webhook_timeout_ms,
            allocator_webhook_attempts: settings.sessions.allocator_webhook_attempts,
            session_token_ttl_s: settings.sessions.session_token_ttl_s,
            session_heartbeat_timeout_s: settings.sessions.session_heartbeat_timeout_s,
            ratings_left_policy: settings.ratings.ratings_left_policy,
            season: settings.ratings.season,
        }
    }
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
    "shutdown_timeout_s",
    "readiness_timeout_ms",
    "backend_timeout_ms",
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
    "ws_ping_interval_ms",
    "ws_idle_timeout_ms",
    "ws_resume_grace_s",
    "ws_outbound_queue",
    "ws_max_message_bytes",
    "ws_messages_per_second",
    "matchmaker_lease_s",
    "queue_status_interval_s",
    "queue_leave_on_disconnect",
    "allocator",
    "allocator_webhook_url",
    "allocator_webhook_timeout_ms",
    "allocator_webhook_attempts",
    "session_token_ttl_s",
    "previous_session_token_keys",
    "session_heartbeat_timeout_s",
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
