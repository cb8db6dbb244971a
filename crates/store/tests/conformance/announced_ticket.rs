//! A ticket's change and its event written together.

use rally_store::{NewEvent, NewTicket, Store, StoreError, TicketState, new_id};
use serde_json::json;
use uuid::Uuid;

use crate::fixture::{conflict, player};
use crate::harness::conformance;

fn solo_ticket(store: &Store, player_id: Uuid) -> NewTicket {
    NewTicket {
        id: new_id(),
        owner_id: player_id,
        party_id: None,
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        latencies: json!({"eu": 31, "na": 120}),
        spec: json!({"members": 1}),
        members: vec![player_id],
        created_at: store.now(),
    }
}

fn event(ticket_id: Uuid, what: &str) -> NewEvent {
    NewEvent {
        id: new_id(),
        topic: "queue.updated".to_owned(),
        key: ticket_id.to_string(),
        payload: json!({"what": what}).to_string(),
    }
}

/// The unpublished events keyed by `ticket_id`, by what they say.
async fn events_of(store: &Store, ticket_id: Uuid) -> Vec<String> {
    store
        .next_unpublished(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.key == ticket_id.to_string())
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            payload["what"].as_str().unwrap().to_owned()
        })
        .collect()
}

conformance! {
    async fn a_ticket_and_its_event_are_written_together_or_not_at_all(store: &Store) {
        let p = player(store, "announced").await;
        let new = solo_ticket(store, p.id);
        let stored = store.create_ticket_announced(&new, &event(new.id, "joined")).await.unwrap();
        assert_eq!(stored, new.as_stored());
        assert_eq!(store.ticket_members(new.id).await.unwrap(), vec![p.id]);
        assert_eq!(store.active_ticket_of_player(p.id).await.unwrap().unwrap().id, new.id);
        assert_eq!(events_of(store, new.id).await, ["joined"]);

        // The player is searching already: neither the second ticket nor its event is written.
        let again = solo_ticket(store, p.id);
        let refused = store.create_ticket_announced(&again, &event(again.id, "joined")).await;
        assert_eq!(conflict(refused), "ticket_members_active_player_key");
        assert!(matches!(store.ticket(again.id).await, Err(StoreError::NotFound)));
        assert!(events_of(store, again.id).await.is_empty());
    }

    async fn a_ticket_ends_with_its_event_only_from_the_expected_state(store: &Store) {
        let p = player(store, "ender").await;
        let new = solo_ticket(store, p.id);
        store.create_ticket_announced(&new, &event(new.id, "joined")).await.unwrap();

        let ended = store
            .end_ticket_announced(new.id, TicketState::Searching, TicketState::Cancelled,
                "by_player", &event(new.id, "cancelled"))
            .await
            .unwrap();
        assert_eq!(ended.state, TicketState::Cancelled);
        assert_eq!(ended.cancel_reason.as_deref(), Some("by_player"));
        assert!(ended.updated_at >= ended.created_at);
        assert!(store.active_ticket_of_player(p.id).await.unwrap().is_none());
        assert_eq!(events_of(store, new.id).await, ["joined", "cancelled"]);

        // Ended already: nothing changes, and no second event is written.
        let late = store
            .end_ticket_announced(new.id, TicketState::Searching, TicketState::TimedOut,
                "timed_out", &event(new.id, "timed out"))
            .await;
        assert!(matches!(late, Err(StoreError::NotFound)), "{late:?}");
        assert_eq!(store.ticket(new.id).await.unwrap().state, TicketState::Cancelled);
        assert_eq!(events_of(store, new.id).await, ["joined", "cancelled"]);

        // The player's members row followed the ticket: they may queue again.
        let next = solo_ticket(store, p.id);
        store.create_ticket_announced(&next, &event(next.id, "joined")).await.unwrap();
    }
}
