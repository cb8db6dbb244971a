//! Every route of the HTTP API at a glance, and the layers around them.
//!
//! | method | path | module |
//! |---|---|---|
//! | GET | `/healthz` | [`routes::health`] |
//! | GET | `/readyz` | [`routes::health`] |
//! | GET | `/metrics` | [`routes::telemetry`] |
//! | GET | `/openapi.json`, `/docs` | here |

use axum::{Router, middleware};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    app::AppState,
    http::{ApiError, metrics, request_id},
    routes,
};

/// The OpenAPI document's fixed parts; the paths come from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(info(
    title = "Rally",
    description = "Self-hostable matchmaking for multiplayer games: accounts, parties, matchmaking, game sessions, ratings and leaderboards."
))]
struct ApiDoc;

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (routes, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::telemetry::router())
        .split_for_parts();
    let docs: Router<AppState> = SwaggerUi::new("/docs").url("/openapi.json", api).into();
    routes
        .merge(docs)
        .fallback(
            |uri: axum::http::Uri| async move { ApiError::RouteNotFound(uri.path().to_owned()) },
        )
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn(request_id::request_id))
        .with_state(state)
}
