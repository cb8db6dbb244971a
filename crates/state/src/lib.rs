//! Shared ephemeral state for Rally: what every node must see alike but that can be rebuilt
//! from the durable store, so it may live in memory or on Redis.
//!
//! - rate limits (GCRA, one round trip on Redis),
//! - values with a TTL (presence, heartbeat deadlines, idempotency keys),
//! - sorted sets with rank queries (leaderboards),
//! - leases with fencing tokens (matchmaker bucket ownership).
//!
//! One type, [`State`], fronts two backends: in this process ([`State::memory`], the embedded
//! mode's default) and Redis ([`State::redis`], when the server is given a Redis URL). Every
//! operation is atomic on both, and one conformance suite (`tests/conformance/`) runs against
//! both, so they behave alike.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rally_state::StateError> {
//! use std::time::Duration;
//! use rally_state::{Quota, State};
//!
//! let state = State::memory();
//! let quota = Quota::new(5, Duration::from_secs(1))?;
//! if !state.rate_limit("login:203.0.113.7", quota).await?.allowed {
//!     // answer 429
//! }
//! state.zadd("ladder:s1:duel", "player-1", 1520.0).await?;
//! let top = state.range_by_rank("ladder:s1:duel", 0, 9).await?;
//! # let _ = top; Ok(()) }
//! ```
//!
//! # Layout
//!
//! - `state`: the [`State`] handle and its operations; picks the backend.
//! - `rate`: [`Quota`], [`Decision`] and the GCRA step both backends run.
//! - `ranking`: [`Ranked`] and the leaderboard order (highest first, ties by member).
//! - `lease`: [`Lease`] and the fencing-token rules.
//! - `redis_config`: [`RedisConfig`] (URL, key prefix, timeout).
//! - `error`: [`StateError`].
//! - `memory_state`: the in-process backend (values, rates, sorted sets, lease table).
//! - `redis_state`: the Redis backend (connection, key layout, Lua scripts).

mod error;
mod lease;
mod memory_state;
mod ranking;
mod rate;
mod redis_config;
mod redis_state;
mod state;

pub use error::StateError;
pub use lease::Lease;
pub use ranking::Ranked;
pub use rate::{Decision, Quota};
pub use redis_config::{DEFAULT_KEY_PREFIX, DEFAULT_TIMEOUT, RedisConfig};
pub use state::{BackendKind, State};
