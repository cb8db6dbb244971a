//! Live operations on `/admin/v1/*`: queues, running sessions (ending a stuck one), seasons,
//! the leaderboard rebuild, a player's ratings and history. Viewers read; moderators and
//! admins end sessions; admins run seasons and rebuilds. The rules are in
//! [`crate::operators::operations`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem, QueueList, RatingSummary,
    admin::OperatorRoleName,
    operations::{
        AdminSeason, AdminSessionPage, AdminSessionQuery, EndSessionRequest, RebuildAnswer,
        SeasonRequest,
    },
    rating::{HistoryPage, HistoryQuery},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedOperator, Json, Path, Query},
    matchmaking::queueing,
    operators::operations,
    ratings::history::Filter,
};

/// A page when the query names no limit.
const PAGE_DEFAULT: u32 = 50;

/// The live-operations routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queues))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
        .routes(routes!(start_season))
        .routes(routes!(end_season))
        .routes(routes!(rebuild))
        .routes(routes!(ratings))
        .routes(routes!(history))
}

/// Every queue with its shape and the population its matchmaker last reported (any role).
#[utoipa::path(get, path = "/admin/v1/queues", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The queues", body = QueueList),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn queues(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
) -> Result<Json<QueueList>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    Ok(Json(queueing::list(app.queueing()).await))
}

/// The sessions that are ready or active, by match id (any role).
#[utoipa::path(get, path = "/admin/v1/sessions", tag = "admin", security(("bearer" = [])),
    params(AdminSessionQuery),
    responses(
        (status = 200, description = "By match id; `next_after` starts the next page", body = AdminSessionPage),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn sessions(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Query(query): Query<AdminSessionQuery>,
) -> Result<Json<AdminSessionPage>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    Ok(Json(
        operations::sessions(&app.backends().store, query.after, limit).await?,
    ))
}

/// Ends a stuck session without a result (moderators and admins): its match is cancelled and
/// rates nobody, its players are told (`session.ended`, `ended_by_operator`). In the audit log.
#[utoipa::path(post, path = "/admin/v1/sessions/{match_id}/end", tag = "admin", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The session's match")),
    request_body = EndSessionRequest,
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`: none, or it has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `reason` (1 to 500 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn end_session(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(match_id): Path<Uuid>,
    Json(request): Json<EndSessionRequest>,
) -> Result<StatusCode, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    let store = &app.backends().store;
    operations::end_session(store, app.sessions(), &acting, match_id, &request.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a season (admins): the active one ends, ratings carry over with a soft reset. In the
/// audit log.
#[utoipa::path(post, path = "/admin/v1/seasons", tag = "admin", security(("bearer" = [])),
    request_body = SeasonRequest,
    responses(
        (status = 201, description = "The new season, with the ratings carried", body = AdminSeason),
        (status = 403, description = "`role_required`: admins", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `name` is taken", body = Problem, content_type = "application/problem+json"),
    ))]
async fn start_season(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Json(request): Json<SeasonRequest>,
) -> Result<(StatusCode, Json<AdminSeason>), ApiError> {
    acting.require(OperatorRoleName::Admin)?;
    let season =
        operations::start_season(app.backends(), app.queues(), &acting, &request.name).await?;
    Ok((StatusCode::CREATED, Json(season)))
}

/// Ends the active season (admins); its standings stay readable. In the audit log.
#[utoipa::path(post, path = "/admin/v1/seasons/end", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The season, ended", body = AdminSeason),
        (status = 403, description = "`role_required`: admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`season_not_found`: none is active", body = Problem, content_type = "application/problem+json"),
    ))]
async fn end_season(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
) -> Result<Json<AdminSeason>, ApiError> {
    acting.require(OperatorRoleName::Admin)?;
    Ok(Json(
        operations::end_season(&app.backends().store, &acting).await?,
    ))
}

/// Rebuilds the active season's leaderboard from the store (admins), on this node's state
/// backend. In the audit log.
#[utoipa::path(post, path = "/admin/v1/leaderboards/rebuild", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The season and the ratings ranked", body = RebuildAnswer),
        (status = 403, description = "`role_required`: admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`season_not_found`: none is active", body = Problem, content_type = "application/problem+json"),
    ))]
async fn rebuild(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
) -> Result<Json<RebuildAnswer>, ApiError> {
    acting.require(OperatorRoleName::Admin)?;
    Ok(Json(
        operations::rebuild_leaderboard(app.backends(), &acting).await?,
    ))
}

/// A player's ratings in the active season (any role).
#[utoipa::path(get, path = "/admin/v1/players/{player_id}/ratings", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    responses(
        (status = 200, description = "By mode; empty when no season is active", body = [RatingSummary]),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn ratings(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
) -> Result<Json<Vec<RatingSummary>>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    Ok(Json(
        operations::ratings(&app.backends().store, app.queues(), player_id).await?,
    ))
}

/// A player's matches, newest first, as `GET /v1/matches/history` pages them (any role).
#[utoipa::path(get, path = "/admin/v1/players/{player_id}/history", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id"), HistoryQuery),
    responses(
        (status = 200, description = "A page of history", body = HistoryPage),
        (status = 400, description = "`bad_query` (a cursor this server did not give)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn history(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
    Query(params): Query<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    let filter = Filter {
        mode: params.mode,
        season_id: params.season,
    };
    let page = app
        .ratings()
        .history(
            player_id,
            params.cursor.as_deref(),
            params.limit.unwrap_or(20),
            &filter,
        )
        .await?;
    Ok(Json(page))
}
