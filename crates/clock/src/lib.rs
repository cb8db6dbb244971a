//! The clock every part of Rally reads: [`Clock::system`] in a running node, a
//! [`ManualClock`] in tests, which step it instead of waiting for a deadline to come.
//!
//! A clock answers two questions: the wall time ([`Clock::now`], for what is stored and sent)
//! and the time elapsed since an arbitrary start that never goes backwards
//! ([`Clock::elapsed`], for expiry and intervals). Loops wait with [`Clock::sleep`]: on the
//! system clock that is a timer; on a manual clock it returns once the test has advanced the
//! clock far enough, and never by itself.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use std::time::{Duration, UNIX_EPOCH};
//! use rally_clock::ManualClock;
//!
//! let manual = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
//! let clock = manual.clock();
//! // Counted from the call, so advancing before the task first runs still wakes it.
//! let wait = tokio::spawn(clock.sleep(Duration::from_secs(30)));
//! manual.advance(Duration::from_secs(30));
//! wait.await.unwrap();
//! assert_eq!(clock.elapsed(), Duration::from_secs(30));
//! # }
//! ```

use std::{
    fmt,
    future::Future,
    sync::{Arc, OnceLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use tokio::sync::watch;

/// A handle on a clock; cheap to clone, every clone reads the same time.
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    System,
    Manual(Arc<Manual>),
}

/// The state of a manual clock: its start, and how far it has been advanced.
struct Manual {
    start: SystemTime,
    elapsed: watch::Sender<Duration>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::System => f.write_str("Clock::System"),
            Source::Manual(manual) => f
                .debug_struct("Clock::Manual")
                .field("start", &manual.start)
                .field("elapsed", &*manual.elapsed.borrow())
                .finish(),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

/// When this process first read the system clock's elapsed time.
fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

impl Clock {
    /// The system's clock: the wall time, and a monotonic timer for what elapses.
    pub fn system() -> Self {
        Self {
            source: Source::System,
        }
    }

    /// Whether this is a manual clock (a test's).
    pub fn is_manual(&self) -> bool {
        matches!(self.source, Source::Manual(_))
    }

    /// The wall time now.
    pub fn now(&self) -> SystemTime {
        match &self.source {
            Source::System => SystemTime::now(),
            Source::Manual(manual) => manual.start + *manual.elapsed.borrow(),
        }
    }

    /// Milliseconds since the Unix epoch, now.
    pub fn unix_millis(&self) -> i64 {
        let since = self
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }

    /// Time elapsed since an arbitrary start (the process's first read of it on the system
    /// clock, the clock's creation on a manual one); it never goes backwards.
    pub fn elapsed(&self) -> Duration {
        match &self.source {
            Source::System => process_start().elapsed(),
            Source::Manual(manual) => *manual.elapsed.borrow(),
        }
    }

    /// Waits `duration` on this clock, counted from this call (not from the first poll of the
    /// future): a timer on the system clock; on a manual clock, until the clock has been
    /// advanced by `duration` from now.
    pub fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        let until = self.elapsed().saturating_add(duration);
        let clock = self.clone();
        async move { clock.sleep_until(until).await }
    }

    /// Waits until [`Clock::elapsed`] reaches `until`.
    pub async fn sleep_until(&self, until: Duration) {
        match &self.source {
            Source::System => {
                let at = process_start() + until;
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
            }
            Source::Manual(manual) => {
                let mut advanced = manual.elapsed.subscribe();
                // The sender lives as long as this clock: `wait_for` only ends when reached.
                let _ = advanced.wait_for(|elapsed| *elapsed >= until).await;
            }
        }
    }
}

/// A clock that moves only when told: what tests give a node so that deadlines pass at once.
#[derive(Clone)]
pub struct ManualClock {
    manual: Arc<Manual>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.clock(), f)
    }
}

impl ManualClock {
    /// A clock reading `start`, standing still until advanced.
    pub fn new(start: SystemTime) -> Self {
        Self {
            manual: Arc::new(Manual {
                start,
                elapsed: watch::Sender::new(Duration::ZERO),
            }),
        }
    }

    /// A clock reading the system's time now, standing still until advanced.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// The handle to give to what reads this clock.
    pub fn clock(&self) -> Clock {
        Clock {
            source: Source::Manual(self.manual.clone()),
        }
    }

    /// Moves the clock forward by `by`, waking every sleeper whose time has come.
    pub fn advance(&self, by: Duration) {
        self.manual
            .elapsed
            .send_modify(|elapsed| *elapsed = elapsed.saturating_add(by));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_advanced() {
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let manual = ManualClock::new(start);
        let clock = manual.clock();
        assert_eq!(clock.now(), start);
        assert_eq!(clock.unix_millis(), 1_800_000_000_000);
        manual.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now(), start + Duration::from_millis(1_500));
        assert_eq!(clock.elapsed(), Duration::from_millis(1_500));
        assert!(clock.is_manual());
        assert!(!Clock::system().is_manual());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_sleeper_wakes_when_the_clock_reaches_its_time_and_not_before() {
        let manual = ManualClock::starting_now();
        let clock = manual.clock();
        // Counted from the call: the task has not run yet when the clock moves.
        let mut sleeper = tokio::spawn(clock.sleep(Duration::from_secs(10)));
        manual.advance(Duration::from_secs(9));
        // Let the sleeper look at the clock: it must still be waiting.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            futures_poll_once(&mut sleeper).await.is_none(),
            "woke a second early"
        );
        manual.advance(Duration::from_secs(1));
        sleeper.await.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_sleep_already_due_returns_at_once() {
        let manual = ManualClock::starting_now();
        manual.advance(Duration::from_secs(5));
        manual.clock().sleep_until(Duration::from_secs(3)).await;
        manual.clock().sleep(Duration::ZERO).await;
    }

    /// Polls `handle` once: its output if it has finished.
    async fn futures_poll_once<T>(handle: &mut tokio::task::JoinHandle<T>) -> Option<T> {
        tokio::select! {
            biased;
            done = handle => Some(done.unwrap()),
            () = std::future::ready(()) => None,
        }
    }
}
