//! `rally bench …`: measurements of Rally's parts, each printing medians and p99s, from the
//! `rally-load` crate (built with the `load` feature, on by default).

use std::process::ExitCode;

use rally_load::{
    AccountsBenchArgs, AllBenchArgs, EngineBenchArgs, GatewayBenchArgs, LoopBenchArgs,
    QueueBenchArgs, RatingsBenchArgs, SoakBenchArgs, accounts, all, bench_engine, full_loop,
    gateway, queue, ratings, soak,
};

use super::simulate::print;

/// The benchmarks `rally bench` runs.
#[derive(Debug, clap::Subcommand)]
pub enum Bench {
    /// The engine: a tick at N queued tickets over 16 buckets, enqueue, cancel, memory per ticket.
    Engine(EngineBenchArgs),
    /// Accounts: access-token verification, `GET /v1/profile/me` at a fixed rate on SQLite (and
    /// PostgreSQL with `--database-url`), and argon2id logins per core.
    Accounts {
        #[command(flatten)]
        args: AccountsBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The WebSocket gateway: a node's memory holding idle connections (SQLite), and party
    /// changes pushed to every member at a fixed rate, on one node and (with
    /// `--database-url`, `--redis-url`, `--nats-url`) across two nodes over NATS.
    Gateway {
        #[command(flatten)]
        args: GatewayBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Queueing: queue and cancel at a fixed rate (SQLite, and PostgreSQL with
    /// `--database-url`), last ticket accepted to `match.found`, and the matchmaker's tick with
    /// `--tickets` waiting.
    Queue {
        #[command(flatten)]
        args: QueueBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Ratings: leaderboard and history reads at a fixed rate with many rated players, and
    /// results applied per second (PostgreSQL and Redis with `--database-url`, `--redis-url`).
    Ratings {
        #[command(flatten)]
        args: RatingsBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The whole loop under load: players (1,000 by default) each with a socket queue, are
    /// matched, get their session, report a result and queue again on one node (SQLite, or
    /// PostgreSQL, Redis and NATS with the three URLs); queue to `match.found` and
    /// `match.found` to `session.ready` as the players see them.
    Loop {
        #[command(flatten)]
        args: LoopBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A soak: an embedded node playing the whole loop (queue, match, session, result, rating)
    /// for minutes, its memory sampled, to see it stay flat once warm.
    Soak {
        #[command(flatten)]
        args: SoakBenchArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every benchmark but the soak, one after the other (about seven minutes), printed as the
    /// table of BENCHMARKS.md (each figure with its target and its reference), or as JSON.
    All(AllBenchArgs),
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
        Bench::Accounts { args, json } => shown(&accounts(args).await?, *json)?,
        Bench::Gateway { args, json } => {
            let exe = std::env::current_exe()?;
            shown(&gateway(args, &exe).await?, *json)?;
        }
        Bench::Ratings { args, json } => shown(&ratings(args).await?, *json)?,
        Bench::Loop { args, json } => {
            let exe = std::env::current_exe()?;
            shown(&full_loop(args, &exe).await?, *json)?;
        }
        Bench::Soak { args, json } => {
            let exe = std::env::current_exe()?;
            shown(&soak(args, &exe).await?, *json)?;
        }
        Bench::Queue { args, json } => {
            let exe = std::env::current_exe()?;
            shown(&queue(args, &exe).await?, *json)?;
        }
        Bench::All(args) => {
            let exe = std::env::current_exe()?;
            let report = all(args, &exe).await?;
            print(&if args.json {
                report.to_json()
            } else {
                report.to_markdown()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `report` as JSON, or as its text.
fn shown<R: serde::Serialize + std::fmt::Display>(report: &R, json: bool) -> anyhow::Result<()> {
    print(&if json {
        serde_json::to_string_pretty(report)?
    } else {
        report.to_string()
    })
}
