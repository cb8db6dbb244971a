//! The gateway benchmark behind `rally bench gateway`: how much memory a node spends holding
//! idle WebSocket connections, and how fast a party change reaches every member's socket under
//! a steady load of changes, within one node and across two nodes over NATS.
//!
//! The nodes are real `rally serve --roles api` processes (this binary), so their memory is
//! theirs alone. Players are written straight into the node's store and given access tokens
//! signed with the node's key, which skips argon2 (not what is measured here). Each change is a
//! member toggling `ready` over HTTP (keep-alive connections); its latency runs from when the
//! request was due (open loop: a slow node cannot slow the offered rate and hide itself) to the
//! `party.updated` push on each member's socket.

use std::{
    collections::HashMap,
    fmt,
    net::SocketAddr,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::{Context, bail};
use futures::StreamExt;
use rally_store::Store;
use serde_json::{Value, json};
use tokio::{sync::mpsc, time::Instant};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::Latency;
use super::node::{
    BenchNode, BenchPlayer, HttpClient, create_players, node_settings, open_socket, rss, tokens,
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
#[derive(Debug, Clone)]
pub struct GatewayReport {
    /// Idle connections held.
    pub connections: usize,
    /// How long opening them took.
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
#[derive(Debug, Clone)]
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

    let node = BenchNode::start(exe, "api", dir.path(), &key, &[])?;
    let settings = node_settings(dir.path(), None, &key)?;
    let store = Store::connect(settings.database().expose()).await?;
    let tokens = tokens(&settings)?;
    let players = create_players(&store, connections, &tokens).await?;

    let rss_before = rss(node.pid());
    let started = Instant::now();
    let (pushes_tx, pushes) = mpsc::unbounded_channel();
    open_sockets(node.addr, &players, &pushes_tx).await?;
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_held = rss(node.pid());

    let one_node = party_load(args, node.addr, &players[..members], pushes).await?;
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
    let changes = BenchNode::start(exe, "api", first_dir.path(), &key, &env)?;
    let sockets = BenchNode::start(exe, "api", second_dir.path(), &key, &env)?;
    let settings = node_settings(first_dir.path(), Some(database), &key)?;
    let store = Store::connect(database).await?;
    let tokens = tokens(&settings)?;
    let players = create_players(&store, members, &tokens).await?;
    let (pushes_tx, pushes) = mpsc::unbounded_channel();
    open_sockets(sockets.addr, &players, &pushes_tx).await?;
    let result = party_load(args, changes.addr, &players, pushes).await;
    drop((changes, sockets));
    if let Ok(events) = rally_events::Events::nats(nats, &namespace).await {
        let _ = events.delete_streams().await;
    }
    result
}

/// A `ready` change: which party, which player, which answer.
type Change = (Uuid, Uuid, bool);
/// A `party.updated` push for a `ready` change, and when it arrived.
type Arrival = (Change, Instant);

/// Opens one socket per player (256 at a time); each reads forever (answering pings) and
/// reports `ready` pushes.
async fn open_sockets(
    addr: SocketAddr,
    players: &[BenchPlayer],
    arrivals: &mpsc::UnboundedSender<Arrival>,
) -> anyhow::Result<()> {
    let opened = futures::stream::iter(players.iter().cloned())
        .map(|player| {
            let arrivals = arrivals.clone();
            async move { watch_socket(addr, player, arrivals).await }
        })
        .buffer_unordered(256)
        .collect::<Vec<_>>()
        .await;
    opened.into_iter().collect()
}

async fn watch_socket(
    addr: SocketAddr,
    player: BenchPlayer,
    arrivals: mpsc::UnboundedSender<Arrival>,
) -> anyhow::Result<()> {
    let mut ws = open_socket(addr, &player.token).await?;
    tokio::spawn(async move {
        while let Some(Ok(message)) = ws.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let at = Instant::now();
            let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                continue;
            };
            let data = &frame["data"];
            if frame["type"] != "party.updated" || data["reason"] != "ready" {
                continue;
            }
            let key = (
                uuid(&data["party_id"]),
                uuid(&data["player_id"]),
                data["ready"].as_bool().unwrap_or(false),
            );
            if arrivals.send((key, at)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}

/// Forms the parties through `addr`, then toggles `ready` at the offered rate for the
/// duration and matches each change with its pushes.
async fn party_load(
    args: &GatewayBenchArgs,
    addr: SocketAddr,
    members: &[BenchPlayer],
    mut arrivals: mpsc::UnboundedReceiver<Arrival>,
) -> anyhow::Result<PushResult> {
    let mut client = HttpClient::connect(addr).await?;
    let mut parties = Vec::with_capacity(args.parties);
    for group in members.chunks(args.party_size).take(args.parties) {
        let (status, party) = client
            .call(
                "POST",
                "/v1/party",
                &group[0].token,
                json!({"open": true, "max_size": args.party_size}),
            )
            .await?;
        if status != 201 {
            bail!("creating a party answered {status}: {party}");
        }
        let party_id = uuid(&party["id"]);
        for member in &group[1..] {
            let (status, body) = client
                .call(
                    "POST",
                    &format!("/v1/party/{party_id}/join"),
                    &member.token,
                    json!({}),
                )
                .await?;
            if status != 200 {
                bail!("joining a party answered {status}: {body}");
            }
        }
        parties.push((party_id, group.to_vec()));
    }

    // The changes: the k-th change toggles member (k / parties) of party (k % parties). Each
    // arrival is matched, as it arrives, with when its change was due (the same member's same
    // answer recurs two rounds later, long after its pushes arrived).
    let due: Arc<Mutex<HashMap<Change, Instant>>> = Arc::default();
    let (stop_collecting, mut collecting_stopped) = tokio::sync::oneshot::channel::<()>();
    let collector = tokio::spawn({
        let due = due.clone();
        async move {
            let mut per_member = Vec::new();
            // Per change (and when it was due): pushes arrived, and the latest.
            let mut per_change: HashMap<(Change, Instant), (usize, Duration)> = HashMap::new();
            loop {
                let arrival = tokio::select! {
                    arrival = arrivals.recv() => arrival,
                    _ = &mut collecting_stopped => None,
                };
                let Some((key, at)) = arrival else { break };
                let Some(when) = due.lock().expect("bench lock").get(&key).copied() else {
                    continue;
                };
                let latency = at.saturating_duration_since(when);
                per_member.push(latency);
                let entry = per_change.entry((key, when)).or_insert((0, Duration::ZERO));
                entry.0 += 1;
                entry.1 = entry.1.max(latency);
            }
            (per_member, per_change)
        }
    });
    let total = usize::try_from(u64::from(args.rate) * args.duration_s)?;
    let (work_tx, work_rx) = async_channel(args.senders * 4);
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..args.senders {
        let work = work_rx.clone();
        let mut client = HttpClient::connect(addr).await?;
        senders.spawn(async move {
            let mut errors = 0usize;
            let mut answered = Vec::new();
            while let Ok((path, token, ready, when)) = work.recv().await {
                match client
                    .call("POST", &path, &token, json!({"ready": ready}))
                    .await
                {
                    Ok((200, _)) => answered.push(when.elapsed()),
                    _ => errors += 1,
                }
            }
            (errors, answered)
        });
    }
    drop(work_rx);
    let mut readiness: HashMap<(Uuid, Uuid), bool> = HashMap::new();
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let started = Instant::now();
    for k in 0..total {
        let when = started + interval.mul_f64(k as f64);
        tokio::time::sleep_until(when).await;
        let (party_id, group) = &parties[k % parties.len()];
        let member = &group[(k / parties.len()) % group.len()];
        let ready = readiness.entry((*party_id, member.id)).or_insert(false);
        *ready = !*ready;
        due.lock()
            .expect("bench lock")
            .insert((*party_id, member.id, *ready), when);
        let path = format!("/v1/party/{party_id}/ready");
        if work_tx
            .send((path, member.token.clone(), *ready, when))
            .await
            .is_err()
        {
            bail!("every sender failed");
        }
    }
    drop(work_tx);
    let mut errors = 0;
    let mut answered = Vec::new();
    while let Some(result) = senders.join_next().await {
        let (failed, latencies) = result?;
        errors += failed;
        answered.extend(latencies);
    }
    let elapsed = started.elapsed();

    // Give the last pushes a moment to arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_collecting.send(());
    let (per_member, per_change) = collector.await?;
    let all_members = per_change
        .values()
        .filter(|(count, _)| *count >= args.party_size)
        .map(|(_, latency)| *latency)
        .collect();
    Ok(PushResult {
        offered_rps: args.rate,
        achieved_rps: (total - errors) as f64 / elapsed.as_secs_f64(),
        errors,
        expected: (total - errors) * args.party_size,
        received: per_member.len(),
        answered: Latency::of(answered),
        per_member: Latency::of(per_member),
        all_members: Latency::of(all_members),
    })
}

type Work = (String, String, bool, Instant);

/// A small multi-consumer queue of work for the senders.
fn async_channel(capacity: usize) -> (WorkSender, WorkReceiver) {
    let (tx, rx) = mpsc::channel(capacity);
    (
        WorkSender(tx),
        WorkReceiver(Arc::new(tokio::sync::Mutex::new(rx))),
    )
}

struct WorkSender(mpsc::Sender<Work>);

impl WorkSender {
    async fn send(&self, work: Work) -> Result<(), ()> {
        self.0.send(work).await.map_err(|_| ())
    }
}

#[derive(Clone)]
struct WorkReceiver(Arc<tokio::sync::Mutex<mpsc::Receiver<Work>>>);

impl WorkReceiver {
    async fn recv(&self) -> Result<Work, ()> {
        self.0.lock().await.recv().await.ok_or(())
    }
}
