//! Ratings.

use rally_store::{RatingKey, RatingValue, new_id};

use crate::fixture::{invalid, player};
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
