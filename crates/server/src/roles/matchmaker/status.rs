//! Step 4 of a round, telling: the tickets that came and went to the teller (a task of its
//! own that keeps the `queue.status` schedule and sends the pushes, one per waiting ticket's
//! player every `queue_status_interval_s`), the queue depth metrics, and the queue figures
//! behind `GET /v1/queues`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use rally_clock::Clock;
use rally_events::Events;
use rally_protocol::{gateway::ServerEvent, queue::QueueStatus};
use tokio::sync::mpsc;

use super::{
    MatchmakerRole,
    bucket::Bucket,
    status_schedule::{DueStatus, StatusChange, StatusSchedule},
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

/// The owned buckets' widening clocks as the last round read them, for queues tuned to a
/// target wait: the round writes them, the teller reads them. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(super) struct BucketClocks {
    inner: Arc<Mutex<ClockReadings>>,
}

#[derive(Debug, Default)]
struct ClockReadings {
    /// When they were read (engine milliseconds).
    at: u64,
    /// Each bucket's clock then, and its speed.
    buckets: HashMap<Bucket, (f64, f64)>,
}

impl BucketClocks {
    /// Replaces the readings with those of a round at `now`.
    pub(super) fn set(&self, now: rally_engine::Millis, readings: Vec<(Bucket, f64, f64)>) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.at = now.0;
        inner.buckets = readings
            .into_iter()
            .map(|(bucket, clock, speed)| (bucket, (clock, speed)))
            .collect();
    }

    /// How long the ticket of `status` has waited as its limits see it at `now_ms`: its wait
    /// by its bucket's clock in a queue tuned to a target wait, read forward from the last
    /// round at the bucket's speed; otherwise (or with no reading yet) `waited_ms`.
    pub(super) fn widened_ms(&self, status: &DueStatus, now_ms: u64, waited_ms: u64) -> u64 {
        let Some((region, from)) = status.widening else {
            return waited_ms;
        };
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(&(clock, speed)) = inner.buckets.get(&Bucket::new(status.mode, region)) else {
            return waited_ms;
        };
        let ahead = now_ms.saturating_sub(inner.at) as f64 * speed;
        // Never less than the wall: a bucket's clock runs at least as fast.
        ((clock + ahead - from as f64).max(0.0) as u64).max(waited_ms)
    }
}

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
            let clocks = &self.clocks;
            let teller = self.teller.get_or_insert_with(|| {
                teller(
                    events.clone(),
                    queues.clone(),
                    clock.clone(),
                    interval,
                    clocks.clone(),
                )
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
fn teller(
    events: Events,
    queues: Queues,
    clock: Clock,
    interval: Duration,
    clocks: BucketClocks,
) -> Teller {
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
                // The limits as the ticket's bucket widens them (faster than the wall in a
                // queue tuned to a target wait).
                let widened_ms = clocks.widened_ms(&status, now_ms, waited_ms);
                let event = ServerEvent::QueueStatus(QueueStatus {
                    ticket_id: status.ticket,
                    mode: status.mode.as_str().to_owned(),
                    waited_s: waited_ms as f64 / 1000.0,
                    rating_band: config.rating_band.at(widened_ms),
                    latency_limit_ms: config.latency_ms.at(widened_ms),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rally_engine::{Millis, Mode, Region};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_tuned_tickets_limits_follow_its_buckets_clock_and_others_the_wall() {
        let (duel, eu) = (Mode::new("duel").unwrap(), Region::new("eu").unwrap());
        let status = |widening| DueStatus {
            player: Uuid::nil(),
            ticket: Uuid::nil(),
            mode: duel,
            queued_at: Millis(1_000),
            widening,
        };
        let clocks = BucketClocks::default();
        // No target: the wall.
        assert_eq!(clocks.widened_ms(&status(None), 5_000, 4_000), 4_000);
        // Tuned, before any reading: the wall.
        assert_eq!(
            clocks.widened_ms(&status(Some((eu, 100))), 5_000, 4_000),
            4_000
        );
        // The bucket's clock read 20,100 at 4,000, running at 4: at 5,000 it reads 24,100, so a
        // ticket that started at 100 has waited 24 s by it.
        clocks.set(Millis(4_000), vec![(Bucket::new(duel, eu), 20_100.0, 4.0)]);
        assert_eq!(
            clocks.widened_ms(&status(Some((eu, 100))), 5_000, 4_000),
            24_000
        );
        // Never less than the wall.
        assert_eq!(
            clocks.widened_ms(&status(Some((eu, 30_000))), 5_000, 4_000),
            4_000
        );
    }
}
