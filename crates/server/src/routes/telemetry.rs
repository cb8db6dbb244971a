//! `GET /metrics`: Prometheus text exposition of this node's metrics. Served on the API's
//! address, or only on `metrics_listen` when that is set, so operators can keep it private.

use axum::{
    extract::State,
    http::{Uri, header},
    response::{IntoResponse, Response},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{app::AppState, http::ApiError};

/// The telemetry routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics: per-route request counts and latency histograms, and Rally's own.
/// 404 here when `metrics_listen` moves them to an address of their own.
#[utoipa::path(get, path = "/metrics", tag = "telemetry",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(app): State<AppState>, uri: Uri) -> Response {
    if app.settings().telemetry.metrics_listen.is_some() {
        return ApiError::RouteNotFound(uri.path().to_owned()).into_response();
    }
    render(State(app)).await
}

/// The exposition itself, for the API router and the private metrics address alike.
pub async fn render(State(app): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::http::metrics::exposition(app.metrics()),
    )
        .into_response()
}
