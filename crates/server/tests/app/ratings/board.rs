//! Exactly-once application, and leaderboard ranks against the store's own ORDER BY.

use rally_server::ratings::board;
use rally_store::RatingKey;
use rand::{Rng, SeedableRng, rngs::StdRng};
use uuid::Uuid;

use super::finished_duel;
use crate::accounts::{Backend, on_both_backends};
use crate::party::player;

on_both_backends! {
    async fn a_result_applied_twice_at_once_changes_ratings_once(backend: Backend) {
        let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
        let ada: Uuid = player(&app, "ada").await.id.parse().unwrap();
        let bob: Uuid = player(&app, "bob").await.id.parse().unwrap();
        let store = app.state().backends().store.clone();
        let completed = finished_duel(&store, ada, bob).await;

        let (first, second) = tokio::join!(
            app.state().ratings().apply(&completed),
            app.state().ratings().apply(&completed),
        );
        let applied = [first.unwrap(), second.unwrap()];
        assert_eq!(applied.iter().filter(|a| a.is_some()).count(), 1, "one of two applies");
        assert!(app.state().ratings().apply(&completed).await.unwrap().is_none(), "redelivery");

        let season = applied.iter().flatten().next().unwrap().season_id;
        let key = |player_id| RatingKey { player_id, season_id: season, mode: "duel".to_owned() };
        let winner = store.rating(&key(ada)).await.unwrap().unwrap();
        let loser = store.rating(&key(bob)).await.unwrap().unwrap();
        assert_eq!((winner.games, loser.games), (1, 1));
        assert!(winner.mean > 1500.0 && loser.mean < 1500.0);
        let participants = store.match_participants(completed.match_id).await.unwrap();
        assert!(participants.iter().all(|p| p.rating_mean_after.is_some()));
    }

    async fn two_results_of_a_new_player_applied_at_once_both_count(backend: Backend) {
        let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
        let cyd: Uuid = player(&app, "cyd").await.id.parse().unwrap();
        let dan: Uuid = player(&app, "dan").await.id.parse().unwrap();
        let eve: Uuid = player(&app, "eve").await.id.parse().unwrap();
        let store = app.state().backends().store.clone();
        let first = finished_duel(&store, cyd, dan).await;
        let second = finished_duel(&store, cyd, eve).await;
        let (a, b) = tokio::join!(app.state().ratings().apply(&first), app.state().ratings().apply(&second));
        let season = a.unwrap().unwrap().season_id;
        b.unwrap().unwrap();
        let key = RatingKey { player_id: cyd, season_id: season, mode: "duel".to_owned() };
        assert_eq!(store.rating(&key).await.unwrap().unwrap().games, 2, "neither update is lost");
    }
}

#[tokio::test]
async fn leaderboard_ranks_agree_with_the_stores_order_after_a_random_mix_of_results() {
    let backend = Backend::embedded();
    let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
    let store = app.state().backends().store.clone();
    let state = app.state().backends().state.clone();
    let mut players = Vec::new();
    for i in 0..24 {
        players.push(
            player(&app, &format!("ranked{i}"))
                .await
                .id
                .parse::<Uuid>()
                .unwrap(),
        );
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut season = None;
    for _ in 0..2000 {
        let a = players[rng.random_range(0..players.len())];
        let b = players[rng.random_range(0..players.len())];
        if a == b {
            continue;
        }
        let completed = finished_duel(&store, a, b).await;
        let applied = app
            .state()
            .ratings()
            .apply(&completed)
            .await
            .unwrap()
            .unwrap();
        board::record_all(&state, std::slice::from_ref(&applied))
            .await
            .unwrap();
        season = Some(applied.season_id);
    }
    let season = season.unwrap();
    store.refresh_leaderboard().await.unwrap();
    let from_store = store
        .leaderboard_page(season, "duel", 0, 100)
        .await
        .unwrap();
    let from_state = state
        .range_by_rank(&board::key(season, "duel"), 0, 99)
        .await
        .unwrap();
    assert_eq!(from_store.len(), from_state.len());
    for (stored, ranked) in from_store.iter().zip(&from_state) {
        assert_eq!(
            stored.player_id.to_string(),
            ranked.member,
            "rank {}",
            stored.rank
        );
        assert_eq!(stored.rank, i64::try_from(ranked.rank).unwrap() + 1);
        assert!((stored.conservative - ranked.score).abs() < 1e-9);
    }

    // A rebuild from the store gives the same ranks.
    board::rebuild(&store, &state, season).await.unwrap();
    let rebuilt = state
        .range_by_rank(&board::key(season, "duel"), 0, 99)
        .await
        .unwrap();
    assert_eq!(rebuilt, from_state);
}

#[tokio::test]
async fn a_new_season_carries_ratings_over_halfway_back_to_the_start_and_keeps_the_old_board() {
    let backend = Backend::embedded();
    let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
    let ada: Uuid = player(&app, "ada").await.id.parse().unwrap();
    let bob: Uuid = player(&app, "bob").await.id.parse().unwrap();
    let store = app.state().backends().store.clone();
    let state = app.state().backends().state.clone();
    let completed = finished_duel(&store, ada, bob).await;
    let first = app
        .state()
        .ratings()
        .apply(&completed)
        .await
        .unwrap()
        .unwrap();
    let old = store
        .rating(&RatingKey {
            player_id: ada,
            season_id: first.season_id,
            mode: "duel".to_owned(),
        })
        .await
        .unwrap()
        .unwrap();

    let (second, carried) =
        rally_server::ratings::season::start(&store, &state, app.state().queues(), "s2")
            .await
            .unwrap();
    assert_eq!(carried, 2);
    let new = store
        .rating(&RatingKey {
            player_id: ada,
            season_id: second.id,
            mode: "duel".to_owned(),
        })
        .await
        .unwrap()
        .unwrap();
    // Glicko-2 starts at 1500 / 350: halfway back.
    assert!((new.mean - (1500.0 + (old.mean - 1500.0) / 2.0)).abs() < 1e-9);
    assert!((new.uncertainty - (old.uncertainty + (350.0 - old.uncertainty) / 2.0)).abs() < 1e-9);
    assert_eq!(new.games, 0);
    // The ended season's standings stay readable from the store.
    let old_board = store
        .leaderboard_page(first.season_id, "duel", 0, 10)
        .await
        .unwrap();
    assert_eq!(old_board.len(), 2);
    assert_eq!(old_board[0].player_id, ada);
    let around = app
        .state()
        .ratings()
        .around("season-1", "duel", ada, 1)
        .await
        .unwrap();
    assert_eq!(
        (around.total, around.rows.len()),
        (2, 2),
        "an ended season reads from the store"
    );
    let page = app
        .state()
        .ratings()
        .standings("season-1", "duel", 1, None)
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert!(page.next_cursor.is_some(), "an ended season pages on");
}

#[tokio::test]
async fn a_configured_season_is_started_when_the_ratings_role_starts() {
    let backend = Backend::embedded();
    let mut app = backend.spawn(&[("season", "autumn")]).await;
    app.serve();
    let store = app.state().backends().store.clone();
    crate::harness::until("the ratings role starts the configured season", || async {
        store.active_season().await.unwrap().is_some()
    })
    .await;
    let active = store.active_season().await.unwrap().map(|s| s.name);
    assert_eq!(active.as_deref(), Some("autumn"));
}
