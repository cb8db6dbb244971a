//! Queueing: durable tickets, the queues' definitions, and the events that tell players: the
//! [`Queueing`] service, which the functions of [`queueing`] take. The matchmaker role that
//! matches the tickets is `roles::matchmaker`.
//!
//! - [`queues`]: the configured queues (the engine's `QueueConfig` per mode).
//! - [`spec`]: what a stored ticket keeps so the engine's ticket can be rebuilt from the store.
//! - [`queueing`]: the rules below the queue routes: join, cancel, status, and leaving the
//!   queue when a party changes or a player disconnects.
//! - [`stats`]: queue population and waits, published by the matchmaker for `GET /v1/queues`.

mod error;
pub mod queueing;
pub mod queues;
pub mod spec;
pub mod stats;

pub use error::QueueError;
pub use queues::Queues;

use rally_state::State;
use rally_store::Store;

/// The queueing service: what it uses is given when it is built (the store, the state backend
/// for the queues' published figures, the queues), and every call answers with a
/// [`QueueError`].
#[derive(Debug, Clone)]
pub struct Queueing {
    store: Store,
    state: State,
    queues: Queues,
}

impl Queueing {
    /// The service over these parts.
    pub fn new(store: Store, state: State, queues: Queues) -> Self {
        Self {
            store,
            state,
            queues,
        }
    }
}

/// Milliseconds since the Unix epoch of a store time, as the engine counts time.
pub fn engine_millis(at: rally_store::Timestamp) -> rally_engine::Millis {
    rally_engine::Millis(u64::try_from(at.unix_millis()).unwrap_or(0))
}
