//! Rally's events between roles, typed: every event is a variant of
//! [`rally_protocol::event::Event`] in an [`Envelope`](rally_protocol::event::Envelope) that
//! says which chain of work it belongs to.
//!
//! - [`cause`]: the chain of work the running code belongs to (correlation, causation, trace).
//! - [`outbox`]: writing an event in the transaction of its change.
//! - [`publication`]: putting written events on their streams (the relay's, or at once).
//! - [`reader`]: the one consumer loop every role runs over its durable stream.
//! - [`dead_letter`]: where unreadable messages go.

pub mod cause;
pub mod dead_letter;
pub mod outbox;
pub mod publication;
pub mod reader;

pub use cause::{Cause, is_traceparent};
pub use reader::{Handled, Handler, Reader, Reading};
