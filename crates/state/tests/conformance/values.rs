//! Values with a TTL, and the backend answering at all.

use std::time::Duration;

use rally_state::{State, StateError};

use crate::{conformance, eventually};

conformance!(
    ping_answers_with_a_latency,
    a_value_can_be_set_read_and_deleted,
    many_values_are_read_at_once_in_the_order_asked,
    delete_if_removes_only_the_value_it_names,
    a_value_is_gone_once_its_ttl_has_passed,
    renew_extends_a_live_value_and_cannot_revive_a_missing_one,
    set_if_absent_stores_only_when_nothing_live_is_there,
    values_and_sorted_sets_and_leases_do_not_share_keys,
    a_zero_ttl_is_refused,
);

async fn ping_answers_with_a_latency(state: &State) {
    state.ping().await.unwrap();
}

async fn a_value_can_be_set_read_and_deleted(state: &State) {
    let ttl = Duration::from_secs(60);
    assert_eq!(state.get("presence:p1").await.unwrap(), None);
    state
        .set_with_ttl("presence:p1", b"node-a", ttl)
        .await
        .unwrap();
    assert_eq!(
        state.get("presence:p1").await.unwrap().as_deref(),
        Some(&b"node-a"[..])
    );
    state
        .set_with_ttl("presence:p1", b"node-b", ttl)
        .await
        .unwrap();
    assert_eq!(
        state.get("presence:p1").await.unwrap().as_deref(),
        Some(&b"node-b"[..])
    );
    let left = state.ttl("presence:p1").await.unwrap().unwrap();
    assert!(left > Duration::ZERO && left <= ttl, "{left:?}");
    assert!(state.delete("presence:p1").await.unwrap());
    assert!(!state.delete("presence:p1").await.unwrap());
    assert_eq!(state.get("presence:p1").await.unwrap(), None);
    assert_eq!(state.ttl("presence:p1").await.unwrap(), None);
}

async fn many_values_are_read_at_once_in_the_order_asked(state: &State) {
    let ttl = Duration::from_secs(60);
    assert!(state.get_all(&[]).await.unwrap().is_empty());
    state.set_with_ttl("many:a", b"1", ttl).await.unwrap();
    state.set_with_ttl("many:c", b"3", ttl).await.unwrap();
    // A sorted set of the same name is another keyspace: not a value.
    state.zadd("many:b", "member", 1.0).await.unwrap();
    let keys = ["many:c", "many:b", "many:a", "many:c"].map(str::to_owned);
    let values = state.get_all(&keys).await.unwrap();
    let values: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
    assert_eq!(
        values,
        [Some(&b"3"[..]), None, Some(&b"1"[..]), Some(&b"3"[..])]
    );
}

async fn delete_if_removes_only_the_value_it_names(state: &State) {
    let ttl = Duration::from_secs(60);
    state
        .set_with_ttl("presence:p2", b"node-b", ttl)
        .await
        .unwrap();
    // Node A cleaning up after itself must not remove node B's newer entry.
    assert!(!state.delete_if("presence:p2", b"node-a").await.unwrap());
    assert_eq!(
        state.get("presence:p2").await.unwrap().as_deref(),
        Some(&b"node-b"[..])
    );
    assert!(state.delete_if("presence:p2", b"node-b").await.unwrap());
    assert_eq!(state.get("presence:p2").await.unwrap(), None);
    assert!(!state.delete_if("presence:p2", b"node-b").await.unwrap());
    assert!(!state.delete_if("never-set", b"x").await.unwrap());
}

async fn a_value_is_gone_once_its_ttl_has_passed(state: &State) {
    state
        .set_with_ttl("long", b"stays", Duration::from_secs(60))
        .await
        .unwrap();
    state
        .set_with_ttl("short", b"goes", Duration::from_millis(50))
        .await
        .unwrap();
    eventually("the short value to expire", || async {
        state.get("short").await.unwrap().is_none().then_some(())
    })
    .await;
    assert_eq!(state.ttl("short").await.unwrap(), None);
    assert!(!state.delete("short").await.unwrap());
    assert_eq!(
        state.get("long").await.unwrap().as_deref(),
        Some(&b"stays"[..])
    );
}

async fn renew_extends_a_live_value_and_cannot_revive_a_missing_one(state: &State) {
    let renewed = state.renew("missing", Duration::from_secs(60)).await;
    assert_eq!(renewed.unwrap(), None);
    assert_eq!(state.get("missing").await.unwrap(), None);

    state
        .set_with_ttl("heartbeat", b"active", Duration::from_secs(60))
        .await
        .unwrap();
    let renewed = state.renew("heartbeat", Duration::from_secs(600)).await;
    assert_eq!(renewed.unwrap().as_deref(), Some(&b"active"[..]));
    let left = state.ttl("heartbeat").await.unwrap().unwrap();
    assert!(left > Duration::from_secs(60), "{left:?}");

    let renewed = state.renew("heartbeat", Duration::from_millis(50)).await;
    assert_eq!(renewed.unwrap().as_deref(), Some(&b"active"[..]));
    eventually("the shortened value to expire", || async {
        state
            .get("heartbeat")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    let renewed = state.renew("heartbeat", Duration::from_secs(60)).await;
    assert_eq!(renewed.unwrap(), None);
}

async fn set_if_absent_stores_only_when_nothing_live_is_there(state: &State) {
    let long = Duration::from_secs(60);
    assert!(state.set_if_absent("idem:1", b"first", long).await.unwrap());
    assert!(
        !state
            .set_if_absent("idem:1", b"second", long)
            .await
            .unwrap()
    );
    assert_eq!(
        state.get("idem:1").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );

    assert!(
        state
            .set_if_absent("idem:2", b"brief", Duration::from_millis(50))
            .await
            .unwrap()
    );
    eventually("the brief claim to lapse and a new one to win", || async {
        state
            .set_if_absent("idem:2", b"later", long)
            .await
            .unwrap()
            .then_some(())
    })
    .await;
    assert_eq!(
        state.get("idem:2").await.unwrap().as_deref(),
        Some(&b"later"[..])
    );
}

async fn values_and_sorted_sets_and_leases_do_not_share_keys(state: &State) {
    let ttl = Duration::from_secs(60);
    state.set_with_ttl("shared-name", b"v", ttl).await.unwrap();
    state.zadd("shared-name", "m", 1.0).await.unwrap();
    let lease = state.acquire_lease("shared-name", "n1", ttl).await.unwrap();
    assert!(lease.is_some());
    assert_eq!(
        state.get("shared-name").await.unwrap().as_deref(),
        Some(&b"v"[..])
    );
    assert_eq!(state.card("shared-name").await.unwrap(), 1);
}

async fn a_zero_ttl_is_refused(state: &State) {
    let zero = Duration::ZERO;
    assert!(matches!(
        state.set_with_ttl("k", b"v", zero).await,
        Err(StateError::InvalidArgument(_))
    ));
    assert!(matches!(
        state.acquire_lease("l", "n1", zero).await,
        Err(StateError::InvalidArgument(_))
    ));
}
