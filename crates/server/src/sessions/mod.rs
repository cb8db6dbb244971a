//! Game sessions: a server for every match, session tokens to get in, the game-server API, and
//! heartbeats.
//!
//! - [`allocator`]: finds a server (`static` pool or the studio's `webhook`).
//! - [`token`]: session tokens (HMAC-SHA256, key ids for rotation; the format is documented
//!   there for game servers that verify offline).
//! - [`lifecycle`]: allocation and its failure, the player's view, verification, heartbeats,
//!   abandonment and results.
//! - [`role`]: the sessions role: consumes `match.created` (durable `sessions`) and watches
//!   heartbeat deadlines.

pub mod allocator;
pub mod lifecycle;
pub mod role;
pub mod token;

pub use allocator::Allocator;
pub use token::SessionTokens;
