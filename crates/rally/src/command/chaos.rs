//! `rally chaos SCENARIO`: one fault injected into a scaled-out Rally under load, from the
//! `rally-load` crate (built with the `load` feature, on by default).

use std::process::ExitCode;

use rally_load::{ChaosArgs, chaos};

use super::simulate::print;

/// The options of `rally chaos`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: ChaosArgs,
    /// Print the report as JSON instead of markdown.
    #[arg(long)]
    json: bool,
}

/// Runs the scenario and prints its report; exit 1 when it did damage or availability fell
/// below 99.9 %.
pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe()?;
    let report = chaos(&args.run, &exe).await?;
    print(&if args.json {
        serde_json::to_string_pretty(&report)?
    } else {
        report.to_string()
    })?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
