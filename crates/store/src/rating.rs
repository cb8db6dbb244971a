//! Ratings: one per player, season and mode (`ratings_pkey`), with a finite mean and a positive
//! uncertainty (`ratings_mean_finite`, `ratings_uncertainty_positive`).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

/// Which rating: a player's, in a season, for a mode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RatingKey {
    /// The player.
    pub player_id: Uuid,
    /// The season.
    pub season_id: Uuid,
    /// The queue's mode.
    pub mode: String,
}

/// A stored rating.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Rating {
    /// The player.
    pub player_id: Uuid,
    /// The season.
    pub season_id: Uuid,
    /// The queue's mode.
    pub mode: String,
    /// Skill estimate (mu).
    pub mean: f64,
    /// Uncertainty of the estimate (sigma), positive.
    pub uncertainty: f64,
    /// Rated games played.
    pub games: i32,
    /// Last change.
    pub updated_at: Timestamp,
}

const UPSERT: &str = "INSERT INTO ratings \
     (player_id, season_id, mode, mean, uncertainty, games, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (player_id, season_id, mode) DO UPDATE SET \
     mean = excluded.mean, uncertainty = excluded.uncertainty, games = excluded.games, \
     updated_at = excluded.updated_at \
     RETURNING player_id, season_id, mode, mean, uncertainty, games, updated_at";
const SELECT_ONE: &str = "SELECT player_id, season_id, mode, mean, uncertainty, games, \
     updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 AND mode = $3";
const SELECT_OF_PLAYER: &str = "SELECT player_id, season_id, mode, mean, uncertainty, games, \
     updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 ORDER BY mode";

impl Transaction {
    /// Sets a rating, creating it when missing. [`StoreError::Invalid`] when the mean is not
    /// finite or the uncertainty is not positive.
    pub async fn upsert_rating(
        &mut self,
        key: &RatingKey,
        mean: f64,
        uncertainty: f64,
        games: i32,
    ) -> Result<Rating, StoreError> {
        let now = Timestamp::now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Rating>(UPSERT)
                .bind(key.player_id)
                .bind(key.season_id)
                .bind(&key.mode)
                .bind(mean)
                .bind(uncertainty)
                .bind(games)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

impl Store {
    /// [`Transaction::upsert_rating`] in a transaction of its own.
    pub async fn upsert_rating(
        &self,
        key: &RatingKey,
        mean: f64,
        uncertainty: f64,
        games: i32,
    ) -> Result<Rating, StoreError> {
        in_transaction!(self, tx => tx.upsert_rating(key, mean, uncertainty, games))
    }

    /// One rating, if the player has one.
    pub async fn rating(&self, key: &RatingKey) -> Result<Option<Rating>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Rating>(SELECT_ONE)
                .bind(key.player_id)
                .bind(key.season_id)
                .bind(&key.mode)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// A player's ratings in a season, by mode.
    pub async fn player_ratings(
        &self,
        player_id: Uuid,
        season_id: Uuid,
    ) -> Result<Vec<Rating>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Rating>(SELECT_OF_PLAYER)
                .bind(player_id)
                .bind(season_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
