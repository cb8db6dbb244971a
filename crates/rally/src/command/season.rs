//! `rally season start NAME` and `rally season end`: seasons of ratings and leaderboards.

use std::{path::Path, process::ExitCode};

use rally_server::{Settings, backends::Backends, matchmaking::Queues, ratings::season};

/// What `rally season` does.
#[derive(Debug, clap::Subcommand)]
pub enum Season {
    /// End the active season (its leaderboard stays readable) and start NAME, every rating
    /// carried over with a soft reset (halfway back to the starting rating).
    Start {
        /// The new season's name.
        name: String,
    },
    /// End the active season.
    End,
}

/// Runs `rally season …` against the configured backends.
pub async fn run(config: Option<&Path>, command: Season) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let backends = Backends::connect(&settings, &rally_clock::Clock::system()).await?;
    backends.store.migrate().await?;
    match command {
        Season::Start { name } => {
            let queues = Queues::from_settings(&settings);
            let (started, carried) =
                season::start(&backends.store, &backends.state, &queues, &name).await?;
            eprintln!(
                "rally: season `{}` started ({carried} ratings carried over with a soft reset)",
                started.name
            );
        }
        Season::End => match season::end(&backends.store).await? {
            Some(ended) => eprintln!("rally: season `{}` ended", ended.name),
            None => eprintln!("rally: no season was active"),
        },
    }
    Ok(ExitCode::SUCCESS)
}
