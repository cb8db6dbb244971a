//! The matchmaker's round and the engine's tick while many tickets, loaded through the API,
//! wait in a queue whose quality floor no match reaches. The quantiles are the node's own
//! summaries, read from `/metrics`.

use std::{path::Path, time::Duration};

use anyhow::bail;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::time::Instant;

use super::{QueueBenchArgs, Setup, TickResult};
use crate::client::HttpClient;

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

/// Loads `args.tickets` tickets into the hold queue, lets the matchmaker hold them for
/// `args.hold_s`, then reads its round and tick summaries.
pub(super) async fn waiting_ticks(args: &QueueBenchArgs, exe: &Path) -> anyhow::Result<TickResult> {
    let roles = "api,matchmaker";
    let setup = Setup::start(exe, roles, None, Some(HOLD_QUEUE), &[], args.tickets).await?;
    let client = HttpClient::new(setup.node.addr)?;
    let request = json!({"mode": "hold", "regions": [{"region": "eu", "latency_ms": 50}]});
    let started = Instant::now();
    let per_sender = setup.players.len().div_ceil(args.senders).max(1);
    let mut senders = tokio::task::JoinSet::new();
    for chunk in setup.players.chunks(per_sender) {
        let chunk = chunk.to_vec();
        let request = request.clone();
        let client = client.clone();
        senders.spawn(async move {
            let mut errors = 0usize;
            for player in chunk {
                let reply = client
                    .call(
                        Method::POST,
                        "/v1/queue",
                        Some(&player.token),
                        Some(&request),
                    )
                    .await;
                if !matches!(reply, Ok(reply) if reply.status == StatusCode::CREATED) {
                    errors += 1;
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
    tokio::time::sleep(Duration::from_secs(args.hold_s)).await;
    let metrics = client.text("/metrics").await?;
    Ok(TickResult {
        tickets: setup.players.len(),
        load_rps: setup.players.len() as f64 / load.as_secs_f64(),
        round_ms: quantiles(&metrics, "rally_matchmaker_round_ms"),
        tick_ms: quantiles(&metrics, "rally_matchmaker_tick_ms"),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_read_from_a_summary_and_nan_when_absent() {
        let text = "# TYPE rally_matchmaker_tick_ms summary\n\
                    rally_matchmaker_tick_ms{quantile=\"0.5\"} 1.25\n\
                    rally_matchmaker_tick_ms{quantile=\"0.99\"} 4\n\
                    rally_matchmaker_tick_ms_count 12\n";
        assert_eq!(quantiles(text, "rally_matchmaker_tick_ms"), (1.25, 4.0));
        let (p50, p99) = quantiles(text, "rally_matchmaker_round_ms");
        assert!(p50.is_nan() && p99.is_nan());
    }
}
