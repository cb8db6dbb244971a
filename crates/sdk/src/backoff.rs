//! Waits between reconnection attempts: doubling, capped, with full jitter, so a crowd of
//! clients dropped at once by a restarting node does not come back at the same instant.

use std::{
    hash::{BuildHasher, RandomState},
    time::Duration,
};

/// The waits of successive attempts.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The wait before the next attempt: uniform between `min` and the doubled ceiling.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .min
            .saturating_mul(2u32.saturating_pow(self.attempt))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let spread = ceiling.saturating_sub(self.min).as_millis() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            random() % (spread + 1)
        };
        self.min + Duration::from_millis(jitter)
    }

    /// Starts over after a success.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A random number from the standard library's randomly keyed hasher: enough for jitter.
fn random() -> u64 {
    RandomState::new().hash_one(std::time::Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_stay_within_their_bounds() {
        let min = Duration::from_millis(100);
        let max = Duration::from_millis(1_000);
        let mut backoff = Backoff::new(min, max);
        let ceilings = [100, 200, 400, 800, 1_000, 1_000];
        for ceiling in ceilings {
            let delay = backoff.next_delay();
            assert!(
                delay >= min && delay <= Duration::from_millis(ceiling),
                "{delay:?}"
            );
        }
        backoff.reset();
        assert_eq!(backoff.next_delay(), min);
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let mut delays: Vec<Duration> = (0..32)
            .map(|_| {
                let mut backoff = Backoff::new(Duration::from_millis(10), Duration::from_secs(10));
                backoff.next_delay();
                backoff.next_delay();
                backoff.next_delay();
                backoff.next_delay()
            })
            .collect();
        delays.dedup();
        assert!(delays.len() > 1, "32 clients waited alike: {delays:?}");
    }
}
