//! Step 4 of a round, telling: the tickets that came and went to the teller (a task of its
//! own that keeps the `queue.status` schedule and sends the pushes, one per waiting ticket's
//! player every `queue_status_interval_s`), the queue depth metrics, and the queue figures
//! behind `GET /v1/queues`.

use std::time::Duration;

use rally_clock::Clock;
use rally_events::Events;
use rally_protocol::{gateway::ServerEvent, queue::QueueStatus};
use tokio::sync::mpsc;

use super::{
    MatchmakerRole,
    status_schedule::{StatusChange, StatusSchedule},
};
use crate::{
    gateway::push,
    matchmaking::{
        Queues,
        stats::{self, QueueStats},
    },
};

/// How long matches count toward a queue's median wait.
const WAIT_WINDOW: Duration = Duration::from_secs(300);
/// Pushes the teller sends between two yields to the runtime.
const TELLER_TURN: usize = 64;

/// The teller's end of a round: each round's changes, in order (the channel is unbounded, but
/// a round sends at most one message, as long as the changes it made).
pub(super) type Teller = mpsc::UnboundedSender<Vec<StatusChange>>;

impl MatchmakerRole {
    /// Tells the teller which tickets came and went and publishes each owned queue's figures.
    /// A round does work in proportion to its changes, never to the tickets waiting: the
    /// teller keeps the schedule and sends the pushes on its own time.
    pub(super) async fn tell(&mut self) {
        let now = self.clock.elapsed();
        let changes = self.known.take_changes();
        if !changes.is_empty() {
            let (events, queues, clock) = (&self.events, &self.queues, &self.clock);
            let interval = self.settings.queue_status_interval();
            let teller = self.teller.get_or_insert_with(|| {
                teller(events.clone(), queues.clone(), clock.clone(), interval)
            });
            // The teller ends only when the role drops its sender.
            let _ = teller.send(changes);
        }
        let ttl = self.settings.matchmaker_lease() * 2;
        for bucket in self.owned_buckets() {
            let (mode, region) = (bucket.mode, bucket.region);
            let waiting = self.known.depth(mode, region);
            metrics::gauge!("rally_queue_depth", "mode" => mode.as_str().to_owned(), "region" => region.as_str().to_owned())
                .set(waiting as f64);
            let Some(owned) = self
                .owned
                .get_mut(&mode)
                .and_then(|owned| owned.buckets.get_mut(&region))
            else {
                continue;
            };
            while owned
                .waits
                .front()
                .is_some_and(|(at, _)| now.saturating_sub(*at) > WAIT_WINDOW)
            {
                owned.waits.pop_front();
            }
            let figures = QueueStats {
                players_waiting: waiting,
                median_wait_s: median(owned.waits.iter().map(|(_, w)| *w).collect()),
                samples: owned.waits.len() as u64,
            };
            stats::publish(&self.state, mode.as_str(), region, &figures, ttl).await;
        }
    }
}

/// The teller: a task that keeps the `queue.status` schedule from the rounds' changes and
/// sends each status when it is due, until the role that holds its sender is dropped.
fn teller(events: Events, queues: Queues, clock: Clock, interval: Duration) -> Teller {
    let (sender, mut rounds) = mpsc::unbounded_channel::<Vec<StatusChange>>();
    tokio::spawn(async move {
        let mut schedule = StatusSchedule::default();
        let mut skipped = 0;
        loop {
            let wake = schedule.next_wake();
            let changes = tokio::select! {
                biased;
                changes = rounds.recv() => changes,
                () = sleep_until(&clock, wake) => Some(Vec::new()),
            };
            let Some(changes) = changes else { break };
            for change in changes {
                schedule.apply(change);
            }
            let due = schedule.due(clock.elapsed(), interval);
            if schedule.skipped() > skipped {
                metrics::counter!("rally_queue_status_dropped_total")
                    .increment(schedule.skipped() - skipped);
                skipped = schedule.skipped();
            }
            let at_ms = clock.unix_millis();
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
                // A status is news on a cadence, not a step of anyone's journey: untraced.
                let _ = push::send(&events, status.player, event, at_ms, None).await;
                // An in-process publish never waits: give the runtime's other tasks (the
                // rounds among them) their turn now and then.
                if sent % TELLER_TURN == TELLER_TURN - 1 {
                    tokio::task::yield_now().await;
                }
            }
        }
    });
    sender
}

/// Sleeps until `wake` on the clock's timer, or for ever when nothing is scheduled.
async fn sleep_until(clock: &Clock, wake: Option<Duration>) {
    match wake {
        Some(at) => clock.sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}
