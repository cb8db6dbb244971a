//! Seasons.

use rally_store::{SeasonState, new_id};

use crate::fixture::conflict;
use crate::harness::conformance;

conformance! {
    async fn only_one_season_is_active_at_a_time(store: &Store) {
        assert!(store.active_season().await.unwrap().is_none());
        assert!(store.end_season().await.unwrap().is_none());
        let one = store.start_season(new_id(), "Season 1").await.unwrap();
        assert_eq!(one.state, SeasonState::Active);
        let two = store.start_season(new_id(), "Season 2").await;
        assert_eq!(conflict(two), "seasons_one_active_key");

        let ended = store.end_season().await.unwrap().unwrap();
        assert_eq!((ended.id, ended.state), (one.id, SeasonState::Ended));
        assert!(ended.ended_at.is_some());
        let again = store.start_season(new_id(), "Season 1").await;
        assert_eq!(conflict(again), "seasons_name_key");
        let two = store.start_season(new_id(), "Season 2").await.unwrap();
        assert_eq!(store.active_season().await.unwrap(), Some(two.clone()));
        assert_eq!(store.season_by_name("Season 1").await.unwrap().unwrap().id, one.id);
        assert!(store.season_by_name("Season 9").await.unwrap().is_none());
    }

    async fn a_season_rolls_over_in_one_transaction(store: &Store) {
        let one = store.start_season(new_id(), "Old").await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.active_season().await.unwrap().map(|s| s.id), Some(one.id));
        tx.end_season().await.unwrap();
        let two = tx.start_season(new_id(), "New").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.active_season().await.unwrap().map(|s| s.id), Some(two.id));
    }
}
