//! Heartbeats: a deadline per running session in the state backend, renewed by each
//! heartbeat; a session whose deadline lapses is ended as abandoned.

use rally_protocol::{
    event::Event,
    session::{HeartbeatAnswer, SessionEnded, SessionState as WireState},
};
use rally_store::{EndReason, GameSession, MatchState, SessionState, StoreError};
use uuid::Uuid;

use super::lifecycle::{enqueue, session, wire_state};
use crate::{app::AppState, http::ApiError};

/// The heartbeat key of a session in the state backend.
pub(super) fn heartbeat_key(match_id: Uuid) -> String {
    format!("session-heartbeat:{match_id}")
}

/// What a deadline key holds once the session is active: heartbeats then renew it without the
/// store.
const ACTIVE: &[u8] = b"active";

/// Starts (or restarts) a session's heartbeat deadline; `active` once the server heartbeats.
pub async fn arm_deadline(app: &AppState, match_id: Uuid, active: bool) -> Result<(), ApiError> {
    app.backends()
        .state
        .set_with_ttl(
            &heartbeat_key(match_id),
            if active { ACTIVE } else { b"ready" },
            app.settings().session_heartbeat_timeout(),
        )
        .await
        .map_err(ApiError::state)
}

/// Whether a session's heartbeat deadline has passed.
pub async fn deadline_passed(app: &AppState, match_id: Uuid) -> Result<bool, ApiError> {
    Ok(app
        .backends()
        .state
        .get(&heartbeat_key(match_id))
        .await
        .map_err(ApiError::state)?
        .is_none())
}

/// A game server's heartbeat: the first moves the session to active; each renews its deadline.
/// Once active, a heartbeat is two calls to the state backend and none to the store.
pub async fn heartbeat(app: &AppState, match_id: Uuid) -> Result<HeartbeatAnswer, ApiError> {
    let state = &app.backends().state;
    let key = heartbeat_key(match_id);
    let ttl = app.settings().session_heartbeat_timeout();
    if state.get(&key).await.map_err(ApiError::state)?.as_deref() == Some(ACTIVE)
        && state.expire(&key, ttl).await.map_err(ApiError::state)?
    {
        return Ok(HeartbeatAnswer {
            state: WireState::Active,
            deadline_s: app.settings().sessions.session_heartbeat_timeout_s,
        });
    }
    let current = session(app, match_id).await?;
    let state = match current.state {
        SessionState::Ended | SessionState::Allocating => return Err(ApiError::SessionNotRunning),
        SessionState::Active => SessionState::Active,
        SessionState::Ready => {
            let mut tx = app
                .backends()
                .store
                .begin()
                .await
                .map_err(ApiError::store)?;
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
                    if session(app, match_id).await?.state != SessionState::Active {
                        return Err(ApiError::SessionNotRunning);
                    }
                    arm_deadline(app, match_id, true).await?;
                    return Ok(HeartbeatAnswer {
                        state: WireState::Active,
                        deadline_s: app.settings().sessions.session_heartbeat_timeout_s,
                    });
                }
                Err(error) => return Err(ApiError::store(error)),
            }
            tx.set_match_state(match_id, MatchState::Created, MatchState::Active)
                .await
                .map_err(ApiError::store)?;
            tx.commit().await.map_err(ApiError::store)?;
            SessionState::Active
        }
    };
    arm_deadline(app, match_id, true).await?;
    Ok(HeartbeatAnswer {
        state: wire_state(state),
        deadline_s: app.settings().sessions.session_heartbeat_timeout_s,
    })
}

/// Ends a ready or active session whose server stopped heartbeating, and tells its players.
pub async fn abandon(app: &AppState, session: &GameSession) -> Result<bool, ApiError> {
    let store = &app.backends().store;
    let players: Vec<Uuid> = store
        .match_participants(session.match_id)
        .await
        .map_err(ApiError::store)?
        .into_iter()
        .map(|p| p.player_id)
        .collect();
    let mut tx = store.begin().await.map_err(ApiError::store)?;
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
        Err(error) => return Err(ApiError::store(error)),
    }
    for from in [MatchState::Created, MatchState::Active] {
        tx.set_match_state(session.match_id, from, MatchState::Cancelled)
            .await
            .map_err(ApiError::store)?;
    }
    let ended = SessionEnded {
        match_id: session.match_id,
        reason: "abandoned".to_owned(),
        player_ids: players,
    };
    enqueue(&mut tx, session.match_id, Event::SessionEnded(ended)).await?;
    tx.commit().await.map_err(ApiError::store)?;
    metrics::counter!("rally_sessions_abandoned_total").increment(1);
    Ok(true)
}
