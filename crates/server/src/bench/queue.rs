//! The queue benchmark behind `rally bench queue`:
//! 1. `POST /v1/queue` and `DELETE /v1/queue` at a fixed rate (open loop: latency counts from
//!    when each request was due), on SQLite and, with `--database-url`, on PostgreSQL;
//! 2. from the last ticket a match needs being accepted to `match.found` on both players'
//!    sockets, with the matchmaker in the node (`duel`, one tick a second), then to
//!    `session.ready` (the static allocator), and heartbeats per second on those sessions
//!    (state on Redis with `--redis-url`);
//! 3. the matchmaker's round and the engine's tick while `--tickets` tickets, loaded through
//!    the API, wait in a queue whose quality floor no match reaches.
//!
//! The nodes are real `rally serve` processes (this binary); players are written straight into
//! their store (no argon2).

use std::{collections::HashMap, fmt, net::SocketAddr, path::Path, time::Duration};

use anyhow::bail;
use futures::StreamExt;
use rally_store::Store;
use serde_json::{Value, json};
use tokio::{sync::mpsc, time::Instant};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use super::{
    Latency,
    node::{
        BenchNode, BenchPlayer, HttpClient, create_players, node_settings, open_socket, tokens,
    },
};

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
}

/// What `rally bench queue` measured.
#[derive(Debug, Clone)]
pub struct QueueReport {
    /// Queue and cancel under load, per database.
    pub api: Vec<ApiResult>,
    /// Last ticket accepted to `match.found` on each player's socket.
    pub match_found: Latency,
    /// `match.found` to `session.ready` (allocation with the static allocator, and its push)
    /// on each player's socket.
    pub session_ready: Latency,
    /// Heartbeats handled per second, and their latency, and the state backend used.
    pub heartbeats: (f64, Latency, &'static str),
    /// The queues' tick interval.
    pub tick_interval_ms: u64,
    /// The matchmaker with many tickets waiting.
    pub ticks: Option<TickResult>,
}

/// Queue and cancel on one database.
#[derive(Debug, Clone)]
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

/// The matchmaker with many tickets waiting (quantiles from the node's own summaries).
#[derive(Debug, Clone)]
pub struct TickResult {
    /// Tickets loaded through the API.
    pub tickets: usize,
    /// How fast they were loaded, per second.
    pub load_rps: f64,
    /// The matchmaker's whole round (follow the store, tick, write, tell), p50 and p99 in ms.
    pub round_ms: (f64, f64),
    /// The engine's tick alone, p50 and p99 in ms.
    pub tick_ms: (f64, f64),
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
            self.heartbeats.2,
            self.heartbeats.0,
            ms(self.heartbeats.1.p50),
            ms(self.heartbeats.1.p99)
        )?;
        match &self.ticks {
            Some(t) => writeln!(
                f,
                "  {} waiting tickets (loaded at {:.0} /s): round p50 {:.2} ms p99 {:.2} ms; engine tick p50 {:.2} ms p99 {:.2} ms",
                t.tickets, t.load_rps, t.round_ms.0, t.round_ms.1, t.tick_ms.0, t.tick_ms.1
            ),
            None => writeln!(f, "  waiting tickets: skipped (--tickets 0)"),
        }
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
        tick_interval_ms: 1000,
        ticks,
    })
}

/// A node (`roles`) on SQLite or `database`, with `players` players and their tokens.
async fn node_with_players(
    exe: &Path,
    roles: &str,
    database: Option<&str>,
    config: Option<&str>,
    extra_env: &[(&str, &str)],
    players: usize,
) -> anyhow::Result<(BenchNode, Vec<BenchPlayer>, tempfile::TempDir)> {
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
    let node = BenchNode::start(exe, roles, dir.path(), &key, &env)?;
    let settings = node_settings(dir.path(), database, &key)?;
    let store = Store::connect(settings.database().expose()).await?;
    let players = create_players(&store, players, &tokens(&settings)?).await?;
    Ok((node, players, dir))
}

fn duel_request() -> Value {
    json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]})
}

async fn api_load(
    args: &QueueBenchArgs,
    exe: &Path,
    database: Option<&str>,
) -> anyhow::Result<ApiResult> {
    let total = usize::try_from(u64::from(args.rate) * args.duration_s)?;
    let players_needed = total.div_ceil(2);
    let (node, players, _dir) =
        node_with_players(exe, "api", database, None, &[], players_needed).await?;

    // Each player queues then cancels, on the same connection so the two stay in order.
    let mut lanes = Vec::with_capacity(args.senders);
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..args.senders {
        let (tx, mut rx) = mpsc::unbounded_channel::<(bool, String, Instant)>();
        lanes.push(tx);
        let mut client = HttpClient::connect(node.addr).await?;
        senders.spawn(async move {
            let (mut queued, mut cancelled, mut errors) = (Vec::new(), Vec::new(), 0usize);
            while let Some((join, token, due)) = rx.recv().await {
                let answer = if join {
                    client
                        .call("POST", "/v1/queue", &token, duel_request())
                        .await
                } else {
                    client
                        .call("DELETE", "/v1/queue", &token, Value::Null)
                        .await
                };
                match (join, answer) {
                    (true, Ok((201, _))) => queued.push(due.elapsed()),
                    (false, Ok((200, _))) => cancelled.push(due.elapsed()),
                    _ => errors += 1,
                }
            }
            (queued, cancelled, errors)
        });
    }
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let started = Instant::now();
    for k in 0..total {
        let due = started + interval.mul_f64(k as f64);
        tokio::time::sleep_until(due).await;
        let player = k / 2;
        let lane = &lanes[player % lanes.len()];
        if lane
            .send((k % 2 == 0, players[player].token.clone(), due))
            .is_err()
        {
            bail!("a sender failed");
        }
    }
    drop(lanes);
    let (mut queued, mut cancelled, mut errors) = (Vec::new(), Vec::new(), 0);
    while let Some(result) = senders.join_next().await {
        let (q, c, e) = result?;
        queued.extend(q);
        cancelled.extend(c);
        errors += e;
    }
    let elapsed = started.elapsed();
    Ok(ApiResult {
        database: if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        offered_rps: args.rate,
        achieved_rps: (queued.len() + cancelled.len()) as f64 / elapsed.as_secs_f64(),
        errors,
        enqueue: Latency::of(queued),
        cancel: Latency::of(cancelled),
    })
}

/// Which push arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `match.found`.
    Found,
    /// `session.ready`.
    Ready,
}

/// Pushes that arrived: which, for which match and player, when.
type Found = (Kind, Uuid, Uuid, Instant);

async fn match_latency(
    args: &QueueBenchArgs,
    exe: &Path,
) -> anyhow::Result<(Latency, Latency, (f64, Latency, &'static str))> {
    let count = args.pairs * 2;
    let server_key = format!("bench-server-{}", Uuid::new_v4().simple());
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut env = vec![("RALLY_SERVER_KEY", server_key.as_str())];
    if let Some(redis) = &args.redis_url {
        env.push(("RALLY_REDIS_URL", redis.as_str()));
        env.push(("RALLY_NAMESPACE", namespace.as_str()));
    }
    let (node, players, _dir) =
        node_with_players(exe, "api,matchmaker,sessions", None, None, &env, count).await?;
    let (found_tx, mut found_rx) = mpsc::unbounded_channel::<Found>();
    for player in &players {
        listen_for_matches(node.addr, player.clone(), found_tx.clone()).await?;
    }
    drop(found_tx);

    let mut accepted: HashMap<Uuid, Instant> = HashMap::new();
    let mut client = HttpClient::connect(node.addr).await?;
    let mut arrivals: Vec<Found> = Vec::new();
    let started = Instant::now();
    for (k, pair) in players.chunks(2).enumerate() {
        tokio::time::sleep_until(started + Duration::from_millis(50) * u32::try_from(k)?).await;
        for player in pair {
            let (status, body) = client
                .call("POST", "/v1/queue", &player.token, duel_request())
                .await?;
            if status != 201 {
                bail!("queueing answered {status}: {body}");
            }
            accepted.insert(player.id, Instant::now());
        }
        while let Ok(arrival) = found_rx.try_recv() {
            arrivals.push(arrival);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while arrivals.len() < count * 2 {
        let next = tokio::select! {
            next = found_rx.recv() => next,
            () = tokio::time::sleep_until(deadline) => None,
        };
        let Some(arrival) = next else { break };
        arrivals.push(arrival);
    }
    // match.found: from the later of the match's two tickets being accepted.
    let mut teams: HashMap<Uuid, Vec<(Uuid, Instant)>> = HashMap::new();
    let mut found_at: HashMap<(Uuid, Uuid), Instant> = HashMap::new();
    let mut ready_at: HashMap<(Uuid, Uuid), Instant> = HashMap::new();
    for (kind, match_id, player, at) in &arrivals {
        match kind {
            Kind::Found => {
                teams.entry(*match_id).or_default().push((*player, *at));
                found_at.insert((*match_id, *player), *at);
            }
            Kind::Ready => {
                ready_at.insert((*match_id, *player), *at);
            }
        }
    }
    let mut found = Vec::new();
    for deliveries in teams.values() {
        let last = deliveries
            .iter()
            .filter_map(|(player, _)| accepted.get(player))
            .max()
            .copied();
        if let Some(last) = last {
            found.extend(
                deliveries
                    .iter()
                    .map(|(_, at)| at.saturating_duration_since(last)),
            );
        }
    }
    let ready = ready_at
        .iter()
        .filter_map(|(key, at)| found_at.get(key).map(|f| at.saturating_duration_since(*f)))
        .collect();
    let sessions: Vec<Uuid> = teams.keys().copied().collect();
    let heartbeats = heartbeat_load(args, node.addr, &server_key, &sessions).await?;
    let backend = if args.redis_url.is_some() {
        "redis"
    } else {
        "in-memory"
    };
    Ok((
        Latency::of(found),
        Latency::of(ready),
        (heartbeats.0, heartbeats.1, backend),
    ))
}

/// Back-to-back heartbeats over the running sessions from every sender, for `heartbeat_s`.
async fn heartbeat_load(
    args: &QueueBenchArgs,
    addr: SocketAddr,
    key: &str,
    sessions: &[Uuid],
) -> anyhow::Result<(f64, Latency)> {
    if sessions.is_empty() {
        return Ok((0.0, Latency::default()));
    }
    let until = Instant::now() + Duration::from_secs(args.heartbeat_s);
    let mut senders = tokio::task::JoinSet::new();
    for lane in 0..args.senders {
        let mut client = HttpClient::connect(addr).await?;
        let key = key.to_owned();
        let sessions = sessions.to_vec();
        senders.spawn(async move {
            let mut latencies = Vec::new();
            let mut i = lane;
            while Instant::now() < until {
                let path = format!(
                    "/v1/server/sessions/{}/heartbeat",
                    sessions[i % sessions.len()]
                );
                let sent = Instant::now();
                if let Ok((200, _)) = client.call("POST", &path, &key, Value::Null).await {
                    latencies.push(sent.elapsed());
                }
                i += 1;
            }
            latencies
        });
    }
    let started = Instant::now();
    let mut latencies = Vec::new();
    while let Some(result) = senders.join_next().await {
        latencies.extend(result?);
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, Latency::of(latencies)))
}

/// Opens `player`'s socket; reports each `match.found` and `session.ready` it receives.
async fn listen_for_matches(
    addr: SocketAddr,
    player: BenchPlayer,
    found: mpsc::UnboundedSender<Found>,
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
            let kind = match frame["type"].as_str() {
                Some("match.found") => Kind::Found,
                Some("session.ready") => Kind::Ready,
                _ => continue,
            };
            let match_id = frame["data"]["match_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            if found.send((kind, match_id, player.id, at)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// A queue whose tickets wait: no match reaches its quality floor.
const HOLD_QUEUE: &str = r#"
[queues.hold]
teams = 2
team_size = 1
max_party_size = 1
rating_system = "Glicko2"
max_wait_ms = 36000000
min_quality = { start = 0.999, step = 0.0, every_ms = 0, floor = 0.999 }
"#;

async fn waiting_ticks(args: &QueueBenchArgs, exe: &Path) -> anyhow::Result<TickResult> {
    let (node, players, _dir) = node_with_players(
        exe,
        "api,matchmaker",
        None,
        Some(HOLD_QUEUE),
        &[],
        args.tickets,
    )
    .await?;
    let request = json!({"mode": "hold", "regions": [{"region": "eu", "latency_ms": 50}]});
    let started = Instant::now();
    let per_sender = players.len().div_ceil(args.senders);
    let mut senders = tokio::task::JoinSet::new();
    for chunk in players.chunks(per_sender.max(1)) {
        let chunk = chunk.to_vec();
        let request = request.clone();
        let mut client = HttpClient::connect(node.addr).await?;
        senders.spawn(async move {
            let mut errors = 0usize;
            for player in chunk {
                match client
                    .call("POST", "/v1/queue", &player.token, request.clone())
                    .await
                {
                    Ok((201, _)) => {}
                    _ => errors += 1,
                }
            }
            errors
        });
    }
    let mut errors = 0;
    while let Some(result) = senders.join_next().await {
        errors += result?;
    }
    let load = started.elapsed();
    if errors > 0 {
        bail!("{errors} tickets were refused while loading");
    }
    // Let the matchmaker hold them all for a while, then read its summaries.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let metrics = metrics_text(node.addr).await?;
    Ok(TickResult {
        tickets: players.len(),
        load_rps: players.len() as f64 / load.as_secs_f64(),
        round_ms: quantiles(&metrics, "rally_matchmaker_round_ms"),
        tick_ms: quantiles(&metrics, "rally_matchmaker_tick_ms"),
    })
}

async fn metrics_text(addr: SocketAddr) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut text = String::new();
    stream.read_to_string(&mut text).await?;
    Ok(text)
}

/// The p50 and p99 of a summary in Prometheus text (NaN when absent).
fn quantiles(text: &str, name: &str) -> (f64, f64) {
    let at = |q: &str| {
        let prefix = format!("{name}{{quantile=\"{q}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    (at("0.5"), at("0.99"))
}
