//! One module per resource, each exporting `router()`; [`crate::router`] assembles them.

pub mod admin;
pub mod appeals;
pub mod auth;
pub mod blocks;
pub mod chat;
pub mod friends;
pub mod gateway;
pub mod health;
pub mod leaderboard;
pub mod matches;
pub mod moderation;
pub mod operations;
pub mod party;
pub mod profile;
pub mod queue;
pub mod reports;
pub mod server;
pub mod session;
pub mod telemetry;
pub mod voice;
