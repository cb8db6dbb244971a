//! Command-line arguments of `rally simulate`.

use clap::Args;

/// Arguments of `rally simulate`: the population and how long to run it.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Seed of the random number generator: the same seed gives the same report (but for the
    /// CPU timings).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated seconds to run.
    #[arg(long, default_value_t = 3_600)]
    pub duration_s: u64,
    /// Concurrent players in the population.
    #[arg(long, default_value_t = 10_000)]
    pub players: usize,
    /// Regions (1 to 8).
    #[arg(long, default_value_t = 4)]
    pub regions: usize,
    /// Seconds over which the players first come online (Poisson arrivals).
    #[arg(long, default_value_t = 120)]
    pub ramp_s: u64,
    /// Mean length of a game, in seconds.
    #[arg(long, default_value_t = 600)]
    pub game_s: u64,
    /// Mean pause between a game's end and queuing again, in seconds (exponential).
    #[arg(long, default_value_t = 30)]
    pub break_s: u64,
    /// Engine tick interval, in milliseconds (by default the server's presets').
    #[arg(long, default_value_t = rally_engine::DEFAULT_TICK_INTERVAL_MS)]
    pub tick_ms: u64,
    /// Play without roles (by default each team needs 1 tank, 1 healer, 3 damage).
    #[arg(long)]
    pub no_roles: bool,
    /// The weight of the `parties` part of quality (premade players spread evenly over the
    /// teams), 0 to 1; the other parts keep their proportions in the rest. By default the
    /// engine's (0.10).
    #[arg(long)]
    pub party_weight: Option<f64>,
    /// Tune each region's widening toward this wait, in seconds (the queue's
    /// `target_wait_ms`); by default the fixed schedule.
    #[arg(long)]
    pub target_wait_s: Option<u64>,
    /// Chance that a player, after a game, blocks one of the game's other players (outside
    /// their party) for good: the queue then keeps the two out of one match. 0 (the default)
    /// blocks nobody; 0.02 (one player in fifty after each game) is a realistic rate.
    #[arg(long, default_value_t = 0.0)]
    pub block_rate: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Default for SimulateArgs {
    fn default() -> Self {
        Self {
            seed: 7,
            duration_s: 3_600,
            players: 10_000,
            regions: 4,
            ramp_s: 120,
            game_s: 600,
            break_s: 30,
            tick_ms: rally_engine::DEFAULT_TICK_INTERVAL_MS,
            no_roles: false,
            party_weight: None,
            target_wait_s: None,
            block_rate: 0.0,
            json: false,
        }
    }
}
