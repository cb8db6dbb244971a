//! Queueing: durable tickets, the queues' definitions, and the events that tell players. The
//! matchmaker role that matches them is `roles::matchmaker`.
//!
//! - [`queues`]: the configured queues (the engine's `QueueConfig` per mode).
//! - [`spec`]: what a stored ticket keeps so the engine's ticket can be rebuilt from the store.
//! - [`queueing`]: the rules below the queue routes: join, cancel, status, and leaving the
//!   queue when a party changes or a player disconnects.
//! - [`stats`]: queue population and waits, published by the matchmaker for `GET /v1/queues`.

pub mod queueing;
pub mod queues;
pub mod spec;
pub mod stats;

pub use queues::Queues;

/// Milliseconds since the Unix epoch of a store time, as the engine counts time.
pub fn engine_millis(at: rally_store::Timestamp) -> rally_engine::Millis {
    rally_engine::Millis(u64::try_from(at.unix_millis()).unwrap_or(0))
}
