//! Many results in one transaction: the same ratings as one after another, each match once,
//! and two overlapping batches at once neither lost nor deadlocked.

use rally_protocol::event::MatchCompleted;
use rally_server::bus::Cause;
use rally_store::{RatingKey, Store};
use uuid::Uuid;

use super::finished_duel;
use crate::accounts::on_both_backends;
use crate::party::player;

/// `results`, each with a fresh chain of work, as a reader hands them over.
fn caused(results: &[&MatchCompleted]) -> Vec<(MatchCompleted, Cause)> {
    results
        .iter()
        .map(|c| ((*c).clone(), Cause::fresh()))
        .collect()
}

/// A player's duel rating and games in `season`.
async fn rating_of(store: &Store, season_id: Uuid, player_id: Uuid) -> (f64, f64, i32) {
    let key = RatingKey {
        player_id,
        season_id,
        mode: "duel".to_owned(),
    };
    let r = store.rating(&key).await.unwrap().unwrap();
    (r.mean, r.uncertainty, r.games)
}

on_both_backends! {
    async fn a_batch_rates_as_its_results_would_one_after_another(backend: Backend) {
        let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
        let store = app.state().backends().store.clone();
        let ratings = app.state().ratings();
        let mut batch_players = Vec::new();
        let mut single_players = Vec::new();
        for name in ["a", "b", "c"] {
            batch_players.push(player(&app, &format!("batch_{name}")).await.id.parse::<Uuid>().unwrap());
            single_players.push(player(&app, &format!("single_{name}")).await.id.parse::<Uuid>().unwrap());
        }
        // a beats b, a beats c, c beats b: a player in several matches of one batch.
        let plan = [(0, 1), (0, 2), (2, 1)];
        let mut batched = Vec::new();
        for (w, l) in plan {
            batched.push(finished_duel(&store, batch_players[w], batch_players[l]).await);
        }
        let with_repeat = [&batched[0], &batched[1], &batched[0], &batched[2]];
        let applied = ratings.apply_all(caused(&with_repeat)).await.unwrap();
        let found: Vec<bool> = applied.iter().map(Option::is_some).collect();
        assert_eq!(found, [true, true, false, true], "the repeat of a match is skipped");
        let season = applied[0].as_ref().unwrap().season_id;
        assert!(
            ratings.apply_all(caused(&with_repeat)).await.unwrap().iter().all(Option::is_none),
            "a batch delivered again applies nothing"
        );

        for (w, l) in plan {
            let single = finished_duel(&store, single_players[w], single_players[l]).await;
            ratings.apply(&single).await.unwrap().unwrap();
        }
        for (batch, single) in batch_players.iter().zip(&single_players) {
            let (bm, bu, bg) = rating_of(&store, season, *batch).await;
            let (sm, su, sg) = rating_of(&store, season, *single).await;
            assert_eq!(bg, sg, "games");
            assert!((bm - sm).abs() < 1e-9 && (bu - su).abs() < 1e-9, "{bm}/{bu} against {sm}/{su}");
        }
        assert_eq!(rating_of(&store, season, batch_players[0]).await.2, 2);
        // Each participant's before is the after of the match before it in the batch.
        let second = store.match_participants(batched[1].match_id).await.unwrap();
        let first = store.match_participants(batched[0].match_id).await.unwrap();
        let a_after_first = first.iter().find(|p| p.player_id == batch_players[0]).unwrap();
        let a_in_second = second.iter().find(|p| p.player_id == batch_players[0]).unwrap();
        assert_eq!(a_in_second.rating_mean_before, a_after_first.rating_mean_after.unwrap());
    }

    async fn overlapping_batches_at_once_apply_each_result_once(backend: Backend) {
        let app = backend.spawn(&[("register_limit_per_hour", "1000")]).await;
        let store = app.state().backends().store.clone();
        let ratings = app.state().ratings();
        let mut players = Vec::new();
        for i in 0..6 {
            players.push(player(&app, &format!("overlap{i}")).await.id.parse::<Uuid>().unwrap());
        }
        let mut matches = Vec::new();
        for (w, l) in [(0, 1), (2, 3), (4, 5), (1, 2), (3, 4), (5, 0)] {
            matches.push(finished_duel(&store, players[w], players[l]).await);
        }
        // Shared matches and shared players, taken in opposite orders.
        let one = [&matches[0], &matches[1], &matches[2], &matches[3]];
        let two = [&matches[5], &matches[3], &matches[2], &matches[4]];
        let (first, second) = tokio::join!(
            ratings.apply_all(caused(&one)),
            ratings.apply_all(caused(&two)),
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        let mut applied: Vec<Uuid> = first
            .iter()
            .chain(&second)
            .flatten()
            .map(|a| a.match_id)
            .collect();
        applied.sort_unstable();
        let mut all: Vec<Uuid> = matches.iter().map(|m| m.match_id).collect();
        all.sort_unstable();
        assert_eq!(applied, all, "every match applied, and once");
        let season = first.iter().chain(&second).flatten().next().unwrap().season_id;
        for player_id in &players {
            assert_eq!(rating_of(&store, season, *player_id).await.2, 2, "each played two");
        }
    }
}
