//! The gateway benchmark behind `rally bench gateway`: how much memory a node spends holding
//! idle WebSocket connections, and how fast a party change reaches every member's socket under
//! a steady load of changes, within one node and across two nodes over NATS.
//!
//! The nodes are real `rally serve --roles api` processes (of the `rally` binary given), so
//! their memory is theirs alone. Players are written straight into the node's store and given access tokens
//! signed with the node's key, which skips argon2 (not what is measured here). Each change is a
//! member toggling `ready` over HTTP (pooled keep-alive connections); its latency runs from when the
//! request was due (open loop: a slow node cannot slow the offered rate and hide itself) to the
//! `party.updated` push on each member's socket.

mod party_load;
mod sockets;

use std::{fmt, path::Path, time::Duration};

use anyhow::{Context, bail};
use rally_store::Store;
use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use self::{party_load::party_load, sockets::open_sockets};
use crate::{
    latency::Latency,
    node::{BenchNode, delete_streams, node_settings, tokens},
    player::create_players,
};

/// Options of `rally bench gateway`.
#[derive(Debug, Clone, clap::Args)]
pub struct GatewayBenchArgs {
    /// Idle connections to hold on one node (SQLite).
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Parties whose members toggle `ready`.
    #[arg(long, default_value_t = 250)]
    pub parties: usize,
    /// Members per party (each receives every change of their party).
    #[arg(long, default_value_t = 4)]
    pub party_size: usize,
    /// Party changes per second.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of changes, per setup.
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    /// Concurrent HTTP connections sending the changes.
    #[arg(long, default_value_t = 32)]
    pub senders: usize,
    /// For the two-node run: PostgreSQL (the nodes migrate it).
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// For the two-node run: Redis.
    #[arg(long, env = "RALLY_BENCH_REDIS_URL")]
    pub redis_url: Option<String>,
    /// For the two-node run: NATS with JetStream.
    #[arg(long, env = "RALLY_BENCH_NATS_URL")]
    pub nats_url: Option<String>,
}

/// What `rally bench gateway` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GatewayReport {
    /// Idle connections held.
    pub connections: usize,
    /// How long opening them took.
    #[serde(serialize_with = "crate::latency::millis")]
    pub connect_time: Duration,
    /// The node's resident memory before the connections, in bytes.
    pub rss_before: Option<u64>,
    /// The node's resident memory while holding them, in bytes.
    pub rss_held: Option<u64>,
    /// Party changes within one node (SQLite, in-process events).
    pub one_node: PushResult,
    /// Party changes made on one node, pushed from another (PostgreSQL, Redis, NATS).
    pub two_nodes: Option<PushResult>,
}

/// Party changes under load on one setup.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushResult {
    /// Changes per second offered.
    pub offered_rps: u32,
    /// Changes the node accepted per second.
    pub achieved_rps: f64,
    /// Changes refused or failed.
    pub errors: usize,
    /// Pushes expected (changes × members) and received.
    pub expected: usize,
    /// Pushes received in time.
    pub received: usize,
    /// From when each change was due to its HTTP answer.
    pub answered: Latency,
    /// From when each change was due to its push on each member's socket.
    pub per_member: Latency,
    /// From when each change was due to its push on the last member's socket.
    pub all_members: Latency,
}

impl fmt::Display for GatewayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |bytes: Option<u64>| {
            bytes.map_or("unknown".to_owned(), |b| {
                format!("{:.1} MiB", b as f64 / 1_048_576.0)
            })
        };
        writeln!(f, "gateway benchmark")?;
        writeln!(
            f,
            "  idle connections held   {} (opened in {:.1} s)",
            self.connections,
            self.connect_time.as_secs_f64()
        )?;
        writeln!(
            f,
            "  node RSS                {} before, {} holding them",
            mib(self.rss_before),
            mib(self.rss_held)
        )?;
        write_push(f, "one node (SQLite)", &self.one_node)?;
        match &self.two_nodes {
            Some(result) => write_push(f, "two nodes (PostgreSQL, Redis, NATS)", result),
            None => writeln!(
                f,
                "  two nodes: not run (give --database-url, --redis-url and --nats-url)"
            ),
        }
    }
}

fn write_push(f: &mut fmt::Formatter<'_>, name: &str, result: &PushResult) -> fmt::Result {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    writeln!(f, "  party changes, {name}")?;
    writeln!(
        f,
        "    offered {} /s, achieved {:.0} /s, errors {}; pushes {}/{}",
        result.offered_rps, result.achieved_rps, result.errors, result.received, result.expected
    )?;
    writeln!(
        f,
        "    HTTP answer  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        ms(result.answered.p50),
        ms(result.answered.p99),
        ms(result.answered.max)
    )?;
    writeln!(
        f,
        "    per member   p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        ms(result.per_member.p50),
        ms(result.per_member.p99),
        ms(result.per_member.max)
    )?;
    writeln!(
        f,
        "    all members  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        ms(result.all_members.p50),
        ms(result.all_members.p99),
        ms(result.all_members.max)
    )
}

/// Runs the benchmark with `exe` as the `rally` binary of the nodes.
pub async fn gateway(args: &GatewayBenchArgs, exe: &Path) -> anyhow::Result<GatewayReport> {
    if args.parties == 0 || args.party_size < 2 || args.rate == 0 {
        bail!("--parties must be positive, --party-size at least 2, --rate positive");
    }
    let members = args.parties * args.party_size;
    let connections = args.connections.max(members);
    let key = format!("bench-{}", Uuid::new_v4().simple());
    let dir = tempfile::tempdir().context("cannot create a data directory")?;

    let node = BenchNode::start(exe, "api", dir.path(), &key, &[]).await?;
    let settings = node_settings(dir.path(), None, &key)?;
    let store = Store::connect(settings.database().expose()).await?;
    let tokens = tokens(&settings)?;
    let players = create_players(&store, connections, &tokens).await?;

    let rss_before = node.rss();
    let started = Instant::now();
    let (pushes_tx, pushes) = mpsc::unbounded_channel();
    open_sockets(node.addr, &players, &pushes_tx).await?;
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_held = node.rss();

    let one_node = party_load(args, node.addr, &players[..members], pushes, None).await?;
    drop(pushes_tx);
    drop(node);

    let two_nodes = match (&args.database_url, &args.redis_url, &args.nats_url) {
        (Some(database), Some(redis), Some(nats)) => {
            Some(two_node_run(args, exe, database, redis, nats, members).await?)
        }
        _ => None,
    };
    Ok(GatewayReport {
        connections,
        connect_time,
        rss_before,
        rss_held,
        one_node,
        two_nodes,
    })
}

/// Party changes made on one node and pushed from another, over PostgreSQL, Redis and NATS
/// (a namespace of its own, whose streams are deleted afterwards).
async fn two_node_run(
    args: &GatewayBenchArgs,
    exe: &Path,
    database: &str,
    redis: &str,
    nats: &str,
    members: usize,
) -> anyhow::Result<PushResult> {
    let key = format!("bench-{}", Uuid::new_v4().simple());
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let env = [
        ("RALLY_DATABASE_URL", database),
        ("RALLY_REDIS_URL", redis),
        ("RALLY_NATS_URL", nats),
        ("RALLY_NAMESPACE", namespace.as_str()),
    ];
    let first_dir = tempfile::tempdir()?;
    let second_dir = tempfile::tempdir()?;
    let changes = BenchNode::start(exe, "api", first_dir.path(), &key, &env).await?;
    let sockets = BenchNode::start(exe, "api", second_dir.path(), &key, &env).await?;
    let settings = node_settings(first_dir.path(), Some(database), &key)?;
    let store = Store::connect(database).await?;
    let tokens = tokens(&settings)?;
    let players = create_players(&store, members, &tokens).await?;
    let (pushes_tx, pushes) = mpsc::unbounded_channel();
    open_sockets(sockets.addr, &players, &pushes_tx).await?;
    let result = party_load(args, changes.addr, &players, pushes, Some(database)).await;
    drop((changes, sockets));
    delete_streams(nats, &namespace).await;
    result
}
