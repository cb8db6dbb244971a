//! `GET /v1/session/{match_id}`: a player's game session. The rules are in
//! [`crate::sessions::lifecycle`].

use axum::extract::State;
use rally_protocol::{Problem, session::SessionInfo};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
    sessions::lifecycle,
};

/// The player's session route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get))
}

/// The session of a match the caller plays: its state, the server, and the caller's token.
#[utoipa::path(get, path = "/v1/session/{match_id}", tag = "session", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match (from `match.found`)")),
    responses(
        (status = 200, description = "The session", body = SessionInfo),
        (status = 403, description = "`not_participant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(match_id): Path<Uuid>,
) -> Result<Json<SessionInfo>, ApiError> {
    Ok(Json(
        lifecycle::for_player(app.sessions(), match_id, player.player_id).await?,
    ))
}
