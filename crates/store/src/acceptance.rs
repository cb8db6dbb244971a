//! The accept step: a found match of a queue with an accept timeout waits for every player to
//! accept before its server is allocated. One `match_acceptances` row per such match (its
//! deadline and how it was settled) and each player's `accepted_at` on their participant row.
//!
//! Every change goes under the match's row lock ([`Transaction::lock_match`]), so an accept, a
//! decline and the deadline's expiry of one match queue instead of racing: the first to settle
//! the row decides, and the others find it settled.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};

text_enum! {
    /// How a match's accept step stands.
    AcceptanceState {
        /// Waiting for players to accept, until the deadline.
        Pending = "pending",
        /// Every player accepted: the match goes on to allocation.
        Accepted = "accepted",
        /// A player declined: the match was cancelled.
        Declined = "declined",
        /// The deadline passed before every player accepted: the match was cancelled.
        Expired = "expired",
    }
}

/// A match's accept step.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Acceptance {
    /// The match.
    pub match_id: Uuid,
    /// When the players' time to accept ends.
    pub deadline: Timestamp,
    /// How it stands.
    pub state: AcceptanceState,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// One player's answer so far.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PlayerAcceptance {
    /// The player.
    pub player_id: Uuid,
    /// When they accepted; `None` while they have not.
    pub accepted_at: Option<Timestamp>,
}

const INSERT: &str = "INSERT INTO match_acceptances (match_id, deadline, state, updated_at) \
     VALUES ($1, $2, 'pending', $3)";
const INSERT_ALL: &str = "INSERT INTO match_acceptances (match_id, deadline, state, updated_at) \
     SELECT a.match_id, a.deadline, 'pending', $3 \
     FROM UNNEST($1::uuid[], $2::timestamptz[]) AS a(match_id, deadline)";
const SELECT: &str =
    "SELECT match_id, deadline, state, updated_at FROM match_acceptances WHERE match_id = $1";
const ACCEPT: &str = "UPDATE match_participants SET accepted_at = $3 \
     WHERE match_id = $1 AND player_id = $2 AND accepted_at IS NULL";
const PLAYERS: &str = "SELECT player_id, accepted_at FROM match_participants \
     WHERE match_id = $1 ORDER BY player_id";
const SETTLE: &str = "UPDATE match_acceptances SET state = $2, updated_at = $3 \
     WHERE match_id = $1 AND state = 'pending'";
const LAPSED: &str = "SELECT match_id FROM match_acceptances \
     WHERE state = 'pending' AND deadline <= $1 ORDER BY deadline, match_id LIMIT $2";

impl Transaction {
    /// Opens the accept step of each (match, deadline) of `opened`, pending; in the transaction
    /// that creates the matches. One statement on PostgreSQL.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "open_acceptances"))]
    pub async fn open_acceptances(
        &mut self,
        opened: &[(Uuid, Timestamp)],
    ) -> Result<(), StoreError> {
        if opened.is_empty() {
            return Ok(());
        }
        let now = self.now();
        match &mut self.inner {
            Inner::Postgres(tx) => {
                let ids: Vec<Uuid> = opened.iter().map(|(id, _)| *id).collect();
                let deadlines: Vec<time::OffsetDateTime> = opened
                    .iter()
                    .map(|(_, at)| at.to_offset_date_time())
                    .collect();
                sqlx::query(INSERT_ALL)
                    .bind(&ids)
                    .bind(&deadlines)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            Inner::Sqlite(tx) => {
                for (id, deadline) in opened {
                    sqlx::query(INSERT)
                        .bind(id)
                        .bind(deadline)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The match's accept step, `None` when its queue asks for none. Read under the match's
    /// lock, it stays as read until this transaction ends.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "acceptance"))]
    pub async fn acceptance(&mut self, match_id: Uuid) -> Result<Option<Acceptance>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Acceptance>(SELECT)
                .bind(match_id)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Records that `player_id` accepted the match; false when they had already (or are not
    /// one of its players).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "accept_match"))]
    pub async fn accept_match(
        &mut self,
        match_id: Uuid,
        player_id: Uuid,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(ACCEPT)
                .bind(match_id)
                .bind(player_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Every player of the match with their answer so far, by player id.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "player_acceptances"))]
    pub async fn player_acceptances(
        &mut self,
        match_id: Uuid,
    ) -> Result<Vec<PlayerAcceptance>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, PlayerAcceptance>(PLAYERS)
                .bind(match_id)
                .fetch_all(&mut *conn)
                .await?)
        })
    }

    /// Settles a pending accept step as `to`; false when it was settled already (or the match
    /// has none).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "settle_acceptance"))]
    pub async fn settle_acceptance(
        &mut self,
        match_id: Uuid,
        to: AcceptanceState,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(SETTLE)
                .bind(match_id)
                .bind(to.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }
}

impl Store {
    /// The match's accept step, `None` when its queue asks for none.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "acceptance"))]
    pub async fn acceptance(&self, match_id: Uuid) -> Result<Option<Acceptance>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Acceptance>(SELECT)
                .bind(match_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Every player of the match with their answer so far, by player id.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "player_acceptances"))]
    pub async fn player_acceptances(
        &self,
        match_id: Uuid,
    ) -> Result<Vec<PlayerAcceptance>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, PlayerAcceptance>(PLAYERS)
                .bind(match_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Up to `limit` matches whose accept step is pending with its deadline at or before
    /// `now`, earliest deadline first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "lapsed_acceptances"))]
    pub async fn lapsed_acceptances(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Uuid>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Uuid>(LAPSED)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
