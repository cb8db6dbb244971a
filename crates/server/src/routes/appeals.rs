//! `/v1/sanctions` and `/v1/appeals`: a player's sanctions and their appeals. These routes take
//! a player's access token or, for a banned player, the appeal token of their login. The rules
//! are in [`crate::appeals`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem,
    moderation::{AppealPage, AppealRequest, AppealView, PlayerSanctionList},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    appeals,
    http::{ApiError, AppealingPlayer, Json},
};

/// The appeal routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sanctions))
        .routes(routes!(mine, file))
}

/// The caller's sanctions, newest first, each with its appeal.
#[utoipa::path(get, path = "/v1/sanctions", tag = "moderation", security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first, holding and past", body = PlayerSanctionList),
        (status = 401, description = "`invalid_token` or `token_expired` (an access token, or a banned player's appeal token)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn sanctions(
    State(app): State<AppState>,
    AppealingPlayer(player_id): AppealingPlayer,
) -> Result<Json<PlayerSanctionList>, ApiError> {
    let store = &app.backends().store;
    let list = appeals::sanctions_of(store, player_id)
        .await
        .map_err(ApiError::store)?;
    Ok(Json(list))
}

/// The caller's appeals, newest first, with their decisions.
#[utoipa::path(get, path = "/v1/appeals", tag = "moderation", security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = AppealPage),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn mine(
    State(app): State<AppState>,
    AppealingPlayer(player_id): AppealingPlayer,
) -> Result<Json<AppealPage>, ApiError> {
    let store = &app.backends().store;
    let appeals = appeals::mine(store, player_id)
        .await
        .map_err(ApiError::store)?;
    Ok(Json(AppealPage {
        appeals,
        next_before: None,
    }))
}

/// Appeals one of the caller's sanctions that holds, once; a moderator decides it and the
/// player is told (`moderation.notice`, and here).
#[utoipa::path(post, path = "/v1/appeals", tag = "moderation", security(("bearer" = [])),
    request_body = AppealRequest,
    responses(
        (status = 201, description = "Filed, pending", body = AppealView),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`sanction_not_found`: none of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_appealed`; `sanction_not_held`: lifted or over", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `text` (1 to 2,000 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn file(
    State(app): State<AppState>,
    AppealingPlayer(player_id): AppealingPlayer,
    Json(request): Json<AppealRequest>,
) -> Result<(StatusCode, Json<AppealView>), ApiError> {
    let filed = appeals::file(&app.backends().store, player_id, &request).await?;
    Ok((StatusCode::CREATED, Json(filed)))
}
