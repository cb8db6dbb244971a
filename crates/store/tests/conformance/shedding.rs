//! A player's request refused before it waits for the store: on SQLite when the writes queued
//! ahead of it would take longer than the queue bound at their recent pace, on PostgreSQL when
//! no pooled connection comes within it. Work outside a request waits its turn.

use std::time::Duration;

use rally_clock::ManualClock;
use rally_store::{Store, StoreError, sheddable, unsheddable};

use crate::harness::TestDb;

const BOUND: Duration = Duration::from_millis(50);

/// A bound that only a hang would reach.
const HANG: Duration = Duration::from_secs(30);

/// `db`'s store with the queue bound, on a stepped clock, after one turn held for `turn`.
async fn paced(db: &TestDb, turn: Duration) -> Store {
    let manual = ManualClock::starting_now();
    let store = db
        .store
        .clone()
        .with_clock(manual.clock())
        .with_queue_bound(BOUND);
    let tx = store.begin().await.unwrap();
    manual.advance(turn);
    tx.commit().await.unwrap();
    store
}

#[tokio::test]
async fn sqlite_refuses_a_request_at_once_when_the_writes_ahead_would_take_too_long() {
    let db = TestDb::sqlite().await;
    // A turn held for 100 ms: the pace turns take.
    let store = paced(&db, Duration::from_millis(100)).await;

    let held = store.begin().await.unwrap();
    // One turn ahead at 100 ms is past the 50 ms bound: refused without waiting (a wait would
    // hang, since `held` is only given back below).
    let refused = tokio::time::timeout(HANG, sheddable(store.begin()))
        .await
        .expect("a refusal comes at once");
    match refused {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("writes ahead"), "{why}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // Work outside a request waits for its turn and gets it.
    let background = tokio::spawn({
        let store = store.clone();
        async move { store.begin().await.map(|_| ()) }
    });
    tokio::task::yield_now().await;
    held.commit().await.unwrap();
    background.await.unwrap().unwrap();
}

#[tokio::test]
async fn sqlite_lets_a_request_wait_while_the_writes_ahead_are_quick() {
    let db = TestDb::sqlite().await;
    let store = paced(&db, Duration::from_millis(10)).await;

    let held = store.begin().await.unwrap();
    let request = tokio::spawn({
        let store = store.clone();
        async move { sheddable(async { store.begin().await.map(|_| ()) }).await }
    });
    tokio::task::yield_now().await;
    held.commit().await.unwrap();
    tokio::time::timeout(HANG, request)
        .await
        .expect("the request gets its turn")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn sqlite_lets_the_work_a_request_has_paid_for_wait_its_turn() {
    let db = TestDb::sqlite().await;
    // A turn ahead at this pace would have a request refused (the first test).
    let store = paced(&db, Duration::from_millis(100)).await;

    let held = store.begin().await.unwrap();
    let paid_for = tokio::spawn({
        let store = store.clone();
        async move { sheddable(unsheddable(async { store.begin().await.map(|_| ()) })).await }
    });
    tokio::task::yield_now().await;
    held.commit().await.unwrap();
    tokio::time::timeout(HANG, paid_for)
        .await
        .expect("the paid-for work gets its turn")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn postgres_refuses_a_request_that_finds_no_connection_within_the_bound() {
    let db = TestDb::postgres().await;
    let store = db.store.clone().with_queue_bound(BOUND);
    // Every pooled connection taken.
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(store.begin().await.unwrap());
    }
    let refused = tokio::time::timeout(HANG, sheddable(store.begin()))
        .await
        .expect("a refusal within the bound");
    match refused {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("a request waits"), "{why}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    // Once a connection is back, a request gets it.
    drop(held.pop());
    let tx = tokio::time::timeout(HANG, sheddable(store.begin()))
        .await
        .expect("no hang")
        .unwrap();
    drop(tx);
}
