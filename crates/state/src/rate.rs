//! Rate limiting by GCRA, the generic cell rate algorithm.
//!
//! One cell is emitted every `interval = per / burst`; a key may run up to `burst` cells ahead of
//! its theoretical arrival time (TAT). Both backends run exactly [`gcra_step`]: the memory backend
//! calls it, and the Redis Lua script (`redis_state::script::RATE_LIMIT`) is a line-by-line
//! transcription of it in integer microseconds. See
//! <https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm> and `brandur.org/rate-limiting`.
//!
//! Time: the memory backend reads its own monotonic clock; the Redis backend reads the Redis
//! server's clock (`TIME`), so every node of a scaled-out deployment agrees on one clock and
//! clock skew between nodes cannot loosen a limit.

use std::time::Duration;

use crate::StateError;

/// How many requests a key may make: `burst` at once, refilled evenly over `per`.
///
/// Checked by GCRA (generic cell rate algorithm): one request's allowance refills every
/// `per / burst`, and a key may run up to `burst` requests ahead. The memory and Redis backends
/// run the same integer-microsecond arithmetic. Time comes from the memory backend's monotonic
/// clock, or from the Redis server's clock (`TIME`) so that all nodes agree on one clock.
///
/// `Quota::new(10, Duration::from_secs(60))` allows ten requests at once and then one every six
/// seconds, i.e. ten a minute on average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    burst: u32,
    interval_us: u64,
}

impl Quota {
    /// A quota of `burst` requests per `per`. Refused when `burst` is zero or when `per` is too
    /// short to give each request at least one microsecond.
    pub fn new(burst: u32, per: Duration) -> Result<Self, StateError> {
        if burst == 0 {
            return Err(StateError::InvalidArgument(
                "quota burst must be at least 1",
            ));
        }
        let per_us = u64::try_from(per.as_micros())
            .map_err(|_| StateError::InvalidArgument("quota period is too long"))?;
        let interval_us = per_us / u64::from(burst);
        if interval_us == 0 {
            return Err(StateError::InvalidArgument(
                "quota period must give each request at least one microsecond",
            ));
        }
        Ok(Self { burst, interval_us })
    }

    /// The largest number of requests allowed at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The time for one request's worth of allowance to refill.
    pub fn interval(&self) -> Duration {
        Duration::from_micros(self.interval_us)
    }

    pub(crate) fn interval_us(&self) -> u64 {
        self.interval_us
    }

    /// How far ahead of now the TAT may run: the whole burst.
    pub(crate) fn tolerance_us(&self) -> u64 {
        self.interval_us.saturating_mul(u64::from(self.burst))
    }
}

/// The answer to one rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead (and was counted).
    pub allowed: bool,
    /// How many more requests would be allowed right now, after this one.
    pub remaining: u32,
    /// When refused, how long until one request will be allowed; zero when allowed.
    pub retry_after: Duration,
    /// How long until the key is back to its full burst.
    pub reset_after: Duration,
}

impl Decision {
    pub(crate) fn from_micros(
        allowed: bool,
        retry_after_us: u64,
        remaining: u64,
        reset_us: u64,
    ) -> Self {
        Self {
            allowed,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            retry_after: Duration::from_micros(retry_after_us),
            reset_after: Duration::from_micros(reset_us),
        }
    }
}

/// One GCRA check at `now` (microseconds on the backend's clock) for a key whose stored TAT is
/// `tat` (`None` when the key is new or expired).
///
/// Returns the decision and, when allowed, the new TAT to store; the stored TAT may be forgotten
/// once the clock passes it (the key is then back to its full burst).
pub(crate) fn gcra_step(tat: Option<u64>, now: u64, quota: Quota) -> (Decision, Option<u64>) {
    let interval = quota.interval_us();
    let tolerance = quota.tolerance_us();
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat.saturating_add(interval);
    let allow_at = new_tat.saturating_sub(tolerance);
    if allow_at > now {
        return (
            Decision::from_micros(false, allow_at - now, 0, tat - now),
            None,
        );
    }
    let remaining = (tolerance - (new_tat - now)) / interval;
    (
        Decision::from_micros(true, 0, remaining, new_tat - now),
        Some(new_tat),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(burst: u32, per_ms: u64) -> Quota {
        Quota::new(burst, Duration::from_millis(per_ms)).expect("valid quota")
    }

    #[test]
    fn a_new_key_gets_its_whole_burst_then_is_refused() {
        let q = quota(3, 3_000);
        let mut tat = None;
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let (d, next) = gcra_step(tat, 1_000_000, q);
            assert!(d.allowed);
            remaining.push(d.remaining);
            tat = next;
        }
        assert_eq!(remaining, vec![2, 1, 0]);
        let (d, next) = gcra_step(tat, 1_000_000, q);
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Duration::from_secs(1));
        assert_eq!(next, None);
    }

    #[test]
    fn one_request_is_allowed_again_after_one_interval() {
        let q = quota(2, 2_000);
        let (_, tat) = gcra_step(None, 0, q);
        let (_, tat) = gcra_step(tat, 0, q);
        let (refused, _) = gcra_step(tat, 0, q);
        assert!(!refused.allowed);
        let later = u64::try_from(refused.retry_after.as_micros()).expect("small");
        let (d, tat) = gcra_step(tat, later, q);
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        let (d, _) = gcra_step(tat, later, q);
        assert!(!d.allowed);
    }

    #[test]
    fn a_key_idle_for_the_whole_period_has_its_full_burst_back() {
        let q = quota(5, 500);
        let mut tat = None;
        for _ in 0..5 {
            tat = gcra_step(tat, 0, q).1;
        }
        let (d, _) = gcra_step(tat, 500_000, q);
        assert!(d.allowed);
        assert_eq!(d.remaining, 4);
    }

    #[test]
    fn a_quota_with_zero_burst_or_a_too_short_period_is_refused() {
        assert!(Quota::new(0, Duration::from_secs(1)).is_err());
        assert!(Quota::new(10, Duration::from_micros(5)).is_err());
        assert!(Quota::new(1, Duration::from_micros(1)).is_ok());
    }
}
