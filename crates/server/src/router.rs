//! Every route of the HTTP API at a glance, and the layers around them.
//!
//! | method | path | module |
//! |---|---|---|
//! | GET | `/healthz` | [`routes::health`] |
//! | GET | `/readyz` | [`routes::health`] |
//! | GET | `/metrics` | [`routes::telemetry`] |
//! | GET | `/openapi.json`, `/docs` | here |
//! | POST | `/v1/auth/register` | [`routes::auth`] |
//! | POST | `/v1/auth/login` | [`routes::auth`] |
//! | POST | `/v1/auth/refresh` | [`routes::auth`] |
//! | POST | `/v1/auth/logout` | [`routes::auth`] (bearer) |
//! | GET, PATCH | `/v1/profile/me` | [`routes::profile`] (bearer) |
//! | GET | `/v1/profile/{player_id}` | [`routes::profile`] (bearer) |
//! | POST | `/v1/party` | [`routes::party`] (bearer) |
//! | GET | `/v1/party/me`, `/v1/party/{id}` | [`routes::party`] (bearer) |
//! | POST | `/v1/party/{id}/join`, `/leave`, `/invite`, `/invite/decline` | [`routes::party`] (bearer) |
//! | POST | `/v1/party/{id}/kick`, `/promote`, `/ready`, `/ready-check` | [`routes::party`] (bearer) |
//! | GET | `/v1/queues` | [`routes::queue`] (bearer) |
//! | POST, GET, DELETE | `/v1/queue` | [`routes::queue`] (bearer) |
//! | GET | `/v1/session/{match_id}` | [`routes::session`] (bearer) |
//! | POST | `/v1/server/sessions/{match_id}/verify`, `/heartbeat`, `/result` | [`routes::server`] (server key) |
//! | POST, DELETE | `/v1/server/sessions/{match_id}/backfill` | [`routes::server`] (server key) |
//! | GET | `/v1/matches/history`, `/v1/matches/{match_id}`, `/v1/matches/{match_id}/acceptance` | [`routes::matches`] (bearer) |
//! | POST | `/v1/matches/{match_id}/accept`, `/decline` | [`routes::matches`] (bearer) |
//! | GET | `/v1/friends` | [`routes::friends`] (bearer) |
//! | POST | `/v1/friends/requests`, `/v1/friends/requests/{player_id}/accept`, `/decline` | [`routes::friends`] (bearer) |
//! | DELETE | `/v1/friends/requests/{player_id}`, `/v1/friends/{player_id}` | [`routes::friends`] (bearer) |
//! | GET | `/v1/blocks` | [`routes::blocks`] (bearer) |
//! | PUT, DELETE | `/v1/blocks/{player_id}` | [`routes::blocks`] (bearer) |
//! | GET, POST | `/v1/chat/channels/{channel}/messages` | [`routes::chat`] (bearer) |
//! | POST | `/v1/chat/channels/{channel}/read`, `/v1/chat/messages/{id}/report` | [`routes::chat`] (bearer) |
//! | PATCH, DELETE | `/v1/chat/messages/{id}` | [`routes::chat`] (bearer) |
//! | GET | `/v1/chat/unread` | [`routes::chat`] (bearer) |
//! | GET | `/v1/party/{id}/voice` | [`routes::voice`] (bearer, a member) |
//! | GET | `/v1/leaderboard/{season}`, `/v1/leaderboard/{season}/me` | [`routes::leaderboard`] (bearer) |
//! | GET | `/v1/ws` (WebSocket) | [`routes::gateway`] (bearer or `?token=`) |
//! | GET | `/v1/matches/{match_id}/voice` | [`routes::voice`] (bearer, a player) |
//! | POST | `/v1/reports` | [`routes::reports`] (bearer) |
//! | GET, POST | `/v1/sanctions`, `/v1/appeals` | [`routes::appeals`] (bearer, or a banned player's appeal token) |
//! | POST | `/admin/v1/login` | [`routes::admin`] |
//! | GET | `/admin/v1/me`, `/admin/v1/audit` | [`routes::admin`] (operator bearer) |
//! | GET, POST | `/admin/v1/players...`, `/admin/v1/sanctions/{id}/lift` | [`routes::admin`] (operator bearer) |
//! | GET, POST | `/admin/v1/reports...`, `/admin/v1/appeals...` | [`routes::moderation`] (operator bearer) |
//! | GET, POST | `/admin/v1/queues`, `/sessions...`, `/seasons...`, `/leaderboards/rebuild`, `/players/{id}/ratings`, `/players/{id}/history` | [`routes::operations`] (operator bearer) |
//!
//! Every request body is limited to `body_limit_bytes` (413 `payload_too_large` beyond).

use axum::{Router, extract::DefaultBodyLimit, middleware};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    app::AppState,
    http::{self, ApiError, metrics, request_id},
    routes,
};

/// The OpenAPI document's fixed parts; the paths come from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rally",
        description = "Self-hostable matchmaking for multiplayer games: accounts, parties, matchmaking, game sessions, ratings and leaderboards."
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme (the access token) that authenticated routes name.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings().http.body_limit_bytes;
    let admission = state.admission().clone();
    let (routes, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::telemetry::router())
        .merge(routes::auth::router())
        .merge(routes::profile::router())
        .merge(routes::party::router())
        .merge(routes::friends::router())
        .merge(routes::blocks::router())
        .merge(routes::reports::router())
        .merge(routes::appeals::router())
        .merge(routes::chat::router())
        .merge(routes::voice::router())
        .merge(routes::gateway::router())
        .merge(routes::queue::router())
        .merge(routes::session::router())
        .merge(routes::matches::router())
        .merge(routes::leaderboard::router())
        .merge(routes::server::router())
        .merge(routes::admin::router())
        .merge(routes::moderation::router())
        .merge(routes::operations::router())
        .split_for_parts();
    let docs: Router<AppState> = SwaggerUi::new("/docs").url("/openapi.json", api).into();
    let routes = routes
        .merge(docs)
        .fallback(
            |uri: axum::http::Uri| async move { ApiError::RouteNotFound(uri.path().to_owned()) },
        )
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            admission,
            http::admission::admit,
        ))
        .layer(middleware::from_fn(metrics::track));
    request_id::around(routes).with_state(state)
}

/// The router of the private metrics address (`metrics_listen`): `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(routes::telemetry::render))
        .fallback(
            |uri: axum::http::Uri| async move { ApiError::RouteNotFound(uri.path().to_owned()) },
        )
        .with_state(state)
}
