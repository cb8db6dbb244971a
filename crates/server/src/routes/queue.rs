//! `/v1/queues` and `/v1/queue`: the queues, and the caller's ticket. The rules are in
//! [`crate::matchmaking::queueing`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{Problem, QueueList, QueueRequest, QueueTicket};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json},
    matchmaking::queueing,
};

/// The queue routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(join, current, cancel))
}

/// The queues: their team shapes, regions, and how many players wait.
#[utoipa::path(get, path = "/v1/queues", tag = "queue", security(("bearer" = [])),
    responses((status = 200, description = "Every queue", body = QueueList)))]
async fn list(State(app): State<AppState>, _player: AuthenticatedPlayer) -> Json<QueueList> {
    Json(queueing::list(app.queueing()).await)
}

/// Queues the caller alone, or the caller's party (its leader, after a passed ready check).
#[utoipa::path(post, path = "/v1/queue", tag = "queue", security(("bearer" = [])),
    request_body = QueueRequest,
    responses(
        (status = 201, description = "The ticket, searching", body = QueueTicket),
        (status = 403, description = "`not_party_leader`; `queue_cooldown` (the caller or a party member declined a match lately: `player_id`, `until_ms`, and `Retry-After`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`unknown_queue`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_queued`, `in_match`, `party_not_ready`, `party_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unknown_region`, `unknown_role`, `no_region_in_reach`, `invalid`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn join(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Json(request): Json<QueueRequest>,
) -> Result<(StatusCode, Json<QueueTicket>), ApiError> {
    let ticket = queueing::join(app.queueing(), player.player_id, request).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// The caller's ticket: the searching one, else the last one (matched, cancelled, timed out).
#[utoipa::path(get, path = "/v1/queue", tag = "queue", security(("bearer" = [])),
    responses(
        (status = 200, description = "The ticket", body = QueueTicket),
        (status = 404, description = "`not_queued`: no ticket yet", body = Problem, content_type = "application/problem+json"),
    ))]
async fn current(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
) -> Result<Json<QueueTicket>, ApiError> {
    Ok(Json(
        queueing::current(app.queueing(), player.player_id).await?,
    ))
}

/// Cancels the caller's searching ticket (the leader's, for a party).
#[utoipa::path(delete, path = "/v1/queue", tag = "queue", security(("bearer" = [])),
    responses(
        (status = 200, description = "The ticket, cancelled", body = QueueTicket),
        (status = 403, description = "`not_party_leader`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_queued`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
) -> Result<Json<QueueTicket>, ApiError> {
    Ok(Json(
        queueing::cancel(app.queueing(), player.player_id).await?,
    ))
}
