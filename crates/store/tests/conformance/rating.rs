//! Ratings.

use rally_store::{
    MatchState, NewEvent, ParticipantRating, RatingKey, RatingValue, RatingWrite, Store, new_id,
};

use crate::fixture::{invalid, new_match, participant, player};
use crate::harness::conformance;

conformance! {
    async fn a_rating_is_created_then_updated_in_place(store: &Store) {
        let p = player(store, "rated").await;
        let season = store.start_season(new_id(), "S").await.unwrap();
        let key = RatingKey { player_id: p.id, season_id: season.id, mode: "squad".to_owned() };
        assert!(store.rating(&key).await.unwrap().is_none());
        let first = store.upsert_rating(&key, RatingValue::new(25.0, 8.333), 0).await.unwrap();
        assert_eq!((first.mean, first.uncertainty, first.games), (25.0, 8.333, 0));
        assert_eq!(first.volatility, RatingValue::START_VOLATILITY);
        let value = RatingValue { mean: 27.5, uncertainty: 7.9, volatility: 0.0599 };
        let second = store.upsert_rating(&key, value, 1).await.unwrap();
        assert_eq!(second.volatility, 0.0599);
        assert_eq!(store.rating(&key).await.unwrap(), Some(second.clone()));
        assert_eq!(store.player_ratings(p.id, season.id).await.unwrap(), vec![second]);
    }

    async fn ratings_must_be_finite_with_a_positive_uncertainty(store: &Store) {
        let p = player(store, "unrated").await;
        let season = store.start_season(new_id(), "S").await.unwrap();
        let key = RatingKey { player_id: p.id, season_id: season.id, mode: "duel".to_owned() };
        assert_eq!(invalid(store.upsert_rating(&key, RatingValue::new(25.0, 0.0), 0).await), "ratings_uncertainty_positive");
        assert_eq!(invalid(store.upsert_rating(&key, RatingValue::new(f64::INFINITY, 1.0), 0).await), "ratings_mean_finite");
        assert_eq!(invalid(store.upsert_rating(&key, RatingValue::new(25.0, 1.0), -1).await), "ratings_games");
        let still = RatingValue { mean: 25.0, uncertainty: 1.0, volatility: 0.0 };
        assert_eq!(invalid(store.upsert_rating(&key, still, 0).await), "ratings_volatility");
        // NaN is refused too (SQLite stores it as NULL, which NOT NULL refuses).
        assert!(store.upsert_rating(&key, RatingValue::new(f64::NAN, 1.0), 0).await.is_err());
        assert!(store.rating(&key).await.unwrap().is_none());
    }
}

/// A stored, completed duel between `a` and `b`.
async fn duel(store: &Store, a: uuid::Uuid, b: uuid::Uuid) -> uuid::Uuid {
    let mut new = new_match(store.now(), vec![participant(a, 0), participant(b, 1)]);
    new.state = MatchState::Completed;
    new.ended_at = Some(store.now());
    store.create_match(&new).await.unwrap().id
}

conformance! {
    async fn a_batch_claims_each_match_once_and_locks_writes_and_records_every_rating(store: &Store) {
        let (a, b, c) = (player(store, "batch_a").await, player(store, "batch_b").await, player(store, "batch_c").await);
        let season = store.start_season(new_id(), "S").await.unwrap();
        let first = duel(store, a.id, b.id).await;
        let second = duel(store, b.id, c.id).await;
        let key = |player_id| RatingKey { player_id, season_id: season.id, mode: "duel".to_owned() };
        store.upsert_rating(&key(a.id), RatingValue::new(30.0, 5.0), 4).await.unwrap();

        let participants = store.participants_of(&[second, first]).await.unwrap();
        assert_eq!(participants.len(), 4);
        assert_eq!(participants.iter().filter(|p| p.match_id == first).count(), 2);

        let mut tx = store.begin().await.unwrap();
        let mut expected = vec![first, second];
        expected.sort_unstable();
        assert_eq!(tx.claim_ratings(&[second, first, second]).await.unwrap(), expected);
        let start = RatingValue::new(25.0, 8.0);
        let keys = [(key(b.id), start), (key(a.id), start), (key(c.id), start), (key(b.id), start)];
        let locked = tx.lock_ratings(&keys).await.unwrap();
        assert_eq!(locked.len(), 3, "one row per distinct key");
        let of = |id| locked.iter().find(|r| r.player_id == id).unwrap();
        assert_eq!((of(a.id).mean, of(a.id).games), (30.0, 4), "an existing rating is read as it is");
        assert_eq!((of(c.id).mean, of(c.id).uncertainty, of(c.id).games), (25.0, 8.0, 0), "a missing one starts");
        let value = RatingValue { mean: 31.0, uncertainty: 4.5, volatility: 0.05 };
        tx.write_ratings(&[RatingWrite { key: key(a.id), value, games: 5 }]).await.unwrap();
        tx.record_participant_ratings(&[ParticipantRating {
            match_id: first,
            player_id: a.id,
            before: (30.0, 5.0),
            after: (31.0, 4.5),
            volatility: Some((0.06, 0.05)),
        }])
        .await
        .unwrap();
        let event = |n: u8| NewEvent { id: new_id(), topic: "rating.updated".to_owned(), key: format!("k{n}"), payload: serde_json::json!({"n": n}).to_string() };
        tx.enqueue_all(&[event(1), event(2)]).await.unwrap();
        tx.commit().await.unwrap();

        let stored = store.rating(&key(a.id)).await.unwrap().unwrap();
        assert_eq!((stored.mean, stored.uncertainty, stored.volatility, stored.games), (31.0, 4.5, 0.05, 5));
        assert_eq!(store.rating(&key(c.id)).await.unwrap().unwrap().games, 0);
        let rows = store.match_participants(first).await.unwrap();
        let row = rows.iter().find(|p| p.player_id == a.id).unwrap();
        assert_eq!((row.rating_mean_before, row.rating_mean_after), (30.0, Some(31.0)));
        assert_eq!((row.rating_volatility_before, row.rating_volatility_after), (Some(0.06), Some(0.05)));
        let queued = store.next_unpublished(10).await.unwrap();
        let keys: Vec<&str> = queued.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["k1", "k2"], "enqueued together, in order");

        let mut again = store.begin().await.unwrap();
        assert!(again.claim_ratings(&[first, second]).await.unwrap().is_empty(), "claimed once");
        again.rollback().await.unwrap();
    }

    async fn a_batch_write_that_breaks_a_rule_is_refused(store: &Store) {
        let p = player(store, "refused").await;
        let season = store.start_season(new_id(), "S").await.unwrap();
        let key = RatingKey { player_id: p.id, season_id: season.id, mode: "duel".to_owned() };
        let mut tx = store.begin().await.unwrap();
        tx.lock_ratings(&[(key.clone(), RatingValue::new(25.0, 8.0))]).await.unwrap();
        let bad = RatingValue::new(25.0, 0.0);
        assert_eq!(invalid(tx.write_ratings(&[RatingWrite { key, value: bad, games: 1 }]).await), "ratings_uncertainty_positive");
    }

    async fn a_batch_writes_only_the_ratings_it_locked(store: &Store) {
        let (a, b) = (player(store, "locked").await, player(store, "unlocked").await);
        let season = store.start_season(new_id(), "S").await.unwrap();
        let key = |player_id| RatingKey { player_id, season_id: season.id, mode: "duel".to_owned() };
        let start = RatingValue::new(25.0, 8.0);
        let mut other = store.begin().await.unwrap();
        other.lock_ratings(&[(key(b.id), start)]).await.unwrap();
        other.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.lock_ratings(&[(key(a.id), start)]).await.unwrap();
        let value = RatingValue::new(27.0, 7.0);
        let both = [RatingWrite { key: key(a.id), value, games: 1 }, RatingWrite { key: key(b.id), value, games: 1 }];
        assert_eq!(invalid(tx.write_ratings(&both).await), "ratings_locked", "b's rating was locked by another transaction");
        tx.rollback().await.unwrap();
        let b_rating = store.rating(&key(b.id)).await.unwrap().unwrap();
        assert_eq!((b_rating.mean, b_rating.games), (25.0, 0), "nothing written");

        let mut tx = store.begin().await.unwrap();
        tx.lock_ratings(&[(key(a.id), start)]).await.unwrap();
        tx.write_ratings(&both[..1]).await.unwrap();
        let again = [RatingWrite { key: key(a.id), value: RatingValue::new(29.0, 6.0), games: 2 }];
        assert_eq!(invalid(tx.write_ratings(&again).await), "ratings_locked", "written since its lock");
        let relocked = tx.lock_ratings(&[(key(a.id), start)]).await.unwrap();
        assert_eq!(relocked[0].mean, 27.0, "the transaction reads its own write");
        tx.write_ratings(&again).await.unwrap();
        tx.commit().await.unwrap();
        let a_rating = store.rating(&key(a.id)).await.unwrap().unwrap();
        assert_eq!((a_rating.mean, a_rating.games), (29.0, 2));
    }
}
