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

/// The whole configuration of a Rally node. See the configuration reference in the README.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `development` (default) or `production` (`RALLY_ENV`).
    pub env: Environment,
    /// The address the HTTP API listens on (`RALLY_LISTEN`).
    pub listen: SocketAddr,
    /// Where the SQLite database and generated secrets live (`RALLY_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset for the SQLite file in the data directory.
    pub database_url: Option<BackendUrl>,
    /// `redis://…` for shared state on Redis; unset for in-process state.
    pub redis_url: Option<BackendUrl>,
    /// `nats://…` for events on NATS JetStream; unset for in-process events.
    pub nats_url: Option<BackendUrl>,
    /// A prefix for every Redis key, NATS subject and stream, so deployments can share a server.
    pub namespace: String,
    /// The roles this node plays (`RALLY_ROLES=api,matchmaker`); all by default.
    pub roles: Roles,
    /// `pretty` (default) or `json` (`RALLY_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// A tracing filter directive such as `info` or `rally=debug,info` (`RALLY_LOG_LEVEL`).
    pub log_level: String,
    /// An OTLP/HTTP endpoint to export traces to (`RALLY_OTLP_ENDPOINT`); unset exports none.
    pub otlp_endpoint: Option<BackendUrl>,
    /// How long a shutdown waits for in-flight requests before exiting, in seconds.
    pub shutdown_timeout_s: u64,
    /// How long `/readyz` waits for each backend, in milliseconds.
    pub readiness_timeout_ms: u64,
    /// The bound on one call to Redis, and on a wait for a database connection, in
    /// milliseconds: past it the request answers 503 `backend_unavailable`.
    pub backend_timeout_ms: u64,
    /// Open HTTP connections past which the oldest is asked to close; 0: the open-files limit
    /// less 256.
    pub max_connections: usize,
    /// Requests a node works on at once; past it a request is answered 503
    /// `backend_unavailable` at once (health, readiness and metrics are always served).
    pub max_requests_in_flight: usize,
    /// How long a connection may take to send a request's headers, counted from when it is
    /// ready for the next request (so also how long an idle keep-alive connection stays), in
    /// milliseconds.
    pub http_header_timeout_ms: u64,
    /// How long a request body may take to arrive, in milliseconds.
    pub http_body_timeout_ms: u64,
    /// A separate address for `/metrics` (`RALLY_METRICS_LISTEN`); when set, the API address
    /// no longer serves it.
    pub metrics_listen: Option<SocketAddr>,
    /// The key that signs players' access tokens (`RALLY_TOKEN_SIGNING_KEY`).
    pub token_signing_key: Option<Secret>,
    /// The HMAC key of game-session tokens (`RALLY_SESSION_TOKEN_KEY`).
    pub session_token_key: Option<Secret>,
    /// The key game servers authenticate with (`RALLY_SERVER_KEY`).
    pub server_key: Option<Secret>,
    /// Former token signing keys, still accepted to verify access tokens until theirs expire
    /// (`RALLY_PREVIOUS_TOKEN_SIGNING_KEYS=key1,key2`).
    #[serde(deserialize_with = "accounts::list")]
    pub previous_token_signing_keys: Vec<Secret>,
    /// Lifetime of an access token, in seconds (900).
    pub access_token_ttl_s: u64,
    /// Lifetime of a refresh token, in seconds (30 days).
    pub refresh_token_ttl_s: u64,
    /// How long after a refresh token is spent presenting it again returns the same successor
    /// (a client's retry) instead of revoking the login, in seconds; 0 turns it off.
    pub refresh_reuse_interval_s: u64,
    /// The `iss` claim of access tokens.
    pub token_issuer: String,
    /// The `aud` claim of access tokens.
    pub token_audience: String,
    /// The regions players may choose (`RALLY_REGIONS=eu,na`).
    #[serde(deserialize_with = "accounts::list")]
    pub regions: Vec<String>,
    /// Login attempts per client address per minute.
    pub login_limit_per_minute: u32,
    /// Failed logins per account per `login_failure_window_s`.
    pub login_failure_limit: u32,
    /// The window of `login_failure_limit`, in seconds (900).
    pub login_failure_window_s: u64,
    /// Registrations per client address per hour.
    pub register_limit_per_hour: u32,
    /// Authenticated API requests per player per minute.
    pub api_limit_per_minute: u32,
    /// Addresses of proxies whose `X-Forwarded-For` is believed (`RALLY_TRUSTED_PROXIES=10.0.0.2`).
    #[serde(deserialize_with = "accounts::list")]
    pub trusted_proxies: Vec<IpAddr>,
    /// The largest request body accepted, in bytes (413 beyond).
    pub body_limit_bytes: usize,
    /// The most members a party may hold (2 to 100; a party may ask for fewer).
    pub party_max_size: u32,
    /// How long a party invite admits, in seconds.
    pub party_invite_ttl_s: u64,
    /// How long members have to answer a ready check, in seconds.
    pub party_ready_check_s: u64,
    /// How often the gateway pings each WebSocket, in milliseconds.
    pub ws_ping_interval_ms: u64,
    /// How long a WebSocket may stay silent before it is closed, in milliseconds.
    pub ws_idle_timeout_ms: u64,
    /// How long after a disconnect a gateway session can be resumed, in seconds.
    pub ws_resume_grace_s: u64,
    /// Pushes waiting to be written to one socket before it counts as a slow consumer.
    pub ws_outbound_queue: usize,
    /// The largest frame a client may send, in bytes.
    pub ws_max_message_bytes: usize,
    /// Frames a client may send per second (twice that in a burst) before it is closed.
    pub ws_messages_per_second: u32,
    /// The queues, by mode: the engine's queue configuration (config file only; `[queues.duel]`).
    /// Empty: the two example queues `duel` and `squad` in the configured regions.
    pub queues: BTreeMap<String, QueueConfig>,
    /// How long a matchmaker's lease on a queue lasts unless renewed, in seconds; a queue whose
    /// matchmaker died is taken over within about this long.
    pub matchmaker_lease_s: u64,
    /// How often a searching ticket's players get `queue.status`, in seconds.
    pub queue_status_interval_s: u64,
    /// Whether a player whose socket is gone past `ws_resume_grace_s` leaves the queue.
    pub queue_leave_on_disconnect: bool,
    /// How game servers are found: `static` (the `game_servers` pool) or `webhook`.
    pub allocator: AllocatorKind,
    /// The static pool (config file only): `[[game_servers]]` with `endpoint`, `region`,
    /// `capacity`. Empty: one `127.0.0.1:7777` per region.
    pub game_servers: Vec<GameServer>,
    /// The studio's fleet manager, for the `webhook` allocator (`RALLY_ALLOCATOR_WEBHOOK_URL`).
    pub allocator_webhook_url: Option<BackendUrl>,
    /// How long one webhook call may take, in milliseconds.
    pub allocator_webhook_timeout_ms: u64,
    /// Webhook attempts before the allocation fails (with backoff between them).
    pub allocator_webhook_attempts: u32,
    /// Lifetime of a session token, in seconds.
    pub session_token_ttl_s: u64,
    /// Former session-token keys, still accepted to verify tokens
    /// (`RALLY_PREVIOUS_SESSION_TOKEN_KEYS=key1,key2`).
    #[serde(deserialize_with = "accounts::list")]
    pub previous_session_token_keys: Vec<Secret>,
    /// A session whose server sends no heartbeat for this long is ended as abandoned, in seconds.
    pub session_heartbeat_timeout_s: u64,
    /// How a player reported `left` is rated: `loss` (as if their team lost) or `partial` (half
    /// of their team's change).
    pub ratings_left_policy: LeftPolicy,
    /// The season that should be running (`RALLY_SEASON`): when another is active, the ratings
    /// role starts this one at start-up (with the soft reset). Unset: seasons change only with
    /// `rally season start`.
    pub season: Option<String>,
}

impl Default for Settings {
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
        if let Some(url) = &self.database_url {
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
        if let Some(url) = &self.redis_url
            && !matches!(url.scheme().as_deref(), Some("redis" | "rediss"))
        {
            return invalid(
                "redis_url",
                format!("`{url}` is not a redis:// or rediss:// URL"),
            );
        }
        if let Some(url) = &self.nats_url
            && !matches!(url.scheme().as_deref(), Some("nats" | "tls"))
        {
            return invalid(
                "nats_url",
                format!("`{url}` is not a nats:// or tls:// URL"),
            );
        }
        if let Err(error) = tracing_subscriber::EnvFilter::try_new(&self.log_level) {
            return invalid(
                "log_level",
                format!("`{}` is not a filter: {error}", self.log_level),
            );
        }
        let namespace_ok = !self.namespace.is_empty()
            && self.namespace.len() <= 32
            && self
                .namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !namespace_ok {
            return invalid(
                "namespace",
                "1 to 32 of letters, digits, `_` and `-`".into(),
            );
        }
        if self.shutdown_timeout_s == 0 || self.shutdown_timeout_s > 3600 {
            return invalid("shutdown_timeout_s", "must be between 1 and 3600".into());
        }
        if self.readiness_timeout_ms == 0 || self.readiness_timeout_ms > 60_000 {
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
        self.database_url.clone().unwrap_or_else(|| {
            BackendUrl::new(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("rally.db").display()
            ))
        })
    }

    /// How long a shutdown waits for in-flight requests.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_s)
    }

    /// How long `/readyz` waits for each backend.
    pub fn readiness_timeout(&self) -> Duration {
        Duration::from_millis(self.readiness_timeout_ms)
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
