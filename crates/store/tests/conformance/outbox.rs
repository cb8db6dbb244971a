//! The outbox.

use rally_store::NewEvent;
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
        let turn = store.outbox_turn().await.unwrap().expect("no turn is held");
        let second = store.outbox_turn().await.unwrap();
        match store.backend() {
            // Many nodes relay one PostgreSQL outbox: the second waits for the first to end.
            rally_store::Backend::Postgres => assert!(second.is_none(), "two turns at once"),
            // One process owns an SQLite store, and its writes are serialized anyway.
            rally_store::Backend::Sqlite => second.expect("granted").end().await.unwrap(),
        }
        turn.end().await.unwrap();
        let next = store.outbox_turn().await.unwrap().expect("the turn ended");
        next.end().await.unwrap();
    }
}
