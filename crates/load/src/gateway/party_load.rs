//! The party load: parties formed over HTTP, then `ready` toggled at the offered rate by a
//! pool of senders while a collector matches every push that arrives with when its change
//! was due.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::bail;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{sync::mpsc, time::Instant};
use uuid::Uuid;

use super::{
    GatewayBenchArgs, PushResult,
    sockets::{Arrival, Change, uuid},
};
use crate::{client::HttpClient, latency::LatencyRecorder, player::BenchPlayer};

/// How long the last pushes are given to arrive once every change was answered.
const LAST_PUSHES_WITHIN: Duration = Duration::from_secs(2);

/// One change for a sender to make.
#[derive(Debug)]
struct Work {
    path: String,
    token: String,
    ready: bool,
    due: Instant,
}

/// The changes waiting for a sender: many senders take from one queue.
type WorkQueue = Arc<tokio::sync::Mutex<mpsc::Receiver<Work>>>;

/// When each change was due, by change; the collector reads it as pushes arrive.
type DueTimes = Arc<Mutex<HashMap<Change, Instant>>>;

/// Forms the parties through `addr`, then toggles `ready` at the offered rate for the
/// duration and matches each change with its pushes.
pub(super) async fn party_load(
    args: &GatewayBenchArgs,
    addr: SocketAddr,
    members: &[BenchPlayer],
    arrivals: mpsc::UnboundedReceiver<Arrival>,
    database_url: Option<&str>,
) -> anyhow::Result<PushResult> {
    let client = HttpClient::new(addr)?;
    let parties = form_parties(args, &client, members).await?;
    if let Some(url) = database_url {
        crate::fill::settle(url).await?;
    }

    // The changes: the k-th change toggles member (k / parties) of party (k % parties). Each
    // arrival is matched, as it arrives, with when its change was due (the same member's same
    // answer recurs two rounds later, long after its pushes arrived).
    let due: DueTimes = Arc::default();
    let (stop_collecting, collecting_stopped) = tokio::sync::oneshot::channel::<()>();
    let collector = tokio::spawn(collect(due.clone(), arrivals, collecting_stopped));

    let total = usize::try_from(u64::from(args.rate) * args.duration_s)?;
    let (work_tx, work_rx) = mpsc::channel::<Work>(args.senders.max(1) * 4);
    let queue: WorkQueue = Arc::new(tokio::sync::Mutex::new(work_rx));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..args.senders.max(1) {
        senders.spawn(send(client.clone(), queue.clone()));
    }
    drop(queue);
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
            .expect("BUG: no holder of the due-times lock panics")
            .insert((*party_id, member.id, *ready), when);
        let work = Work {
            path: format!("/v1/party/{party_id}/ready"),
            token: member.token.clone(),
            ready: *ready,
            due: when,
        };
        if work_tx.send(work).await.is_err() {
            bail!("every sender failed");
        }
    }
    drop(work_tx);
    let mut errors = 0;
    let mut answered = LatencyRecorder::new();
    while let Some(result) = senders.join_next().await {
        let (failed, latencies) = result?;
        errors += failed;
        answered.merge(&latencies);
    }
    let elapsed = started.elapsed();

    tokio::time::sleep(LAST_PUSHES_WITHIN).await;
    let _ = stop_collecting.send(());
    let (per_member, per_change) = collector.await?;
    let all_members: LatencyRecorder = per_change
        .values()
        .filter(|(count, _)| *count >= args.party_size)
        .map(|(_, latency)| *latency)
        .collect();
    let made = total - errors;
    Ok(PushResult {
        offered_rps: args.rate,
        achieved_rps: made as f64 / elapsed.as_secs_f64(),
        errors,
        expected: made * args.party_size,
        received: per_member.count(),
        answered: answered.latency(),
        per_member: per_member.latency(),
        all_members: all_members.latency(),
    })
}

/// Creates `args.parties` open parties of `args.party_size` from `members` (the first of each
/// group leads, the others join); their ids and members.
async fn form_parties(
    args: &GatewayBenchArgs,
    client: &HttpClient,
    members: &[BenchPlayer],
) -> anyhow::Result<Vec<(Uuid, Vec<BenchPlayer>)>> {
    let mut parties = Vec::with_capacity(args.parties);
    for group in members.chunks(args.party_size).take(args.parties) {
        let Some((leader, others)) = group.split_first() else {
            continue;
        };
        let create = json!({"open": true, "max_size": args.party_size});
        let party = client
            .call(
                Method::POST,
                "/v1/party",
                Some(&leader.token),
                Some(&create),
            )
            .await?;
        if party.status != StatusCode::CREATED {
            bail!("creating a party answered {}: {}", party.status, party.body);
        }
        let party_id = uuid(&party.body["id"]);
        for member in others {
            let joined = client
                .call(
                    Method::POST,
                    &format!("/v1/party/{party_id}/join"),
                    Some(&member.token),
                    Some(&json!({})),
                )
                .await?;
            if joined.status != StatusCode::OK {
                bail!(
                    "joining a party answered {}: {}",
                    joined.status,
                    joined.body
                );
            }
        }
        parties.push((party_id, group.to_vec()));
    }
    if parties.is_empty() {
        bail!("no party could be formed");
    }
    Ok(parties)
}

/// A sender: makes the changes it takes from `queue` until it is empty and closed; the
/// changes that failed, and the latency of those answered, from when they were due.
async fn send(client: HttpClient, queue: WorkQueue) -> (usize, LatencyRecorder) {
    let mut errors = 0usize;
    let mut answered = LatencyRecorder::new();
    loop {
        let next = queue.lock().await.recv().await;
        let Some(work) = next else { break };
        let body = json!({"ready": work.ready});
        match client
            .call(Method::POST, &work.path, Some(&work.token), Some(&body))
            .await
        {
            Ok(reply) if reply.status == StatusCode::OK => answered.record(work.due.elapsed()),
            _ => errors += 1,
        }
    }
    (errors, answered)
}

/// Matches each arrival with when its change was due, until `stopped`: the latency on each
/// member's socket, and per change (and when it was due) the pushes arrived and the latest.
async fn collect(
    due: DueTimes,
    mut arrivals: mpsc::UnboundedReceiver<Arrival>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) -> (
    LatencyRecorder,
    HashMap<(Change, Instant), (usize, Duration)>,
) {
    let mut per_member = LatencyRecorder::new();
    let mut per_change: HashMap<(Change, Instant), (usize, Duration)> = HashMap::new();
    loop {
        let arrival = tokio::select! {
            arrival = arrivals.recv() => arrival,
            _ = &mut stopped => None,
        };
        let Some((key, at)) = arrival else { break };
        let when = due
            .lock()
            .expect("BUG: no holder of the due-times lock panics")
            .get(&key)
            .copied();
        let Some(when) = when else { continue };
        let latency = at.saturating_duration_since(when);
        per_member.record(latency);
        let entry = per_change.entry((key, when)).or_insert((0, Duration::ZERO));
        entry.0 += 1;
        entry.1 = entry.1.max(latency);
    }
    (per_member, per_change)
}
