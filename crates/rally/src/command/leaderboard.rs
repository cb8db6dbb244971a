//! `rally leaderboard rebuild`: the standings recomputed from the store's ratings.

use std::{path::Path, process::ExitCode};

use rally_server::{Settings, backends::Backends, ratings::board};

/// What `rally leaderboard` does.
#[derive(Debug, clap::Subcommand)]
pub enum Leaderboard {
    /// Refresh the store's standings and rebuild the active season's ranks in the state backend
    /// (Redis; with embedded state, a node rebuilds its own on start).
    Rebuild,
}

/// Runs `rally leaderboard …`.
pub async fn run(config: Option<&Path>, command: Leaderboard) -> anyhow::Result<ExitCode> {
    let Leaderboard::Rebuild = command;
    let settings = Settings::load(config, &[])?;
    let backends = Backends::connect(&settings, &rally_clock::Clock::system()).await?;
    backends.store.migrate().await?;
    backends.store.refresh_leaderboard().await?;
    let Some(active) = backends.store.active_season().await? else {
        eprintln!("rally: standings refreshed; no season is active");
        return Ok(ExitCode::SUCCESS);
    };
    let players = board::rebuild(&backends.store, &backends.state, active.id).await?;
    eprintln!(
        "rally: season `{}` rebuilt: {players} ratings ranked",
        active.name
    );
    Ok(ExitCode::SUCCESS)
}
