//! `rally bench loop`: players looping through the whole loop on one node, and how long each
//! step takes them under that load.
//!
//! Each player holds its gateway socket and, until the deadline: queues for a duel, waits for
//! `match.found` on its socket, then for `session.ready` of that match, and queues again. The
//! first player of a match's first team also plays the match's game server (a heartbeat and
//! the result), so each match is reported once, as one game server reports it. The node runs
//! every role, on SQLite or, with the three URLs, on PostgreSQL, Redis and NATS. Latencies are
//! those the players see: from queueing to `match.found` (which includes up to a tick interval
//! of waiting for the next round), and from `match.found` to `session.ready` (allocation and
//! its push; zero when `session.ready` came first, as it may: the two travel apart), counted
//! after a warm-up. On PostgreSQL the bench vacuums every ten seconds, as autovacuum would.

use std::{
    fmt,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use anyhow::bail;
use rand::{SeedableRng, rngs::StdRng};
use reqwest::{Method, StatusCode};
use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use crate::{
    client::{HttpClient, Reply},
    latency::{Latency, LatencyRecorder},
    node::{BenchNode, delete_streams, node_settings, tokens},
    player::{BenchPlayer, create_players},
    queue::duel_request,
    refusal::Refused,
    soak::{first_team_wins, matches_made},
    socket::{next_frame, open_socket},
    stages::{Stage, stages},
    think::Think,
};

/// How long a player waits for one push before it counts an error and queues again.
const PUSH_WITHIN: Duration = Duration::from_secs(30);
/// How often PostgreSQL is vacuumed and analyzed during the run, standing in for autovacuum
/// (see [`crate::fill::vacuum_every`]).
const VACUUM_EVERY: Duration = Duration::from_secs(10);
/// How long a player waits before queueing again when its last match's result is still being
/// applied, or after an error.
const RETRY_AFTER: Duration = Duration::from_millis(50);

/// Options of `rally bench loop`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoopBenchArgs {
    /// Players looping, each with its socket.
    #[arg(long, default_value_t = 1000)]
    pub players: usize,
    /// Seconds of play.
    #[arg(long, default_value_t = 60)]
    pub duration_s: u64,
    /// Seconds before latencies count (the first matches find every player queued at once).
    #[arg(long, default_value_t = 15)]
    pub warmup_s: u64,
    /// Milliseconds a player waits after a match before queueing again, so the load stays
    /// near a rate (1,000 players and 3 s: about 115 matches a second when nothing queues);
    /// with none, the players go as fast as the node lets them and latency is whatever queue
    /// forms at its slowest step.
    #[arg(long, default_value_t = 3000)]
    pub think_ms: u64,
    /// How far a player's wait strays from `--think-ms`, in percent either way, drawn afresh
    /// for each wait: players are not in step, as real ones never are. With 0 every player
    /// waits exactly as long, so all of them queue, are matched and report together, and
    /// every stage of the node takes the whole population at once each cycle.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub think_spread_pct: u8,
    /// Seed of the players' waits, so a run can be repeated.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run the node on this PostgreSQL database (with `--redis-url` and `--nats-url`).
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The node's Redis.
    #[arg(long, env = "RALLY_BENCH_REDIS_URL")]
    pub redis_url: Option<String>,
    /// The node's NATS.
    #[arg(long, env = "RALLY_BENCH_NATS_URL")]
    pub nats_url: Option<String>,
}

/// What `rally bench loop` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoopReport {
    /// `sqlite`, or `postgres+redis+nats`.
    pub backends: &'static str,
    /// Players looping.
    pub players: usize,
    /// Seconds of play, and of it the warm-up.
    pub seconds: f64,
    /// Seconds before latencies counted.
    pub warmup_s: u64,
    /// A player's wait between a match and the next, ms, on average.
    pub think_ms: u64,
    /// How far each wait strays from it, percent either way.
    pub think_spread_pct: u8,
    /// Matches made over the run, per second.
    pub matches_per_s: f64,
    /// Queueing to `match.found` on the player's socket.
    pub queue_to_found: Latency,
    /// `match.found` to `session.ready` of the same match on the player's socket.
    pub found_to_ready: Latency,
    /// Calls that failed and pushes that never came.
    pub errors: u64,
    /// Calls the node refused for now (503 or 429 with `Retry-After`, its documented answer to
    /// overload, mostly while every player registers at once at the start), each tried again
    /// after the wait the node asked for.
    pub refused: u64,
    /// On PostgreSQL, where the matches counted spent their time from being made to
    /// `session.ready` leaving the node (the store's timestamps); empty on SQLite.
    pub stages: Vec<Stage>,
}

impl fmt::Display for LoopReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(
            f,
            "full loop: {} players on one node ({}), {:.0} s ({} s warm-up), {} ms ± {} % between matches, {:.1} matches/s, {} errors, {} refused for now",
            self.players,
            self.backends,
            self.seconds,
            self.warmup_s,
            self.think_ms,
            self.think_spread_pct,
            self.matches_per_s,
            self.errors,
            self.refused
        )?;
        for (name, latency) in [
            ("queue -> match.found", &self.queue_to_found),
            ("match.found -> session.ready", &self.found_to_ready),
        ] {
            writeln!(
                f,
                "  {name:<29} ({} deliveries) p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                latency.count,
                ms(latency.p50),
                ms(latency.p99),
                ms(latency.max)
            )?;
        }
        if !self.stages.is_empty() {
            writeln!(
                f,
                "  from the match made to session.ready published, by stage:"
            )?;
        }
        for stage in &self.stages {
            writeln!(
                f,
                "    {:<27} ({} matches) p50 {:.1} ms  p99 {:.1} ms",
                stage.name, stage.count, stage.p50_ms, stage.p99_ms
            )?;
        }
        Ok(())
    }
}

/// What every player shares: the node, the clocks of the run and the recorders.
struct Run {
    client: HttpClient,
    server_key: String,
    counted_from: Instant,
    deadline: Instant,
    think: Think,
    queue_to_found: Mutex<LatencyRecorder>,
    found_to_ready: Mutex<LatencyRecorder>,
    errors: AtomicU64,
    refused: AtomicU64,
}

/// Runs the loop against a node started from `exe`.
pub async fn full_loop(args: &LoopBenchArgs, exe: &Path) -> anyhow::Result<LoopReport> {
    if args.players < 2 || args.warmup_s >= args.duration_s {
        bail!("--players must be at least 2 and --warmup-s shorter than --duration-s");
    }
    let backends = match (&args.database_url, &args.redis_url, &args.nats_url) {
        (None, None, None) => None,
        (Some(database), Some(redis), Some(nats)) => Some((database, redis, nats)),
        _ => bail!("give --database-url, --redis-url and --nats-url together, or none"),
    };
    let key = format!("bench-{}", Uuid::new_v4().simple());
    let server_key = format!("bench-server-{}", Uuid::new_v4().simple());
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let dir = tempfile::tempdir()?;
    let mut env = vec![
        ("RALLY_SERVER_KEY", server_key.as_str()),
        ("RALLY_QUEUE_LEAVE_ON_DISCONNECT", "false"),
    ];
    if let Some((database, redis, nats)) = backends {
        env.extend([
            ("RALLY_DATABASE_URL", database.as_str()),
            ("RALLY_REDIS_URL", redis.as_str()),
            ("RALLY_NATS_URL", nats.as_str()),
            ("RALLY_NAMESPACE", namespace.as_str()),
        ]);
    }
    let roles = "api,matchmaker,sessions,ratings";
    let node = BenchNode::start(exe, roles, dir.path(), &key, &env).await?;
    let database = backends.map(|(database, _, _)| database.as_str());
    let settings = node_settings(dir.path(), database, &key)?;
    let store = rally_store::Store::connect(settings.database().expose()).await?;
    let players = create_players(&store, args.players, &tokens(&settings)?).await?;
    if let Some(database) = database {
        crate::fill::settle(database).await?;
    }

    let client = HttpClient::new(node.addr)?;
    let mut sockets = Vec::with_capacity(players.len());
    for player in &players {
        sockets.push(listen(node.addr, player).await?);
    }
    let matches_before = matches_made(&client).await?;
    let started = Instant::now();
    let counted_since = SystemTime::now() + Duration::from_secs(args.warmup_s);
    let run = Arc::new(Run {
        client: client.clone(),
        server_key,
        counted_from: started + Duration::from_secs(args.warmup_s),
        deadline: started + Duration::from_secs(args.duration_s),
        think: Think {
            mean: Duration::from_millis(args.think_ms),
            spread: f64::from(args.think_spread_pct) / 100.0,
        },
        queue_to_found: Mutex::new(LatencyRecorder::new()),
        found_to_ready: Mutex::new(LatencyRecorder::new()),
        errors: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let vacuum = database.map(|database| {
        tokio::spawn(crate::fill::vacuum_every(
            database.to_owned(),
            VACUUM_EVERY,
            stop.clone(),
        ))
    });
    let mut loops = tokio::task::JoinSet::new();
    for (i, (player, pushes)) in players.into_iter().zip(sockets).enumerate() {
        let waits = StdRng::seed_from_u64(args.seed.wrapping_add(i as u64));
        loops.spawn(play(run.clone(), player, pushes, waits));
    }
    while loops.join_next().await.is_some() {}
    stop.cancel();
    if let Some(vacuum) = vacuum {
        vacuum.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let matches = matches_made(&client).await?.saturating_sub(matches_before);
    drop(node);
    if let Some((_, _, nats)) = backends {
        delete_streams(nats, &namespace).await;
    }
    // After the clean-up, so a failed read leaves no streams behind.
    let stages = match database {
        Some(database) => stages(database, counted_since).await?,
        None => Vec::new(),
    };
    let latency = |recorder: &Mutex<LatencyRecorder>| {
        recorder
            .lock()
            .map_or_else(|_| LatencyRecorder::new().latency(), |r| r.latency())
    };
    Ok(LoopReport {
        backends: if backends.is_some() {
            "postgres+redis+nats"
        } else {
            "sqlite"
        },
        players: args.players,
        seconds,
        warmup_s: args.warmup_s,
        think_ms: args.think_ms,
        think_spread_pct: args.think_spread_pct,
        matches_per_s: matches as f64 / seconds,
        queue_to_found: latency(&run.queue_to_found),
        found_to_ready: latency(&run.found_to_ready),
        errors: run.errors.load(Ordering::Relaxed),
        refused: run.refused.load(Ordering::Relaxed),
        stages,
    })
}

/// Which push arrived, for which match, when.
#[derive(Debug, Clone, Copy)]
struct Push {
    ready: bool,
    match_id: Uuid,
    at: Instant,
    /// On `match.found`: whether this player plays the match's game server.
    hosts: bool,
}

/// Opens `player`'s socket; its `match.found` and `session.ready` pushes arrive on the channel.
async fn listen(
    addr: std::net::SocketAddr,
    player: &BenchPlayer,
) -> anyhow::Result<mpsc::UnboundedReceiver<Push>> {
    let mut ws = open_socket(addr, &player.token).await?;
    let (sender, pushes) = mpsc::unbounded_channel();
    let me = player.id.to_string();
    tokio::spawn(async move {
        while let Some((frame, at)) = next_frame(&mut ws).await {
            let ready = match frame["type"].as_str() {
                Some("match.found") => false,
                Some("session.ready") => true,
                _ => continue,
            };
            let Some(match_id) = frame["data"]["match_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
            else {
                continue;
            };
            let hosts = !ready && frame["data"]["teams"][0][0]["player_id"].as_str() == Some(&me);
            if sender
                .send(Push {
                    ready,
                    match_id,
                    at,
                    hosts,
                })
                .is_err()
            {
                return;
            }
        }
    });
    Ok(pushes)
}

/// One player's loop until the deadline; its waits drawn with `waits`.
async fn play(
    run: Arc<Run>,
    player: BenchPlayer,
    mut pushes: mpsc::UnboundedReceiver<Push>,
    mut waits: StdRng,
) {
    while Instant::now() < run.deadline {
        match play_once(&run, &player, &mut pushes).await {
            Ok(true) => tokio::time::sleep(run.think.draw(&mut waits)).await,
            Ok(false) => tokio::time::sleep(RETRY_AFTER).await,
            Err(error) => {
                let wait = match error.downcast_ref::<Refused>() {
                    Some(refused) => {
                        run.refused.fetch_add(1, Ordering::Relaxed);
                        refused.after
                    }
                    None => {
                        run.errors.fetch_add(1, Ordering::Relaxed);
                        RETRY_AFTER
                    }
                };
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Queue, `match.found`, `session.ready`, result: one match of one player (false: none was
/// played, the player is to try again).
async fn play_once(
    run: &Run,
    player: &BenchPlayer,
    pushes: &mut mpsc::UnboundedReceiver<Push>,
) -> anyhow::Result<bool> {
    let request = duel_request();
    let queued = Instant::now();
    let reply = run
        .client
        .call(
            Method::POST,
            "/v1/queue",
            Some(&player.token),
            Some(&request),
        )
        .await?;
    match (reply.status, reply.body["code"].as_str()) {
        (StatusCode::CREATED, _) => {}
        // The last match's result is still being applied: not an error, try again.
        (_, Some("in_match")) => return Ok(false),
        _ if let Some(refused) = Refused::of(&reply, RETRY_AFTER) => return Err(refused.into()),
        (status, _) => bail!("queueing answered {status}: {}", reply.body),
    }
    // `session.ready` travels apart from `match.found` and may overtake it: kept, it means the
    // session was ready by the time the match was found.
    let mut early = Vec::new();
    let Some(found) = next_push(run, pushes, |p| {
        if p.ready {
            early.push(*p);
        }
        !p.ready
    })
    .await?
    else {
        return Ok(false);
    };
    let ready = match early.into_iter().find(|p| p.match_id == found.match_id) {
        Some(ready) => ready,
        None => {
            let ready = next_push(run, pushes, |p| p.ready && p.match_id == found.match_id);
            let Some(ready) = ready.await? else {
                return Ok(false);
            };
            ready
        }
    };
    if found.at >= run.counted_from {
        if let Ok(mut recorder) = run.queue_to_found.lock() {
            recorder.record(found.at.saturating_duration_since(queued));
        }
        if let Ok(mut recorder) = run.found_to_ready.lock() {
            recorder.record(ready.at.saturating_duration_since(found.at));
        }
    }
    if found.hosts {
        report(run, found.match_id).await?;
    }
    Ok(true)
}

/// The next push that `wanted` accepts (others are stale: an earlier match's), `None` at the
/// deadline, an error when none came within [`PUSH_WITHIN`].
async fn next_push(
    run: &Run,
    pushes: &mut mpsc::UnboundedReceiver<Push>,
    mut wanted: impl FnMut(&Push) -> bool,
) -> anyhow::Result<Option<Push>> {
    let give_up = (Instant::now() + PUSH_WITHIN).min(run.deadline);
    loop {
        let push = tokio::select! {
            push = pushes.recv() => push,
            () = tokio::time::sleep_until(give_up) => None,
        };
        match push {
            Some(push) if wanted(&push) => return Ok(Some(push)),
            Some(_) => {}
            None if Instant::now() >= run.deadline => return Ok(None),
            None => bail!("no push within {PUSH_WITHIN:?}"),
        }
    }
}

/// The game server's part: a heartbeat, then the result (team 0 wins). Like a game server, it
/// tries a refused call again after the wait the node asked for, until the run ends: a result
/// dropped would leave both players in the match until its session is abandoned.
async fn report(run: &Run, match_id: Uuid) -> anyhow::Result<()> {
    let base = format!("/v1/server/sessions/{match_id}");
    let result = first_team_wins();
    let beat = server_call(run, &format!("{base}/heartbeat"), None).await?;
    if beat.status != StatusCode::OK {
        bail!("the heartbeat answered {}: {}", beat.status, beat.body);
    }
    let reply = server_call(run, &format!("{base}/result"), Some(&result)).await?;
    if reply.status != StatusCode::OK {
        bail!("the result answered {}: {}", reply.status, reply.body);
    }
    Ok(())
}

/// A game server's `POST` on `path`, tried again while the node refuses it for now; each
/// refusal is counted as one.
async fn server_call(
    run: &Run,
    path: &str,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<Reply> {
    let key = Some(run.server_key.as_str());
    loop {
        let reply = run.client.call(Method::POST, path, key, body).await?;
        match Refused::of(&reply, RETRY_AFTER) {
            Some(refused) if Instant::now() + refused.after < run.deadline => {
                run.refused.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(refused.after).await;
            }
            _ => return Ok(reply),
        }
    }
}
