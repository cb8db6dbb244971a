//! Leaderboard standings.

use rally_store::{RatingKey, new_id};

use crate::fixture::player;
use crate::harness::conformance;

conformance! {
    async fn standings_rank_by_conservative_rating_then_player_id(store: &Store) {
        let season = store.start_season(new_id(), "Board").await.unwrap();
        // (mean, uncertainty): conservative = mean - 3 * uncertainty.
        let specs = [("p_low", 20.0, 1.0), ("p_tie_a", 30.0, 2.0), ("p_tie_b", 27.0, 1.0),
                     ("p_top", 40.0, 1.0), ("p_unsure", 45.0, 10.0)];
        let mut players = Vec::new();
        for (name, mean, uncertainty) in specs {
            let p = player(store, name).await;
            let key = RatingKey { player_id: p.id, season_id: season.id, mode: "squad".to_owned() };
            store.upsert_rating(&key, rally_store::RatingValue::new(mean, uncertainty), 3).await.unwrap();
            players.push((name, p.id));
        }
        let other = RatingKey { player_id: players[0].1, season_id: season.id, mode: "duel".to_owned() };
        store.upsert_rating(&other, rally_store::RatingValue::new(99.0, 1.0), 1).await.unwrap();

        assert!(store.leaderboard_page(season.id, "squad", 0, 10).await.unwrap().is_empty());
        store.refresh_leaderboard().await.unwrap();

        let id = |n: &str| players.iter().find(|(name, _)| *name == n).unwrap().1;
        let (tie_a, tie_b) = (id("p_tie_a"), id("p_tie_b"));
        let (first_tie, second_tie) = if tie_a < tie_b { (tie_a, tie_b) } else { (tie_b, tie_a) };
        let expected = vec![id("p_top"), first_tie, second_tie, id("p_low"), id("p_unsure")];

        let page = store.leaderboard_page(season.id, "squad", 0, 10).await.unwrap();
        assert_eq!(page.iter().map(|e| e.player_id).collect::<Vec<_>>(), expected);
        assert_eq!(page.iter().map(|e| e.rank).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        assert_eq!(page[0].conservative, 37.0);
        assert_eq!((page[0].username.as_str(), page[0].games), ("p_top", 3));

        let second = store.leaderboard_page(season.id, "squad", 2, 2).await.unwrap();
        assert_eq!(second.iter().map(|e| e.player_id).collect::<Vec<_>>(), expected[2..4]);
        let duel = store.leaderboard_page(season.id, "duel", 0, 10).await.unwrap();
        assert_eq!(duel.len(), 1);

        // A later change shows after the next refresh.
        let low = RatingKey { player_id: id("p_low"), season_id: season.id, mode: "squad".to_owned() };
        store.upsert_rating(&low, rally_store::RatingValue::new(60.0, 1.0), 4).await.unwrap();
        store.refresh_leaderboard().await.unwrap();
        let top = store.leaderboard_page(season.id, "squad", 0, 1).await.unwrap();
        assert_eq!(top[0].player_id, id("p_low"));
    }
}
