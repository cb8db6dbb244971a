//! One conformance suite for `State`, run against the memory backend and against Redis.
//!
//! Each case is a plain async function taking a `&State`; the `conformance!` macro turns each
//! into two tests, `<module>::memory::<case>` and `<module>::redis::<case>`. Redis cases use a
//! fresh key prefix and fail (never skip) when Redis is unreachable (see `RALLY_TEST_REDIS_URL`).
//!
//! Nothing here asserts on timing: waits for expiry are bounded polling loops with generous
//! deadlines, and quotas are sized so a slow machine cannot turn a refusal into an allowance.

#![allow(clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod concurrency;
mod lease;
mod ranking;
mod rate;
mod values;

use std::future::Future;
use std::time::Duration;

/// The longest any polling loop waits for something that should happen well before.
const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `check` until it yields `Some`, failing the test after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Turns each listed case of the calling module into a `memory` test and a `redis` test, each on
/// a multi-threaded runtime so that concurrent cases really run in parallel.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(&rally_state::State::memory()).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (state, cleanup) = crate::support::redis_state().await;
                    super::$case(&state).await;
                    cleanup.run().await;
                }
            )*
        }
    };
}
use conformance;
