//! Seasons: at most one active at a time (`seasons_one_active_key`, a partial unique index).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Whether a season is running.
    SeasonState {
        /// The current season.
        Active = "active",
        /// A past season; its standings stay readable.
        Ended = "ended",
    }
}

/// A stored season.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Season {
    /// The season's id.
    pub id: Uuid,
    /// Its unique name.
    pub name: String,
    /// Whether it is running.
    pub state: SeasonState,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}

const INSERT_SEASON: &str = "INSERT INTO seasons (id, name, state, started_at) \
     VALUES ($1, $2, 'active', $3) RETURNING id, name, state, started_at, ended_at";
const END_ACTIVE: &str = "UPDATE seasons SET state = 'ended', ended_at = $1 \
     WHERE state = 'active' RETURNING id, name, state, started_at, ended_at";
const SELECT_ACTIVE: &str =
    "SELECT id, name, state, started_at, ended_at FROM seasons WHERE state = 'active'";
const SELECT_BY_NAME: &str =
    "SELECT id, name, state, started_at, ended_at FROM seasons WHERE name = $1";
const SELECT_BY_ID: &str =
    "SELECT id, name, state, started_at, ended_at FROM seasons WHERE id = $1";

impl Transaction {
    /// Starts a season named `name` with id `id`. [`StoreError::Conflict`] on
    /// `seasons_one_active_key` while another season is active (end it first, in the same
    /// transaction to roll over), or on `seasons_name_key` when the name is taken.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "start_season"))]
    pub async fn start_season(&mut self, id: Uuid, name: &str) -> Result<Season, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Season>(INSERT_SEASON)
                .bind(id)
                .bind(name)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Ends the active season, returning it; `None` when no season is active.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "end_season"))]
    pub async fn end_season(&mut self) -> Result<Option<Season>, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Season>(END_ACTIVE)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// The active season, if any, as this transaction sees it.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "active_season"))]
    pub async fn active_season(&mut self) -> Result<Option<Season>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Season>(SELECT_ACTIVE).fetch_optional(&mut *conn).await?)
        })
    }
}

impl Store {
    /// [`Transaction::start_season`] in a transaction of its own.
    pub async fn start_season(&self, id: Uuid, name: &str) -> Result<Season, StoreError> {
        in_transaction!(self, tx => tx.start_season(id, name))
    }

    /// [`Transaction::end_season`] in a transaction of its own.
    pub async fn end_season(&self) -> Result<Option<Season>, StoreError> {
        in_transaction!(self, tx => tx.end_season())
    }

    /// The active season, if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "active_season"))]
    pub async fn active_season(&self) -> Result<Option<Season>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Season>(SELECT_ACTIVE).fetch_optional(pool).await?)
        })
    }

    /// The season with this name, if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "season_by_name"))]
    pub async fn season_by_name(&self, name: &str) -> Result<Option<Season>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Season>(SELECT_BY_NAME)
                .bind(name)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The season with this id, if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "season_by_id"))]
    pub async fn season_by_id(&self, id: Uuid) -> Result<Option<Season>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Season>(SELECT_BY_ID)
                .bind(id)
                .fetch_optional(pool)
                .await?)
        })
    }
}
