//! The outbox.

use std::{
    pin::pin,
    task::{Context, Waker},
};

use rally_store::{NewEvent, Store};
use serde_json::json;

use crate::harness::conformance;

fn event(n: u32) -> NewEvent {
    NewEvent {
        id: rally_store::new_id(),
        topic: "test.event".to_owned(),
        key: format!("k{n}"),
        payload: json!({"n": n}).to_string(),
    }
}

/// Whether a commit that enqueued events has woken the relay since it last waited.
fn relay_woken(store: &Store) -> bool {
    let mut wait = pin!(store.outbox_written());
    wait.as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

conformance! {
    async fn a_commit_wakes_the_relay_unless_its_writer_publishes_the_events_itself(store: &Store) {
        relay_woken(store);
        let mut tx = store.begin().await.unwrap();
        tx.enqueue_all(&[event(1)]).await.unwrap();
        tx.publishing_itself();
        tx.commit().await.unwrap();
        assert!(!relay_woken(store), "the writer publishes them");
        assert_eq!(store.next_unpublished(10).await.unwrap().len(), 1, "the next pass finds it");

        let mut tx = store.begin().await.unwrap();
        tx.enqueue_all(&[event(2)]).await.unwrap();
        tx.commit().await.unwrap();
        assert!(relay_woken(store), "the relay publishes them");
    }
}

conformance! {
    async fn events_are_read_in_order_until_marked_published(store: &Store) {
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(store.enqueue(&event(n)).await.unwrap());
        }
        let first = store.next_unpublished(2).await.unwrap();
        assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
        assert_eq!(first[1].payload, json!({"n": 1}).to_string());
        assert_eq!((first[0].attempts, first[0].published_at), (0, None));

        assert_eq!(store.record_failed_attempt(&ids[..1]).await.unwrap(), 1);
        assert_eq!(store.next_unpublished(1).await.unwrap()[0].attempts, 1);

        assert_eq!(store.mark_published(&ids[..2]).await.unwrap(), 2);
        assert_eq!(store.mark_published(&ids[..2]).await.unwrap(), 0, "marking twice changes nothing");
        assert_eq!(store.record_failed_attempt(&ids[..1]).await.unwrap(), 0);
        let rest = store.next_unpublished(10).await.unwrap();
        assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), ids[2..]);
    }
}

conformance! {
    async fn one_relay_turn_at_a_time_where_many_processes_share_the_store(store: &Store) {
        let turn = store.outbox_turn(10).await.unwrap().expect("no turn is held");
        let second = store.outbox_turn(10).await.unwrap();
        match store.backend() {
            // Many nodes relay one PostgreSQL outbox: the second waits for the first to end.
            rally_store::Backend::Postgres => assert!(second.is_none(), "two turns at once"),
            // One process owns an SQLite store, and its writes are serialized anyway.
            rally_store::Backend::Sqlite => second.expect("granted").end(&[], &[]).await.unwrap(),
        }
        turn.end(&[], &[]).await.unwrap();
        let next = store.outbox_turn(10).await.unwrap().expect("the turn ended");
        next.end(&[], &[]).await.unwrap();
    }
}

conformance! {
    async fn a_turn_reads_the_oldest_events_and_its_end_keeps_what_it_published(store: &Store) {
        let empty = store.outbox_turn(10).await.unwrap().expect("no turn is held");
        assert!(empty.events().is_empty());
        empty.end(&[], &[]).await.unwrap();

        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(store.enqueue(&event(n)).await.unwrap());
        }
        let turn = store.outbox_turn(2).await.unwrap().expect("no turn is held");
        assert_eq!(turn.events().iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
        assert_eq!(turn.events()[1].payload, json!({"n": 1}).to_string());
        turn.end(&ids[..1], &ids[1..2]).await.unwrap();

        let rest = store.next_unpublished(10).await.unwrap();
        assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), ids[1..]);
        assert_eq!((rest[0].attempts, rest[1].attempts), (1, 0));

        // A turn dropped without ending (a relay that stopped mid-pass) marks nothing.
        let dropped = store.outbox_turn(10).await.unwrap().expect("no turn is held");
        assert_eq!(dropped.events().len(), 2);
        drop(dropped);
        let left = store.next_unpublished(10).await.unwrap();
        assert_eq!(left, rest);
        store.mark_published(&ids[1..]).await.unwrap();
        assert!(store.next_unpublished(10).await.unwrap().is_empty());
    }
}
