//! `POST /v1/reports`: a player reports a player. The rules are in [`crate::reports`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem,
    moderation::{ReportFiled, ReportRequest},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json},
    reports,
};

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(file))
}

/// Reports a player to the studio's moderators, about a match they both played or a chat
/// message the reported player sent, or in general. The reported player is told nothing.
#[utoipa::path(post, path = "/v1/reports", tag = "moderation", security(("bearer" = [])),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "Filed", body = ReportFiled),
        (status = 403, description = "`not_in_channel`: the message is in a channel the caller cannot read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`, `match_not_found`, `message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_reported`: this player, for this match or message (or in general), by the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`cannot_report_self`, `cannot_report_own`; `invalid`: `text` (up to 1,000 characters), `match_id` (both must have played in it), `message_id` (the reported player sent it)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: 20 reports an hour", body = Problem, content_type = "application/problem+json"),
    ))]
async fn file(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Json(request): Json<ReportRequest>,
) -> Result<(StatusCode, Json<ReportFiled>), ApiError> {
    let moderation = &app.settings().moderation;
    let filed = reports::file(
        app.backends(),
        app.chat(),
        moderation,
        caller.player_id,
        request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(filed)))
}
