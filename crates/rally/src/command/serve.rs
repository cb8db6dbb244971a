//! `rally serve`: run a node until SIGINT or SIGTERM.

use std::{path::Path, process::ExitCode};

use rally_server::{App, Migrations, Settings, shutdown_signal, telemetry};

/// Flags of `rally serve`; each overrides the configuration file and environment.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The roles to play, comma-separated: api, matchmaker, sessions, ratings (default: all).
    #[arg(long, value_name = "ROLES")]
    roles: Option<String>,
    /// The address to listen on (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Where the SQLite database and generated secrets live (default ./rally-data).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<String>,
    /// Serve on the schema as it is instead of migrating first.
    #[arg(long)]
    no_migrate: bool,
}

/// Runs the node.
pub async fn run(config: Option<&Path>, args: Args) -> anyhow::Result<ExitCode> {
    let mut overrides = Vec::new();
    if let Some(roles) = args.roles {
        overrides.push(("roles", roles));
    }
    if let Some(listen) = args.listen {
        overrides.push(("listen", listen));
    }
    if let Some(data_dir) = args.data_dir {
        overrides.push(("data_dir", data_dir));
    }
    let settings = Settings::load(config, &overrides)?;
    let _telemetry = telemetry::init(&settings)?;
    let migrations = if args.no_migrate {
        Migrations::Skip
    } else {
        Migrations::Run
    };
    let app = App::build(settings, migrations).await?;
    app.serve(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}
