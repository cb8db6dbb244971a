//! Seed data: deterministic, idempotent, resettable, on both databases.

use rally_store::{Outcome, seed};

use crate::fixture::{HASH, player};
use crate::harness::conformance;

conformance! {
    async fn seeding_makes_the_demo_platform(store: &Store) {
        let report = seed(store, HASH, false).await.unwrap();
        assert!(!report.reset);
        assert_eq!((report.players.created, report.players.existing), (50, 0));
        assert_eq!((report.parties.created, report.matches.created, report.ratings.created), (10, 20, 50));
        assert!(report.season_created);
        assert!(report.to_string().contains("players: 50 created, 0 already present"), "{report}");

        let season = store.active_season().await.unwrap().unwrap();
        assert_eq!(season.name, report.season);
        let login = store.find_credentials_by_login("DEMO_PLAYER_01").await.unwrap().unwrap();
        assert_eq!(login.password_hash, HASH);
        let board = store.leaderboard_page(season.id, "squad", 0, 100).await.unwrap();
        assert_eq!(board.len(), 50);
        assert!(board.windows(2).all(|w| w[0].conservative >= w[1].conservative));

        let p = store.find_player_by_username("demo_player_01").await.unwrap().unwrap();
        let history = store.player_history(p.id, None, 10).await.unwrap();
        assert_eq!(history.len(), 4);
        let last = &history[0];
        let rating = store.player_ratings(p.id, season.id).await.unwrap();
        assert_eq!(rating[0].mean, last.rating_mean_after.unwrap());
        assert_eq!(rating[0].games, 4);
        let m = store.match_participants(last.match_id).await.unwrap();
        assert_eq!(m.iter().filter(|p| p.outcome == Some(Outcome::Win)).count(), 5);
        assert!(m.iter().all(|p| p.rating_mean_after.unwrap() != p.rating_mean_before));
        assert!(store.party_of_player(p.id).await.unwrap().is_some());
    }

    async fn seeding_twice_creates_nothing_twice(store: &Store) {
        let first = seed(store, HASH, false).await.unwrap();
        let again = seed(store, HASH, false).await.unwrap();
        assert!(first.created_anything());
        assert!(!again.created_anything(), "{again}");
        assert_eq!((again.players.existing, again.parties.existing), (50, 10));
        assert_eq!((again.matches.existing, again.ratings.existing), (20, 50));
        assert!(again.to_string().contains("already active"), "{again}");
        let season = store.active_season().await.unwrap().unwrap();
        assert_eq!(store.leaderboard_page(season.id, "squad", 0, 100).await.unwrap().len(), 50);
    }

    async fn reset_deletes_the_seed_and_seeds_again_leaving_other_data(store: &Store) {
        seed(store, HASH, false).await.unwrap();
        let outsider = player(store, "not_a_demo").await;
        let p = store.find_player_by_username("demo_player_02").await.unwrap().unwrap();
        let season = store.active_season().await.unwrap().unwrap();
        let key = rally_store::RatingKey { player_id: p.id, season_id: season.id, mode: "squad".to_owned() };
        store.upsert_rating(&key, rally_store::RatingValue::new(99.0, 1.0), 99).await.unwrap();

        let report = seed(store, HASH, true).await.unwrap();
        assert!(report.reset);
        assert_eq!((report.players.created, report.matches.created, report.ratings.created), (50, 20, 50));
        assert!(report.season_created, "the unused seed season is deleted and made again");
        assert_eq!(store.rating(&key).await.unwrap().unwrap().games, 4, "the edit is gone");
        assert_eq!(store.player(outsider.id).await.unwrap(), outsider);
        let again = seed(store, HASH, false).await.unwrap();
        assert!(!again.created_anything());
    }

    async fn seeding_uses_an_active_season_that_already_exists(store: &Store) {
        let current = store.start_season(rally_store::new_id(), "Running").await.unwrap();
        let report = seed(store, HASH, false).await.unwrap();
        assert!(!report.season_created);
        assert_eq!(report.season, "Running");
        assert_eq!(store.leaderboard_page(current.id, "squad", 0, 5).await.unwrap().len(), 5);
    }
}
