//! Liveness and readiness, for load balancers, orchestrators and `rally health`.

use axum::{http::StatusCode, response::IntoResponse};
use rally_protocol::{Problem, Readiness};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{app::AppState, http::ApiError, http::Json};

/// The health routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// Whether the process is alive: 200 as long as it can answer at all.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The process is alive")))]
async fn healthz() -> impl IntoResponse {
    (
        StatusCode::OK,
        Json(serde_json::json!({ "status": "alive" })),
    )
}

/// Whether this node can serve: every configured backend is checked, with its latency. 503
/// names the backends that do not answer; it turns back to 200 by itself when they return.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "Every backend answered", body = Readiness),
    (status = 503, description = "A backend does not answer", body = Problem,
        content_type = "application/problem+json"),
))]
async fn readyz(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> Result<Json<Readiness>, ApiError> {
    let report = app
        .backends()
        .readiness(app.settings().readiness_timeout())
        .await;
    if report.is_ready() {
        return Ok(Json(report));
    }
    let down: Vec<String> = report
        .backends
        .iter()
        .filter(|b| !b.ok)
        .map(|b| format!("{} ({})", b.role, b.name))
        .collect();
    Err(ApiError::NotReady {
        detail: format!("{} unavailable", down.join(", ")),
        report: serde_json::to_value(&report.backends)
            .expect("BUG: a readiness report always serializes"),
    })
}
