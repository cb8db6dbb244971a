//! What a player sees of their session (with their token), and a game server's online check
//! of a token; the helpers the other session modules share.

use rally_protocol::{
    event::Event,
    session::{SessionInfo, SessionState as WireState, VerifyAnswer},
};
use rally_store::{GameSession, SessionState, StoreError, Transaction};
use uuid::Uuid;

use super::token::Claims;
use super::{Sessions, SessionsError};
use crate::bus;

/// Writes `event` about match `match_id` in `tx`.
pub(super) async fn enqueue(
    tx: &mut Transaction,
    match_id: Uuid,
    event: Event,
) -> Result<(), SessionsError> {
    bus::outbox::enqueue(tx, match_id, event).await?;
    Ok(())
}

pub(super) fn wire_state(state: SessionState) -> WireState {
    match state {
        SessionState::Allocating => WireState::Allocating,
        SessionState::Ready => WireState::Ready,
        SessionState::Active => WireState::Active,
        SessionState::Ended => WireState::Ended,
    }
}

/// A session as `player_id` sees it, with their token while it runs.
pub fn info(sessions: &Sessions, session: &GameSession, player_id: Uuid) -> SessionInfo {
    let running = matches!(session.state, SessionState::Ready | SessionState::Active);
    let token = session
        .endpoint
        .as_ref()
        .filter(|_| running)
        .map(|endpoint| token_for(sessions, session.match_id, player_id, endpoint));
    SessionInfo {
        match_id: session.match_id,
        state: wire_state(session.state),
        end_reason: session.end_reason.map(|r| r.as_str().to_owned()),
        endpoint: session.endpoint.clone(),
        token_expires_at: token.as_ref().map(|(_, at)| *at),
        token: token.map(|(token, _)| token),
        voice: None,
    }
}

/// A session that just became ready on `endpoint`, as `player_id` sees it (`session.ready`).
pub fn ready_info(
    sessions: &Sessions,
    match_id: Uuid,
    endpoint: &str,
    player_id: Uuid,
) -> SessionInfo {
    let (token, expires_at) = token_for(sessions, match_id, player_id, endpoint);
    SessionInfo {
        match_id,
        state: WireState::Ready,
        end_reason: None,
        endpoint: Some(endpoint.to_owned()),
        token: Some(token),
        token_expires_at: Some(expires_at),
        voice: None,
    }
}

/// `player_id`'s session token for the match on `endpoint`, and when it expires (Unix s).
fn token_for(
    sessions: &Sessions,
    match_id: Uuid,
    player_id: Uuid,
    endpoint: &str,
) -> (String, i64) {
    let expires_at = sessions.clock.unix_millis() / 1000
        + i64::try_from(sessions.settings.session_token_ttl_s).unwrap_or(i64::MAX);
    let claims = Claims {
        match_id,
        player_id,
        endpoint: endpoint.to_owned(),
        expires_at,
    };
    (sessions.tokens.issue(&claims), expires_at)
}

/// `GET /v1/session/{match_id}` for a participant.
pub async fn for_player(
    sessions: &Sessions,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<SessionInfo, SessionsError> {
    let store = &sessions.store;
    let participants = store.match_participants(match_id).await?;
    if participants.is_empty() {
        return Err(SessionsError::SessionNotFound);
    }
    if !participants.iter().any(|p| p.player_id == player_id) {
        return Err(SessionsError::NotParticipant);
    }
    match store.session(match_id).await {
        Ok(session) => Ok(info(sessions, &session, player_id)),
        // Made, not yet picked up by the sessions role.
        Err(StoreError::NotFound) => Ok(SessionInfo {
            match_id,
            state: WireState::Allocating,
            end_reason: None,
            endpoint: None,
            token: None,
            token_expires_at: None,
            voice: None,
        }),
        Err(error) => Err(error.into()),
    }
}

pub(super) async fn session(
    sessions: &Sessions,
    match_id: Uuid,
) -> Result<GameSession, SessionsError> {
    match sessions.store.session(match_id).await {
        Ok(session) => Ok(session),
        Err(StoreError::NotFound) => Err(SessionsError::SessionNotFound),
        Err(error) => Err(error.into()),
    }
}

/// A game server checks a player's token online.
pub async fn verify(
    sessions: &Sessions,
    match_id: Uuid,
    token: &str,
) -> Result<VerifyAnswer, SessionsError> {
    let session = session(sessions, match_id).await?;
    let now = sessions.clock.unix_millis() / 1000;
    let refuse = |reason: &str| VerifyAnswer {
        valid: false,
        player_id: None,
        endpoint: None,
        reason: Some(reason.to_owned()),
    };
    let claims = match sessions.tokens.verify(token, match_id, now) {
        Ok(claims) => claims,
        Err(refusal) => return Ok(refuse(&refusal.to_string())),
    };
    if session.state == SessionState::Ended {
        return Ok(refuse("session_ended"));
    }
    let participants = sessions.store.match_participants(match_id).await?;
    if !participants.iter().any(|p| p.player_id == claims.player_id) {
        return Ok(refuse("not_participant"));
    }
    Ok(VerifyAnswer {
        valid: true,
        player_id: Some(claims.player_id),
        endpoint: Some(claims.endpoint),
        reason: None,
    })
}
