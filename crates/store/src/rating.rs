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
    /// Glicko-2 volatility (0.06 to start); kept but unused by the other systems.
    pub volatility: f64,
    /// Rated games played.
    pub games: i32,
    /// Last change.
    pub updated_at: Timestamp,
}

/// The three numbers of a rating, as [`Transaction::upsert_rating`] stores them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatingValue {
    /// Skill estimate (mu).
    pub mean: f64,
    /// Uncertainty (sigma), positive.
    pub uncertainty: f64,
    /// Glicko-2 volatility; [`RatingValue::START_VOLATILITY`] for the other systems.
    pub volatility: f64,
}

impl RatingValue {
    /// Glickman's starting volatility, the column's default.
    pub const START_VOLATILITY: f64 = 0.06;

    /// A mean and uncertainty with the starting volatility.
    pub fn new(mean: f64, uncertainty: f64) -> Self {
        Self {
            mean,
            uncertainty,
            volatility: Self::START_VOLATILITY,
        }
    }
}

const UPSERT: &str = "INSERT INTO ratings \
     (player_id, season_id, mode, mean, uncertainty, volatility, games, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (player_id, season_id, mode) DO UPDATE SET \
     mean = excluded.mean, uncertainty = excluded.uncertainty, \
     volatility = excluded.volatility, games = excluded.games, updated_at = excluded.updated_at \
     RETURNING player_id, season_id, mode, mean, uncertainty, volatility, games, updated_at";
const SELECT_ONE: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 AND mode = $3";
const SELECT_OF_PLAYER: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 ORDER BY mode";

const SELECT_ONE_LOCKED: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 AND mode = $3 FOR UPDATE";
const SELECT_OF_SEASON: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE season_id = $1";
const ENSURE: &str = "INSERT INTO ratings (player_id, season_id, mode, mean, uncertainty, games, \
     updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) \
     ON CONFLICT (player_id, season_id, mode) DO NOTHING";
const CLAIM: &str = "UPDATE matches SET rated_at = $2 WHERE id = $1 AND rated_at IS NULL";
const SET_PARTICIPANT: &str = "UPDATE match_participants SET rating_mean_before = $3, \
     rating_uncertainty_before = $4, rating_mean_after = $5, rating_uncertainty_after = $6 \
     WHERE match_id = $1 AND player_id = $2";

impl Transaction {
    /// Claims the right to apply a match's result to ratings: true exactly once per match, for
    /// the first transaction that commits it (a second one waits on PostgreSQL's row lock, then
    /// sees it claimed).
    pub async fn claim_rating(&mut self, match_id: Uuid) -> Result<bool, StoreError> {
        let now = self.now();
        let claimed = on_tx!(self, conn => {
            sqlx::query(CLAIM)
                .bind(match_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(claimed > 0)
    }

    /// Creates the rating at `mean` and `uncertainty` with no games when it does not exist, so
    /// that [`Transaction::rating_for_update`] has a row to lock even for a new player.
    pub async fn ensure_rating(
        &mut self,
        key: &RatingKey,
        mean: f64,
        uncertainty: f64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            sqlx::query(ENSURE)
                .bind(key.player_id)
                .bind(key.season_id)
                .bind(&key.mode)
                .bind(mean)
                .bind(uncertainty)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// The rating, locked for the rest of the transaction (PostgreSQL; SQLite's single writer
    /// serializes anyway), so two results for one player apply one after the other.
    pub async fn rating_for_update(
        &mut self,
        key: &RatingKey,
    ) -> Result<Option<Rating>, StoreError> {
        match &mut self.inner {
            crate::transaction::Inner::Sqlite(tx) => Ok(sqlx::query_as::<_, Rating>(SELECT_ONE)
                .bind(key.player_id)
                .bind(key.season_id)
                .bind(&key.mode)
                .fetch_optional(&mut **tx)
                .await?),
            crate::transaction::Inner::Postgres(tx) => {
                Ok(sqlx::query_as::<_, Rating>(SELECT_ONE_LOCKED)
                    .bind(key.player_id)
                    .bind(key.season_id)
                    .bind(&key.mode)
                    .fetch_optional(&mut **tx)
                    .await?)
            }
        }
    }

    /// Records a participant's rating before and after the match.
    pub async fn set_participant_ratings(
        &mut self,
        match_id: Uuid,
        player_id: Uuid,
        before: (f64, f64),
        after: (f64, f64),
    ) -> Result<(), StoreError> {
        on_tx!(self, conn => {
            sqlx::query(SET_PARTICIPANT)
                .bind(match_id)
                .bind(player_id)
                .bind(before.0)
                .bind(before.1)
                .bind(after.0)
                .bind(after.1)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Sets a rating, creating it when missing. [`StoreError::Invalid`] when the mean is not
    /// finite, the uncertainty not positive, or the volatility not in (0, 10].
    pub async fn upsert_rating(
        &mut self,
        key: &RatingKey,
        value: RatingValue,
        games: i32,
    ) -> Result<Rating, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Rating>(UPSERT)
                .bind(key.player_id)
                .bind(key.season_id)
                .bind(&key.mode)
                .bind(value.mean)
                .bind(value.uncertainty)
                .bind(value.volatility)
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
        value: RatingValue,
        games: i32,
    ) -> Result<Rating, StoreError> {
        in_transaction!(self, tx => tx.upsert_rating(key, value, games))
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

    /// Every rating of a season (all modes): what a leaderboard is rebuilt from.
    pub async fn season_ratings(&self, season_id: Uuid) -> Result<Vec<Rating>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Rating>(SELECT_OF_SEASON)
                .bind(season_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
