//! Backfill requests from game servers: a running match asks for players for one team.

use rally_store::{SessionState, StoreError};
use serde_json::json;
use uuid::Uuid;

use super::lifecycle::session;
use super::{Sessions, SessionsError};

/// A game server asks for players for one team of its running match.
pub async fn request_backfill(
    sessions: &Sessions,
    match_id: Uuid,
    request: rally_protocol::session::BackfillRequest,
) -> Result<rally_protocol::session::BackfillAnswer, SessionsError> {
    let current = session(sessions, match_id).await?;
    if !matches!(current.state, SessionState::Ready | SessionState::Active) {
        return Err(SessionsError::SessionNotRunning);
    }
    let store = &sessions.store;
    let record = store.match_record(match_id).await?;
    let participants = store.match_participants(match_id).await?;
    let invalid = |reason: &str| SessionsError::Invalid {
        field: "team".to_owned(),
        reason: reason.to_owned(),
    };
    let (_, config) = sessions
        .queues
        .get(&record.mode)
        .ok_or_else(|| invalid("this match's queue is no longer configured"))?;
    let replacing = request.replacing.unwrap_or_default();
    let team = i32::try_from(request.team).map_err(|_| invalid("no such team"))?;
    if !participants.iter().any(|p| p.team == team) {
        return Err(invalid("no such team in this match"));
    }
    if replacing.iter().any(|r| {
        !participants
            .iter()
            .any(|p| p.player_id == *r && p.team == team)
    }) {
        return Err(invalid(
            "`replacing` names a player who is not in this team",
        ));
    }
    let staying = participants
        .iter()
        .filter(|p| p.team == team && !replacing.contains(&p.player_id))
        .count();
    if request.slots == 0 || staying + request.slots as usize > usize::from(config.team_size) {
        return Err(SessionsError::Invalid {
            field: "slots".to_owned(),
            reason: format!("must be positive and fit a team of {}", config.team_size),
        });
    }
    let roles = request.roles.unwrap_or_default();
    for role in &roles {
        if crate::matchmaking::queues::role_id(config, role).is_none() {
            return Err(SessionsError::UnknownRole(role.clone()));
        }
    }
    let new = rally_store::NewBackfill {
        id: rally_store::new_id(),
        match_id,
        mode: record.mode.clone(),
        region: record.region.clone(),
        team,
        slots: i32::try_from(request.slots).unwrap_or(i32::MAX),
        replacing: json!(replacing),
        roles: json!(roles),
    };
    let opened = match store.open_backfill(&new).await {
        Ok(opened) => opened,
        Err(StoreError::Conflict { constraint }) if constraint == "backfill_requests_open_key" => {
            return Err(SessionsError::BackfillOpen);
        }
        Err(error) => return Err(error.into()),
    };
    Ok(rally_protocol::session::BackfillAnswer {
        id: opened.id,
        state: opened.state.as_str().to_owned(),
    })
}

/// A game server withdraws its match's open backfill requests.
pub async fn withdraw_backfill(sessions: &Sessions, match_id: Uuid) -> Result<(), SessionsError> {
    session(sessions, match_id).await?;
    let withdrawn = sessions.store.withdraw_backfills(match_id).await?;
    if withdrawn == 0 {
        return Err(SessionsError::BackfillNotFound);
    }
    Ok(())
}
