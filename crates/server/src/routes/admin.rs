//! `/admin/v1/*`: the studio's operators. `POST /admin/v1/login` answers an operator token;
//! every other route takes it (`AuthenticatedOperator`) and checks the role it needs. The
//! rules are in [`crate::operators`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem,
    admin::{
        AdminPlayer, AdminPlayerList, AuditPage, AuditQuery, BanRequest, OperatorLogin,
        OperatorLoginRequest, OperatorRoleName, OperatorView, PlayerSearchQuery,
    },
    moderation::{LiftRequest, SanctionList, SanctionRequest, SanctionView},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedOperator, ClientAddress, Json, Path, Query},
    operators::{self, players, sanctions},
};

/// A search's page when the query names none.
const SEARCH_DEFAULT: u32 = 20;

/// The audit log's page when the query names none.
const AUDIT_PAGE_DEFAULT: u32 = 50;

/// The admin routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
        .routes(routes!(audit))
        .routes(routes!(search_players))
        .routes(routes!(player))
        .routes(routes!(ban, unban))
        .routes(routes!(sanctions_of, give_sanction))
        .routes(routes!(lift_sanction))
}

/// Logs an operator in: a token for `/admin/v1/*` only, good for 15 minutes.
#[utoipa::path(post, path = "/admin/v1/login", tag = "admin", request_body = OperatorLoginRequest,
    responses(
        (status = 200, description = "The operator and their token", body = OperatorLogin),
        (status = 401, description = "`invalid_credentials`: unknown, disabled, a wrong password or a wrong code, alike; `totp_required`: the password is right and the operator's one-time code is needed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: per address, or the name is locked after failures", body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<OperatorLoginRequest>,
) -> Result<Json<OperatorLogin>, ApiError> {
    let answer = operators::login(
        app.operators(),
        &request.name,
        request.password,
        request.totp.as_deref(),
        address,
    )
    .await?;
    Ok(Json(answer))
}

/// The operator the token names, with their role as it is now.
#[utoipa::path(get, path = "/admin/v1/me", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The operator", body = OperatorView),
        (status = 401, description = "`invalid_token` (a player's token among others) or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(AuthenticatedOperator(acting): AuthenticatedOperator) -> Json<OperatorView> {
    Json(operators::view(&acting.operator))
}

/// The audit log, newest first (admins only).
#[utoipa::path(get, path = "/admin/v1/audit", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Newest first; `next_before` starts the older page", body = AuditPage),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role_required`: admins only", body = Problem, content_type = "application/problem+json"),
    ))]
async fn audit(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    acting.require(OperatorRoleName::Admin)?;
    let limit = query.limit.unwrap_or(AUDIT_PAGE_DEFAULT);
    let page = operators::audit_log(app.operators(), query.before, i64::from(limit)).await?;
    Ok(Json(page))
}

/// Players by id, or by the start of their username, email or display name (any role).
#[utoipa::path(get, path = "/admin/v1/players", tag = "admin", security(("bearer" = [])),
    params(PlayerSearchQuery),
    responses(
        (status = 200, description = "The players found, by username", body = AdminPlayerList),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn search_players(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Query(query): Query<PlayerSearchQuery>,
) -> Result<Json<AdminPlayerList>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    let limit = query.limit.unwrap_or(SEARCH_DEFAULT);
    Ok(Json(
        players::search(app.operators(), &query.q, limit).await?,
    ))
}

/// One player, with their ban while one holds (any role).
#[utoipa::path(get, path = "/admin/v1/players/{player_id}", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    responses(
        (status = 200, description = "The player", body = AdminPlayer),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn player(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
) -> Result<Json<AdminPlayer>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    Ok(Json(players::one(app.operators(), player_id).await?))
}

/// Bans a player, for `duration_s` or permanently (moderators and admins): within about a
/// second every node closes their sockets, their ticket is cancelled, they leave their party,
/// and their tokens and logins are refused. In the audit log, by the operator.
#[utoipa::path(post, path = "/admin/v1/players/{player_id}/ban", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    request_body = BanRequest,
    responses(
        (status = 200, description = "The player, banned", body = AdminPlayer),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `reason` (1 to 500 characters) or `duration_s`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn ban(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
    Json(request): Json<BanRequest>,
) -> Result<Json<AdminPlayer>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        players::give_ban(app.operators(), &acting, player_id, request).await?,
    ))
}

/// Lifts a player's ban (moderators and admins). In the audit log, by the operator.
#[utoipa::path(delete, path = "/admin/v1/players/{player_id}/ban", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    responses(
        (status = 200, description = "The player, no longer banned", body = AdminPlayer),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`, `not_banned`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn unban(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
) -> Result<Json<AdminPlayer>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        players::lift_ban(app.operators(), &acting, player_id).await?,
    ))
}

/// Every sanction the player was given, held and past, newest first (any role).
#[utoipa::path(get, path = "/admin/v1/players/{player_id}/sanctions", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    responses(
        (status = 200, description = "Newest first", body = SanctionList),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn sanctions_of(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
) -> Result<Json<SanctionList>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    Ok(Json(sanctions::of(app.operators(), player_id).await?))
}

/// Sanctions a player (moderators and admins): a ban (as `POST .../ban`), a chat mute (their
/// writes refused with `403 muted`), or a queue cooldown (their search cancelled, queueing
/// refused with `403 queue_cooldown` until it ends). It replaces their held sanction of its
/// kind. In the audit log, by the operator.
#[utoipa::path(post, path = "/admin/v1/players/{player_id}/sanctions", tag = "admin", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player's id")),
    request_body = SanctionRequest,
    responses(
        (status = 201, description = "The sanction, holding", body = SanctionView),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `reason` (1 to 500 characters) or `duration_s`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn give_sanction(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(player_id): Path<Uuid>,
    Json(request): Json<SanctionRequest>,
) -> Result<(StatusCode, Json<SanctionView>), ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    let given = sanctions::give(app.operators(), &acting, player_id, request).await?;
    Ok((StatusCode::CREATED, Json(given)))
}

/// Lifts a sanction, with a reason (moderators and admins). In the audit log, by the operator.
#[utoipa::path(post, path = "/admin/v1/sanctions/{sanction_id}/lift", tag = "admin", security(("bearer" = [])),
    params(("sanction_id" = Uuid, Path, description = "The sanction's id")),
    request_body = LiftRequest,
    responses(
        (status = 200, description = "The sanction, lifted", body = SanctionView),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`sanction_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`sanction_not_held`: lifted already, or over", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `reason` (1 to 500 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn lift_sanction(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(sanction_id): Path<Uuid>,
    Json(request): Json<LiftRequest>,
) -> Result<Json<SanctionView>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        sanctions::lift(app.operators(), &acting, sanction_id, &request.reason, true).await?,
    ))
}
