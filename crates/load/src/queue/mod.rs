//! The queue benchmark behind `rally bench queue`:
//! 1. `POST /v1/queue` and `DELETE /v1/queue` at a fixed rate (open loop: latency counts from
//!    when each request was due; each player cancels a second after queueing), on SQLite
//!    and, with `--database-url`, on PostgreSQL;
//! 2. from the last ticket a match needs being accepted to `match.found` on both players'
//!    sockets, with the matchmaker in the node (`duel`, one tick a second), then to
//!    `session.ready` (the static allocator), and heartbeats per second on those sessions
//!    (state on Redis with `--redis-url`);
//! 3. the matchmaker's round and the engine's tick while `--tickets` tickets, loaded through
//!    the API, wait in a queue whose quality floor no match reaches.
//!
//! The nodes are real `rally serve` processes (of the `rally` binary given); players are
//! written straight into their store (no argon2).

mod api;
mod heartbeat;
mod matches;
mod waiting;

use std::{fmt, path::Path, time::Duration};

use anyhow::bail;
use rally_store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use self::{api::api_load, matches::match_latency, waiting::waiting_ticks};
use crate::{
    client::HttpClient,
    latency::Latency,
    node::{BenchNode, node_settings, tokens},
    player::{BenchPlayer, create_players},
};

/// The matchmaker's tick interval on the bench nodes (the default).
const TICK_INTERVAL_MS: u64 = 1000;

/// Options of `rally bench queue`.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueBenchArgs {
    /// Queue and cancel requests per second.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of queue and cancel requests, per database.
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    /// Duels made for the match-found latency (20 a second).
    #[arg(long, default_value_t = 200)]
    pub pairs: usize,
    /// Tickets waiting while the matchmaker's ticks are timed (0 skips this part).
    #[arg(long, default_value_t = 100_000)]
    pub tickets: usize,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 32)]
    pub senders: usize,
    /// Also measure queue and cancel on this PostgreSQL database (the node migrates it).
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Keep the match-found node's state (heartbeat deadlines) on this Redis.
    #[arg(long, env = "RALLY_BENCH_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Seconds of back-to-back heartbeats for the heartbeat throughput.
    #[arg(long, default_value_t = 5)]
    pub heartbeat_s: u64,
    /// Seconds the matchmaker holds the waiting tickets before its round and tick times are
    /// read: longer than the node's summaries keep (60 s), so the figures are of rounds over a
    /// full queue, not of the rounds that admitted it.
    #[arg(long, default_value_t = 70)]
    pub hold_s: u64,
}

/// What `rally bench queue` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueReport {
    /// Queue and cancel under load, per database.
    pub api: Vec<ApiResult>,
    /// Last ticket accepted to `match.found` on each player's socket.
    pub match_found: Latency,
    /// `match.found` to `session.ready` (allocation with the static allocator, and its push)
    /// on each player's socket.
    pub session_ready: Latency,
    /// Heartbeats on the running sessions.
    pub heartbeats: HeartbeatResult,
    /// The queues' tick interval.
    pub tick_interval_ms: u64,
    /// The matchmaker with many tickets waiting.
    pub ticks: Option<TickResult>,
}

/// Queue and cancel on one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiResult {
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Requests per second offered.
    pub offered_rps: u32,
    /// Successful answers per second.
    pub achieved_rps: f64,
    /// Answers other than 201 (queue) and 200 (cancel).
    pub errors: usize,
    /// `POST /v1/queue`, from when due.
    pub enqueue: Latency,
    /// `DELETE /v1/queue`, from when due.
    pub cancel: Latency,
}

/// Game servers' heartbeats on the running sessions, back to back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeartbeatResult {
    /// Heartbeats handled per second.
    pub per_s: f64,
    /// Their latency.
    pub latency: Latency,
    /// Where the node keeps the sessions' deadlines: `in-memory` or `redis`.
    pub state: &'static str,
}

/// The matchmaker with many tickets waiting (quantiles over the hold, from the node's own
/// histograms).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TickResult {
    /// Tickets loaded through the API.
    pub tickets: usize,
    /// How fast they were loaded, per second.
    pub load_rps: f64,
    /// The matchmaker's whole round (follow the store, tick, write, tell), p50 and p99 in ms.
    pub round_ms: (f64, f64),
    /// The engine's tick alone, p50 and p99 in ms.
    pub tick_ms: (f64, f64),
    /// Each step of the round, p50 and p99 in ms: where a slow round spends its time.
    pub phases: Vec<RoundPhase>,
}

/// One step of the matchmaker's round over the hold.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundPhase {
    /// The step: `ownership`, `follow`, `tick`, `write` or `tell`.
    pub phase: &'static str,
    /// Its median, ms.
    pub p50: f64,
    /// Its p99, ms.
    pub p99: f64,
}

impl fmt::Display for QueueReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(f, "queue benchmark")?;
        for api in &self.api {
            writeln!(
                f,
                "  queue + cancel on {}: offered {} /s, achieved {:.0} /s, errors {}",
                api.database, api.offered_rps, api.achieved_rps, api.errors
            )?;
            for (name, latency) in [
                ("POST /v1/queue", &api.enqueue),
                ("DELETE /v1/queue", &api.cancel),
            ] {
                writeln!(
                    f,
                    "    {name:<17} p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
                    ms(latency.p50),
                    ms(latency.p99),
                    ms(latency.max)
                )?;
            }
        }
        writeln!(
            f,
            "  last ticket accepted -> match.found ({} deliveries, tick {} ms): p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            self.match_found.count,
            self.tick_interval_ms,
            ms(self.match_found.p50),
            ms(self.match_found.p99),
            ms(self.match_found.max)
        )?;
        writeln!(
            f,
            "  match.found -> session.ready ({} deliveries): p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            self.session_ready.count,
            ms(self.session_ready.p50),
            ms(self.session_ready.p99),
            ms(self.session_ready.max)
        )?;
        writeln!(
            f,
            "  heartbeats ({} state): {:.0} /s, p50 {:.2} ms  p99 {:.2} ms",
            self.heartbeats.state,
            self.heartbeats.per_s,
            ms(self.heartbeats.latency.p50),
            ms(self.heartbeats.latency.p99)
        )?;
        let Some(t) = &self.ticks else {
            return writeln!(f, "  waiting tickets: skipped (--tickets 0)");
        };
        writeln!(
            f,
            "  {} waiting tickets (loaded at {:.0} /s), over the hold: round p50 {:.2} ms p99 {:.2} ms; engine tick p50 {:.2} ms p99 {:.2} ms (histogram buckets)",
            t.tickets, t.load_rps, t.round_ms.0, t.round_ms.1, t.tick_ms.0, t.tick_ms.1
        )?;
        for p in &t.phases {
            writeln!(
                f,
                "    {:<9} p50 {:.2} ms  p99 {:.2} ms",
                p.phase, p.p50, p.p99
            )?;
        }
        Ok(())
    }
}

/// Runs the benchmark with `exe` as the `rally` binary of the nodes.
pub async fn queue(args: &QueueBenchArgs, exe: &Path) -> anyhow::Result<QueueReport> {
    if args.rate == 0 || args.senders == 0 {
        bail!("--rate and --senders must be positive");
    }
    let mut api = vec![api_load(args, exe, None).await?];
    if let Some(database) = &args.database_url {
        api.push(api_load(args, exe, Some(database)).await?);
    }
    let (match_found, session_ready, heartbeats) = match_latency(args, exe).await?;
    let ticks = if args.tickets > 0 {
        Some(waiting_ticks(args, exe).await?)
    } else {
        None
    };
    Ok(QueueReport {
        api,
        match_found,
        session_ready,
        heartbeats,
        tick_interval_ms: TICK_INTERVAL_MS,
        ticks,
    })
}

/// A bench node with its players; its data directory goes when it is dropped, after the node.
struct Setup {
    node: BenchNode,
    players: Vec<BenchPlayer>,
    _dir: tempfile::TempDir,
}

impl Setup {
    /// A node (`roles`) on SQLite or `database`, with `config` as its `rally.toml` and
    /// `extra_env` in its environment, and `players` players with their tokens.
    async fn start(
        exe: &Path,
        roles: &str,
        database: Option<&str>,
        config: Option<&str>,
        extra_env: &[(&str, &str)],
        players: usize,
    ) -> anyhow::Result<Self> {
        let key = format!("bench-{}", Uuid::new_v4().simple());
        let dir = tempfile::tempdir()?;
        if let Some(config) = config {
            std::fs::write(dir.path().join("rally.toml"), config)?;
        }
        let mut env = vec![("RALLY_QUEUE_LEAVE_ON_DISCONNECT", "false")];
        if let Some(database) = database {
            env.push(("RALLY_DATABASE_URL", database));
        }
        env.extend_from_slice(extra_env);
        let node = BenchNode::start(exe, roles, dir.path(), &key, &env).await?;
        let settings = node_settings(dir.path(), database, &key)?;
        let store = Store::connect(settings.database().expose()).await?;
        let players = create_players(&store, players, &tokens(&settings)?).await?;
        Ok(Self {
            node,
            players,
            _dir: dir,
        })
    }
}

/// A duel ticket from the `eu` region.
pub(crate) fn duel_request() -> Value {
    json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]})
}

/// Queues the player holding `token` for a duel (`ticket`, from [`duel_request`]); an error
/// unless the node answers `201 Created`.
async fn queue_duel(client: &HttpClient, token: &str, ticket: &Value) -> anyhow::Result<()> {
    let reply = client
        .call(Method::POST, "/v1/queue", Some(token), Some(ticket))
        .await?;
    if reply.status != StatusCode::CREATED {
        bail!("queueing answered {}: {}", reply.status, reply.body);
    }
    Ok(())
}
