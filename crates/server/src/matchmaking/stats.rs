//! Queue population and recent waits, published by the matchmaker that owns a queue to the
//! `state` backend (`queue-stats:<mode>`, living two leases), and read by `GET /v1/queues`.

use std::time::Duration;

use rally_state::State;
use serde::{Deserialize, Serialize};

/// One queue's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Players waiting.
    pub players_waiting: u64,
    /// The median wait of matches made in the last minutes, in seconds.
    pub median_wait_s: Option<f64>,
}

fn key(mode: &str) -> String {
    format!("queue-stats:{mode}")
}

/// Publishes `stats` for `mode`, to live `ttl`.
pub async fn publish(state: &State, mode: &str, stats: &QueueStats, ttl: Duration) {
    let bytes = serde_json::to_vec(stats).expect("BUG: stats serialize");
    if let Err(error) = state.set_with_ttl(&key(mode), &bytes, ttl).await {
        tracing::warn!(error = %error, mode, "cannot publish queue stats");
    }
}

/// The last figures published for `mode` (default when none live).
pub async fn read(state: &State, mode: &str) -> QueueStats {
    match state.get(&key(mode)).await {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
        _ => QueueStats::default(),
    }
}
