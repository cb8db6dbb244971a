//! Queue population and recent waits, published per bucket (one region of a queue) by the
//! matchmaker that owns it to the `state` backend (`queue-stats:<mode>:<region>`, living two
//! leases), and read by `GET /v1/queues`, which adds a queue's buckets up.

use std::time::Duration;

use rally_engine::Region;
use rally_state::State;
use serde::{Deserialize, Serialize};

/// One bucket's figures, or a queue's once its buckets are added up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Players waiting.
    pub players_waiting: u64,
    /// The median wait of matches made in the last minutes, in seconds.
    pub median_wait_s: Option<f64>,
    /// How many matched tickets that median is of.
    #[serde(default)]
    pub samples: u64,
}

fn key(mode: &str, region: Region) -> String {
    format!("queue-stats:{mode}:{}", region.as_str())
}

/// Publishes `stats` for one region of `mode`, to live `ttl`.
pub async fn publish(state: &State, mode: &str, region: Region, stats: &QueueStats, ttl: Duration) {
    let bytes = serde_json::to_vec(stats).expect("BUG: stats serialize");
    if let Err(error) = state.set_with_ttl(&key(mode, region), &bytes, ttl).await {
        tracing::warn!(error = %error, mode, "cannot publish queue stats");
    }
}

/// The figures last published for `mode`'s `regions`, added up: the players waiting summed,
/// and as the median wait the buckets' medians' median weighted by their samples (each
/// bucket's median stands for its samples; exact when one bucket has them all).
pub async fn read(state: &State, mode: &str, regions: &[Region]) -> QueueStats {
    let mut buckets = Vec::with_capacity(regions.len());
    for &region in regions {
        if let Ok(Some(bytes)) = state.get(&key(mode, region)).await
            && let Ok(stats) = serde_json::from_slice::<QueueStats>(&bytes)
        {
            buckets.push(stats);
        }
    }
    combine(&buckets)
}

fn combine(buckets: &[QueueStats]) -> QueueStats {
    let mut medians: Vec<(f64, u64)> = buckets
        .iter()
        .filter_map(|b| b.median_wait_s.map(|m| (m, b.samples.max(1))))
        .collect();
    medians.sort_by(|a, b| a.0.total_cmp(&b.0));
    let samples: u64 = medians.iter().map(|(_, n)| n).sum();
    let mut seen = 0;
    let median_wait_s = medians.iter().find_map(|&(median, n)| {
        seen += n;
        (2 * seen > samples).then_some(median)
    });
    QueueStats {
        players_waiting: buckets.iter().map(|b| b.players_waiting).sum(),
        median_wait_s,
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queues_figures_add_its_buckets_up() {
        let bucket = |players, median: Option<f64>, samples| QueueStats {
            players_waiting: players,
            median_wait_s: median,
            samples,
        };
        let queue = combine(&[
            bucket(10, Some(4.0), 30),
            bucket(3, Some(20.0), 10),
            bucket(2, None, 0),
        ]);
        assert_eq!(queue.players_waiting, 15);
        assert_eq!(
            queue.median_wait_s,
            Some(4.0),
            "most matches were in the first"
        );
        assert_eq!(combine(&[]), QueueStats::default());
        let even = combine(&[bucket(0, Some(4.0), 10), bucket(0, Some(20.0), 30)]);
        assert_eq!(even.median_wait_s, Some(20.0));
    }
}
