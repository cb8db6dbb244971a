//! The session rules below the handlers and the role: allocation (and its failure), what a
//! player sees, token verification, heartbeats, abandonment and results.

use std::collections::HashSet;

use rally_events::Stream;
use rally_protocol::session::{
    HeartbeatAnswer, MatchCancelled, Outcome as WireOutcome, ResultReport, SessionEnded,
    SessionInfo, SessionState as WireState, VerifyAnswer,
};
use rally_store::{
    EndReason, GameSession, MatchState, NewEvent, Outcome, SessionState, StoreError, TicketState,
    Transaction,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    allocator::{AllocationError, AllocationRequest},
    token::Claims,
};
use crate::{app::AppState, http::ApiError};

/// The heartbeat key of a session in the state backend.
fn heartbeat_key(match_id: Uuid) -> String {
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

async fn enqueue(
    tx: &mut Transaction,
    stream: Stream,
    key: Uuid,
    payload: serde_json::Value,
) -> Result<(), ApiError> {
    tx.enqueue(&NewEvent {
        topic: stream.name().to_owned(),
        key: key.to_string(),
        payload,
    })
    .await
    .map_err(ApiError::store)?;
    Ok(())
}

/// Handles one `match.created`: opens the session (once), allocates a server, and stores the
/// outcome with its event. A redelivered match whose session already left `allocating` changes
/// nothing.
pub async fn allocate(
    app: &AppState,
    allocator: &super::Allocator,
    request: AllocationRequest,
) -> Result<(), ApiError> {
    let store = &app.backends().store;
    let mut tx = store.begin().await.map_err(ApiError::store)?;
    let session = tx
        .open_session(request.match_id)
        .await
        .map_err(ApiError::store)?;
    tx.commit().await.map_err(ApiError::store)?;
    if session.state != SessionState::Allocating {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let allocated = allocator.allocate(store, &request).await;
    metrics::histogram!("rally_allocation_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    match allocated {
        Ok(endpoint) => ready(app, &request, &endpoint).await,
        Err(error) => {
            tracing::warn!(error = %error, match_id = %request.match_id, "allocation failed; the players go back to the queue");
            metrics::counter!("rally_allocation_failures_total", "reason" => error.reason())
                .increment(1);
            failed(app, &request, &error).await
        }
    }
}

async fn ready(
    app: &AppState,
    request: &AllocationRequest,
    endpoint: &str,
) -> Result<(), ApiError> {
    // The deadline first: the monitor never sees a ready session without one.
    arm_deadline(app, request.match_id, false).await?;
    let mut tx = app
        .backends()
        .store
        .begin()
        .await
        .map_err(ApiError::store)?;
    match tx
        .transition_session(
            request.match_id,
            SessionState::Allocating,
            SessionState::Ready,
            None,
            Some(endpoint),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(ApiError::store(error)),
    }
    let payload = json!({"match_id": request.match_id, "endpoint": endpoint, "player_ids": request.player_ids});
    enqueue(&mut tx, Stream::SessionReady, request.match_id, payload).await?;
    tx.commit().await.map_err(ApiError::store)
}

/// No server: the session fails, the match fails, each ticket goes back to the queue with its
/// original enqueue time (unless its player queued again meanwhile), and the players are told.
async fn failed(
    app: &AppState,
    request: &AllocationRequest,
    error: &AllocationError,
) -> Result<(), ApiError> {
    let store = &app.backends().store;
    let tickets = store
        .tickets_of_match(request.match_id)
        .await
        .map_err(ApiError::store)?;
    let mut busy = HashSet::new();
    for player in &request.player_ids {
        if store
            .active_ticket_of_player(*player)
            .await
            .map_err(ApiError::store)?
            .is_some()
        {
            busy.insert(*player);
        }
    }
    let mut tx = store.begin().await.map_err(ApiError::store)?;
    match tx
        .transition_session(
            request.match_id,
            SessionState::Allocating,
            SessionState::Ended,
            Some(EndReason::Failed),
            None,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(ApiError::store(error)),
    }
    tx.set_match_state(request.match_id, MatchState::Created, MatchState::Failed)
        .await
        .map_err(ApiError::store)?;
    let mut requeued = true;
    for ticket in tickets.iter().filter(|t| t.state == TicketState::Matched) {
        let members: Vec<Uuid> = crate::matchmaking::queueing::view(ticket).member_ids;
        if members.iter().any(|m| busy.contains(m)) {
            requeued = false;
            continue;
        }
        tx.set_ticket_state(
            ticket.id,
            TicketState::Matched,
            TicketState::Searching,
            None,
            None,
        )
        .await
        .map_err(ApiError::store)?;
        if let Some(party_id) = ticket.party_id {
            tx.set_party_queued(party_id, true)
                .await
                .map_err(ApiError::store)?;
        }
    }
    let cancelled = MatchCancelled {
        match_id: request.match_id,
        reason: format!("allocation_failed: {}", error.reason()),
        requeued,
        player_ids: request.player_ids.clone(),
    };
    let payload = serde_json::to_value(&cancelled).expect("BUG: serializes");
    enqueue(&mut tx, Stream::MatchCancelled, request.match_id, payload).await?;
    tx.commit().await.map_err(ApiError::store)
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
    let payload = serde_json::to_value(&ended).expect("BUG: serializes");
    enqueue(&mut tx, Stream::SessionEnded, session.match_id, payload).await?;
    tx.commit().await.map_err(ApiError::store)?;
    metrics::counter!("rally_sessions_abandoned_total").increment(1);
    Ok(true)
}

fn wire_state(state: SessionState) -> WireState {
    match state {
        SessionState::Allocating => WireState::Allocating,
        SessionState::Ready => WireState::Ready,
        SessionState::Active => WireState::Active,
        SessionState::Ended => WireState::Ended,
    }
}

/// A session as `player_id` sees it, with their token while it runs.
pub fn info(app: &AppState, session: &GameSession, player_id: Uuid) -> SessionInfo {
    let running = matches!(session.state, SessionState::Ready | SessionState::Active);
    let token = session
        .endpoint
        .as_ref()
        .filter(|_| running)
        .map(|endpoint| {
            let expires_at = time::OffsetDateTime::now_utc().unix_timestamp()
                + i64::try_from(app.settings().session_token_ttl_s).unwrap_or(i64::MAX);
            let claims = Claims {
                match_id: session.match_id,
                player_id,
                endpoint: endpoint.clone(),
                expires_at,
            };
            (app.session_tokens().issue(&claims), expires_at)
        });
    SessionInfo {
        match_id: session.match_id,
        state: wire_state(session.state),
        end_reason: session.end_reason.map(|r| r.as_str().to_owned()),
        endpoint: session.endpoint.clone(),
        token_expires_at: token.as_ref().map(|(_, at)| *at),
        token: token.map(|(token, _)| token),
    }
}

/// `GET /v1/session/{match_id}` for a participant.
pub async fn for_player(
    app: &AppState,
    match_id: Uuid,
    player_id: Uuid,
) -> Result<SessionInfo, ApiError> {
    let store = &app.backends().store;
    let participants = store
        .match_participants(match_id)
        .await
        .map_err(ApiError::store)?;
    if participants.is_empty() {
        return Err(ApiError::SessionNotFound);
    }
    if !participants.iter().any(|p| p.player_id == player_id) {
        return Err(ApiError::NotParticipant);
    }
    match store.session(match_id).await {
        Ok(session) => Ok(info(app, &session, player_id)),
        // Made, not yet picked up by the sessions role.
        Err(StoreError::NotFound) => Ok(SessionInfo {
            match_id,
            state: WireState::Allocating,
            end_reason: None,
            endpoint: None,
            token: None,
            token_expires_at: None,
        }),
        Err(error) => Err(ApiError::store(error)),
    }
}

async fn session(app: &AppState, match_id: Uuid) -> Result<GameSession, ApiError> {
    match app.backends().store.session(match_id).await {
        Ok(session) => Ok(session),
        Err(StoreError::NotFound) => Err(ApiError::SessionNotFound),
        Err(error) => Err(ApiError::store(error)),
    }
}

/// A game server checks a player's token online.
pub async fn verify(app: &AppState, match_id: Uuid, token: &str) -> Result<VerifyAnswer, ApiError> {
    let session = session(app, match_id).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let refuse = |reason: &str| VerifyAnswer {
        valid: false,
        player_id: None,
        endpoint: None,
        reason: Some(reason.to_owned()),
    };
    let claims = match app.session_tokens().verify(token, match_id, now) {
        Ok(claims) => claims,
        Err(refusal) => return Ok(refuse(&refusal.to_string())),
    };
    if session.state == SessionState::Ended {
        return Ok(refuse("session_ended"));
    }
    let participants = app
        .backends()
        .store
        .match_participants(match_id)
        .await
        .map_err(ApiError::store)?;
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
            deadline_s: app.settings().session_heartbeat_timeout_s,
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
                        deadline_s: app.settings().session_heartbeat_timeout_s,
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
        deadline_s: app.settings().session_heartbeat_timeout_s,
    })
}

/// A game server reports how the match ended: stored once. The same report again is answered
/// with the stored one; a different one is refused (`result_conflict`).
pub async fn report(
    app: &AppState,
    match_id: Uuid,
    report: ResultReport,
) -> Result<serde_json::Value, ApiError> {
    let store = &app.backends().store;
    let current = session(app, match_id).await?;
    let participants = store
        .match_participants(match_id)
        .await
        .map_err(ApiError::store)?;
    let outcomes = outcomes(&participants, &report)?;
    let result = serde_json::to_value(&report).expect("BUG: a report serializes");
    let record = store
        .match_record(match_id)
        .await
        .map_err(ApiError::store)?;
    if let Some(stored) = record.result {
        return if stored == result {
            Ok(stored)
        } else {
            Err(ApiError::ResultConflict)
        };
    }
    if !matches!(current.state, SessionState::Ready | SessionState::Active) {
        return Err(ApiError::SessionNotRunning);
    }
    let mut tx = store.begin().await.map_err(ApiError::store)?;
    if !tx
        .store_match_result(match_id, &result)
        .await
        .map_err(ApiError::store)?
    {
        drop(tx);
        let stored = store
            .match_record(match_id)
            .await
            .map_err(ApiError::store)?
            .result;
        return if stored.as_ref() == Some(&result) {
            Ok(result)
        } else {
            Err(ApiError::ResultConflict)
        };
    }
    for (player_id, outcome) in &outcomes {
        tx.set_participant_outcome(match_id, *player_id, *outcome)
            .await
            .map_err(ApiError::store)?;
    }
    match tx
        .transition_session(
            match_id,
            current.state,
            SessionState::Ended,
            Some(EndReason::Completed),
            None,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(ApiError::SessionNotRunning),
        Err(error) => return Err(ApiError::store(error)),
    }
    for from in [MatchState::Created, MatchState::Active] {
        tx.set_match_state(match_id, from, MatchState::Completed)
            .await
            .map_err(ApiError::store)?;
    }
    let payload = json!({
        "match_id": match_id,
        "mode": record.mode,
        "season_id": record.season_id,
        "result": result,
        "outcomes": outcomes.iter().map(|(p, o)| json!({"player_id": p, "outcome": o.as_str()})).collect::<Vec<_>>(),
    });
    enqueue(&mut tx, Stream::MatchCompleted, match_id, payload).await?;
    tx.commit().await.map_err(ApiError::store)?;
    let _ = app.backends().state.delete(&heartbeat_key(match_id)).await;
    Ok(result)
}

/// Each participant's outcome: their own line, else their team's; every one must be covered.
fn outcomes(
    participants: &[rally_store::Participant],
    report: &ResultReport,
) -> Result<Vec<(Uuid, Outcome)>, ApiError> {
    let invalid = |field: &str, reason: String| ApiError::Invalid {
        field: field.to_owned(),
        reason,
    };
    if !report.duration_s.is_finite() || report.duration_s < 0.0 {
        return Err(invalid(
            "duration_s",
            "must be a finite, non-negative number of seconds".to_owned(),
        ));
    }
    for line in &report.outcomes {
        match (line.team, line.player_id) {
            (Some(team), None) => {
                if !participants
                    .iter()
                    .any(|p| u32::try_from(p.team).ok() == Some(team))
                {
                    return Err(invalid(
                        "outcomes",
                        format!("this match has no team {team}"),
                    ));
                }
            }
            (None, Some(player)) => {
                if !participants.iter().any(|p| p.player_id == player) {
                    return Err(invalid(
                        "outcomes",
                        format!("player {player} is not in this match"),
                    ));
                }
            }
            _ => {
                return Err(invalid(
                    "outcomes",
                    "each line names a team or a player, not both".to_owned(),
                ));
            }
        }
    }
    participants
        .iter()
        .map(|p| {
            let own = report
                .outcomes
                .iter()
                .find(|l| l.player_id == Some(p.player_id));
            let team = report
                .outcomes
                .iter()
                .find(|l| l.team.is_some() && l.team == u32::try_from(p.team).ok());
            own.or(team)
                .map(|line| (p.player_id, stored(line.outcome)))
                .ok_or_else(|| {
                    invalid("outcomes", format!("player {} has no outcome", p.player_id))
                })
        })
        .collect()
}

fn stored(outcome: WireOutcome) -> Outcome {
    match outcome {
        WireOutcome::Win => Outcome::Win,
        WireOutcome::Loss => Outcome::Loss,
        WireOutcome::Draw => Outcome::Draw,
        WireOutcome::Left => Outcome::Left,
    }
}

/// A game server asks for players for one team of its running match.
pub async fn request_backfill(
    app: &AppState,
    match_id: Uuid,
    request: rally_protocol::session::BackfillRequest,
) -> Result<rally_protocol::session::BackfillAnswer, ApiError> {
    let current = session(app, match_id).await?;
    if !matches!(current.state, SessionState::Ready | SessionState::Active) {
        return Err(ApiError::SessionNotRunning);
    }
    let store = &app.backends().store;
    let record = store
        .match_record(match_id)
        .await
        .map_err(ApiError::store)?;
    let participants = store
        .match_participants(match_id)
        .await
        .map_err(ApiError::store)?;
    let invalid = |reason: &str| ApiError::Invalid {
        field: "team".to_owned(),
        reason: reason.to_owned(),
    };
    let (_, config) = app
        .queues()
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
        return Err(ApiError::Invalid {
            field: "slots".to_owned(),
            reason: format!("must be positive and fit a team of {}", config.team_size),
        });
    }
    let roles = request.roles.unwrap_or_default();
    for role in &roles {
        if crate::matchmaking::queues::role_id(config, role).is_none() {
            return Err(ApiError::UnknownRole(role.clone()));
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
            return Err(ApiError::BackfillOpen);
        }
        Err(error) => return Err(ApiError::store(error)),
    };
    Ok(rally_protocol::session::BackfillAnswer {
        id: opened.id,
        state: opened.state.as_str().to_owned(),
    })
}

/// A game server withdraws its match's open backfill requests.
pub async fn withdraw_backfill(app: &AppState, match_id: Uuid) -> Result<(), ApiError> {
    session(app, match_id).await?;
    let withdrawn = app
        .backends()
        .store
        .withdraw_backfills(match_id)
        .await
        .map_err(ApiError::store)?;
    if withdrawn == 0 {
        return Err(ApiError::BackfillNotFound);
    }
    Ok(())
}
