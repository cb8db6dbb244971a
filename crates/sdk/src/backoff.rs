//! Waits between reconnection attempts: doubling, capped, with full jitter, so a crowd of
//! clients dropped at once by a restarting node does not come back at the same instant.

use std::{
    hash::{BuildHasher, RandomState},
    time::Duration,
};

/// The shortest wait, so a reconnect loop never spins.
const FLOOR: Duration = Duration::from_millis(10);

/// The waits of successive attempts.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(FLOOR);
        Self {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The wait before the next attempt: uniform between zero and the ceiling, which starts at
    /// `min` and doubles with each attempt up to `max` ("full jitter"), never under 10 ms.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .min
            .saturating_mul(2u32.saturating_pow(self.attempt.min(20)))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let ceiling_ms = ceiling.as_millis() as u64;
        Duration::from_millis(random() % (ceiling_ms + 1)).max(FLOOR)
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
                delay >= FLOOR && delay <= Duration::from_millis(ceiling),
                "{delay:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= min);
        let mut floor = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(floor.next_delay(), FLOOR, "never a tight loop");
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
