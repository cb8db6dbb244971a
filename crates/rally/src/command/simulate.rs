//! `rally simulate`: the matchmaking engine on a simulated population in virtual time, from the
//! `rally-simulator` crate.

use std::{io::Write, process::ExitCode};

use rally_simulator::{SimulateArgs, simulate};

/// Runs the simulation and prints its report as a table, or as JSON with `--json`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let report = simulate(args)?;
    let text = if args.json {
        report.to_json()
    } else {
        report.to_table()
    };
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes a report to standard output, ending it with a newline.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}
