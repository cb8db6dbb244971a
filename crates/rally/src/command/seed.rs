//! `rally seed`: demo data for trying Rally out: players, parties, matches, a season and a
//! leaderboard. Running it twice creates nothing twice; `--reset` starts over.

use std::{path::Path, process::ExitCode};

use rally_server::{Settings, accounts::password};
use rally_store::{DEMO_PASSWORD, Store};

/// Flags of `rally seed`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Delete the demo data first, then seed again.
    #[arg(long)]
    reset: bool,
}

/// Seeds the configured database (migrating it first).
pub async fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let store = Store::connect(settings.database().expose()).await?;
    store.migrate().await?;
    let hash = password::Hasher::for_this_machine()
        .hash(DEMO_PASSWORD.to_owned())
        .await?;
    let report = rally_store::seed::seed(&store, &hash, args.reset).await?;
    eprintln!("{report}");
    eprintln!("rally: every demo player's password is `{DEMO_PASSWORD}`");
    Ok(ExitCode::SUCCESS)
}
