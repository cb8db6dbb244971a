//! Changes to a party under its row lock: the lead, readiness and the ready check.
//!
//! Every change starts with [`Transaction::lock_party`], an `UPDATE` of the party's row, so on
//! PostgreSQL concurrent changes of one party queue behind each other and each later statement
//! reads what the one before committed (SQLite's `BEGIN IMMEDIATE` serializes writers anyway).
//! The conditions that matter (the caller still leads, the new leader is still a member) are in
//! the `WHERE` clauses, so a change either applies as checked or does nothing.

use uuid::Uuid;

use crate::error::StoreError;
use crate::party::{Party, PartyMember, ReadyCheckState};
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

const LOCK: &str = "UPDATE parties SET updated_at = $2 WHERE id = $1 \
     RETURNING id, leader_id, max_size, member_count, open, state, created_at, updated_at, \
     ready_check_state, ready_check_deadline";
const SELECT_MEMBERS: &str = "SELECT party_id, player_id, joined_at, ready FROM party_members \
     WHERE party_id = $1 ORDER BY joined_at, player_id";
const SET_LEADER: &str = "UPDATE parties SET leader_id = $3 \
     WHERE id = $1 AND leader_id = $2 AND state <> 'closed' \
     AND EXISTS (SELECT 1 FROM party_members WHERE party_id = $1 AND player_id = $3)";
const SET_READY: &str =
    "UPDATE party_members SET ready = $3 WHERE party_id = $1 AND player_id = $2";
const CLEAR_READY: &str = "UPDATE party_members SET ready = $2 WHERE party_id = $1";
const START_CHECK: &str = "UPDATE parties SET ready_check_state = 'pending', \
     ready_check_deadline = $2 WHERE id = $1 AND state <> 'closed'";
const FINISH_CHECK: &str = "UPDATE parties SET ready_check_state = $2 \
     WHERE id = $1 AND ready_check_state = 'pending'";
const EXPIRE_CHECK: &str = "UPDATE parties SET ready_check_state = 'expired' \
     WHERE id = $1 AND ready_check_state = 'pending' AND ready_check_deadline <= $2";
const CLEAR_CHECK: &str = "UPDATE parties SET ready_check_state = NULL, \
     ready_check_deadline = NULL WHERE id = $1 AND ready_check_state = 'passed'";
const SET_QUEUED: &str = "UPDATE parties SET state = $2 \
     WHERE id = $1 AND state IN ('active', 'queued')";
const OVERDUE_CHECKS: &str = "SELECT id FROM parties \
     WHERE ready_check_state = 'pending' AND ready_check_deadline <= $1 \
     ORDER BY ready_check_deadline, id LIMIT $2";

impl Transaction {
    /// Locks the party's row for the rest of this transaction and returns it as it now is.
    /// [`StoreError::NotFound`] when there is no such party.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_party"))]
    pub async fn lock_party(&mut self, party_id: Uuid) -> Result<Party, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Party>(LOCK)
                .bind(party_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// The members of a party as this transaction sees them, longest-standing first.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "party_members"))]
    pub async fn party_members(&mut self, party_id: Uuid) -> Result<Vec<PartyMember>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, PartyMember>(SELECT_MEMBERS)
                .bind(party_id)
                .fetch_all(&mut *conn)
                .await?)
        })
    }

    /// Hands the lead from `leader_id` to `new_leader_id`. [`StoreError::NotFound`] unless
    /// `leader_id` leads the (open) party and `new_leader_id` is a member of it.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_party_leader"))]
    pub async fn set_party_leader(
        &mut self,
        party_id: Uuid,
        leader_id: Uuid,
        new_leader_id: Uuid,
    ) -> Result<(), StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(SET_LEADER)
                .bind(party_id)
                .bind(leader_id)
                .bind(new_leader_id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets a member's readiness. [`StoreError::NotFound`] when the player is not a member.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_member_ready"))]
    pub async fn set_member_ready(
        &mut self,
        party_id: Uuid,
        player_id: Uuid,
        ready: bool,
    ) -> Result<(), StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(SET_READY)
                .bind(party_id)
                .bind(player_id)
                .bind(ready)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Starts a ready check ending at `deadline`: every member's readiness is cleared.
    /// [`StoreError::NotFound`] when the party is closed or missing.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "start_ready_check"))]
    pub async fn start_ready_check(
        &mut self,
        party_id: Uuid,
        deadline: Timestamp,
    ) -> Result<(), StoreError> {
        let changed = on_tx!(self, conn => {
            let changed = sqlx::query(START_CHECK)
                .bind(party_id)
                .bind(deadline)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query(CLEAR_READY).bind(party_id).bind(false).execute(&mut *conn).await?;
            changed
        });
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Ends the pending ready check as `state`; returns whether one was pending.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "finish_ready_check"))]
    pub async fn finish_ready_check(
        &mut self,
        party_id: Uuid,
        state: ReadyCheckState,
    ) -> Result<bool, StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(FINISH_CHECK)
                .bind(party_id)
                .bind(state)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Marks the pending ready check expired when its deadline is at or before `now`; returns
    /// whether it did.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "expire_ready_check"))]
    pub async fn expire_ready_check(
        &mut self,
        party_id: Uuid,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(EXPIRE_CHECK)
                .bind(party_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }
}

impl Transaction {
    /// Forgets a passed ready check (it admitted one queue, or the roster changed since);
    /// whether there was one.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "clear_passed_ready_check"))]
    pub async fn clear_passed_ready_check(&mut self, party_id: Uuid) -> Result<bool, StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(CLEAR_CHECK)
                .bind(party_id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Marks an open party queued (`true`) or back to active (`false`); returns whether it
    /// changed anything (a closed party stays closed).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_party_queued"))]
    pub async fn set_party_queued(
        &mut self,
        party_id: Uuid,
        queued: bool,
    ) -> Result<bool, StoreError> {
        let state = if queued { "queued" } else { "active" };
        let changed = on_tx!(self, conn => {
            sqlx::query(SET_QUEUED)
                .bind(party_id)
                .bind(state)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }
}

impl Store {
    /// Parties whose ready check is still pending at `now` though its deadline has passed,
    /// most overdue first, at most `limit`: the sweeper expires and announces them.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "overdue_ready_checks"))]
    pub async fn overdue_ready_checks(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Uuid>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Uuid>(OVERDUE_CHECKS)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
