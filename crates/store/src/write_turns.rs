//! Turns at the store, and refusing a player's request before it waits for one.
//!
//! SQLite has one writer at a time: the writers of this process take turns, in order
//! ([`WriteTurns`]). Each waits at most the store's wait. Work done for a player's request
//! ([`sheddable`]) is refused at once instead when the turns ahead of it would take longer than
//! the store's queue bound at the pace turns have been taking: past the knee, a request that
//! would be refused after a long wait is refused before it, and the turns go to the work that
//! finishes what players already started (matchmaking rounds, allocations, ratings), which is
//! never refused that way. On PostgreSQL a request's wait for a pooled connection is bounded
//! the same way (see [`crate::Store::begin`]).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use rally_clock::Clock;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::StoreError;

tokio::task_local! {
    static SHEDDABLE: bool;
}

/// Runs `work` as a player's request: the store may refuse its transactions at once (with
/// [`StoreError::Unavailable`]) while its writers are queued past the store's queue bound.
pub async fn sheddable<F: Future>(work: F) -> F::Output {
    SHEDDABLE.scope(true, work).await
}

/// Runs `work`, part of a player's request that has already paid for itself (a password
/// hashed), as work outside a request: its transactions wait their turn, up to the store's
/// wait, rather than being refused and throwing the work paid for away (the player would come
/// back and pay again).
pub async fn unsheddable<F: Future>(work: F) -> F::Output {
    SHEDDABLE.scope(false, work).await
}

/// Whether the running task does a player's request ([`sheddable`], not [`unsheddable`]).
pub(crate) fn is_sheddable() -> bool {
    SHEDDABLE.try_with(|sheddable| *sheddable).unwrap_or(false)
}

/// How much a new hold moves the mean: one eighth.
const WEIGHT: u64 = 8;

/// SQLite's write turns in this process.
#[derive(Debug, Default)]
pub(crate) struct WriteTurns {
    lock: Arc<Mutex<()>>,
    /// Writers waiting for their turn.
    waiting: AtomicUsize,
    /// How long a turn has been held, in microseconds: a moving mean (0 before the first).
    held_us: AtomicU64,
}

impl WriteTurns {
    /// Takes the next turn, waiting at most `wait`. With `shed_past`, refuses at once when the
    /// turns ahead would take longer than it.
    pub(crate) async fn take(
        self: &Arc<Self>,
        wait: Duration,
        shed_past: Option<Duration>,
        clock: &Clock,
    ) -> Result<WriteTurn, StoreError> {
        if let Ok(guard) = self.lock.clone().try_lock_owned() {
            return Ok(self.turn(guard, wait, clock));
        }
        if let Some(bound) = shed_past {
            // The turn being held and every one waiting come first.
            let ahead = self.waiting.load(Ordering::Relaxed) as u64 + 1;
            let expected = Duration::from_micros(ahead * self.held_us.load(Ordering::Relaxed));
            if expected > bound {
                return Err(StoreError::Unavailable(format!(
                    "{ahead} writes ahead, about {} ms, past the {} ms a request waits",
                    expected.as_millis(),
                    bound.as_millis()
                )));
            }
        }
        let _waiting = Waiting::join(&self.waiting);
        let guard = tokio::time::timeout(wait, self.lock.clone().lock_owned())
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!("no turn to write within {} ms", wait.as_millis()))
            })?;
        Ok(self.turn(guard, wait, clock))
    }

    fn turn(
        self: &Arc<Self>,
        guard: OwnedMutexGuard<()>,
        wait: Duration,
        clock: &Clock,
    ) -> WriteTurn {
        WriteTurn {
            _guard: guard,
            taken: clock.elapsed(),
            counted_up_to: wait,
            clock: clock.clone(),
            turns: self.clone(),
        }
    }

    /// Folds one turn's hold into the mean, counted up to `cap`: one stall (a checkpoint, a
    /// paused process) moves the mean by at most an eighth of the store's wait, not by however
    /// long it lasted, so it doesn't have requests refused for the next hundred turns.
    fn held(&self, held: Duration, cap: Duration) {
        let sample = u64::try_from(held.min(cap).as_micros()).unwrap_or(u64::MAX);
        // A lost update under a race only skews the mean a little.
        let mean = self.held_us.load(Ordering::Relaxed);
        let next = if mean == 0 {
            sample
        } else {
            mean - mean / WEIGHT + sample / WEIGHT
        };
        self.held_us.store(next.max(1), Ordering::Relaxed);
    }
}

/// One writer counted as waiting while it lives (a wait given up is no longer counted).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A turn to write, held until dropped (with its transaction).
#[derive(Debug)]
pub(crate) struct WriteTurn {
    _guard: OwnedMutexGuard<()>,
    taken: Duration,
    /// The store's wait: a hold longer than it is counted as it.
    counted_up_to: Duration,
    clock: Clock,
    turns: Arc<WriteTurns>,
}

impl Drop for WriteTurn {
    fn drop(&mut self) {
        self.turns.held(
            self.clock.elapsed().saturating_sub(self.taken),
            self.counted_up_to,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::WriteTurns;

    #[test]
    fn the_mean_hold_moves_an_eighth_of_the_way_and_a_stall_counts_as_the_wait() {
        let turns = WriteTurns::default();
        let wait = Duration::from_secs(5);
        turns.held(Duration::from_millis(8), wait);
        assert_eq!(turns.held_us.load(Ordering::Relaxed), 8_000);
        turns.held(Duration::from_millis(16), wait);
        assert_eq!(turns.held_us.load(Ordering::Relaxed), 9_000);
        // A minute's stall moves the mean as a 5 s hold would.
        turns.held(Duration::from_secs(60), wait);
        assert_eq!(
            turns.held_us.load(Ordering::Relaxed),
            9_000 - 9_000 / 8 + 5_000_000 / 8
        );
    }
}
