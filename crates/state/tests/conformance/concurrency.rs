//! Atomicity under concurrent callers: many tasks racing on one key, exactly the right number win.

use std::time::Duration;

use rally_state::{Quota, State};
use tokio::task::JoinSet;

use crate::conformance;

conformance!(
    concurrent_checks_allow_exactly_the_burst,
    concurrent_claims_let_exactly_one_caller_set_an_absent_value,
    concurrent_acquirers_get_a_free_lease_exactly_once,
);

/// How many tasks race in each case.
const RACERS: usize = 32;

/// Runs `RACERS` copies of `race` at once and counts how many returned true.
async fn winners<F, Fut>(state: &State, race: F) -> usize
where
    F: Fn(State, usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for i in 0..RACERS {
        tasks.spawn(race(state.clone(), i));
    }
    let mut won = 0;
    while let Some(result) = tasks.join_next().await {
        won += usize::from(result.unwrap());
    }
    won
}

async fn concurrent_checks_allow_exactly_the_burst(state: &State) {
    // One request per 12 s after the burst: nothing refills while the race runs.
    let quota = Quota::new(5, Duration::from_secs(60)).unwrap();
    let won = winners(state, |state, _| async move {
        state.rate_limit("hot-key", quota).await.unwrap().allowed
    })
    .await;
    assert_eq!(won, 5);
}

async fn concurrent_claims_let_exactly_one_caller_set_an_absent_value(state: &State) {
    let won = winners(state, |state, i| async move {
        let value = format!("caller-{i}");
        state
            .set_if_absent("claim", value.as_bytes(), Duration::from_secs(60))
            .await
            .unwrap()
    })
    .await;
    assert_eq!(won, 1);
}

async fn concurrent_acquirers_get_a_free_lease_exactly_once(state: &State) {
    let won = winners(state, |state, i| async move {
        let holder = format!("node-{i}");
        let lease = state
            .acquire_lease("bucket", &holder, Duration::from_secs(60))
            .await
            .unwrap();
        lease.is_some()
    })
    .await;
    assert_eq!(won, 1);
}
