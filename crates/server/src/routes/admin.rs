//! `/admin/v1/*`: the studio's operators. `POST /admin/v1/login` answers an operator token;
//! every other route takes it (`AuthenticatedOperator`) and checks the role it needs. The
//! rules are in [`crate::operators`].

use axum::extract::State;
use rally_protocol::{
    Problem,
    admin::{
        AuditPage, AuditQuery, OperatorLogin, OperatorLoginRequest, OperatorRoleName, OperatorView,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedOperator, ClientAddress, Json, Query},
    operators,
};

/// The audit log's page when the query names none.
const AUDIT_PAGE_DEFAULT: u32 = 50;

/// The admin routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
        .routes(routes!(audit))
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
