//! Rally's server: the HTTP API and WebSocket gateway, the roles and their loops, configuration
//! and telemetry. The `rally` binary is a thin command line over this crate; the benchmarks
//! behind `rally bench` drive it from the `rally-load` crate and are no part of a node.
//!
//! # Layout
//! - [`settings`]: the layered, validated settings tree and the node's secrets.
//! - [`telemetry`]: the log and trace subscriber.
//! - [`backends`]: the store, state and events of a node, and their readiness.
//! - [`state_epoch`]: noticing that the state backend lost its data, so roles rebuild it.
//! - [`app`]: a running node: build, serve, graceful shutdown.
//! - [`router`]: every route at a glance; [`routes`]: one module per resource.
//! - [`http`]: the accept loop and its connection limits, the problem envelope, extractors
//!   (the authenticated player, the client's address), request ids, metrics middleware.
//! - [`bus`]: typed events between roles: their cause, the outbox, the shared consumer loop,
//!   the dead-letter stream.
//! - [`accounts`]: the [`accounts::Accounts`] service: registration, login, refresh, logout,
//!   profiles, bans, the account status and its cache, rate limits, access tokens and
//!   argon2id password hashing.
//! - [`friends`]: the friends rules below the handlers: requests, acceptance, removal, the list
//!   with presence.
//! - [`parties`]: the party rules below the handlers: lifecycle, invites, ready checks, and
//!   their `party.*` events.
//! - [`gateway`]: the WebSocket gateway: sessions, pushes from any node, presence.
//! - [`matchmaking`]: queues and tickets: joining, cancelling, the queues' definitions.
//! - [`roles`]: the roles' background loops, one file each (the matchmaker, the sessions and
//!   ratings roles, the gateway's dispatcher, the ready-check sweeper, the outbox relay), and
//!   the one place that starts them.
//! - [`ratings`]: ratings from results, history, seasonal leaderboards.
//! - [`sessions`]: game sessions: allocation, session tokens, heartbeats, results.

pub mod accounts;
pub mod app;
pub mod appeals;
pub mod backends;
pub mod bus;
pub mod chat;
pub mod friends;
pub mod gateway;
pub mod http;
pub mod matchmaking;
pub mod operators;
pub mod parties;
pub mod ratings;
pub mod reports;
pub mod roles;
pub mod router;
pub mod routes;
pub mod sessions;
pub mod settings;
pub mod state_epoch;
pub mod telemetry;
pub mod voice;

pub use app::{App, AppState, Migrations, shutdown_signal};
pub use settings::Settings;
