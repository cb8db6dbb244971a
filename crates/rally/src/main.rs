//! `rally`: the whole matchmaking platform in one binary.
//!
//! # Layout
//! - [`command`]: one module per subcommand (`serve`, `migrate`, `seed`, `health`, `config`,
//!   `simulate`, `season`, `leaderboard`, `player` and, with the default `load` feature,
//!   `bench`, `loadtest` and `chaos`, over the `rally-load` crate).

mod command;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

/// Rally: self-hostable matchmaking for multiplayer games.
///
/// With no configuration, `rally serve` runs every role in one process on SQLite with in-process
/// state and events. Point it at PostgreSQL, Redis and NATS (RALLY_DATABASE_URL, RALLY_REDIS_URL,
/// RALLY_NATS_URL) to run many processes, each with the roles it should play.
#[derive(Debug, Parser)]
#[command(name = "rally", version, propagate_version = true)]
struct Cli {
    /// A TOML configuration file (default: ./rally.toml when it exists).
    #[arg(long, global = true, env = "RALLY_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a Rally node: the HTTP API and WebSocket gateway and the background roles.
    Serve(command::serve::Args),
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Fill the database with demo players, parties, matches, a season and a leaderboard.
    Seed(command::seed::Args),
    /// Ask a running node whether it is ready; exit 0 only when it is.
    Health(command::health::Args),
    /// Print the effective configuration, with secrets and passwords redacted.
    Config,
    /// Run the matchmaker on a simulated population in virtual time and report wait, quality,
    /// fairness, latency and rating convergence.
    Simulate(rally_simulator::SimulateArgs),
    /// Start or end a season of ratings and leaderboards.
    #[command(subcommand)]
    Season(command::season::Season),
    /// Ban, unban or show a player.
    #[command(subcommand)]
    Player(command::player::Player),
    /// Add, list or disable the studio's operators (the admin API's accounts).
    #[command(subcommand)]
    Operator(command::operator::Operator),
    /// Moderate chat: list reported messages, delete one.
    #[command(subcommand)]
    Chat(command::chat::ChatCommand),
    /// Rebuild the leaderboard from the store.
    #[command(subcommand)]
    Leaderboard(command::leaderboard::Leaderboard),
    /// Measure a part of Rally.
    #[cfg(feature = "load")]
    #[command(subcommand)]
    Bench(command::bench::Bench),
    /// Simulated players running the whole loop through the SDK against a Rally (one it starts,
    /// or `--target`), measured against the figures Rally promises.
    #[cfg(feature = "load")]
    Loadtest(command::loadtest::Args),
    /// Inject one fault (a process killed, a backend stopped) into a scaled-out Rally of its own
    /// under load, and report availability and the damage read from the database.
    #[cfg(feature = "load")]
    Chaos(command::chaos::Args),
}

/// Counts allocations so `rally bench engine` can report the bytes each queued ticket costs;
/// it forwards every call to the system allocator and counts only once that bench starts it.
#[cfg(feature = "load")]
#[global_allocator]
static ALLOCATOR: rally_load::CountingAllocator = rally_load::CountingAllocator;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rally: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = cli.config.as_deref();
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => command::serve::run(config, args).await,
            Command::Migrate => command::migrate::run(config).await,
            Command::Seed(args) => command::seed::run(config, args).await,
            Command::Health(args) => command::health::run(config, args).await,
            Command::Config => command::config::run(config),
            Command::Simulate(args) => command::simulate::run(&args),
            Command::Season(season) => command::season::run(config, season).await,
            Command::Leaderboard(board) => command::leaderboard::run(config, board).await,
            Command::Player(player) => command::player::run(config, player).await,
            Command::Chat(chat) => command::chat::run(config, chat).await,
            Command::Operator(operator) => command::operator::run(config, operator).await,
            #[cfg(feature = "load")]
            Command::Bench(bench) => command::bench::run(&bench).await,
            #[cfg(feature = "load")]
            Command::Loadtest(args) => command::loadtest::run(&args).await,
            #[cfg(feature = "load")]
            Command::Chaos(args) => command::chaos::run(&args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rally: {error:#}");
            ExitCode::FAILURE
        }
    }
}
