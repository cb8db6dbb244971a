//! `/v1/profile/*`: a player's own profile and its changes, and other players' public profiles.

use axum::extract::State;
use rally_protocol::{PlayerProfile, Problem, PublicProfile, UpdateProfileRequest};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    accounts::profile,
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
};

/// The profile routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me))
        .routes(routes!(public))
}

/// The caller's own profile, with the email.
#[utoipa::path(get, path = "/v1/profile/me", tag = "profile", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = PlayerProfile),
        (status = 401, description = "`unauthorized`, `invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_banned` or `account_disabled`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
) -> Result<Json<PlayerProfile>, ApiError> {
    Ok(Json(profile::me(app.accounts(), player.player_id).await?))
}

/// Changes the caller's profile; absent fields stay. The email and the password need
/// `current_password`; a new password ends every other login.
#[utoipa::path(patch, path = "/v1/profile/me", tag = "profile", security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The profile as it now is", body = PlayerProfile),
        (status = 403, description = "`current_password_required`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks its rule", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_me(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Json(request): Json<UpdateProfileRequest>,
) -> Result<Json<PlayerProfile>, ApiError> {
    let update = profile::ProfileUpdate::parse(request, app.accounts().settings())?;
    Ok(Json(
        profile::update(app.accounts(), player.player_id, player.family_id, update).await?,
    ))
}

/// Another player's public profile: never the email.
#[utoipa::path(get, path = "/v1/profile/{player_id}", tag = "profile", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    responses(
        (status = 200, description = "The public profile and current ratings", body = PublicProfile),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn public(
    State(app): State<AppState>,
    _caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<Json<PublicProfile>, ApiError> {
    Ok(Json(
        profile::public(app.accounts(), app.queues(), player_id).await?,
    ))
}
