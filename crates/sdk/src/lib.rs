//! Rally's SDK: the easiest way from "player opens the game" to "player is on a server".
//!
//! - Game clients use [`Client`] (async, tokio) or [`BlockingClient`] (no runtime needed): typed
//!   calls for accounts, parties, queueing, sessions, history and leaderboards, tokens refreshed
//!   for the caller, and the gateway kept open so every push arrives as an [`Event`].
//! - Game servers use [`GameServer`] (or [`BlockingGameServer`]): verify session tokens
//!   (offline or online), heartbeat, backfill, and report results with retries that are safe
//!   to repeat.
//! - C and C++ engines use the C ABI of the `rally-sdk-ffi` crate, built on this one.
//!
//! Every error is one [`Error`] that keeps Rally's stable problem `code`.
//!
//! # Events in a game loop
//! Events reach a game two ways, both thread-safe; use either or both:
//! - the queue: [`Client::poll_events`] once a frame, on the game thread, never blocks;
//! - callbacks: [`Client::on`] for one [`EventKind`], called on the SDK's connection thread
//!   (see [`inbox`] for which thread runs what).
//!
//! # Layout
//! - [`client`]: [`Client`] and its calls, by resource.
//! - [`blocking`]: [`BlockingClient`] and [`BlockingGameServer`], the same calls for callers
//!   without a runtime.
//! - [`game_server`]: [`GameServer`] and its [`Heartbeat`].
//! - [`event`]: [`Event`] and [`EventKind`]; [`inbox`]: the queue and the callbacks.
//! - [`config`]: [`ClientConfig`]; [`error`]: [`Error`].
//! - Inside: `http` (requests and problems), `credentials` (the token pair and its refresh),
//!   `gateway` (the WebSocket connection, reconnects and resumes), `cursor` (where a resumed
//!   session stands), `backoff`, `tls`.

#![deny(missing_docs)]

mod backoff;
pub mod blocking;
pub mod client;
pub mod config;
mod credentials;
mod cursor;
pub mod error;
pub mod event;
pub mod game_server;
mod gateway;
mod http;
pub mod inbox;
mod tls;

pub use blocking::{BlockingClient, BlockingGameServer};
pub use client::Client;
pub use config::ClientConfig;
pub use error::{Error, Result};
pub use event::{Event, EventKind};
pub use game_server::{GameServer, Heartbeat};
pub use inbox::CallbackId;
/// The wire types of Rally's API, as the SDK's calls take and return them.
pub use rally_protocol as protocol;
