//! Game sessions: one per match, an explicit state machine (allocating -> ready -> active ->
//! ended, or ended straight from allocating or ready) whose every transition is stored with its
//! time. The `session_transitions_legal` CHECK admits only the legal edges, and each transition
//! is a conditional update from the expected state, so an illegal or repeated one changes
//! nothing.
//!
//! A transaction that changes both a match and its session locks the match's row first
//! ([`Transaction::lock_match`], or the match's own update), then the session's: two such
//! transactions on one match queue instead of deadlocking.

use uuid::Uuid;

use crate::error::StoreError;
use crate::matches::{MatchState, ParticipantOutcome};
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};

text_enum! {
    /// Where a game session is.
    SessionState {
        /// Waiting for a game server.
        Allocating = "allocating",
        /// A server is ready; players may connect.
        Ready = "ready",
        /// The server reported it running (first heartbeat).
        Active = "active",
        /// Over (see [`EndReason`]).
        Ended = "ended",
    }
}

text_enum! {
    /// How a session ended.
    EndReason {
        /// The server reported a result.
        Completed = "completed",
        /// The server stopped heartbeating.
        Abandoned = "abandoned",
        /// No server could be allocated.
        Failed = "failed",
    }
}

/// A stored session.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GameSession {
    /// The match it plays.
    pub match_id: Uuid,
    /// Where it is.
    pub state: SessionState,
    /// How it ended, once ended.
    pub end_reason: Option<EndReason>,
    /// The game server's address, once allocated.
    pub endpoint: Option<String>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// Its last transition.
    pub updated_at: Timestamp,
}

/// One stored transition.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SessionTransition {
    /// From (none for the first).
    pub from_state: Option<SessionState>,
    /// To.
    pub to_state: SessionState,
    /// With an end, how.
    pub end_reason: Option<EndReason>,
    /// When.
    pub at: Timestamp,
}

const COLUMNS: &str = "match_id, state, end_reason, endpoint, created_at, updated_at";
const INSERT_SESSION: &str = "INSERT INTO game_sessions \
     (match_id, state, created_at, updated_at) VALUES ($1, 'allocating', $2, $2) \
     ON CONFLICT (match_id) DO NOTHING";
const INSERT_TRANSITION: &str = "INSERT INTO session_transitions \
     (id, match_id, from_state, to_state, end_reason, at) VALUES ($1, $2, $3, $4, $5, $6)";
const TRANSITION: &str = "UPDATE game_sessions SET state = $3, end_reason = $4, \
     endpoint = COALESCE($5, endpoint), updated_at = $6 WHERE match_id = $1 AND state = $2 \
     RETURNING match_id, state, end_reason, endpoint, created_at, updated_at";
/// [`TRANSITION`] and its record in one statement (PostgreSQL).
const TRANSITION_RECORDED: &str = "WITH moved AS (UPDATE game_sessions SET state = $3, \
     end_reason = $4, endpoint = COALESCE($5, endpoint), updated_at = $6 \
     WHERE match_id = $1 AND state = $2 \
     RETURNING match_id, state, end_reason, endpoint, created_at, updated_at), \
     recorded AS (INSERT INTO session_transitions (id, match_id, from_state, to_state, \
     end_reason, at) SELECT $7, match_id, $2, $3, $4, $6 FROM moved) \
     SELECT match_id, state, end_reason, endpoint, created_at, updated_at FROM moved";
const SET_MATCH_STATE: &str = "UPDATE matches SET state = $3, \
     ended_at = CASE WHEN $3 IN ('completed', 'cancelled', 'failed') THEN $4 ELSE ended_at END \
     WHERE id = $1 AND state = $2";
const END_MATCH: &str = "UPDATE matches SET state = $2, ended_at = $3 \
     WHERE id = $1 AND state IN ('created', 'active')";
const LOCK_MATCH_SQLITE: &str = "SELECT id FROM matches WHERE id = $1";
const LOCK_MATCH_POSTGRES: &str = "SELECT id FROM matches WHERE id = $1 FOR UPDATE";
const STORE_RESULT: &str = "UPDATE matches SET result = $2 WHERE id = $1 AND result IS NULL";
const SET_OUTCOME: &str = "UPDATE match_participants SET outcome = $3, placement = $4 \
     WHERE match_id = $1 AND player_id = $2";
const SET_OUTCOMES: &str = "UPDATE match_participants p \
     SET outcome = o.outcome, placement = o.placement \
     FROM UNNEST($2::uuid[], $3::text[], $4::int4[]) AS o(player_id, outcome, placement) \
     WHERE p.match_id = $1 AND p.player_id = o.player_id";
const SELECT_LIVE: &str = "SELECT match_id, state, end_reason, endpoint, created_at, updated_at \
     FROM game_sessions WHERE state IN ('ready', 'active') AND match_id > $1 \
     ORDER BY match_id LIMIT $2";
const SELECT_LOAD: &str = "SELECT endpoint, count(*) FROM game_sessions \
     WHERE state <> 'ended' AND endpoint IS NOT NULL GROUP BY endpoint";
const SELECT_TRANSITIONS: &str = "SELECT from_state, to_state, end_reason, at \
     FROM session_transitions WHERE match_id = $1 ORDER BY at, id";

impl Transaction {
    /// Opens the match's session in `allocating` (stored with its first transition); when it
    /// exists already (a redelivered `match.created`), returns it unchanged.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "open_session"))]
    pub async fn open_session(&mut self, match_id: Uuid) -> Result<GameSession, StoreError> {
        let now = self.now();
        let created = on_tx!(self, conn => {
            sqlx::query(INSERT_SESSION)
                .bind(match_id)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if created > 0 {
            self.record_transition(match_id, None, SessionState::Allocating, None, now)
                .await?;
        }
        let select = format!("SELECT {COLUMNS} FROM game_sessions WHERE match_id = $1");
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, GameSession>(sqlx::AssertSqlSafe(select))
                .bind(match_id)
                .fetch_one(&mut *conn)
                .await?)
        })
    }

    /// Moves the session from `from` to `to` (with how it ended, or the endpoint it got), and
    /// stores the transition. [`StoreError::NotFound`] when it is not in `from`;
    /// [`StoreError::Invalid`] on `session_transitions_legal` for an edge the machine lacks.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "transition_session"))]
    pub async fn transition_session(
        &mut self,
        match_id: Uuid,
        from: SessionState,
        to: SessionState,
        end_reason: Option<EndReason>,
        endpoint: Option<&str>,
    ) -> Result<GameSession, StoreError> {
        let now = self.now();
        // PostgreSQL moves and records in one statement; on SQLite the move comes first, so a
        // session not in `from` records nothing.
        let recorded = match self.inner {
            Inner::Postgres(_) => Some(crate::new_id()),
            Inner::Sqlite(_) => None,
        };
        let statement = if recorded.is_some() {
            TRANSITION_RECORDED
        } else {
            TRANSITION
        };
        let moved = on_tx!(self, conn => {
            let query = sqlx::query_as::<_, GameSession>(statement)
                .bind(match_id)
                .bind(from.as_str())
                .bind(to.as_str())
                .bind(end_reason.map(EndReason::as_str))
                .bind(endpoint)
                .bind(now);
            match recorded {
                Some(id) => query.bind(id),
                None => query,
            }
            .fetch_one(&mut *conn)
            .await?
        });
        if recorded.is_none() {
            self.record_transition(match_id, Some(from), to, end_reason, now)
                .await?;
        }
        Ok(moved)
    }

    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "record_transition"))]
    async fn record_transition(
        &mut self,
        match_id: Uuid,
        from: Option<SessionState>,
        to: SessionState,
        end_reason: Option<EndReason>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, conn => {
            sqlx::query(INSERT_TRANSITION)
                .bind(crate::new_id())
                .bind(match_id)
                .bind(from.map(SessionState::as_str))
                .bind(to.as_str())
                .bind(end_reason.map(EndReason::as_str))
                .bind(at)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Moves the match from `from` to `to` (setting its end time for an end); whether it did.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_match_state"))]
    pub async fn set_match_state(
        &mut self,
        match_id: Uuid,
        from: MatchState,
        to: MatchState,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(SET_MATCH_STATE)
                .bind(match_id)
                .bind(from.as_str())
                .bind(to.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Locks the match's row for the rest of this transaction, before its session's (see the
    /// module's note on order); whether the match exists. On SQLite the transaction holds the
    /// only write lock already.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_match"))]
    pub async fn lock_match(&mut self, match_id: Uuid) -> Result<bool, StoreError> {
        let found = match &mut self.inner {
            Inner::Sqlite(tx) => sqlx::query(LOCK_MATCH_SQLITE)
                .bind(match_id)
                .fetch_optional(&mut **tx)
                .await?
                .is_some(),
            Inner::Postgres(tx) => sqlx::query(LOCK_MATCH_POSTGRES)
                .bind(match_id)
                .fetch_optional(&mut **tx)
                .await?
                .is_some(),
        };
        Ok(found)
    }

    /// Stores the match's result unless one is stored already; whether it did.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "store_match_result"))]
    pub async fn store_match_result(
        &mut self,
        match_id: Uuid,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let changed = on_tx!(self, conn => {
            sqlx::query(STORE_RESULT)
                .bind(match_id)
                .bind(result)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Ends a match still created or active with the end state `to` (`completed`,
    /// `cancelled`, `failed`) at the transaction's time; whether it did.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "end_match"))]
    pub async fn end_match(&mut self, match_id: Uuid, to: MatchState) -> Result<bool, StoreError> {
        debug_assert!(
            matches!(
                to,
                MatchState::Completed | MatchState::Cancelled | MatchState::Failed
            ),
            "BUG: a match ends completed, cancelled or failed"
        );
        let now = self.now();
        let changed = on_tx!(self, conn => {
            sqlx::query(END_MATCH)
                .bind(match_id)
                .bind(to.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }

    /// Records each participant's outcome (`win`, `loss`, `draw`, `left`) and finishing place
    /// in the match.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_participant_outcomes"))]
    pub async fn set_participant_outcomes(
        &mut self,
        match_id: Uuid,
        outcomes: &[ParticipantOutcome],
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Postgres(tx) => {
                sqlx::query(SET_OUTCOMES)
                    .bind(match_id)
                    .bind(outcomes.iter().map(|o| o.player_id).collect::<Vec<_>>())
                    .bind(
                        outcomes
                            .iter()
                            .map(|o| o.outcome.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .bind(outcomes.iter().map(|o| o.placement).collect::<Vec<_>>())
                    .execute(&mut **tx)
                    .await?;
            }
            Inner::Sqlite(tx) => {
                for o in outcomes {
                    sqlx::query(SET_OUTCOME)
                        .bind(match_id)
                        .bind(o.player_id)
                        .bind(o.outcome.as_str())
                        .bind(o.placement)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

impl Store {
    /// The match's session, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "session"))]
    pub async fn session(&self, match_id: Uuid) -> Result<GameSession, StoreError> {
        let select = format!("SELECT {COLUMNS} FROM game_sessions WHERE match_id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, GameSession>(sqlx::AssertSqlSafe(select))
                .bind(match_id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Sessions that are ready or active, by match id after `after` (a keyset: page through
    /// them all with the last id of each page), at most `limit`.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "live_sessions"))]
    pub async fn live_sessions(
        &self,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<GameSession>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, GameSession>(SELECT_LIVE)
                .bind(after.unwrap_or(Uuid::nil()))
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// How many sessions that have not ended each endpoint holds.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "endpoint_load"))]
    pub async fn endpoint_load(&self) -> Result<Vec<(String, i64)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (String, i64)>(SELECT_LOAD)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Every transition of the match's session, oldest first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "session_transitions"))]
    pub async fn session_transitions(
        &self,
        match_id: Uuid,
    ) -> Result<Vec<SessionTransition>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, SessionTransition>(SELECT_TRANSITIONS)
                .bind(match_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
