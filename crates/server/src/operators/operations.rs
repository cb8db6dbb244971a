//! Live operations: the sessions running and ending a stuck one, starting and ending seasons,
//! rebuilding the active season's leaderboard on the node's own state backend, and a player's
//! ratings. Each change is audited; a stuck session's end writes its line in the end's own
//! transaction.

use rally_protocol::{
    account::RatingSummary,
    operations::{AdminSeason, AdminSession, AdminSessionPage, RebuildAnswer},
};
use rally_store::{GameSession, Season, SessionState, Store, StoreError};
use uuid::Uuid;

use super::{Acting, OperatorError, checked_reason};
use crate::{
    backends::Backends,
    matchmaking::Queues,
    matchmaking::queues::rating_system_name,
    ratings::{RatingsError, board, season},
    sessions::Sessions,
    sessions::heartbeat,
};

/// The most sessions one page holds.
pub const PAGE_MAX: u32 = 200;

/// Why an operation was refused, beyond the operators' own refusals.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// No session for that match, or it has ended.
    #[error("no running session for that match")]
    SessionNotFound,
    /// No season is active.
    #[error("no season is active")]
    NoActiveSeason,
    /// An operators' refusal.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// A ratings refusal (a season name taken).
    #[error(transparent)]
    Ratings(#[from] RatingsError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A page of the sessions that are ready or active, by match id after `after`.
pub async fn sessions(
    store: &Store,
    after: Option<Uuid>,
    limit: u32,
) -> Result<AdminSessionPage, OperationError> {
    let limit = limit.clamp(1, PAGE_MAX);
    let found = store.live_sessions(after, i64::from(limit)).await?;
    let next_after = match found.last() {
        Some(last) if found.len() == limit as usize => Some(last.match_id),
        _ => None,
    };
    Ok(AdminSessionPage {
        sessions: found.iter().map(session_view).collect(),
        next_after,
    })
}

/// Ends the session of `match_id`, stuck in the operator's judgement, for `reason`.
pub async fn end_session(
    store: &Store,
    sessions: &Sessions,
    acting: &Acting,
    match_id: Uuid,
    reason: &str,
) -> Result<(), OperationError> {
    let reason = checked_reason("reason", reason)?;
    let session = match store.session(match_id).await {
        Ok(session) if matches!(session.state, SessionState::Ready | SessionState::Active) => {
            session
        }
        Ok(_) | Err(StoreError::NotFound) => return Err(OperationError::SessionNotFound),
        Err(error) => return Err(error.into()),
    };
    let line = acting.actor().did(
        "session.end",
        Some(match_id.to_string()),
        Some(reason.to_owned()),
        serde_json::json!({"state": session.state.as_str(), "endpoint": session.endpoint}),
    );
    let ended = heartbeat::end_by_operator(sessions, &session, &line)
        .await
        .map_err(|error| OperatorError::Other(error.into()))?;
    if !ended {
        return Err(OperationError::SessionNotFound);
    }
    tracing::info!(match.id = %match_id, "session ended by an operator");
    Ok(())
}

/// Starts the season `name` (the active one ends; ratings carry over with a soft reset).
pub async fn start_season(
    backends: &Backends,
    queues: &Queues,
    acting: &Acting,
    name: &str,
) -> Result<AdminSeason, OperationError> {
    let (started, carried) = season::start(&backends.store, &backends.state, queues, name).await?;
    let line = acting.actor().did(
        "season.start",
        Some(started.name.clone()),
        None,
        serde_json::json!({"season_id": started.id, "carried": carried}),
    );
    backends.store.audit(&line).await?;
    let mut view = season_view(&started);
    view.carried = Some(u64::try_from(carried).unwrap_or(u64::MAX));
    Ok(view)
}

/// Ends the active season (`no_active_season` when none is).
pub async fn end_season(store: &Store, acting: &Acting) -> Result<AdminSeason, OperationError> {
    let ended = season::end(store)
        .await?
        .ok_or(OperationError::NoActiveSeason)?;
    let line = acting.actor().did(
        "season.end",
        Some(ended.name.clone()),
        None,
        serde_json::json!({"season_id": ended.id}),
    );
    store.audit(&line).await?;
    Ok(season_view(&ended))
}

/// Refreshes the store's standings and rebuilds the active season's ranks in this node's state
/// backend (shared Redis: every node's; embedded: this node's).
pub async fn rebuild_leaderboard(
    backends: &Backends,
    acting: &Acting,
) -> Result<RebuildAnswer, OperationError> {
    backends.store.refresh_leaderboard().await?;
    let active = backends
        .store
        .active_season()
        .await?
        .ok_or(OperationError::NoActiveSeason)?;
    let ranked = board::rebuild(&backends.store, &backends.state, active.id).await?;
    let line = acting.actor().did(
        "leaderboard.rebuild",
        Some(active.name.clone()),
        None,
        serde_json::json!({"season_id": active.id, "ranked": ranked}),
    );
    backends.store.audit(&line).await?;
    Ok(RebuildAnswer {
        season: active.name,
        ranked: u64::try_from(ranked).unwrap_or(u64::MAX),
    })
}

/// The player's ratings in the active season (none when no season is active).
pub async fn ratings(
    store: &Store,
    queues: &Queues,
    player_id: Uuid,
) -> Result<Vec<RatingSummary>, OperationError> {
    match store.player(player_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(OperatorError::PlayerNotFound.into()),
        Err(error) => return Err(error.into()),
    }
    let Some(active) = store.active_season().await? else {
        return Ok(Vec::new());
    };
    let ratings = store.player_ratings(player_id, active.id).await?;
    Ok(ratings
        .iter()
        .map(|r| RatingSummary {
            mode: r.mode.clone(),
            mean: r.mean,
            uncertainty: r.uncertainty,
            system: Some(rating_system_name(queues.rating_system(&r.mode)).to_owned()),
            volatility: None,
            games: r.games,
        })
        .collect())
}

/// `session` on the wire.
fn session_view(session: &GameSession) -> AdminSession {
    AdminSession {
        match_id: session.match_id,
        state: session.state.as_str().to_owned(),
        endpoint: session.endpoint.clone(),
        created_at: session.created_at.to_offset_date_time(),
        updated_at: session.updated_at.to_offset_date_time(),
    }
}

/// `season` on the wire.
fn season_view(season: &Season) -> AdminSeason {
    AdminSeason {
        id: season.id,
        name: season.name.clone(),
        state: season.state.as_str().to_owned(),
        started_at: season.started_at.to_offset_date_time(),
        ended_at: season.ended_at.map(|t| t.to_offset_date_time()),
        carried: None,
    }
}
