//! `rally-simulator`: the simulator on its own (the `rally` binary offers the same as
//! `rally simulate`; the engine benchmark is `rally bench engine`).
#![allow(clippy::print_stdout)]

use clap::{Parser, Subcommand};
use rally_simulator::{SimulateArgs, simulate};

#[derive(Debug, Parser)]
#[command(about = "Rally matchmaking simulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a population in virtual time.
    Simulate(SimulateArgs),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().command {
        Command::Simulate(args) => {
            let report = simulate(&args)?;
            println!(
                "{}",
                if args.json {
                    report.to_json()
                } else {
                    report.to_table()
                }
            );
        }
    }
    Ok(())
}
