//! `rally-simulator`: the simulator and the engine benchmark on their own, with the counting
//! allocator installed (the `rally` binary offers the same as `rally simulate` and
//! `rally bench engine`).
#![allow(clippy::print_stdout)]

use clap::{Parser, Subcommand};
use rally_simulator::{BenchArgs, CountingAllocator, SimulateArgs, bench_engine, simulate};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[derive(Debug, Parser)]
#[command(about = "Rally matchmaking simulator and engine benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a population in virtual time.
    Simulate(SimulateArgs),
    /// Benchmark the engine.
    Bench(BenchArgs),
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
        Command::Bench(args) => {
            let report = bench_engine(&args);
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
