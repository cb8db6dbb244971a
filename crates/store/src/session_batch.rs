//! Many matches' sessions opened, and moved to `ready`, in one statement each on PostgreSQL
//! (arrays unnested, each session's first transition stored by the same statement), so the
//! sessions role settles a batch of new matches in two short transactions instead of two per
//! match. SQLite, whose one writer serializes anyway and whose statements cost no round trip,
//! runs the single-session operations in a loop.
//!
//! Each statement finds the batch's sessions through the primary key (`= ANY` of the ids), so
//! its cost is the batch's, whatever the number of sessions ever stored.

use uuid::Uuid;

use crate::error::StoreError;
use crate::session::SessionState;
use crate::transaction::{Inner, Transaction};

/// Opens the sessions that do not exist yet (each with its first transition, `$2` its id), in
/// id order; then the ids now allocating: those opened, and those that were allocating already
/// (a statement does not see its own inserts, so the two sets do not overlap).
const OPEN_ALL: &str = "WITH asked AS ( \
     SELECT a.match_id, a.transition_id \
     FROM UNNEST($1::uuid[], $2::uuid[]) AS a(match_id, transition_id)), \
     opened AS ( \
     INSERT INTO game_sessions (match_id, state, created_at, updated_at) \
     SELECT match_id, 'allocating', $3, $3 FROM asked ORDER BY match_id \
     ON CONFLICT (match_id) DO NOTHING RETURNING match_id), \
     noted AS ( \
     INSERT INTO session_transitions (id, match_id, from_state, to_state, end_reason, at) \
     SELECT a.transition_id, o.match_id, NULL, 'allocating', NULL, $3 \
     FROM opened o JOIN asked a ON a.match_id = o.match_id) \
     SELECT match_id FROM opened \
     UNION ALL \
     SELECT match_id FROM game_sessions WHERE match_id = ANY($1) AND state = 'allocating'";

/// Moves the sessions still allocating to `ready` with their endpoints, and stores each move's
/// transition (`$3` its id); the ids moved.
const READY_ALL: &str = "WITH asked AS ( \
     SELECT a.match_id, a.endpoint, a.transition_id \
     FROM UNNEST($1::uuid[], $2::text[], $3::uuid[]) AS a(match_id, endpoint, transition_id)), \
     moved AS ( \
     UPDATE game_sessions g SET state = 'ready', endpoint = a.endpoint, updated_at = $4 \
     FROM asked a \
     WHERE g.match_id = ANY($1) AND g.match_id = a.match_id AND g.state = 'allocating' \
     RETURNING g.match_id), \
     noted AS ( \
     INSERT INTO session_transitions (id, match_id, from_state, to_state, end_reason, at) \
     SELECT a.transition_id, m.match_id, 'allocating', 'ready', NULL, $4 \
     FROM moved m JOIN asked a ON a.match_id = m.match_id) \
     SELECT match_id FROM moved";

impl Transaction {
    /// Opens the session of each match in `match_ids` that has none (in `allocating`, with its
    /// first transition), and returns, in id order, every one of them whose session is
    /// allocating now: opened here, or opened before and not allocated yet. A match whose
    /// session moved on (a redelivered `match.created`) is left out.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "open_sessions"))]
    pub async fn open_sessions(&mut self, match_ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = match_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let now = self.now();
        let mut allocating = match &mut self.inner {
            Inner::Postgres(tx) => {
                let transitions: Vec<Uuid> = ids.iter().map(|_| crate::new_id()).collect();
                sqlx::query_scalar::<_, Uuid>(OPEN_ALL)
                    .bind(&ids)
                    .bind(&transitions)
                    .bind(now)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Inner::Sqlite(_) => {
                let mut allocating = Vec::with_capacity(ids.len());
                for id in ids {
                    if self.open_session(id).await?.state == SessionState::Allocating {
                        allocating.push(id);
                    }
                }
                allocating
            }
        };
        allocating.sort_unstable();
        Ok(allocating)
    }

    /// Moves each session of `ready` (match id, endpoint) from `allocating` to `ready` with its
    /// endpoint, storing the transition; the ids moved, in id order. A session no longer
    /// allocating is left as it is and out of the answer; a match named twice moves once, to
    /// its first endpoint.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "ready_sessions"))]
    pub async fn ready_sessions(
        &mut self,
        ready: &[(Uuid, String)],
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut ready: Vec<&(Uuid, String)> = ready.iter().collect();
        ready.sort_by_key(|(id, _)| *id);
        ready.dedup_by_key(|(id, _)| *id);
        let now = self.now();
        let mut moved = match &mut self.inner {
            Inner::Postgres(tx) => {
                let ids: Vec<Uuid> = ready.iter().map(|(id, _)| *id).collect();
                let endpoints: Vec<&str> = ready.iter().map(|(_, e)| e.as_str()).collect();
                let transitions: Vec<Uuid> = ready.iter().map(|_| crate::new_id()).collect();
                sqlx::query_scalar::<_, Uuid>(READY_ALL)
                    .bind(&ids)
                    .bind(&endpoints)
                    .bind(&transitions)
                    .bind(now)
                    .fetch_all(&mut **tx)
                    .await?
            }
            Inner::Sqlite(_) => {
                let mut moved = Vec::with_capacity(ready.len());
                for (id, endpoint) in ready {
                    let result = self
                        .transition_session(
                            *id,
                            SessionState::Allocating,
                            SessionState::Ready,
                            None,
                            Some(endpoint),
                        )
                        .await;
                    match result {
                        Ok(_) => moved.push(*id),
                        Err(StoreError::NotFound) => {}
                        Err(error) => return Err(error),
                    }
                }
                moved
            }
        };
        moved.sort_unstable();
        Ok(moved)
    }
}
