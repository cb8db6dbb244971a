//! Step 4 of a round, telling: `queue.status` to each searching ticket's players every
//! `queue_status_interval_s`, the queue depth metrics, and the queue figures behind
//! `GET /v1/queues`.

use std::{collections::HashMap, time::Duration};

use rally_engine::Mode;
use rally_protocol::{gateway::ServerEvent, queue::QueueStatus};
use uuid::Uuid;

use super::MatchmakerRole;
use crate::{
    gateway::push,
    matchmaking::{
        engine_millis,
        stats::{self, QueueStats},
    },
};

/// How long matches count toward a queue's median wait.
const WAIT_WINDOW: Duration = Duration::from_secs(300);

impl MatchmakerRole {
    /// Pushes the due `queue.status` and publishes each owned queue's figures.
    pub(super) async fn tell(&mut self) {
        let interval = self.settings.queue_status_interval();
        let now = self.clock.elapsed();
        let now_at = self.now();
        let now_ms = engine_millis(now_at);
        let events = self.events.clone();
        let mut depth: HashMap<(Mode, String), u64> = HashMap::new();
        let mut due = Vec::new();
        for known in self.known.values_mut() {
            let mode = known.mode;
            *depth.entry((mode, known.region.clone())).or_default() +=
                known.spec.members.len() as u64;
            if known
                .last_status
                .is_none_or(|at| now.saturating_sub(at) >= interval)
            {
                known.last_status = Some(now);
                // Only what the push needs: cloning the whole spec for every due ticket was
                // most of this loop's allocations with many tickets waiting.
                let members: Vec<Uuid> = known.spec.members.iter().map(|m| m.player_id).collect();
                due.push((mode, known.id, known.queued_at, members));
            }
        }
        for (mode, ticket_id, queued_at, members) in due {
            let Some((_, config)) = self.queues.get(mode.as_str()) else {
                continue;
            };
            let waited_ms = now_ms.0.saturating_sub(queued_at.0);
            let status = ServerEvent::QueueStatus(QueueStatus {
                ticket_id,
                mode: mode.as_str().to_owned(),
                waited_s: waited_ms as f64 / 1000.0,
                rating_band: config.rating_band.at(waited_ms),
                latency_limit_ms: config.latency_ms.at(waited_ms),
            });
            for member in members {
                let _ = push::send(&events, member, status.clone(), now_at.unix_millis()).await;
            }
        }
        let ttl = self.settings.matchmaker_lease() * 2;
        let modes: Vec<Mode> = self.owned.keys().copied().collect();
        for mode in modes {
            if let Some((_, config)) = self.queues.get(mode.as_str()) {
                for region in &config.regions {
                    let waiting = depth
                        .get(&(mode, region.as_str().to_owned()))
                        .copied()
                        .unwrap_or(0);
                    metrics::gauge!("rally_queue_depth", "mode" => mode.as_str().to_owned(), "region" => region.as_str().to_owned())
                        .set(waiting as f64);
                }
            }
            let players_waiting = depth
                .iter()
                .filter(|((m, _), _)| *m == mode)
                .map(|(_, n)| *n)
                .sum();
            let median_wait_s = self.owned.get_mut(&mode).and_then(|owned| {
                while owned
                    .waits
                    .front()
                    .is_some_and(|(at, _)| now.saturating_sub(*at) > WAIT_WINDOW)
                {
                    owned.waits.pop_front();
                }
                median(owned.waits.iter().map(|(_, w)| *w).collect())
            });
            let figures = QueueStats {
                players_waiting,
                median_wait_s,
            };
            stats::publish(&self.state, mode.as_str(), &figures, ttl).await;
        }
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}
