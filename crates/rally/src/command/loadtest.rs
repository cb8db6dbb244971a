//! `rally loadtest`: simulated players through the whole loop, from the `rally-load` crate
//! (built with the `load` feature, on by default).

use std::{path::PathBuf, process::ExitCode};

use rally_load::{LoadtestArgs, loadtest};

use super::simulate::print;

/// The options of `rally loadtest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: LoadtestArgs,
    /// Print the report as JSON instead of the markdown summary.
    #[arg(long)]
    json: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    json_out: Option<PathBuf>,
    /// Exit 1 when a promised figure was missed (for CI).
    #[arg(long)]
    strict: bool,
}

/// Runs the load test and prints its report.
pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe()?;
    let report = loadtest(&args.run, &exe).await?;
    let json = serde_json::to_string_pretty(&report)?;
    if let Some(path) = &args.json_out {
        std::fs::write(path, &json)?;
    }
    print(&if args.json { json } else { report.to_string() })?;
    Ok(if args.strict && !report.all_met() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
