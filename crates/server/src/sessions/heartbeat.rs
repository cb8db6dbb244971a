//! Heartbeats: a deadline per running session in the state backend, renewed by each
//! heartbeat; a session whose deadline lapses is ended as abandoned.

use rally_protocol::{
    event::Event,
    session::{HeartbeatAnswer, SessionEnded, SessionState as WireState},
};
use rally_store::{EndReason, GameSession, MatchState, NewAuditEntry, SessionState, StoreError};
use uuid::Uuid;

use super::lifecycle::{enqueue, session, wire_state};
use super::{Sessions, SessionsError};

/// The heartbeat key of a session in the state backend.
pub(super) fn heartbeat_key(match_id: Uuid) -> String {
    format!("session-heartbeat:{match_id}")
}

/// What a deadline key holds once the session is active: heartbeats then renew it without the
/// store.
const ACTIVE: &[u8] = b"active";

/// Starts (or restarts) a session's heartbeat deadline; `active` once the server heartbeats.
pub async fn arm_deadline(
    sessions: &Sessions,
    match_id: Uuid,
    active: bool,
) -> Result<(), SessionsError> {
    sessions
        .state
        .set_with_ttl(
            &heartbeat_key(match_id),
            if active { ACTIVE } else { b"ready" },
            sessions.settings.session_heartbeat_timeout(),
        )
        .await
        .map_err(SessionsError::from)
}

/// Whether a session's heartbeat deadline has passed.
pub async fn deadline_passed(sessions: &Sessions, match_id: Uuid) -> Result<bool, SessionsError> {
    Ok(sessions
        .state
        .get(&heartbeat_key(match_id))
        .await?
        .is_none())
}

/// Of `match_ids`, in their order, whether each session's heartbeat deadline has passed: one
/// call to the state backend for all of them.
pub async fn deadlines_passed(
    sessions: &Sessions,
    match_ids: &[Uuid],
) -> Result<Vec<bool>, SessionsError> {
    let keys: Vec<String> = match_ids.iter().map(|&id| heartbeat_key(id)).collect();
    Ok(sessions
        .state
        .get_all(&keys)
        .await?
        .iter()
        .map(Option::is_none)
        .collect())
}

/// A game server's heartbeat: the first moves the session to active; each renews its deadline.
/// Once active, a heartbeat is one call to the state backend (the deadline renewed and read
/// at once) and none to the store.
pub async fn heartbeat(
    sessions: &Sessions,
    match_id: Uuid,
) -> Result<HeartbeatAnswer, SessionsError> {
    let state = &sessions.state;
    let key = heartbeat_key(match_id);
    let ttl = sessions.settings.session_heartbeat_timeout();
    // A ready session's deadline is renewed too: its server is alive, and arming it as active
    // below replaces it.
    if state.renew(&key, ttl).await?.as_deref() == Some(ACTIVE) {
        return Ok(HeartbeatAnswer {
            state: WireState::Active,
            deadline_s: sessions.settings.session_heartbeat_timeout_s,
        });
    }
    let current = session(sessions, match_id).await?;
    let state = match current.state {
        SessionState::Ended | SessionState::Allocating => {
            return Err(SessionsError::SessionNotRunning);
        }
        SessionState::Active => SessionState::Active,
        SessionState::Ready => {
            let mut tx = sessions.store.begin().await?;
            // The match's row before the session's, as a result report takes them.
            tx.lock_match(match_id).await?;
            match tx
                .transition_session(
                    match_id,
                    SessionState::Ready,
                    SessionState::Active,
                    None,
                    None,
                )
                .await
            {
                Ok(_) => {}
                // Moved meanwhile: active already (another heartbeat) is fine; ended is not.
                Err(StoreError::NotFound) => {
                    drop(tx);
                    if session(sessions, match_id).await?.state != SessionState::Active {
                        return Err(SessionsError::SessionNotRunning);
                    }
                    arm_deadline(sessions, match_id, true).await?;
                    return Ok(HeartbeatAnswer {
                        state: WireState::Active,
                        deadline_s: sessions.settings.session_heartbeat_timeout_s,
                    });
                }
                Err(error) => return Err(error.into()),
            }
            tx.set_match_state(match_id, MatchState::Created, MatchState::Active)
                .await?;
            tx.commit().await?;
            SessionState::Active
        }
    };
    arm_deadline(sessions, match_id, true).await?;
    Ok(HeartbeatAnswer {
        state: wire_state(state),
        deadline_s: sessions.settings.session_heartbeat_timeout_s,
    })
}

/// Ends a ready or active session whose server stopped heartbeating, and tells its players.
pub async fn abandon(sessions: &Sessions, session: &GameSession) -> Result<bool, SessionsError> {
    let ended = end_without_result(sessions, session, "abandoned", None).await?;
    if ended {
        metrics::counter!("rally_sessions_abandoned_total").increment(1);
    }
    Ok(ended)
}

/// Ends a ready or active session an operator found stuck, with `line` (their audit line) in
/// the same transaction; its players are told (`session.ended`, `ended_by_operator`). The
/// store records it as abandoned: the match is cancelled and rates nobody. False when the
/// session had ended meanwhile.
pub async fn end_by_operator(
    sessions: &Sessions,
    session: &GameSession,
    line: &NewAuditEntry,
) -> Result<bool, SessionsError> {
    end_without_result(sessions, session, "ended_by_operator", Some(line)).await
}

/// Ends `session` without a result, telling its players `why`, writing `line` with it.
async fn end_without_result(
    sessions: &Sessions,
    session: &GameSession,
    why: &str,
    line: Option<&NewAuditEntry>,
) -> Result<bool, SessionsError> {
    let store = &sessions.store;
    let players: Vec<Uuid> = store
        .match_participants(session.match_id)
        .await?
        .into_iter()
        .map(|p| p.player_id)
        .collect();
    let mut tx = store.begin().await?;
    // The match's row before the session's, as a result report takes them: taken the other
    // way round, an abandonment and a result arriving together deadlocked on PostgreSQL.
    tx.lock_match(session.match_id).await?;
    match tx
        .transition_session(
            session.match_id,
            session.state,
            SessionState::Ended,
            Some(EndReason::Abandoned),
            None,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(false),
        Err(error) => return Err(error.into()),
    }
    tx.end_match(session.match_id, MatchState::Cancelled)
        .await?;
    let ended = SessionEnded {
        match_id: session.match_id,
        reason: why.to_owned(),
        player_ids: players,
    };
    enqueue(&mut tx, session.match_id, Event::SessionEnded(ended)).await?;
    if let Some(line) = line {
        tx.audit(line).await?;
    }
    tx.commit().await?;
    Ok(true)
}
