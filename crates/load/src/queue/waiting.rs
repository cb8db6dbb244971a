//! The matchmaker's round and the engine's tick while many tickets, loaded through the API,
//! wait in a queue whose quality floor no match reaches. The quantiles are of the hold alone,
//! which starts once the rounds that admitted the load are over:
//! the node's histograms (`rally_matchmaker_round_seconds`, `rally_tick_duration_seconds`) are
//! read from `/metrics` when the hold starts and when it ends, and the quantiles are taken
//! from the difference of their buckets, interpolated within a bucket as Prometheus's
//! `histogram_quantile` does (so a figure is only as fine as the bucket it falls in).

use std::{path::Path, time::Duration};

use anyhow::bail;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::time::Instant;

use super::{QueueBenchArgs, RoundPhase, Setup, TickResult};
use crate::{client::HttpClient, refusal::Refused};

/// How many times a queueing refused for now is tried in all.
const ATTEMPTS: u32 = 30;
/// The wait after a refusal that names none.
const RETRY: Duration = Duration::from_millis(200);

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

/// How long after the load the hold starts: past the matchmaker's second reading of changes
/// (5 s after them), with a margin.
const SETTLE: Duration = Duration::from_secs(10);

/// The steps of a round, as the node labels `rally_matchmaker_round_phase_seconds`.
const PHASES: [&str; 5] = ["ownership", "follow", "tick", "write", "tell"];

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
                // A queueing refused for now (the store's writers queued past the node's
                // bound) is tried again after the wait the node asks for, as clients do.
                let mut attempts = 0;
                let reply = loop {
                    let reply = client
                        .call(
                            Method::POST,
                            "/v1/queue",
                            Some(&player.token),
                            Some(&request),
                        )
                        .await;
                    attempts += 1;
                    match reply.as_ref().ok().and_then(|r| Refused::of(r, RETRY)) {
                        Some(refused) if attempts < ATTEMPTS => {
                            tokio::time::sleep(refused.after).await;
                        }
                        _ => break reply,
                    }
                };
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
    // The rounds just after the load still carry it: the last second's tickets to admit, and
    // the read of changes an overlap (5 s) back goes over the load's last seconds again.
    tokio::time::sleep(SETTLE).await;
    let before = client.text("/metrics").await?;
    tokio::time::sleep(Duration::from_secs(args.hold_s)).await;
    let after = client.text("/metrics").await?;
    let held = |name: &str, label: &str| {
        let buckets = buckets(&after, name, label).minus(&buckets(&before, name, label));
        (
            buckets.quantile(0.5) * 1000.0,
            buckets.quantile(0.99) * 1000.0,
        )
    };
    let phases = PHASES
        .iter()
        .map(|&phase| {
            let (p50, p99) = held(
                "rally_matchmaker_round_phase_seconds",
                &format!("phase=\"{phase}\","),
            );
            RoundPhase { phase, p50, p99 }
        })
        .collect();
    Ok(TickResult {
        tickets: setup.players.len(),
        load_rps: setup.players.len() as f64 / load.as_secs_f64(),
        round_ms: held("rally_matchmaker_round_seconds", ""),
        tick_ms: held("rally_tick_duration_seconds", ""),
        phases,
    })
}

/// A histogram's cumulative bucket counts, by upper bound (seconds), ascending.
#[derive(Debug, Clone, PartialEq)]
struct Buckets(Vec<(f64, f64)>);

/// The buckets of histogram `name` in Prometheus text (none when absent); `labels` are the
/// labels before `le`, each followed by a comma (`phase="tick",`), or empty.
fn buckets(text: &str, name: &str, labels: &str) -> Buckets {
    let prefix = format!("{name}_bucket{{{labels}le=\"");
    let mut counts: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, count.trim().parse().ok()?))
        })
        .collect();
    counts.sort_by(|a, b| a.0.total_cmp(&b.0));
    Buckets(counts)
}

impl Buckets {
    /// The counts recorded since `earlier` was read.
    fn minus(&self, earlier: &Buckets) -> Buckets {
        Buckets(
            self.0
                .iter()
                .map(|&(le, count)| {
                    let before = earlier
                        .0
                        .iter()
                        .find(|(l, _)| *l == le)
                        .map_or(0.0, |(_, c)| *c);
                    (le, count - before)
                })
                .collect(),
        )
    }

    /// The `q`-quantile, interpolated linearly within its bucket (NaN when empty; the highest
    /// finite bound when it falls in the last, unbounded bucket).
    fn quantile(&self, q: f64) -> f64 {
        let Some(&(_, total)) = self.0.last() else {
            return f64::NAN;
        };
        if total <= 0.0 {
            return f64::NAN;
        }
        let rank = q * total;
        let (mut lower, mut below) = (0.0, 0.0);
        for &(le, count) in &self.0 {
            if count >= rank {
                if le.is_infinite() {
                    return lower;
                }
                let within = count - below;
                let share = if within > 0.0 {
                    (rank - below) / within
                } else {
                    1.0
                };
                return lower + (le - lower) * share;
            }
            (lower, below) = (le, count);
        }
        lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EARLIER: &str = "rally_matchmaker_round_seconds_bucket{le=\"0.005\"} 10\n\
                           rally_matchmaker_round_seconds_bucket{le=\"0.01\"} 10\n\
                           rally_matchmaker_round_seconds_bucket{le=\"+Inf\"} 20\n";
    const LATER: &str = "rally_matchmaker_round_seconds_bucket{le=\"0.005\"} 60\n\
                         rally_matchmaker_round_seconds_bucket{le=\"0.01\"} 109\n\
                         rally_matchmaker_round_seconds_bucket{le=\"+Inf\"} 120\n";

    #[test]
    fn quantiles_are_of_what_was_recorded_between_two_readings() {
        let name = "rally_matchmaker_round_seconds";
        let held = buckets(LATER, name, "").minus(&buckets(EARLIER, name, ""));
        // 100 rounds since: 50 within 5 ms, 49 within 10 ms, 1 beyond.
        assert_eq!(
            held.0,
            vec![(0.005, 50.0), (0.01, 99.0), (f64::INFINITY, 100.0)]
        );
        assert!((held.quantile(0.5) - 0.005).abs() < 1e-12);
        assert!((held.quantile(0.99) - 0.01).abs() < 1e-12);
        let p25 = held.quantile(0.25);
        assert!((p25 - 0.0025).abs() < 1e-12, "{p25}");
        // Past the last finite bound, the figure is that bound.
        assert!((held.quantile(1.0) - 0.01).abs() < 1e-12);
    }

    #[test]
    fn a_labelled_histogram_is_read_by_its_labels() {
        let text = "phase_seconds_bucket{phase=\"tick\",le=\"0.005\"} 4\n\
                    phase_seconds_bucket{phase=\"tick\",le=\"+Inf\"} 4\n\
                    phase_seconds_bucket{phase=\"tell\",le=\"0.005\"} 1\n\
                    phase_seconds_bucket{phase=\"tell\",le=\"+Inf\"} 9\n";
        let tick = buckets(text, "phase_seconds", "phase=\"tick\",");
        assert_eq!(tick.0, vec![(0.005, 4.0), (f64::INFINITY, 4.0)]);
        let tell = buckets(text, "phase_seconds", "phase=\"tell\",");
        assert_eq!(tell.0, vec![(0.005, 1.0), (f64::INFINITY, 9.0)]);
        assert!(buckets(text, "phase_seconds", "").0.is_empty());
    }

    #[test]
    fn a_histogram_that_is_absent_or_empty_has_no_quantile() {
        assert!(buckets("", "x", "").quantile(0.5).is_nan());
        let none = buckets(EARLIER, "rally_matchmaker_round_seconds", "");
        assert!(none.minus(&none).quantile(0.99).is_nan());
    }
}
