//! Matches, participants, history, and a match committed with its event.

use rally_store::{MatchState, NewEvent, Outcome, StoreError, Timestamp, new_id};
use serde_json::json;
use uuid::Uuid;

use crate::fixture::{TRACEPARENT, conflict, new_match, participant, player};
use crate::harness::conformance;

conformance! {
    async fn a_participant_appears_once_per_match(store: &Store) {
        let (a, b) = (player(store, "twice_a").await, player(store, "twice_b").await);
        let doubled = new_match(store.now(), vec![participant(a.id, 0), participant(a.id, 1)]);
        assert_eq!(conflict(store.create_match(&doubled).await), "match_participants_pkey");
        assert!(matches!(store.match_record(doubled.id).await, Err(StoreError::NotFound)));

        let mut fine = new_match(store.now(), vec![participant(a.id, 0), participant(b.id, 1)]);
        fine.participants[1].outcome = Some(Outcome::Win);
        fine.participants[1].rating_mean_after = Some(26.5);
        fine.participants[1].rating_uncertainty_after = Some(8.0);
        let stored = store.create_match(&fine).await.unwrap();
        assert_eq!(stored.state, MatchState::Created);
        assert_eq!(stored.quality, json!({"score": 0.8}));
        assert_eq!(stored.traceparent.as_deref(), Some(TRACEPARENT));
        assert_eq!(stored, store.match_record(fine.id).await.unwrap());
        let rows = store.match_participants(fine.id).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].player_id, rows[0].team, rows[0].outcome), (a.id, 0, None));
        assert_eq!((rows[1].player_id, rows[1].outcome), (b.id, Some(Outcome::Win)));
        assert_eq!(rows[1].rating_mean_after, Some(26.5));
        assert_eq!(rows[1].played_at, fine.created_at);
    }

    async fn a_negative_team_is_refused(store: &Store) {
        let a = player(store, "negative").await;
        let result = store.create_match(&new_match(store.now(), vec![participant(a.id, -1)])).await;
        assert!(matches!(result, Err(StoreError::Invalid { ref constraint })
            if constraint == "match_participants_team"), "{result:?}");
    }

    async fn history_pages_newest_first_by_keyset(store: &Store) {
        let (a, b) = (player(store, "historian").await, player(store, "opponent").await);
        let base = Timestamp::from_unix_millis(1_790_000_000_000);
        let mut ids = Vec::new();
        for i in 0..5 {
            let at = base.plus(time::Duration::minutes(i));
            let m = new_match(at, vec![participant(a.id, 0), participant(b.id, 1)]);
            store.create_match(&m).await.unwrap();
            ids.push(m.id);
        }
        ids.reverse();
        let first = store.player_history(a.id, None, 2).await.unwrap();
        assert_eq!(first.iter().map(|p| p.match_id).collect::<Vec<_>>(), ids[..2]);
        let last = first.last().unwrap();
        let rest = store.player_history(a.id, Some((last.played_at, last.match_id)), 10).await;
        assert_eq!(rest.unwrap().iter().map(|p| p.match_id).collect::<Vec<_>>(), ids[2..]);
    }

    async fn a_match_and_its_event_commit_together_or_not_at_all(store: &Store) {
        let (a, b) = (player(store, "tx_a").await, player(store, "tx_b").await);
        let event = |id: Uuid| NewEvent {
            id: new_id(),
            topic: "match.created".to_owned(),
            key: id.to_string(),
            payload: json!({"match_id": id}).to_string(),
        };

        let dropped = new_match(store.now(), vec![participant(a.id, 0), participant(b.id, 1)]);
        let mut tx = store.begin().await.unwrap();
        tx.create_match(&dropped).await.unwrap();
        tx.enqueue(&event(dropped.id)).await.unwrap();
        tx.rollback().await.unwrap();
        assert!(matches!(store.match_record(dropped.id).await, Err(StoreError::NotFound)));
        assert!(store.next_unpublished(10).await.unwrap().is_empty());

        let kept = new_match(store.now(), vec![participant(a.id, 0), participant(b.id, 1)]);
        let mut tx = store.begin().await.unwrap();
        tx.create_match(&kept).await.unwrap();
        let event_id = tx.enqueue(&event(kept.id)).await.unwrap();
        tx.commit().await.unwrap();
        store.match_record(kept.id).await.unwrap();
        let pending = store.next_unpublished(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].id, pending[0].key.clone()), (event_id, kept.id.to_string()));
    }
}
