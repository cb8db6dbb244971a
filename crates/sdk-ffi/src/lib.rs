//! The C ABI of Rally's SDK, for C and C++ game engines: a shared (`cdylib`) and a static
//! library, and the header `rally.h` that the build generates into
//! `target/<profile>/include/`.
//!
//! The calls wrap [`rally_sdk::BlockingClient`]: each blocks the calling thread until Rally
//! answers, while the SDK's own thread keeps the gateway connected and queues events for
//! [`rally_poll_event`], which never blocks. Call it once a frame from the game loop.
//!
//! # Rules of the boundary
//! - Every call that can fail returns a [`RallyStatus`]; on failure
//!   [`rally_last_error_code`] (Rally's stable problem code, such as `party_full`) and
//!   [`rally_last_error_message`] say why, for the calling thread.
//! - No panic crosses the boundary: one becomes [`RallyStatus::Panic`].
//! - Strings the SDK returns belong to the caller: free them with [`rally_string_free`], and
//!   events with [`rally_event_free`]. Strings the caller passes are UTF-8, NUL-terminated, and
//!   only read during the call.
//! - A client may be used from several threads, but freed only once, after every other call on
//!   it has returned.
//!
//! # Layout
//! - [`status`]: [`RallyStatus`], the last error, and the guard that catches panics.
//! - [`text`]: C strings in and out.
//! - [`client`]: create and free a client, log in, parties, queueing.
//! - [`friends`]: the friends list (as JSON), requests, acceptance and removal; blocks.
//! - [`chat`]: sending to a channel, history and unread counts (as JSON), read marks, deletes.
//! - [`event`]: [`RallyEvent`], the tagged struct [`rally_poll_event`] fills.

// The boundary with C is unsafe by nature: raw pointers in, raw pointers out. Each unsafe
// block states what the caller promised that makes it sound.
#![allow(unsafe_code)]
#![deny(missing_docs)]

pub mod chat;
pub mod client;
pub mod event;
pub mod friends;
pub mod status;
pub mod text;

pub use chat::*;
pub use client::*;
pub use event::*;
pub use friends::*;
pub use status::*;
pub use text::*;
