//! `/v1/auth/*`: registration, login, refresh and logout. Each handler parses and hands over to
//! the accounts service ([`crate::accounts`]), which keeps the rate limits.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request, State},
    http::StatusCode,
    response::IntoResponse,
};
use rally_protocol::{
    AuthResponse, LoginRequest, LogoutRequest, Problem, RefreshRequest, RegisterRequest,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::{login, registration, session},
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, ClientAddress, Json},
};

/// The auth routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

/// Creates an account and logs it in.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "The player and a token pair", body = AuthResponse),
        (status = 409, description = "`username_taken` or `email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks its rule (`invalid_username`, ...)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many registrations from this address", body = Problem, content_type = "application/problem+json"),
    ))]
async fn register(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let answer = registration::register(app.accounts(), request, address).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Logs in with a username or email and a password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "The player and a token pair", body = AuthResponse),
        (status = 401, description = "`invalid_credentials`, whether the account exists or not", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_banned` or `account_disabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: per address, or the account is locked after failures", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<LoginRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(login::login(app.accounts(), request, address).await?))
}

/// Spends a refresh token for a new pair.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = AuthResponse),
        (status = 401, description = "`invalid_refresh_token`, `refresh_token_expired`, `refresh_token_revoked`, or `refresh_token_reused` (the whole login is now revoked)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_banned` or `account_disabled`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn refresh(
    State(app): State<AppState>,
    Json(request): Json<RefreshRequest>,
) -> Result<Json<AuthResponse>, ApiError> {
    Ok(Json(
        session::refresh(app.accounts(), &request.refresh_token).await?,
    ))
}

/// Ends this login (its refresh tokens), or every login of the player with `{"all": true}`.
/// Access tokens already issued live out their short lifetime.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body(content = Option<LogoutRequest>),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    ))]
async fn logout(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    request: Request,
) -> Result<StatusCode, ApiError> {
    let body = Bytes::from_request(request, &app)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadJson(rejection.body_text()),
        })?;
    let request: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| ApiError::BadJson(error.to_string()))?
    };
    session::logout(
        app.accounts(),
        player.player_id,
        player.family_id,
        request.all,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
