//! Game sessions: a server for every match, session tokens to get in, the game-server API, and
//! heartbeats: the [`Sessions`] service, which the functions of the modules below take.
//!
//! - [`allocator`]: finds a server (`static` pool or the studio's `webhook`).
//! - [`token`]: session tokens (HMAC-SHA256, key ids for rotation; the format is documented
//!   there for game servers that verify offline).
//! - [`acceptance`]: the accept step of queues that ask players to accept a found match.
//! - [`allocation`]: a server for every match, or its players back in the queue.
//! - `returning`: a cancelled match's tickets back to the queue, their wait kept.
//! - [`lifecycle`]: the player's view of a session and the online token check.
//! - [`heartbeat`]: heartbeat deadlines and abandonment.
//! - [`result`]: results, stored once.
//! - [`placement`]: a result's finishing places, checked.
//! - [`backfill`]: game servers' requests for players.
//!
//! The sessions role that allocates each new match and watches heartbeat deadlines is
//! `roles::sessions`.

pub mod acceptance;
pub mod allocation;
pub mod allocator;
pub mod backfill;
mod error;
pub mod heartbeat;
pub mod lifecycle;
pub mod placement;
pub mod result;
mod returning;
pub mod strikes;

pub use allocator::Allocator;
pub use error::SessionsError;
pub use rally_protocol::session_token::{self as token, SessionTokens};

use rally_clock::Clock;
use rally_events::Events;
use rally_state::State;
use rally_store::Store;

use crate::{matchmaking::Queues, settings::SessionSettings};

/// The sessions service: what it uses is given when it is built (the store, the state backend
/// for heartbeat deadlines, the events to publish `session.ready` on at once, the clock, the
/// queues for backfill roles, its settings section and the session-token keys), and every
/// call answers with a [`SessionsError`].
#[derive(Debug, Clone)]
pub struct Sessions {
    store: Store,
    state: State,
    events: Events,
    clock: Clock,
    queues: Queues,
    settings: SessionSettings,
    tokens: SessionTokens,
}

impl Sessions {
    /// The service over these parts.
    pub fn new(
        store: Store,
        state: State,
        events: Events,
        clock: Clock,
        queues: Queues,
        settings: SessionSettings,
        tokens: SessionTokens,
    ) -> Self {
        Self {
            store,
            state,
            events,
            clock,
            queues,
            settings,
            tokens,
        }
    }

    /// Signs and verifies game-session tokens.
    pub fn tokens(&self) -> &SessionTokens {
        &self.tokens
    }
}
