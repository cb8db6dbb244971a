//! `rally bench all`: every benchmark but the soak, one after the other, and one report of
//! them: the table of BENCHMARKS.md (each figure with its target, and the reference measured in
//! the same run where there is one), or all the reports as JSON.

use std::{fmt::Write as _, path::Path};

use anyhow::Context;
use clap::{Args, FromArgMatches};
use serde::Serialize;

use crate::{
    AccountsBenchArgs, AccountsReport, EngineBenchArgs, EngineReport, GatewayBenchArgs,
    GatewayReport, LoopBenchArgs, LoopReport, QueueBenchArgs, QueueReport, RatingsBenchArgs,
    RatingsReport, accounts, bench_engine, full_loop, gateway, gateway::PushResult, queue, ratings,
};

/// Options of `rally bench all`.
#[derive(Debug, Clone, clap::Args)]
pub struct AllBenchArgs {
    /// PostgreSQL for the figures measured on it; give it a database of its own (the ratings
    /// benchmark, which runs last, leaves a million players there).
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Redis for the figures measured on it.
    #[arg(long, env = "RALLY_BENCH_REDIS_URL")]
    pub redis_url: Option<String>,
    /// NATS with JetStream, for the two-node pushes.
    #[arg(long, env = "RALLY_BENCH_NATS_URL")]
    pub nats_url: Option<String>,
    /// Small sizes and short runs: a check that every benchmark runs, not figures to quote.
    #[arg(long)]
    pub quick: bool,
    /// Print every report as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Every report of one `rally bench all`.
#[derive(Debug, Clone, Serialize)]
pub struct AllReport {
    /// The machine they ran on.
    pub machine: String,
    /// Whether the sizes were the small ones of `--quick`.
    pub quick: bool,
    /// The engine, with a cold burst of 100,000 tickets.
    pub engine: EngineReport,
    /// The engine's cold burst of 1,000,000 tickets.
    pub engine_million: EngineReport,
    /// Accounts.
    pub accounts: AccountsReport,
    /// The WebSocket gateway.
    pub gateway: GatewayReport,
    /// Ratings, leaderboards and history.
    pub ratings: RatingsReport,
    /// Queueing and the matchmaker.
    pub queue: QueueReport,
    /// The whole loop under load.
    pub full_loop: LoopReport,
}

/// The flags each benchmark runs with.
struct Flags {
    engine: Vec<String>,
    engine_million: Vec<String>,
    accounts: Vec<String>,
    gateway: Vec<String>,
    ratings: Vec<String>,
    queue: Vec<String>,
    full_loop: Vec<String>,
}

impl Flags {
    fn of(args: &AllBenchArgs) -> Self {
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let with = |mut flags: Vec<String>, names: &[(&str, &Option<String>)]| {
            for (name, value) in names {
                if let Some(value) = value {
                    flags.push(format!("--{name}"));
                    flags.push(value.clone());
                }
            }
            flags
        };
        let db = ("database-url", &args.database_url);
        let redis = ("redis-url", &args.redis_url);
        let nats = ("nats-url", &args.nats_url);
        if args.quick {
            Self {
                engine: words("--tickets 10000 --ticks 30 --burst 10000 --burst-runs 1"),
                engine_million: words("--tickets 1000 --ticks 10 --burst 20000 --burst-runs 1"),
                accounts: with(
                    words("--duration-s 1 --verifications 1000 --login-s 1"),
                    &[db],
                ),
                gateway: with(
                    words("--connections 200 --parties 20 --rate 100 --duration-s 1"),
                    &[db, redis, nats],
                ),
                ratings: with(
                    words("--players 2000 --results 200 --duration-s 1"),
                    &[db, redis],
                ),
                queue: with(
                    words("--duration-s 1 --pairs 10 --tickets 2000 --heartbeat-s 1 --hold-s 2"),
                    &[db, redis],
                ),
                full_loop: with(
                    words("--players 20 --duration-s 6 --warmup-s 2 --think-ms 200"),
                    &[db, redis, nats],
                ),
            }
        } else {
            Self {
                engine: words("--tickets 100000 --burst 100000"),
                engine_million: words("--tickets 100000 --ticks 30 --burst 1000000"),
                accounts: with(Vec::new(), &[db]),
                gateway: with(Vec::new(), &[db, redis, nats]),
                ratings: with(words("--players 1000000 --results 5000"), &[db, redis]),
                queue: with(Vec::new(), &[db, redis]),
                full_loop: with(words("--duration-s 50 --warmup-s 20"), &[db, redis, nats]),
            }
        }
    }
}

/// `T` as the command line `flags` give it, defaults and all.
fn parsed<T: Args + FromArgMatches>(flags: &[String]) -> anyhow::Result<T> {
    let command = T::augment_args(clap::Command::new("bench"));
    let matches = command
        .try_get_matches_from(std::iter::once("bench").chain(flags.iter().map(String::as_str)))?;
    Ok(T::from_arg_matches(&matches)?)
}

/// Runs every benchmark but the soak; `exe` is the `rally` binary the node benchmarks start.
pub async fn all(args: &AllBenchArgs, exe: &Path) -> anyhow::Result<AllReport> {
    let flags = Flags::of(args);
    eprintln!("bench all: engine");
    let engine = bench_engine(&parsed::<EngineBenchArgs>(&flags.engine)?);
    let engine_million = bench_engine(&parsed::<EngineBenchArgs>(&flags.engine_million)?);
    eprintln!("bench all: accounts");
    let accounts = accounts(&parsed::<AccountsBenchArgs>(&flags.accounts)?)
        .await
        .context("the accounts benchmark")?;
    eprintln!("bench all: gateway");
    let gateway = gateway(&parsed::<GatewayBenchArgs>(&flags.gateway)?, exe)
        .await
        .context("the gateway benchmark")?;
    eprintln!("bench all: queue");
    let queue = queue(&parsed::<QueueBenchArgs>(&flags.queue)?, exe)
        .await
        .context("the queue benchmark")?;
    eprintln!("bench all: loop");
    let full_loop = full_loop(&parsed::<LoopBenchArgs>(&flags.full_loop)?, exe)
        .await
        .context("the loop benchmark")?;
    eprintln!("bench all: ratings");
    let ratings = ratings(&parsed::<RatingsBenchArgs>(&flags.ratings)?)
        .await
        .context("the ratings benchmark")?;
    Ok(AllReport {
        machine: machine(),
        quick: args.quick,
        engine,
        engine_million,
        accounts,
        gateway,
        ratings,
        queue,
        full_loop,
    })
}

/// Cores, memory and kernel of this machine.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0 / 1024.0)
        })
        .map_or_else(|| "unknown memory".to_owned(), |g| format!("{g:.0} GiB"));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |_| "unknown kernel".to_owned(),
        |k| format!("Linux {}", k.trim()),
    );
    format!("{cores} cores, {memory_gib}, {kernel}")
}

/// One row of the table.
struct Row<'a> {
    what: &'a str,
    command: &'a str,
    figure: String,
    target: &'a str,
    reference: String,
    meets: Option<bool>,
}

impl AllReport {
    /// As JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("BUG: the reports serialize")
    }

    /// BENCHMARKS.md: how to regenerate it, the machine, and one row per figure.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Rally's benchmarks\n");
        let _ = writeln!(
            out,
            "Every figure below is one run of `rally bench all` on one machine; regenerate the \
             file with\n\n```sh\ncargo run --release -- bench all --database-url postgres://… \
             --redis-url redis://… --nats-url nats://… > BENCHMARKS.md\n```\n\n(about seven \
             minutes; give PostgreSQL a database of its own). The soak is not part of it (`rally \
             bench soak`, ten minutes of its own). The machine is shared and noisy: a figure is \
             a median or a p99 of one run, and where a reference exists (the time to sort the \
             same ratings, a bare Redis call) it was measured in the same run and the target is \
             a ratio to it.\n"
        );
        let _ = writeln!(out, "Machine: {}.", self.machine);
        if self.quick {
            let _ = writeln!(
                out,
                "\n**Quick run (`--quick`): small sizes, not figures to quote.**"
            );
        }
        let _ = writeln!(
            out,
            "\n| benchmark | command | figure | target | reference (same run) | meets |\n|---|---|---|---|---|---|"
        );
        for row in self.rows() {
            let meets = match row.meets {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} |",
                row.what, row.command, row.figure, row.target, row.reference, meets
            );
        }
        out
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        let e = &self.engine;
        rows.push(Row {
            what: "engine: steady tick p99",
            command: "bench engine",
            figure: format!("{:.2} ms at {} tickets", e.tick_ms.p99, e.tickets),
            target: "≤ 1x one sort",
            reference: format!("sort {:.2} ms", e.sort_baseline_ms),
            meets: Some(e.tick_ms.p99 <= e.sort_baseline_ms),
        });
        for report in [&self.engine, &self.engine_million] {
            if let Some(b) = &report.burst {
                rows.push(Row {
                    what: "engine: one tick over a cold burst",
                    command: "bench engine --burst N",
                    figure: format!(
                        "{:.0} ms for {} tickets ({:.1}x)",
                        b.tick_ms, b.tickets, b.ratio
                    ),
                    target: "≤ 5x one sort",
                    reference: format!("sort {:.1} ms", b.sort_ms),
                    meets: Some(b.ratio <= 5.0),
                });
            }
        }
        rows.push(Row {
            what: "engine: enqueue, cancel",
            command: "bench engine",
            figure: format!(
                "{:.2}M/s, {:.2}M/s",
                e.enqueue_per_s / 1e6,
                e.cancel_per_s / 1e6
            ),
            target: "> 1M/s",
            reference: String::new(),
            meets: Some(e.enqueue_per_s > 1e6 && e.cancel_per_s > 1e6),
        });
        let a = &self.accounts;
        rows.push(Row {
            what: "accounts: token verification p99",
            command: "bench accounts",
            figure: format!("{:.3} ms", crate::latency::ms(a.verify.p99)),
            target: "",
            reference: String::new(),
            meets: None,
        });
        for load in &a.profile {
            rows.push(Row {
                what: "accounts: `GET /v1/profile/me` p99",
                command: "bench accounts",
                figure: format!(
                    "{:.1} ms at {:.0}/s on {}",
                    crate::latency::ms(load.latency.p99),
                    load.achieved_rps,
                    load.database
                ),
                target: "",
                reference: String::new(),
                meets: None,
            });
        }
        rows.push(Row {
            what: "accounts: argon2id logins per core",
            command: "bench accounts",
            figure: format!("{:.1}/s", a.logins_per_core_s),
            target: "",
            reference: String::new(),
            meets: None,
        });
        let g = &self.gateway;
        if let (Some(before), Some(held)) = (g.rss_before, g.rss_held) {
            let mib = held.saturating_sub(before) as f64 / (1024.0 * 1024.0);
            rows.push(Row {
                what: "gateway: memory of idle sockets",
                command: "bench gateway",
                figure: format!("{mib:.0} MiB for {}", g.connections),
                target: "< 200 MB for 10,000",
                reference: String::new(),
                meets: Some(mib * 1.048_576 < 200.0 * g.connections as f64 / 10_000.0),
            });
        }
        let push = |name: &'static str, p: &PushResult, target_ms: f64, target: &'static str| Row {
            what: name,
            command: "bench gateway",
            figure: format!(
                "p99 {:.1} ms at {:.0}/s",
                crate::latency::ms(p.all_members.p99),
                p.achieved_rps
            ),
            target,
            reference: String::new(),
            meets: Some(crate::latency::ms(p.all_members.p99) < target_ms && p.errors == 0),
        };
        rows.push(push(
            "gateway: party change pushed to every member, one node (SQLite)",
            &g.one_node,
            20.0,
            "p99 < 20 ms at 1,000/s",
        ));
        if let Some(two) = &g.two_nodes {
            rows.push(push(
                "gateway: the same across two nodes over NATS",
                two,
                50.0,
                "p99 < 50 ms at 1,000/s",
            ));
        }
        let r = &self.ratings;
        let stores = format!("{} + {}", r.backends.0, r.backends.1);
        rows.push(Row {
            what: "ratings: 10-player results applied",
            command: "bench ratings",
            figure: format!("{:.0}/s ({stores})", r.results_per_s),
            target: "≥ 5,000/s on PostgreSQL + Redis",
            reference: String::new(),
            meets: (r.backends == ("postgres", "redis")).then_some(r.results_per_s >= 5000.0),
        });
        let bare = [
            r.reference.as_ref().map(|b| b.top),
            r.reference.as_ref().map(|b| b.around),
        ];
        for ((name, latency), bare) in [
            ("ratings: top 100 p99", &r.top),
            ("ratings: me and 5 around p99", &r.around),
        ]
        .into_iter()
        .zip(bare)
        {
            let p99 = crate::latency::ms(latency.p99);
            let bare_p99 = bare.map(|b| crate::latency::ms(b.p99));
            rows.push(Row {
                what: name,
                command: "bench ratings",
                figure: format!("{p99:.1} ms, {} players ({stores})", r.players),
                target: "≤ 2x bare Redis",
                reference: bare_p99.map_or_else(
                    || "measured with Redis only".to_owned(),
                    |b| format!("bare Redis p99 {b:.1} ms ({:.1}x)", p99 / b.max(1e-3)),
                ),
                meets: bare_p99.map(|b| p99 <= 2.0 * b),
            });
        }
        rows.push(Row {
            what: "ratings: match history page p99",
            command: "bench ratings",
            figure: format!(
                "{:.1} ms, {} players ({stores})",
                crate::latency::ms(r.history.p99),
                r.players
            ),
            target: "< 20 ms",
            reference: String::new(),
            meets: Some(crate::latency::ms(r.history.p99) < 20.0),
        });
        let q = &self.queue;
        for api in &q.api {
            let (queue_ms, cancel_ms) = (
                crate::latency::ms(api.enqueue.p99),
                crate::latency::ms(api.cancel.p99),
            );
            rows.push(Row {
                what: "queue and cancel p99",
                command: "bench queue",
                figure: format!(
                    "{queue_ms:.1} ms / {cancel_ms:.1} ms at {:.0}/s on {}",
                    api.achieved_rps, api.database
                ),
                target: "< 20 ms on PostgreSQL",
                reference: String::new(),
                meets: (api.database == "postgres").then_some(queue_ms < 20.0 && cancel_ms < 20.0),
            });
        }
        rows.push(Row {
            what: "`match.found` to `session.ready` p99 (idle node)",
            command: "bench queue",
            figure: format!("{:.1} ms", crate::latency::ms(q.session_ready.p99)),
            target: "< 100 ms under load",
            reference: String::new(),
            meets: None,
        });
        rows.push(Row {
            what: "heartbeats",
            command: "bench queue",
            figure: format!("{:.0}/s ({})", q.heartbeats.per_s, q.heartbeats.state),
            target: "> 20,000/s",
            reference: String::new(),
            meets: Some(q.heartbeats.per_s > 20_000.0),
        });
        let l = &self.full_loop;
        rows.push(Row {
            what: "`match.found` to `session.ready` p99 under load",
            command: "bench loop",
            figure: format!(
                "{:.0} ms, {} players at {:.0} matches/s, waits {} ms ± {} % ({}; p50 {:.0} ms)",
                crate::latency::ms(l.found_to_ready.p99),
                l.players,
                l.matches_per_s,
                l.think_ms,
                l.think_spread_pct,
                l.backends,
                crate::latency::ms(l.found_to_ready.p50)
            ),
            target: "< 100 ms, 1,000 players (about 115 matches/s)",
            reference: String::new(),
            meets: Some(crate::latency::ms(l.found_to_ready.p99) < 100.0),
        });
        if let Some(t) = &q.ticks {
            rows.push(Row {
                what: "matchmaker round p99, tickets waiting",
                command: "bench queue",
                figure: format!(
                    "{:.1} ms with {} (tick {:.2} ms)",
                    t.round_ms.1, t.tickets, t.tick_ms.1
                ),
                target: "round < 10 ms, tick < 5 ms",
                reference: String::new(),
                meets: Some(t.round_ms.1 < 10.0 && t.tick_ms.1 < 5.0),
            });
        }
        rows
    }
}
