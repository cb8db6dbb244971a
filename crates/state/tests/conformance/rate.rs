//! GCRA rate limits.

use std::time::Duration;

use rally_state::{Quota, State};

use crate::{conformance, eventually};

conformance!(
    rate_limit_allows_the_burst_then_refuses_with_a_retry_after,
    rate_limit_allows_again_once_the_retry_after_has_passed,
    rate_limit_counts_each_key_separately,
);

async fn rate_limit_allows_the_burst_then_refuses_with_a_retry_after(state: &State) {
    // One request per 20 s: no stall on a busy machine refills the burst during the test.
    let quota = Quota::new(3, Duration::from_secs(60)).unwrap();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let decision = state.rate_limit("login:alice", quota).await.unwrap();
        assert!(decision.allowed, "{decision:?}");
        assert_eq!(decision.retry_after, Duration::ZERO);
        remaining.push(decision.remaining);
    }
    assert_eq!(remaining, vec![2, 1, 0]);
    let refused = state.rate_limit("login:alice", quota).await.unwrap();
    assert!(!refused.allowed, "{refused:?}");
    assert_eq!(refused.remaining, 0);
    assert!(refused.retry_after > Duration::ZERO, "{refused:?}");
    assert!(
        refused.retry_after <= Duration::from_secs(20),
        "{refused:?}"
    );
    assert!(
        refused.reset_after <= Duration::from_secs(60),
        "{refused:?}"
    );
}

async fn rate_limit_allows_again_once_the_retry_after_has_passed(state: &State) {
    let quota = Quota::new(1, Duration::from_millis(200)).unwrap();
    // Spend the allowance until refused (a stall may refill it in between; keep going).
    let refused = eventually("a refusal", || async {
        let decision = state.rate_limit("api:bob", quota).await.unwrap();
        (!decision.allowed).then_some(decision)
    })
    .await;
    assert!(refused.retry_after > Duration::ZERO);
    assert!(
        refused.retry_after <= Duration::from_millis(200),
        "{refused:?}"
    );
    tokio::time::sleep(refused.retry_after).await;
    eventually("an allowance after retry_after", || async {
        state
            .rate_limit("api:bob", quota)
            .await
            .unwrap()
            .allowed
            .then_some(())
    })
    .await;
}

async fn rate_limit_counts_each_key_separately(state: &State) {
    let quota = Quota::new(1, Duration::from_secs(60)).unwrap();
    assert!(state.rate_limit("a", quota).await.unwrap().allowed);
    assert!(!state.rate_limit("a", quota).await.unwrap().allowed);
    assert!(state.rate_limit("b", quota).await.unwrap().allowed);
}
