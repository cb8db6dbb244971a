//! `rally bench …`: measurements of Rally's parts, each printing medians and p99s, from the
//! `rally-load` crate (built with the `load` feature, on by default).

use std::process::ExitCode;

use rally_load::{
    AccountsBenchArgs, EngineBenchArgs, GatewayBenchArgs, QueueBenchArgs, RatingsBenchArgs,
    SoakBenchArgs, accounts, bench_engine, gateway, queue, ratings, soak,
};

use super::simulate::print;

/// The benchmarks `rally bench` runs.
#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// The engine: a tick at N queued tickets over 16 buckets, enqueue, cancel, memory per ticket.
    Engine(EngineBenchArgs),
    /// Accounts: access-token verification, `GET /v1/profile/me` at a fixed rate on SQLite (and
    /// PostgreSQL with `--database-url`), and argon2id logins per core.
    Accounts(AccountsBenchArgs),
    /// The WebSocket gateway: a node's memory holding idle connections (SQLite), and party
    /// changes pushed to every member at a fixed rate, on one node and (with
    /// `--database-url`, `--redis-url`, `--nats-url`) across two nodes over NATS.
    Gateway(GatewayBenchArgs),
    /// Queueing: queue and cancel at a fixed rate (SQLite, and PostgreSQL with
    /// `--database-url`), last ticket accepted to `match.found`, and the matchmaker's tick with
    /// `--tickets` waiting.
    Queue(QueueBenchArgs),
    /// Ratings: leaderboard and history reads at a fixed rate with many rated players, and
    /// results applied per second (PostgreSQL and Redis with `--database-url`, `--redis-url`).
    Ratings(RatingsBenchArgs),
    /// A soak: an embedded node playing the whole loop (queue, match, session, result, rating)
    /// for minutes, its memory sampled, to see it stay flat once warm.
    Soak(SoakBenchArgs),
}

/// Runs a benchmark and prints its report.
pub async fn run(bench: &Bench) -> anyhow::Result<ExitCode> {
    match bench {
        Bench::Engine(args) => {
            let report = bench_engine(args);
            print(&if args.json {
                report.to_json()
            } else {
                report.to_table()
            })?;
        }
        Bench::Accounts(args) => print(&accounts(args).await?.to_string())?,
        Bench::Gateway(args) => {
            let exe = std::env::current_exe()?;
            print(&gateway(args, &exe).await?.to_string())?;
        }
        Bench::Ratings(args) => print(&ratings(args).await?.to_string())?,
        Bench::Soak(args) => {
            let exe = std::env::current_exe()?;
            print(&soak(args, &exe).await?.to_string())?;
        }
        Bench::Queue(args) => {
            let exe = std::env::current_exe()?;
            print(&queue(args, &exe).await?.to_string())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
