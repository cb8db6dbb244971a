//! Leases and their fencing tokens.

use std::time::Duration;

use rally_state::State;

use crate::{conformance, eventually};

conformance!(
    a_lease_is_refused_while_another_holder_owns_it,
    a_lease_taken_over_after_expiry_gets_a_greater_fence,
    renewing_with_a_stale_fence_is_refused,
    a_released_lease_is_free_and_its_next_fence_is_greater,
);

async fn a_lease_is_refused_while_another_holder_owns_it(state: &State) {
    let ttl = Duration::from_secs(60);
    let first = state
        .acquire_lease("bucket:eu:duel", "node-1", ttl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.holder, "node-1");
    assert_eq!(first.name, "bucket:eu:duel");
    assert!(
        state
            .acquire_lease("bucket:eu:duel", "node-2", ttl)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !state
            .renew_lease("bucket:eu:duel", "node-2", first.fence, ttl)
            .await
            .unwrap()
    );
    assert!(
        !state
            .release_lease("bucket:eu:duel", "node-2", first.fence)
            .await
            .unwrap()
    );
    let again = state
        .acquire_lease("bucket:eu:duel", "node-1", ttl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.fence, first.fence,
        "re-acquiring one's own lease keeps its fence"
    );
    let other = state
        .acquire_lease("bucket:us:duel", "node-2", ttl)
        .await
        .unwrap();
    assert!(other.is_some(), "leases on other names are independent");
}

async fn a_lease_taken_over_after_expiry_gets_a_greater_fence(state: &State) {
    let brief = state
        .acquire_lease("bucket", "node-1", Duration::from_millis(50))
        .await
        .unwrap()
        .unwrap();
    let taken = eventually("node-2 to take the lapsed lease", || async {
        state
            .acquire_lease("bucket", "node-2", Duration::from_secs(60))
            .await
            .unwrap()
    })
    .await;
    assert!(taken.fence > brief.fence, "{taken:?} after {brief:?}");
    assert_eq!(taken.holder, "node-2");
    let late = state
        .acquire_lease("bucket", "node-1", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(late.is_none(), "{late:?}");
}

async fn renewing_with_a_stale_fence_is_refused(state: &State) {
    let ttl = Duration::from_secs(60);
    let old = state
        .acquire_lease("bucket", "node-1", Duration::from_millis(50))
        .await
        .unwrap()
        .unwrap();
    let new = eventually("node-2 to take the lapsed lease", || async {
        state.acquire_lease("bucket", "node-2", ttl).await.unwrap()
    })
    .await;
    assert!(
        !state
            .renew_lease("bucket", "node-1", old.fence, ttl)
            .await
            .unwrap()
    );
    assert!(
        !state
            .renew_lease("bucket", "node-2", old.fence, ttl)
            .await
            .unwrap()
    );
    assert!(
        !state
            .release_lease("bucket", "node-1", old.fence)
            .await
            .unwrap()
    );
    assert!(
        state
            .renew_lease("bucket", "node-2", new.fence, ttl)
            .await
            .unwrap()
    );
    assert!(
        state
            .acquire_lease("bucket", "node-1", ttl)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_released_lease_is_free_and_its_next_fence_is_greater(state: &State) {
    let ttl = Duration::from_secs(60);
    let first = state
        .acquire_lease("bucket", "node-1", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(
        state
            .release_lease("bucket", "node-1", first.fence)
            .await
            .unwrap()
    );
    assert!(
        !state
            .release_lease("bucket", "node-1", first.fence)
            .await
            .unwrap()
    );
    assert!(
        !state
            .renew_lease("bucket", "node-1", first.fence, ttl)
            .await
            .unwrap()
    );
    let second = state
        .acquire_lease("bucket", "node-2", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(second.fence > first.fence);
    assert!(
        state
            .release_lease("bucket", "node-2", second.fence)
            .await
            .unwrap()
    );
    let third = state
        .acquire_lease("bucket", "node-1", ttl)
        .await
        .unwrap()
        .unwrap();
    assert!(third.fence > second.fence);
}
