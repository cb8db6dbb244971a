//! `rally migrate`: bring the schema up to date and exit.

use std::{path::Path, process::ExitCode};

use rally_server::Settings;
use rally_store::Store;

/// Migrates the configured database.
pub async fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(config, &[])?;
    let database = settings.database();
    let store = Store::connect(database.expose()).await?;
    store.migrate().await?;
    eprintln!("rally: the schema of {database} is up to date");
    Ok(ExitCode::SUCCESS)
}
