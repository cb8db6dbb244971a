//! `/admin/v1/reports/*`: the moderation queue, for operators. Viewers read; moderators and
//! admins assign, note and close. The rules are in [`crate::operators::reports`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    Problem,
    admin::OperatorRoleName,
    moderation::{
        AssignRequest, NoteRequest, ReportDetail, ReportNoteView, ReportPage, ReportQuery,
        ReportView, ResolveRequest,
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedOperator, Json, Path, Query},
    operators::reports,
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
