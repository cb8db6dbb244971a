//! `rally simulate` and `rally bench engine`: the matchmaking engine on a simulated population
//! in virtual time, and its micro-benchmarks, from the `rally-simulator` crate.

use std::{io::Write, process::ExitCode};

use rally_simulator::{BenchArgs, SimulateArgs, bench_engine, simulate};

/// The benchmarks `rally bench` runs.
#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// The engine: a tick at N queued tickets over 16 buckets, enqueue, cancel, memory per ticket.
    Engine(BenchArgs),
}

/// Runs the simulation and prints its report as a table, or as JSON with `--json`.
pub fn run_simulate(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let report = simulate(args)?;
    let text = if args.json {
        report.to_json()
    } else {
        report.to_table()
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a benchmark and prints its report as a table, or as JSON with `--json`.
pub fn run_bench(bench: &Bench) -> anyhow::Result<ExitCode> {
    match bench {
        Bench::Engine(args) => {
            let report = bench_engine(args);
            let text = if args.json {
                report.to_json()
            } else {
                report.to_table()
            };
            print(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}
