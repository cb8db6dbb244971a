//! `/v1/server/sessions/{match_id}/*`: the game-server API, authenticated with the server key
//! (`Authorization: Bearer <server key>`), never with a player's token. The rules are in
//! [`crate::sessions`].

use axum::{
    extract::{FromRequestParts, State},
    http::{StatusCode, header, request::Parts},
};
use rally_protocol::{
    Problem,
    session::{
        BackfillAnswer, BackfillRequest, HeartbeatAnswer, ResultReport, VerifyAnswer, VerifyRequest,
    },
};
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, Json, Path},
    sessions::{backfill, heartbeat, lifecycle, result},
};

/// The game-server routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify))
        .routes(routes!(heartbeat))
        .routes(routes!(result))
        .routes(routes!(backfill, withdraw_backfill))
}

/// A request made with the server key.
#[derive(Debug, Clone, Copy)]
pub struct GameServerKey;

impl FromRequestParts<AppState> for GameServerKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .ok_or(ApiError::InvalidServerKey)?;
        // Compare digests, so the time taken says nothing about the key.
        let expected = Sha256::digest(app.secrets().server_key.expose().as_bytes());
        if Sha256::digest(given.as_bytes()) == expected {
            Ok(GameServerKey)
        } else {
            Err(ApiError::InvalidServerKey)
        }
    }
}

/// Checks a player's session token for this match.
#[utoipa::path(post, path = "/v1/server/sessions/{match_id}/verify", tag = "game server",
    params(("match_id" = Uuid, Path, description = "The match")),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Whether the player may join, and why not", body = VerifyAnswer),
        (status = 401, description = "`invalid_server_key`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn verify(
    State(app): State<AppState>,
    _key: GameServerKey,
    Path(match_id): Path<Uuid>,
    Json(request): Json<VerifyRequest>,
) -> Result<Json<VerifyAnswer>, ApiError> {
    Ok(Json(
        lifecycle::verify(app.sessions(), match_id, &request.token).await?,
    ))
}

/// The server is alive; the first heartbeat marks the session active.
#[utoipa::path(post, path = "/v1/server/sessions/{match_id}/heartbeat", tag = "game server",
    params(("match_id" = Uuid, Path, description = "The match")),
    responses(
        (status = 200, description = "The session's state and the next deadline", body = HeartbeatAnswer),
        (status = 401, description = "`invalid_server_key`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`session_not_running`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn heartbeat(
    State(app): State<AppState>,
    _key: GameServerKey,
    Path(match_id): Path<Uuid>,
) -> Result<Json<HeartbeatAnswer>, ApiError> {
    Ok(Json(heartbeat::heartbeat(app.sessions(), match_id).await?))
}

/// How the match ended: stored once; the same report again is answered with it.
#[utoipa::path(post, path = "/v1/server/sessions/{match_id}/result", tag = "game server",
    params(("match_id" = Uuid, Path, description = "The match")),
    request_body = ResultReport,
    responses(
        (status = 200, description = "The stored result"),
        (status = 401, description = "`invalid_server_key`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`result_conflict`, `session_not_running`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`outcomes`, `duration_s`), `placements_required`, `placement_gap`, `placement_contradiction`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn result(
    State(app): State<AppState>,
    _key: GameServerKey,
    Path(match_id): Path<Uuid>,
    Json(report): Json<ResultReport>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        result::report(app.sessions(), match_id, report).await?,
    ))
}

/// Asks the matchmaker for players for one team; those found get `session.ready`.
#[utoipa::path(post, path = "/v1/server/sessions/{match_id}/backfill", tag = "game server",
    params(("match_id" = Uuid, Path, description = "The match")),
    request_body = BackfillRequest,
    responses(
        (status = 202, description = "The request, open", body = BackfillAnswer),
        (status = 401, description = "`invalid_server_key`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`backfill_open`, `session_not_running`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`team`, `slots`), `unknown_role`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn backfill(
    State(app): State<AppState>,
    _key: GameServerKey,
    Path(match_id): Path<Uuid>,
    Json(request): Json<BackfillRequest>,
) -> Result<(StatusCode, Json<BackfillAnswer>), ApiError> {
    let answer = backfill::request_backfill(app.sessions(), match_id, request).await?;
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

/// Withdraws the match's open backfill requests.
#[utoipa::path(delete, path = "/v1/server/sessions/{match_id}/backfill", tag = "game server",
    params(("match_id" = Uuid, Path, description = "The match")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "`invalid_server_key`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`, `backfill_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn withdraw_backfill(
    State(app): State<AppState>,
    _key: GameServerKey,
    Path(match_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    backfill::withdraw_backfill(app.sessions(), match_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
