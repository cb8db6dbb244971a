//! Backfill requests: a running match asks for players for one team. Opened by a game server,
//! filled (or withdrawn) once; the matchmaker that owns the queue follows them by change time.

use uuid::Uuid;

use crate::error::StoreError;
use crate::matches::{INSERT_PARTICIPANT, NewParticipant};
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Where a backfill request is.
    BackfillState {
        /// Waiting for players.
        Open = "open",
        /// Players were found.
        Filled = "filled",
        /// The game server withdrew it.
        Withdrawn = "withdrawn",
    }
}

/// A request to open.
#[derive(Clone, Debug, PartialEq)]
pub struct NewBackfill {
    /// Its id.
    pub id: Uuid,
    /// The running match.
    pub match_id: Uuid,
    /// The match's queue.
    pub mode: String,
    /// The match's region.
    pub region: String,
    /// The team that needs players.
    pub team: i32,
    /// How many.
    pub slots: i32,
    /// The players they replace.
    pub replacing: serde_json::Value,
    /// The roles needed (queue role names), one per slot, for queues with roles.
    pub roles: serde_json::Value,
}

/// A stored request.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Backfill {
    /// Its id.
    pub id: Uuid,
    /// The running match.
    pub match_id: Uuid,
    /// The match's queue.
    pub mode: String,
    /// The match's region.
    pub region: String,
    /// The team that needs players.
    pub team: i32,
    /// How many.
    pub slots: i32,
    /// The players they replace.
    pub replacing: serde_json::Value,
    /// The roles needed.
    pub roles: serde_json::Value,
    /// Where it is.
    pub state: BackfillState,
    /// Opened.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

const COLUMNS: &str =
    "id, match_id, mode, region, team, slots, replacing, roles, state, created_at, updated_at";
const INSERT: &str = "INSERT INTO backfill_requests \
     (id, match_id, mode, region, team, slots, replacing, roles, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9) \
     RETURNING id, match_id, mode, region, team, slots, replacing, roles, state, created_at, updated_at";
const SET_STATE: &str = "UPDATE backfill_requests SET state = $3, updated_at = $4 \
     WHERE id = $1 AND state = $2";
const WITHDRAW: &str = "UPDATE backfill_requests SET state = 'withdrawn', updated_at = $2 \
     WHERE match_id = $1 AND state = 'open'";

impl Transaction {
    /// Opens a request. [`StoreError::Conflict`] on `backfill_requests_open_key` when the team
    /// already has an open one.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "open_backfill"))]
    pub async fn open_backfill(&mut self, new: &NewBackfill) -> Result<Backfill, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Backfill>(INSERT)
                .bind(new.id)
                .bind(new.match_id)
                .bind(&new.mode)
                .bind(&new.region)
                .bind(new.team)
                .bind(new.slots)
                .bind(&new.replacing)
                .bind(&new.roles)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Marks an open request filled; false when it was no longer open.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "fill_backfill"))]
    pub async fn fill_backfill(&mut self, id: Uuid) -> Result<bool, StoreError> {
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(SET_STATE)
                .bind(id)
                .bind(BackfillState::Open.as_str())
                .bind(BackfillState::Filled.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Adds players to a running match (backfill), as of `played_at`.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "add_participants"))]
    pub async fn add_participants(
        &mut self,
        match_id: Uuid,
        played_at: Timestamp,
        participants: &[NewParticipant],
    ) -> Result<(), StoreError> {
        for p in participants {
            on_tx!(self, conn => {
                sqlx::query(INSERT_PARTICIPANT)
                    .bind(match_id)
                    .bind(p.player_id)
                    .bind(p.team)
                    .bind(p.party_id)
                    .bind(played_at)
                    .bind(p.rating_mean_before)
                    .bind(p.rating_uncertainty_before)
                    .bind(p.rating_mean_after)
                    .bind(p.rating_uncertainty_after)
                    .bind(p.outcome.map(|o| o.as_str()))
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }
}

impl Store {
    /// [`Transaction::open_backfill`] in a transaction of its own.
    pub async fn open_backfill(&self, new: &NewBackfill) -> Result<Backfill, StoreError> {
        in_transaction!(self, tx => tx.open_backfill(new))
    }

    /// Withdraws the match's open requests; how many.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "withdraw_backfills"))]
    pub async fn withdraw_backfills(&self, match_id: Uuid) -> Result<u64, StoreError> {
        let now = self.now();
        on_pool!(self, pool => {
            Ok(sqlx::query(WITHDRAW)
                .bind(match_id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected())
        })
    }

    /// A queue's requests changed at or after `since`, in order of change.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "backfills_changed_since"))]
    pub async fn backfills_changed_since(
        &self,
        mode: &str,
        since: Timestamp,
    ) -> Result<Vec<Backfill>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM backfill_requests WHERE mode = $1 AND updated_at >= $2 \
             ORDER BY updated_at, id"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Backfill>(sqlx::AssertSqlSafe(sql))
                .bind(mode)
                .bind(since)
                .fetch_all(pool)
                .await?)
        })
    }

    /// A queue's open requests, oldest first (a matchmaker taking the queue over).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "open_backfills"))]
    pub async fn open_backfills(&self, mode: &str) -> Result<Vec<Backfill>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM backfill_requests WHERE mode = $1 AND state = 'open' \
             ORDER BY created_at, id"
        );
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Backfill>(sqlx::AssertSqlSafe(sql))
                .bind(mode)
                .fetch_all(pool)
                .await?)
        })
    }
}
