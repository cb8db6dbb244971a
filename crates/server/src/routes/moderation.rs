//! `/admin/v1/reports/*` and `/admin/v1/appeals/*`: the moderation queue and the appeals, for
//! operators. Viewers read; moderators and admins assign, note, close and decide. The rules are
//! in [`crate::operators::reports`] and [`crate::operators::appeals`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem,
    admin::OperatorRoleName,
    moderation::{
        AppealPage, AppealQuery, AppealView, AssignRequest, DecideRequest, NoteRequest,
        ReportDetail, ReportNoteView, ReportPage, ReportQuery, ReportView, ResolveRequest,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedOperator, Json, Path, Query},
    operators::{appeals, reports},
};

/// A page when the query names no limit.
const PAGE_DEFAULT: u32 = 50;

/// The moderation queue's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .routes(routes!(detail))
        .routes(routes!(assign))
        .routes(routes!(note))
        .routes(routes!(resolve))
        .routes(routes!(appeal_page))
        .routes(routes!(decide))
}

/// Reports, newest first, by state, target or reporter (any role).
#[utoipa::path(get, path = "/admin/v1/reports", tag = "admin", security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, description = "Newest first; `next_before` starts the older page", body = ReportPage),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn page(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Query(query): Query<ReportQuery>,
) -> Result<Json<ReportPage>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    Ok(Json(reports::page(app.operators(), &query, limit).await?))
}

/// One report with its evidence and the moderators' notes (any role).
#[utoipa::path(get, path = "/admin/v1/reports/{report_id}", tag = "admin", security(("bearer" = [])),
    params(("report_id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The report and its notes", body = ReportDetail),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`report_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn detail(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(report_id): Path<Uuid>,
) -> Result<Json<ReportDetail>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    Ok(Json(reports::detail(app.operators(), report_id).await?))
}

/// Puts a moderator (the caller when none is named) on a report, which goes in review
/// (moderators and admins). In the audit log.
#[utoipa::path(post, path = "/admin/v1/reports/{report_id}/assign", tag = "admin", security(("bearer" = [])),
    params(("report_id" = Uuid, Path, description = "The report's id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The report, in review", body = ReportView),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`report_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`report_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `operator_id` names no moderator or admin", body = Problem, content_type = "application/problem+json"),
    ))]
async fn assign(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(report_id): Path<Uuid>,
    Json(request): Json<AssignRequest>,
) -> Result<Json<ReportView>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        reports::assign(app.operators(), &acting, report_id, request.operator_id).await?,
    ))
}

/// Adds a note to a report (moderators and admins). In the audit log.
#[utoipa::path(post, path = "/admin/v1/reports/{report_id}/notes", tag = "admin", security(("bearer" = [])),
    params(("report_id" = Uuid, Path, description = "The report's id")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "The note", body = ReportNoteView),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`report_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `body` (1 to 2,000 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn note(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(report_id): Path<Uuid>,
    Json(request): Json<NoteRequest>,
) -> Result<(StatusCode, Json<ReportNoteView>), ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    let note = reports::note(app.operators(), &acting, report_id, &request.body).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Closes a report as actioned or dismissed, with the resolution (moderators and admins);
/// final. In the audit log.
#[utoipa::path(post, path = "/admin/v1/reports/{report_id}/resolve", tag = "admin", security(("bearer" = [])),
    params(("report_id" = Uuid, Path, description = "The report's id")),
    request_body = ResolveRequest,
    responses(
        (status = 200, description = "The report, closed", body = ReportView),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`report_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`report_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `resolution` (1 to 500 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn resolve(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(report_id): Path<Uuid>,
    Json(request): Json<ResolveRequest>,
) -> Result<Json<ReportView>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        reports::resolve(app.operators(), &acting, report_id, &request).await?,
    ))
}

/// Appeals, newest first, by state (any role).
#[utoipa::path(get, path = "/admin/v1/appeals", tag = "admin", security(("bearer" = [])),
    params(AppealQuery),
    responses(
        (status = 200, description = "Newest first; `next_before` starts the older page", body = AppealPage),
        (status = 401, description = "`invalid_token` or `token_expired`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn appeal_page(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Query(query): Query<AppealQuery>,
) -> Result<Json<AppealPage>, ApiError> {
    acting.require(OperatorRoleName::Viewer)?;
    let limit = query.limit.unwrap_or(PAGE_DEFAULT);
    Ok(Json(appeals::page(app.operators(), &query, limit).await?))
}

/// Upholds an appeal, or overturns it and lifts its sanction, with a reason the player is told
/// (moderators and admins). In the audit log.
#[utoipa::path(post, path = "/admin/v1/appeals/{appeal_id}/decide", tag = "admin", security(("bearer" = [])),
    params(("appeal_id" = Uuid, Path, description = "The appeal's id")),
    request_body = DecideRequest,
    responses(
        (status = 200, description = "The appeal, decided", body = AppealView),
        (status = 403, description = "`role_required`: moderators and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`appeal_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`appeal_decided`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: `reason` (1 to 500 characters)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn decide(
    State(app): State<AppState>,
    AuthenticatedOperator(acting): AuthenticatedOperator,
    Path(appeal_id): Path<Uuid>,
    Json(request): Json<DecideRequest>,
) -> Result<Json<AppealView>, ApiError> {
    acting.require(OperatorRoleName::Moderator)?;
    Ok(Json(
        appeals::decide(app.operators(), &acting, appeal_id, &request).await?,
    ))
}
