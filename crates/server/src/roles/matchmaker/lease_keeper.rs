//! The matchmaker's queue leases, renewed on a schedule of their own: a round slowed by load
//! (a big tick, a slow store) never delays a renewal, so a matchmaker does not lose its queues
//! to its own slowness.
//!
//! A renewal that finds the lease lapsed takes it again when nobody else holds it: a node alone
//! in its deployment can't lose a queue to itself. That is safe because match writes are fenced
//! by the store's queue epoch, not by the lease: a node that took the queue meanwhile bumped
//! that epoch, and this node's next write is refused and it lets the queue go.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use rally_clock::Clock;
use rally_state::State;
use tokio_util::sync::CancellationToken;

use super::bucket::Bucket;

/// A lease as the keeper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Held with this fencing token until about then.
    Held { fence: u64, valid_until: Duration },
    /// Someone else holds it now (or it could not be renewed in time): give the queue up.
    Lost,
}

/// The leases of one matchmaker, shared by its rounds and its keeper. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(super) struct Leases {
    slots: Arc<Mutex<HashMap<Bucket, Slot>>>,
}

impl Leases {
    fn lock(&self) -> MutexGuard<'_, HashMap<Bucket, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts keeping the lease of `bucket`.
    pub(super) fn hold(&self, bucket: Bucket, fence: u64, valid_until: Duration) {
        self.lock()
            .insert(bucket, Slot::Held { fence, valid_until });
    }

    /// Stops keeping the lease of `bucket`; its fencing token, to release it with, when held.
    pub(super) fn forget(&self, bucket: Bucket) -> Option<u64> {
        match self.lock().remove(&bucket) {
            Some(Slot::Held { fence, .. }) => Some(fence),
            _ => None,
        }
    }

    /// The queues whose lease was lost since the last call (they are forgotten).
    pub(super) fn lost(&self) -> Vec<Bucket> {
        let mut slots = self.lock();
        let lost: Vec<Bucket> = slots
            .iter()
            .filter(|(_, slot)| **slot == Slot::Lost)
            .map(|(bucket, _)| *bucket)
            .collect();
        for bucket in &lost {
            slots.remove(bucket);
        }
        lost
    }

    fn held(&self) -> Vec<(Bucket, u64, Duration)> {
        self.lock()
            .iter()
            .filter_map(|(bucket, slot)| match slot {
                Slot::Held { fence, valid_until } => Some((*bucket, *fence, *valid_until)),
                Slot::Lost => None,
            })
            .collect()
    }

    /// Records a renewal; false when the lease was forgotten meanwhile (the queue let go).
    fn set(&self, bucket: Bucket, slot: Slot) -> bool {
        match self.lock().get_mut(&bucket) {
            Some(current) => {
                *current = slot;
                true
            }
            None => false,
        }
    }

    fn holds(&self, bucket: Bucket) -> bool {
        matches!(self.lock().get(&bucket), Some(Slot::Held { .. }))
    }
}

/// Renews the leases of one node's matchmaker.
#[derive(Debug, Clone)]
pub(super) struct LeaseKeeper {
    pub(super) leases: Leases,
    pub(super) state: State,
    pub(super) clock: Clock,
    pub(super) holder: String,
    pub(super) ttl: Duration,
}

impl LeaseKeeper {
    /// Renews every held lease every third of `ttl` on the clock, until `stop` is cancelled.
    pub(super) async fn run(self, stop: CancellationToken) {
        let every = (self.ttl / 3).max(Duration::from_millis(100));
        let mut next = self.clock.elapsed() + every;
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.clock.sleep_until(next) => {}
            }
            if stop.is_cancelled() {
                return;
            }
            next = self.clock.elapsed() + every;
            self.step().await;
        }
    }

    /// Renews every held lease once.
    pub(super) async fn step(&self) {
        for (bucket, fence, valid_until) in self.leases.held() {
            let slot = self.renew(bucket, fence, valid_until).await;
            if !self.leases.set(bucket, slot)
                && let Slot::Held { fence, .. } = slot
            {
                // The queue was let go while this renewal was in flight: let the lease go too.
                let _ = self
                    .state
                    .release_lease(&bucket.lease_name(), &self.holder, fence)
                    .await;
            }
        }
    }

    async fn renew(&self, bucket: Bucket, fence: u64, valid_until: Duration) -> Slot {
        let (leases, state, holder, ttl) = (&self.leases, &self.state, &self.holder, self.ttl);
        let name = bucket.lease_name();
        let sent = self.clock.elapsed();
        match state.renew_lease(&name, holder, fence, ttl).await {
            Ok(true) => Slot::Held {
                fence,
                valid_until: sent + ttl,
            },
            // Taken again only while this node still wants the queue.
            Ok(false) if !leases.holds(bucket) => Slot::Lost,
            Ok(false) => match state.acquire_lease(&name, holder, ttl).await {
                Ok(Some(lease)) => {
                    metrics::counter!("rally_matchmaker_leases_retaken_total").increment(1);
                    tracing::info!(
                        bucket = %bucket,
                        fence = lease.fence,
                        "a bucket's lease had lapsed and nobody held it; took it again"
                    );
                    Slot::Held {
                        fence: lease.fence,
                        valid_until: sent + ttl,
                    }
                }
                Ok(None) => Slot::Lost,
                Err(error) => self.unreachable_state(bucket, fence, valid_until, &error),
            },
            Err(error) => self.unreachable_state(bucket, fence, valid_until, &error),
        }
    }

    /// The state backend did not answer: the lease is kept while it is still valid.
    fn unreachable_state(
        &self,
        bucket: Bucket,
        fence: u64,
        valid_until: Duration,
        error: &rally_state::StateError,
    ) -> Slot {
        if self.clock.elapsed() >= valid_until {
            tracing::warn!(error = %error, bucket = %bucket, "cannot renew a bucket lease in time");
            Slot::Lost
        } else {
            tracing::debug!(error = %error, bucket = %bucket, "cannot renew a bucket lease yet");
            Slot::Held { fence, valid_until }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rally_clock::ManualClock;

    use super::*;

    fn bucket(name: &str) -> Bucket {
        Bucket::new(
            rally_engine::Mode::new(name).unwrap(),
            rally_engine::Region::new("eu").unwrap(),
        )
    }

    /// A keeper over in-memory state on a manual clock: leases lapse when the test advances it.
    fn keeper(ttl: Duration) -> (LeaseKeeper, ManualClock) {
        let manual = ManualClock::starting_now();
        let keeper = LeaseKeeper {
            leases: Leases::default(),
            state: State::memory_on(manual.clock()),
            clock: manual.clock(),
            holder: "me".to_owned(),
            ttl,
        };
        (keeper, manual)
    }

    #[tokio::test]
    async fn a_held_lease_is_renewed_and_outlives_its_first_term() {
        let ttl = Duration::from_secs(5);
        let (keeper, manual) = keeper(ttl);
        let duel = bucket("duel");
        let name = duel.lease_name();
        let first = keeper
            .state
            .acquire_lease(&name, "me", ttl)
            .await
            .unwrap()
            .unwrap();
        keeper
            .leases
            .hold(duel, first.fence, keeper.clock.elapsed() + ttl);
        for _ in 0..4 {
            manual.advance(ttl / 2);
            keeper.step().await;
        }
        // Twice its term later, still this node's, under the same token.
        assert_eq!(
            keeper.leases.held(),
            vec![(duel, first.fence, keeper.clock.elapsed() + ttl)]
        );
        assert!(
            keeper
                .state
                .acquire_lease(&name, "other", ttl)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_lapsed_lease_nobody_holds_is_taken_again_and_one_held_elsewhere_is_lost() {
        let ttl = Duration::from_secs(5);
        let (keeper, manual) = keeper(ttl);
        let state = keeper.state.clone();
        let duel = bucket("duel");
        let name = duel.lease_name();
        let first = state
            .acquire_lease(&name, "me", ttl)
            .await
            .unwrap()
            .unwrap();
        keeper
            .leases
            .hold(duel, first.fence, keeper.clock.elapsed() + ttl);
        manual.advance(ttl * 2);
        // Lapsed, free: taken again, with a new token.
        keeper.step().await;
        let held = keeper.leases.held();
        assert_eq!(held.len(), 1, "{held:?}");
        let fence = held[0].1;
        assert!(fence > first.fence);
        // Lapsed and taken by another node (for long): lost.
        manual.advance(ttl * 2);
        state
            .acquire_lease(&name, "other", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        keeper.step().await;
        assert_eq!(keeper.leases.lost(), vec![duel]);
        // Lapsed but let go by this node meanwhile: not taken again.
        let squad = bucket("squad");
        let squad_name = squad.lease_name();
        let lease = state
            .acquire_lease(&squad_name, "me", ttl)
            .await
            .unwrap()
            .unwrap();
        manual.advance(ttl * 2);
        let slot = keeper
            .renew(squad, lease.fence, keeper.clock.elapsed())
            .await;
        assert_eq!(slot, Slot::Lost);
        assert!(
            state
                .acquire_lease(&squad_name, "other", ttl)
                .await
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn lost_queues_are_reported_once() {
        let leases = Leases::default();
        let (duel, squad) = (bucket("duel"), bucket("squad"));
        leases.hold(duel, 1, Duration::from_secs(5));
        leases.hold(squad, 2, Duration::from_secs(5));
        assert!(leases.set(duel, Slot::Lost));
        assert_eq!(leases.lost(), vec![duel]);
        assert!(leases.lost().is_empty());
        assert_eq!(leases.forget(squad), Some(2));
        assert_eq!(leases.forget(duel), None);
    }
}
