//! Game sessions: a server for every match, session tokens to get in, the game-server API, and
//! heartbeats.
//!
//! - [`allocator`]: finds a server (`static` pool or the studio's `webhook`).
//! - [`token`]: session tokens (HMAC-SHA256, key ids for rotation; the format is documented
//!   there for game servers that verify offline).
//! - [`allocation`]: a server for every match, or its players back in the queue.
//! - [`lifecycle`]: the player's view of a session and the online token check.
//! - [`heartbeat`]: heartbeat deadlines and abandonment.
//! - [`result`]: results, stored once.
//! - [`backfill`]: game servers' requests for players.
//!
//! The sessions role that allocates each new match and watches heartbeat deadlines is
//! `roles::sessions`.

pub mod allocation;
pub mod allocator;
pub mod backfill;
pub mod heartbeat;
pub mod lifecycle;
pub mod result;

pub use allocator::Allocator;
pub use rally_protocol::session_token::{self as token, SessionTokens};
