//! The HTTP surface of a node, driven in-process (no socket) against the embedded backends,
//! and the readiness of a node on the networked ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod admin;
mod appeals;
mod blocks;
mod bus;
mod chat;
mod friend_presence;
mod friends;
mod gateway;
mod harness;
mod leavers;
mod operations;
mod outbox;
mod party;
mod queue;
mod ratings;
mod readiness;
mod reports;
mod sanctions;
mod session;
mod surface;
mod voice;
mod voice_teams;
