//! Where the Redis backend puts its keys: all under the prefix, shared by every node using the
//! same prefix, invisible to other prefixes.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use rally_state::{Quota, State};

async fn connect(prefix: &str) -> State {
    let url = support::redis_url();
    State::redis(&url, prefix).await.unwrap_or_else(|err| {
        panic!("Redis is unreachable at {url} ({err}): start Redis, or set RALLY_TEST_REDIS_URL")
    })
}

async fn keys_under(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(support::redis_url().as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    keys.sort();
    keys
}

#[tokio::test]
async fn two_nodes_with_one_prefix_share_state_and_other_prefixes_see_none_of_it() {
    let prefix = support::fresh_prefix();
    let (node_a, node_b) = (connect(&prefix).await, connect(&prefix).await);
    let other_prefix = support::fresh_prefix();
    let stranger = connect(&other_prefix).await;
    let ttl = Duration::from_secs(60);

    node_a
        .set_with_ttl("presence:p1", b"node-a", ttl)
        .await
        .unwrap();
    node_a.zadd("ladder", "p1", 1500.0).await.unwrap();
    let lease = node_a
        .acquire_lease("bucket", "node-a", ttl)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        node_b.get("presence:p1").await.unwrap().as_deref(),
        Some(&b"node-a"[..])
    );
    assert_eq!(node_b.rank("ladder", "p1").await.unwrap(), Some(0));
    assert!(
        node_b
            .acquire_lease("bucket", "node-b", ttl)
            .await
            .unwrap()
            .is_none()
    );

    assert_eq!(stranger.get("presence:p1").await.unwrap(), None);
    assert_eq!(stranger.card("ladder").await.unwrap(), 0);
    assert!(
        stranger
            .acquire_lease("bucket", "node-c", ttl)
            .await
            .unwrap()
            .is_some()
    );

    assert!(
        node_a
            .release_lease("bucket", "node-a", lease.fence)
            .await
            .unwrap()
    );
    support::Cleanup::new(&prefix).run().await;
    support::Cleanup::new(&other_prefix).run().await;
}

#[tokio::test]
async fn every_key_is_written_under_the_prefix_with_a_separator() {
    let namespace = support::fresh_prefix();
    let namespace = namespace.trim_end_matches(':');
    let state = connect(namespace).await;
    let ttl = Duration::from_secs(60);
    state.set_with_ttl("k", b"v", ttl).await.unwrap();
    state
        .rate_limit("k", Quota::new(2, ttl).unwrap())
        .await
        .unwrap();
    state.zadd("k", "m", 1.0).await.unwrap();
    state.acquire_lease("k", "h", ttl).await.unwrap().unwrap();

    let keys = keys_under(namespace).await;
    let expected: Vec<String> = ["l:k", "lf:k", "r:k", "v:k", "z:k"]
        .iter()
        .map(|k| format!("{namespace}:{k}"))
        .collect();
    assert_eq!(keys, expected);
    support::Cleanup::new(namespace).run().await;
    assert!(keys_under(namespace).await.is_empty());
}
