//! Queue and cancel at a fixed rate (open loop: latency counts from when each request was
//! due), on one database; each player cancels a second after queueing.

use std::{path::Path, time::Duration};

use anyhow::bail;
use reqwest::{Method, StatusCode};
use tokio::{sync::mpsc, time::Instant};

use super::{ApiResult, QueueBenchArgs, Setup, duel_request, queue_duel};
use crate::{client::HttpClient, latency::LatencyRecorder};

/// How long after queueing each player cancels.
const CANCEL_AFTER: Duration = Duration::from_secs(1);

/// One request for a lane: queue (or cancel) this player's ticket, due then.
#[derive(Debug)]
struct Call {
    join: bool,
    token: String,
    due: Instant,
}

/// What one lane saw: queue and cancel latencies, and the answers that were not the expected.
#[derive(Debug, Default)]
struct Lane {
    queued: LatencyRecorder,
    cancelled: LatencyRecorder,
    errors: usize,
}

/// Offers `args.rate` queue and cancel requests per second for `args.duration_s` to an `api`
/// node on SQLite or `database`.
pub(super) async fn api_load(
    args: &QueueBenchArgs,
    exe: &Path,
    database: Option<&str>,
) -> anyhow::Result<ApiResult> {
    let total = usize::try_from(u64::from(args.rate) * args.duration_s)?;
    let lag = (CANCEL_AFTER.as_secs_f64() * f64::from(args.rate) / 2.0) as usize;
    let setup = Setup::start(exe, "api", database, None, &[], total.div_ceil(2) + lag).await?;
    if let Some(url) = database {
        crate::fill::settle(url).await?;
    }
    let client = HttpClient::new(setup.node.addr)?;

    // Each player queues, then cancels a while later (as a player would; not a millisecond
    // after, behind their own join on the same connection, which measured the bench's
    // connection more than the node). The first `lag` players queue before the clock starts;
    // then slot 2i queues player lag + i and slot 2i + 1 cancels player i, so every slot has
    // its call. Each player's calls go through one lane, which makes one call at a time, so
    // the two stay in order.
    let ticket = duel_request();
    for player in &setup.players[..lag] {
        queue_duel(&client, &player.token, &ticket).await?;
    }
    let mut lanes = Vec::with_capacity(args.senders);
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..args.senders {
        let (tx, rx) = mpsc::unbounded_channel::<Call>();
        lanes.push(tx);
        senders.spawn(lane(client.clone(), rx));
    }
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let started = Instant::now();
    for k in 0..total {
        let due = started + interval.mul_f64(k as f64);
        tokio::time::sleep_until(due).await;
        let (join, player) = if k % 2 == 0 {
            (true, lag + k / 2)
        } else {
            (false, k / 2)
        };
        let call = Call {
            join,
            token: setup.players[player].token.clone(),
            due,
        };
        if lanes[player % lanes.len()].send(call).is_err() {
            bail!("a sender failed");
        }
    }
    drop(lanes);
    let mut all = Lane::default();
    while let Some(result) = senders.join_next().await {
        let lane = result?;
        all.queued.merge(&lane.queued);
        all.cancelled.merge(&lane.cancelled);
        all.errors += lane.errors;
    }
    let elapsed = started.elapsed();
    Ok(ApiResult {
        database: if database.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        offered_rps: args.rate,
        achieved_rps: (all.queued.count() + all.cancelled.count()) as f64 / elapsed.as_secs_f64(),
        errors: all.errors,
        enqueue: all.queued.latency(),
        cancel: all.cancelled.latency(),
    })
}

/// Makes the calls that come in on `calls`, one at a time, until the channel closes.
async fn lane(client: HttpClient, mut calls: mpsc::UnboundedReceiver<Call>) -> Lane {
    let mut lane = Lane::default();
    let ticket = duel_request();
    while let Some(call) = calls.recv().await {
        let (method, body, expected) = if call.join {
            (Method::POST, Some(&ticket), StatusCode::CREATED)
        } else {
            (Method::DELETE, None, StatusCode::OK)
        };
        let answer = client
            .call(method, "/v1/queue", Some(&call.token), body)
            .await;
        match answer {
            Ok(reply) if reply.status == expected => {
                let recorder = if call.join {
                    &mut lane.queued
                } else {
                    &mut lane.cancelled
                };
                recorder.record(call.due.elapsed());
            }
            _ => lane.errors += 1,
        }
    }
    lane
}
