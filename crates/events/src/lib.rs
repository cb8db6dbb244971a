//! Rally's event bus, in process or on NATS, behind one type: [`Events`].
//!
//! Two kinds of delivery:
//!
//! - **Durable streams** ([`Stream`]): work handed between roles, such as `match.created` from
//!   the matchmaker to the sessions role. [`Events::publish_durable`] returns once the message
//!   is stored; a [`Consumer`] of a durable name receives each message as a [`Delivery`] that
//!   must be acknowledged. Unacknowledged messages come back after the ack wait (or at once
//!   after a nack), possibly to another consumer of the same durable name: at least once, so
//!   handlers are idempotent. A message id deduplicates retried publishes.
//! - **Fan-out subjects**: [`Events::publish`] reaches every current [`Subscription`] of the
//!   exact subject, at most once, nothing stored. Used for per-player pushes (`player.<id>`)
//!   to whichever node holds the player's WebSocket.
//!
//! [`Events::in_process`] serves the embedded single-process mode; [`Events::nats`] uses
//! JetStream streams and durable pull consumers (nothing newer than NATS 2.9, no key-value
//! API) and core NATS subjects. One conformance suite (`tests/conformance.rs`) runs against
//! both.
//!
//! # Layout
//!
//! - `events`: the [`Events`] handle, dispatching to one of the two buses.
//! - `name`: the [`Stream`]s and the checks on prefixes, durable names, subjects and keys.
//! - `consumer`: [`Consumer`], [`Delivery`], [`ConsumerOptions`], [`PublishReceipt`].
//! - `subscription`: [`Subscription`] and fan-out [`Message`].
//! - `in_process`: the in-memory bus; `in_process::stream_log` holds the redelivery rules as
//!   pure bookkeeping, `in_process::fanout` the subscriber channels.
//! - `nats`: the NATS bus and its naming scheme (`<prefix>.stream.<name>.<key>`,
//!   `<prefix>.fanout.<subject>`).
//! - `error`: [`EventsError`].

mod consumer;
mod error;
mod events;
mod in_process;
mod name;
mod nats;
mod subscription;

pub use consumer::{Consumer, ConsumerOptions, Delivery, PublishReceipt};
pub use error::EventsError;
pub use events::Events;
pub use name::Stream;
pub use subscription::{Message, Subscription};
