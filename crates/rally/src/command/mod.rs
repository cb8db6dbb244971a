//! The subcommands of `rally`, one module each.

pub mod bench;
pub mod config;
pub mod health;
pub mod migrate;
pub mod seed;
pub mod serve;
pub mod simulate;
