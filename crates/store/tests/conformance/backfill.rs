//! Backfill requests: one open per team, filled or withdrawn once, followed by change time.

use rally_store::{BackfillState, NewBackfill, new_id};
use serde_json::json;

use crate::fixture::conflict;
use crate::harness::conformance;
use crate::session::a_match;

fn request(match_id: uuid::Uuid, team: i32) -> NewBackfill {
    NewBackfill {
        id: new_id(),
        match_id,
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        team,
        slots: 1,
        replacing: json!([]),
        roles: json!([]),
    }
}

conformance! {
    async fn a_team_has_one_open_request_filled_or_withdrawn_once(store: &Store) {
        let match_id = a_match(store, "bf_a").await;
        let since = store.now().plus(time::Duration::seconds(-1));
        let first = store.open_backfill(&request(match_id, 0)).await.unwrap();
        assert_eq!(first.state, BackfillState::Open);
        let again = store.open_backfill(&request(match_id, 0)).await;
        assert_eq!(conflict(again), "backfill_requests_open_key");
        store.open_backfill(&request(match_id, 1)).await.unwrap();
        assert_eq!(store.open_backfills("duel").await.unwrap().len(), 2);

        let mut tx = store.begin().await.unwrap();
        assert!(tx.fill_backfill(first.id).await.unwrap());
        assert!(!tx.fill_backfill(first.id).await.unwrap(), "filled once");
        tx.commit().await.unwrap();
        assert_eq!(store.withdraw_backfills(match_id).await.unwrap(), 1, "only the open one");
        assert_eq!(store.withdraw_backfills(match_id).await.unwrap(), 0);
        let changed = store.backfills_changed_since("duel", since).await.unwrap();
        let states: Vec<BackfillState> = changed.iter().map(|b| b.state).collect();
        assert_eq!(states.len(), 2);
        assert!(states.contains(&BackfillState::Filled) && states.contains(&BackfillState::Withdrawn));
        assert!(store.open_backfills("duel").await.unwrap().is_empty());
        store.open_backfill(&request(match_id, 0)).await.unwrap();
    }
}
