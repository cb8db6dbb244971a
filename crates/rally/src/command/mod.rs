//! The subcommands of `rally`, one module each.

#[cfg(feature = "load")]
pub mod bench;
#[cfg(feature = "load")]
pub mod chaos;
pub mod chat;
pub mod config;
pub mod health;
pub mod leaderboard;
#[cfg(feature = "load")]
pub mod loadtest;
pub mod migrate;
pub mod operator;
pub mod player;
pub mod season;
pub mod seed;
pub mod serve;
pub mod simulate;
