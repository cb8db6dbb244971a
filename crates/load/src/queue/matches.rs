//! From the last ticket a duel needs being accepted to `match.found` on both players' sockets,
//! and on to `session.ready`, with the matchmaker and the sessions role in the node; then the
//! heartbeats of the sessions those duels got.

use std::{collections::HashMap, net::SocketAddr, path::Path, time::Duration};

use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use super::{
    HeartbeatResult, QueueBenchArgs, Setup, duel_request, heartbeat::heartbeat_load, queue_duel,
};
use crate::{
    client::HttpClient,
    latency::{Latency, LatencyRecorder},
    player::BenchPlayer,
    socket::{next_frame, open_socket},
};

/// Time between two pairs queueing (20 pairs a second).
const PAIR_EVERY: Duration = Duration::from_millis(50);
/// How long pushes still missing are waited for once every pair queued.
const LAST_PUSHES_WITHIN: Duration = Duration::from_secs(5);

/// Which push arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `match.found`.
    Found,
    /// `session.ready`.
    Ready,
}

/// A push that arrived: which, for which match and player, when.
#[derive(Debug, Clone, Copy)]
struct Push {
    kind: Kind,
    match_id: Uuid,
    player: Uuid,
    at: Instant,
}

/// Queues `args.pairs` pairs for duels, 20 pairs a second, on a node with the matchmaker and
/// the sessions role; the `match.found` and `session.ready` latencies, and the heartbeats.
pub(super) async fn match_latency(
    args: &QueueBenchArgs,
    exe: &Path,
) -> anyhow::Result<(Latency, Latency, HeartbeatResult)> {
    let count = args.pairs * 2;
    let server_key = format!("bench-server-{}", Uuid::new_v4().simple());
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut env = vec![("RALLY_SERVER_KEY", server_key.as_str())];
    if let Some(redis) = &args.redis_url {
        env.push(("RALLY_REDIS_URL", redis.as_str()));
        env.push(("RALLY_NAMESPACE", namespace.as_str()));
    }
    let roles = "api,matchmaker,sessions";
    let setup = Setup::start(exe, roles, None, None, &env, count).await?;
    let addr = setup.node.addr;
    let (push_tx, mut push_rx) = mpsc::unbounded_channel::<Push>();
    for player in &setup.players {
        listen_for_matches(addr, player.clone(), push_tx.clone()).await?;
    }
    drop(push_tx);

    let client = HttpClient::new(addr)?;
    let ticket = duel_request();
    let mut accepted: HashMap<Uuid, Instant> = HashMap::new();
    let mut arrivals: Vec<Push> = Vec::new();
    let started = Instant::now();
    for (k, pair) in setup.players.chunks(2).enumerate() {
        tokio::time::sleep_until(started + PAIR_EVERY * u32::try_from(k)?).await;
        for player in pair {
            queue_duel(&client, &player.token, &ticket).await?;
            accepted.insert(player.id, Instant::now());
        }
        while let Ok(arrival) = push_rx.try_recv() {
            arrivals.push(arrival);
        }
    }
    let deadline = Instant::now() + LAST_PUSHES_WITHIN;
    while arrivals.len() < count * 2 {
        let next = tokio::select! {
            next = push_rx.recv() => next,
            () = tokio::time::sleep_until(deadline) => None,
        };
        let Some(arrival) = next else { break };
        arrivals.push(arrival);
    }

    let (found, ready, sessions) = latencies(&arrivals, &accepted);
    let (per_s, latency) = heartbeat_load(args, &client, &server_key, &sessions).await?;
    let heartbeats = HeartbeatResult {
        per_s,
        latency,
        state: if args.redis_url.is_some() {
            "redis"
        } else {
            "in-memory"
        },
    };
    Ok((found, ready, heartbeats))
}

/// From the pushes: `match.found` latencies (from the later of the match's two tickets being
/// accepted), `session.ready` latencies (from the same player's `match.found`), and the matches
/// found, whose sessions are running.
fn latencies(
    arrivals: &[Push],
    accepted: &HashMap<Uuid, Instant>,
) -> (Latency, Latency, Vec<Uuid>) {
    let mut teams: HashMap<Uuid, Vec<(Uuid, Instant)>> = HashMap::new();
    let mut found_at: HashMap<(Uuid, Uuid), Instant> = HashMap::new();
    let mut ready_at: HashMap<(Uuid, Uuid), Instant> = HashMap::new();
    for push in arrivals {
        let key = (push.match_id, push.player);
        match push.kind {
            Kind::Found => {
                teams
                    .entry(push.match_id)
                    .or_default()
                    .push((push.player, push.at));
                found_at.insert(key, push.at);
            }
            Kind::Ready => {
                ready_at.insert(key, push.at);
            }
        }
    }
    let mut found = LatencyRecorder::new();
    for deliveries in teams.values() {
        let last = deliveries
            .iter()
            .filter_map(|(player, _)| accepted.get(player))
            .max();
        if let Some(last) = last {
            for (_, at) in deliveries {
                found.record(at.saturating_duration_since(*last));
            }
        }
    }
    let ready: LatencyRecorder = ready_at
        .iter()
        .filter_map(|(key, at)| found_at.get(key).map(|f| at.saturating_duration_since(*f)))
        .collect();
    let sessions = teams.keys().copied().collect();
    (found.latency(), ready.latency(), sessions)
}

/// Opens `player`'s socket; reports each `match.found` and `session.ready` it receives.
async fn listen_for_matches(
    addr: SocketAddr,
    player: BenchPlayer,
    pushes: mpsc::UnboundedSender<Push>,
) -> anyhow::Result<()> {
    let mut ws = open_socket(addr, &player.token).await?;
    tokio::spawn(async move {
        while let Some((frame, at)) = next_frame(&mut ws).await {
            let kind = match frame["type"].as_str() {
                Some("match.found") => Kind::Found,
                Some("session.ready") => Kind::Ready,
                _ => continue,
            };
            let match_id = frame["data"]["match_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            let push = Push {
                kind,
                match_id,
                player: player.id,
                at,
            };
            if pushes.send(push).is_err() {
                return;
            }
        }
    });
    Ok(())
}
