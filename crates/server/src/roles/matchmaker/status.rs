//! Step 4 of a round, telling: `queue.status` to each searching ticket's players every
//! `queue_status_interval_s` (sent by a task of its own, the teller), the queue depth metrics,
//! and the queue figures behind `GET /v1/queues`.

use std::time::Duration;

use rally_events::Events;
use rally_protocol::{gateway::ServerEvent, queue::QueueStatus};
use tokio::sync::mpsc;

use super::{MatchmakerRole, known::DueStatus};
use crate::{
    gateway::push,
    matchmaking::{
        Queues,
        stats::{self, QueueStats},
    },
};

/// How long matches count toward a queue's median wait.
const WAIT_WINDOW: Duration = Duration::from_secs(300);
/// Rounds of statuses the teller may hold unsent before a round's are dropped.
const TELLER_BACKLOG: usize = 4;
/// Pushes the teller sends between two yields to the runtime.
const TELLER_TURN: usize = 64;

/// One round's statuses, and when they were due (Unix ms).
pub(super) type Statuses = (Vec<DueStatus>, i64);

impl MatchmakerRole {
    /// Hands the due `queue.status` pushes to the teller and publishes each owned queue's
    /// figures. Only the tickets whose status is due are visited, and the pushes are sent by
    /// the teller task, never by the round: with many tickets waiting a round would otherwise
    /// spend most of its time publishing.
    pub(super) async fn tell(&mut self) {
        let interval = self.settings.queue_status_interval();
        let now = self.clock.elapsed();
        let now_at = self.now();
        let due = self.known.statuses_due(now, interval);
        if !due.is_empty() {
            let (events, queues) = (&self.events, &self.queues);
            let teller = self
                .teller
                .get_or_insert_with(|| teller(events.clone(), queues.clone()));
            if let Err(mpsc::error::TrySendError::Full((dropped, _))) =
                teller.try_send((due, now_at.unix_millis()))
            {
                metrics::counter!("rally_queue_status_dropped_total")
                    .increment(dropped.len() as u64);
            }
        }
        let ttl = self.settings.matchmaker_lease() * 2;
        let modes: Vec<_> = self.owned.keys().copied().collect();
        for mode in modes {
            if let Some((_, config)) = self.queues.get(mode.as_str()) {
                for region in &config.regions {
                    let waiting = self.known.depth(mode, region.as_str());
                    metrics::gauge!("rally_queue_depth", "mode" => mode.as_str().to_owned(), "region" => region.as_str().to_owned())
                        .set(waiting as f64);
                }
            }
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
                players_waiting: self.known.players_waiting(mode),
                median_wait_s,
            };
            stats::publish(&self.state, mode.as_str(), &figures, ttl).await;
        }
    }
}

/// The teller: a task that builds and sends each round's statuses as they come, until the role
/// that holds its sender is dropped.
fn teller(events: Events, queues: Queues) -> mpsc::Sender<Statuses> {
    let (sender, mut rounds) = mpsc::channel::<Statuses>(TELLER_BACKLOG);
    tokio::spawn(async move {
        while let Some((due, at_ms)) = rounds.recv().await {
            let now_ms = u64::try_from(at_ms).unwrap_or(0);
            for (sent, status) in due.into_iter().enumerate() {
                let Some((_, config)) = queues.get(status.mode.as_str()) else {
                    continue;
                };
                let waited_ms = now_ms.saturating_sub(status.queued_at.0);
                let event = ServerEvent::QueueStatus(QueueStatus {
                    ticket_id: status.ticket,
                    mode: status.mode.as_str().to_owned(),
                    waited_s: waited_ms as f64 / 1000.0,
                    rating_band: config.rating_band.at(waited_ms),
                    latency_limit_ms: config.latency_ms.at(waited_ms),
                });
                let _ = push::send(&events, status.player, event, at_ms).await;
                // An in-process publish never waits: give the runtime's other tasks (the
                // round among them) their turn now and then.
                if sent % TELLER_TURN == TELLER_TURN - 1 {
                    tokio::task::yield_now().await;
                }
            }
        }
    });
    sender
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}
