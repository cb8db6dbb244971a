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
pub(crate) const SELECT_ONE: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 AND mode = $3";
const SELECT_OF_PLAYER: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE player_id = $1 AND season_id = $2 ORDER BY mode";

const SELECT_OF_SEASON: &str = "SELECT player_id, season_id, mode, mean, uncertainty, volatility, \
     games, updated_at FROM ratings WHERE season_id = $1";

impl Transaction {
    /// Sets a rating, creating it when missing. [`StoreError::Invalid`] when the mean is not
    /// finite, the uncertainty not positive, or the volatility not in (0, 10].
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "upsert_rating"))]
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
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "rating"))]
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
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "player_ratings"))]
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
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "season_ratings"))]
    pub async fn season_ratings(&self, season_id: Uuid) -> Result<Vec<Rating>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Rating>(SELECT_OF_SEASON)
                .bind(season_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
