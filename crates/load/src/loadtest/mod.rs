//! `rally loadtest`: simulated players running Rally's whole loop through the SDK, to measure
//! a running system against the figures Rally promises (10,000 concurrent players, mean time to
//! match under 30 s, p99 matchmaking latency under 100 ms, match quality above 0.85, API p99
//! under 50 ms, no errors).
//!
//! Each player is a real [`rally_sdk::Client`]: it registers (or logs in), keeps its gateway
//! open, queues for duels or 5v5 squads (some squads as parties, which pass a ready check
//! first), waits for `match.found` and `session.ready`, hands its session token to the
//! simulated game server (a [`rally_sdk::GameServer`], which verifies it, heartbeats and
//! reports the result), waits for `rating.updated`, thinks, and queues again. Some cancel while
//! searching; some drop their socket after a match and reconnect.
//!
//! The load test starts its own Rally (embedded, or scaled over PostgreSQL, Redis and NATS)
//! unless given `--target`, which must be this machine unless `--allow-remote`. It stops by
//! itself after the ramp and the duration.
//!
//! # Layout
//! - [`run`](mod@run): the run, its population and progress
//! - [`group`]: a lone player's or a party's loop
//! - [`server`]: the simulated game server of one match
//! - [`tally`]: what the players record; [`report`]: what the run reports
//! - [`target`]: the URL guard; [`topology`]: the nodes a run starts; [`usage`]: their CPU and
//!   memory

pub mod report;
pub mod run;
pub mod tally;
pub mod target;

mod group;
mod server;
pub(crate) mod topology;
mod usage;

use anyhow::bail;
use rally_server::settings::Secret;

pub use report::{Availability, Check, LoadtestReport, ProcessUsage};
pub use run::loadtest;
pub use tally::Step;

/// Options of `rally loadtest`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadtestArgs {
    /// The Rally to load: base URLs of its api nodes, comma-separated
    /// (`http://127.0.0.1:8080`). Without it the load test starts its own (see
    /// `--database-url`) and stops it at the end.
    #[arg(long)]
    pub target: Option<String>,
    /// The target's game-server key, for the simulated game servers (needed with `--target`).
    #[arg(
        long,
        env = "RALLY_LOADTEST_SERVER_KEY",
        hide_env_values = true,
        value_parser = secret
    )]
    pub server_key: Option<Secret>,
    /// Load a target that is not this machine's loopback. Load only a Rally you operate.
    #[arg(long)]
    pub allow_remote: bool,
    /// Simulated players.
    #[arg(long, default_value_t = 1000)]
    pub players: usize,
    /// Seconds over which the players arrive, evenly.
    #[arg(long, default_value_t = 60)]
    pub ramp_s: u64,
    /// Seconds of play after the ramp.
    #[arg(long, default_value_t = 600)]
    pub duration_s: u64,
    /// The share of players in the 5v5 `squad` queue; the others play `duel`s.
    #[arg(long, default_value_t = 0.5)]
    pub squad_share: f64,
    /// The share of squad players who come in parties of 2 to 5.
    #[arg(long, default_value_t = 0.3)]
    pub party_share: f64,
    /// The share of queueings cancelled within a second.
    #[arg(long, default_value_t = 0.05)]
    pub cancel_share: f64,
    /// The share of matches after which a player drops its socket and reconnects.
    #[arg(long, default_value_t = 0.05)]
    pub disconnect_share: f64,
    /// Milliseconds a player waits after a match before queueing again, on average (each
    /// wait strays up to half of it either way).
    #[arg(long, default_value_t = 10_000)]
    pub think_ms: u64,
    /// Seconds a match lasts on its game server, on average (strays up to half either way).
    #[arg(long, default_value_t = 20)]
    pub game_s: u64,
    /// The regions players play from (each player has a home region, near, and the others
    /// far); the target's `regions`.
    #[arg(long, value_delimiter = ',', default_value = "eu,na")]
    pub regions: Vec<String>,
    /// Seed of the population and of every player's choices, so a run can be repeated.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Names the run's accounts (`lt<tag>_<n>`), so a later run with the same tag logs them
    /// in instead of registering them; a fresh tag each run by default.
    #[arg(long)]
    pub accounts_tag: Option<String>,
    /// Start the nodes on this PostgreSQL database (with `--redis-url` and `--nats-url`): two
    /// api nodes and one matchmaker, one sessions and one ratings process.
    #[arg(long, env = "RALLY_LOADTEST_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The started nodes' Redis.
    #[arg(long, env = "RALLY_LOADTEST_REDIS_URL")]
    pub redis_url: Option<String>,
    /// The started nodes' NATS.
    #[arg(long, env = "RALLY_LOADTEST_NATS_URL")]
    pub nats_url: Option<String>,
    /// Print a progress line every five seconds on standard error.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub progress: bool,
}

/// A secret from the command line or the environment (it never prints).
fn secret(value: &str) -> Result<Secret, String> {
    Ok(Secret::new(value))
}

impl LoadtestArgs {
    /// Refuses options that cannot make a run.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.players < 2 {
            bail!("--players must be at least 2");
        }
        if self.duration_s == 0 {
            bail!("--duration-s must be at least 1");
        }
        for (name, share) in [
            ("--squad-share", self.squad_share),
            ("--party-share", self.party_share),
            ("--cancel-share", self.cancel_share),
            ("--disconnect-share", self.disconnect_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                bail!("{name} must be between 0 and 1");
            }
        }
        if self.regions.is_empty() || self.regions.iter().any(String::is_empty) {
            bail!("--regions must name at least one region");
        }
        if let Some(tag) = &self.accounts_tag
            && (tag.is_empty() || tag.len() > 12 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            bail!("--accounts-tag must be 1 to 12 letters and digits");
        }
        Ok(())
    }
}
