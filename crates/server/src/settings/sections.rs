//! The sections of [`Settings`](super::Settings): each concept's own keys, so a service can be
//! given its section rather than the whole tree. Each field keeps the name of its key.

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

use rally_engine::QueueConfig;

use crate::chat::FilterMode;

use super::{
    AllocatorKind, BackendUrl, Environment, GameServer, LeftPolicy, LogFormat, Roles, Secret,
};

/// Where the node runs and what it connects to: its environment, address, data directory, backends, namespace, roles and shutdown.
#[derive(Debug, Clone)]
pub struct NodeSettings {
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
    /// How long a shutdown waits for in-flight requests before exiting, in seconds.
    pub shutdown_timeout_s: u64,
    /// How long `/readyz` waits for each backend, in milliseconds.
    pub readiness_timeout_ms: u64,
    /// The bound on one call to Redis, and on a wait for a database connection, in
    /// milliseconds: past it the request answers 503 `backend_unavailable`.
    pub backend_timeout_ms: u64,
    /// The longest a player's request waits for its turn at the store (a database connection,
    /// or SQLite's write turn at the pace writes have been taking), in milliseconds: past it
    /// the request answers 503 at once. Matchmaking, allocations and ratings wait up to
    /// `backend_timeout_ms`.
    pub store_queue_ms: u64,
}

/// Logs, traces and metrics.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// `pretty` (default) or `json` (`RALLY_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// A tracing filter directive such as `info` or `rally=debug,info` (`RALLY_LOG_LEVEL`).
    pub log_level: String,
    /// An OTLP/HTTP endpoint to export traces to (`RALLY_OTLP_ENDPOINT`); unset exports none.
    pub otlp_endpoint: Option<BackendUrl>,
    /// The share of traces started here that are recorded, from 0 to 1
    /// (`RALLY_TRACE_SAMPLE_RATIO`); a trace continued from a caller's `traceparent` follows
    /// the caller's decision.
    pub trace_sample_ratio: f64,
    /// A separate address for `/metrics` (`RALLY_METRICS_LISTEN`); when set, the API address
    /// no longer serves it.
    pub metrics_listen: Option<SocketAddr>,
}

/// The HTTP server: connection and request bounds, body size, trusted proxies.
#[derive(Debug, Clone)]
pub struct HttpSettings {
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
    /// The largest request body accepted, in bytes (413 beyond).
    pub body_limit_bytes: usize,
    /// Addresses of proxies whose `X-Forwarded-For` is believed (`RALLY_TRUSTED_PROXIES=10.0.0.2`).
    pub trusted_proxies: Vec<IpAddr>,
}

/// The node's keys and their predecessors (resolved into [`Secrets`](super::Secrets) at start).
#[derive(Debug, Clone)]
pub struct KeySettings {
    /// The key that signs players' access tokens (`RALLY_TOKEN_SIGNING_KEY`).
    pub token_signing_key: Option<Secret>,
    /// The HMAC key of game-session tokens (`RALLY_SESSION_TOKEN_KEY`).
    pub session_token_key: Option<Secret>,
    /// The key game servers authenticate with (`RALLY_SERVER_KEY`).
    pub server_key: Option<Secret>,
    /// Former token signing keys, still accepted to verify access tokens until theirs expire
    /// (`RALLY_PREVIOUS_TOKEN_SIGNING_KEYS=key1,key2`).
    pub previous_token_signing_keys: Vec<Secret>,
    /// Former session-token keys, still accepted to verify tokens
    /// (`RALLY_PREVIOUS_SESSION_TOKEN_KEYS=key1,key2`).
    pub previous_session_token_keys: Vec<Secret>,
}

/// Accounts: token lifetimes and claims, regions, rate limits.
#[derive(Debug, Clone)]
pub struct AccountSettings {
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
}

/// Parties: their size, invites and ready checks.
#[derive(Debug, Clone)]
pub struct PartySettings {
    /// The most members a party may hold (2 to 100; a party may ask for fewer).
    pub party_max_size: u32,
    /// How long a party invite admits, in seconds.
    pub party_invite_ttl_s: u64,
    /// How long members have to answer a ready check, in seconds.
    pub party_ready_check_s: u64,
}

/// Friends and blocks: how many friends a player may have, how many requests may wait, and
/// how many players one may block.
#[derive(Debug, Clone)]
pub struct FriendSettings {
    /// The most friends a player may have.
    pub friends_max: u32,
    /// The most friend requests a player may have waiting, sent and received each.
    pub friend_requests_max: u32,
    /// The most players a player may block.
    pub blocks_max: u32,
    /// How many changes of one player's presence their friends are told of a minute (a burst
    /// of as many, then one each `60 / n` seconds); a change over it is told when allowed.
    pub friend_presence_per_minute: u32,
}

/// Moderation: the automatic temporary ban that reports from many players put on a player
/// pending a moderator's review.
#[derive(Debug, Clone)]
pub struct ModerationSettings {
    /// The weighted count of distinct reporters within the window that bans (each reporter
    /// weighs 1 with no closed reports, up to 2 when their reports were actioned, down to 0 when
    /// dismissed); 0: never.
    pub auto_ban_reports: u32,
    /// How far back reports count, in seconds.
    pub auto_ban_window_s: u64,
    /// How long the automatic ban lasts, in seconds.
    pub auto_ban_duration_s: u64,
}

/// Chat: message length and rate, the sender's window to edit, retention per channel kind, and
/// the word filter.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// The longest message, in characters.
    pub chat_message_max_chars: u32,
    /// The most messages a player may send a minute (a burst of as many, then one each
    /// `60 / n` seconds).
    pub chat_messages_per_minute: u32,
    /// How long after sending a message its sender may edit or delete it, in seconds.
    pub chat_edit_window_s: u64,
    /// How long a party channel's messages are kept, in days.
    pub chat_retention_party_days: u32,
    /// How long a match's (and its teams') messages are kept, in days.
    pub chat_retention_match_days: u32,
    /// How long direct messages are kept, in days.
    pub chat_retention_dm_days: u32,
    /// The word list file (one word or phrase a line); none: no filter.
    pub chat_word_filter: Option<PathBuf>,
    /// What a listed word does to a message: masked, or the message refused.
    pub chat_word_filter_mode: FilterMode,
}

/// Which service runs parties' voice rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoiceProviderKind {
    /// No voice.
    #[default]
    None,
    /// LiveKit: `voice_url`, `livekit_api_key` and `livekit_api_secret`.
    Livekit,
    /// An operator's webhook: `voice_webhook_url`.
    Webhook,
}

/// Voice: the provider of parties' voice rooms, how to reach it, and how long tokens admit.
#[derive(Debug, Clone)]
pub struct VoiceSettings {
    /// Which provider, if any.
    pub voice_provider: VoiceProviderKind,
    /// Where clients connect (LiveKit's WebSocket URL).
    pub voice_url: Option<String>,
    /// The LiveKit API key (the tokens' issuer).
    pub livekit_api_key: Option<String>,
    /// The LiveKit API secret that signs tokens.
    pub livekit_api_secret: Option<Secret>,
    /// The webhook Rally asks for a member's token.
    pub voice_webhook_url: Option<String>,
    /// How long a member's voice token admits, in seconds.
    pub voice_token_ttl_s: u64,
}

/// The WebSocket gateway: pings, idle timeout, resume grace, queues and frame limits.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
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
}

/// Matchmaking: the queues, the matchmaker's leases, status pushes, the disconnect policy.
#[derive(Debug, Clone)]
pub struct MatchmakingSettings {
    /// The queues, by mode: the engine's queue configuration (config file only; `[queues.duel]`).
    /// Empty: the two example queues `duel` and `squad` in the configured regions.
    pub queues: BTreeMap<String, QueueConfig>,
    /// How long a matchmaker's lease on a bucket (one region of a queue) lasts unless renewed,
    /// in seconds; a bucket whose matchmaker died is taken over within about this long.
    pub matchmaker_lease_s: u64,
    /// The regions whose buckets this node's matchmaker takes (`RALLY_MATCHMAKER_REGIONS=eu`);
    /// empty: every region of every queue.
    pub matchmaker_regions: Vec<String>,
    /// How often a searching ticket's players get `queue.status`, in seconds.
    pub queue_status_interval_s: u64,
    /// Whether a player whose socket is gone past `ws_resume_grace_s` leaves the queue.
    pub queue_leave_on_disconnect: bool,
}

/// Game sessions: how servers are found, session tokens, heartbeats.
#[derive(Debug, Clone)]
pub struct SessionSettings {
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
    /// A session whose server sends no heartbeat for this long is ended as abandoned, in seconds.
    pub session_heartbeat_timeout_s: u64,
    /// The queue cooldowns of a player who declines a found match (or lets its time to accept
    /// pass), in seconds: the first decline gets the first, each further one the next, and the
    /// last repeats (`RALLY_DECLINE_COOLDOWNS_S=60,300,1800`).
    pub decline_cooldowns_s: Vec<u64>,
    /// A player whose last cooldown ended this many seconds ago starts again from the first
    /// cooldown, in seconds.
    pub decline_forgiven_after_s: u64,
}

/// Ratings: the policy for players who left, the season that should run.
#[derive(Debug, Clone)]
pub struct RatingSettings {
    /// How a player reported `left` is rated: `loss` (as if their team lost) or `partial` (half
    /// of their team's change).
    pub ratings_left_policy: LeftPolicy,
    /// The season that should be running (`RALLY_SEASON`): when another is active, the ratings
    /// role starts this one at start-up (with the soft reset). Unset: seasons change only with
    /// `rally season start`.
    pub season: Option<String>,
}
