//! Game servers' heartbeats, back to back, on the sessions the duels got.

use std::{sync::Arc, time::Duration};

use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use uuid::Uuid;

use super::QueueBenchArgs;
use crate::{
    client::HttpClient,
    latency::{Latency, LatencyRecorder},
};

/// Back-to-back heartbeats over `sessions` from every sender for `args.heartbeat_s`, signed
/// with the server key `key`; heartbeats answered per second, and their latency.
pub(super) async fn heartbeat_load(
    args: &QueueBenchArgs,
    client: &HttpClient,
    key: &str,
    sessions: &[Uuid],
) -> anyhow::Result<(f64, Latency)> {
    if sessions.is_empty() {
        return Ok((0.0, Latency::default()));
    }
    let paths: Arc<[String]> = sessions
        .iter()
        .map(|id| format!("/v1/server/sessions/{id}/heartbeat"))
        .collect();
    let started = Instant::now();
    let until = started + Duration::from_secs(args.heartbeat_s);
    let mut senders = tokio::task::JoinSet::new();
    for lane in 0..args.senders {
        let client = client.clone();
        let key = key.to_owned();
        let paths = paths.clone();
        senders.spawn(async move {
            let mut latencies = LatencyRecorder::new();
            let mut i = lane;
            while Instant::now() < until {
                let sent = Instant::now();
                let reply = client
                    .call(Method::POST, &paths[i % paths.len()], Some(&key), None)
                    .await;
                if matches!(reply, Ok(reply) if reply.status == StatusCode::OK) {
                    latencies.record(sent.elapsed());
                }
                i += 1;
            }
            latencies
        });
    }
    let mut latencies = LatencyRecorder::new();
    while let Some(result) = senders.join_next().await {
        latencies.merge(&result?);
    }
    let rate = latencies.count() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, latencies.latency()))
}
