//! `GET /v1/ws`: the WebSocket gateway. The protocol is in [`rally_protocol::gateway`]; the
//! machinery in [`crate::gateway`].

use axum::{
    extract::{
        State,
        ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::{HeaderMap, header},
    response::Response,
};
use rally_protocol::{Problem, gateway::close_code};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    gateway::connection,
    http::{ApiError, Query, authenticated::authenticate},
};

/// The gateway route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect))
}

/// How a client connects.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConnectParams {
    /// The access token, for clients that cannot set `Authorization` (browsers).
    token: Option<String>,
    /// The session to resume (`hello.session_id` of the earlier connection).
    resume: Option<Uuid>,
    /// With `resume`: the `seq` of the last push the client received.
    last_seq: Option<u64>,
}

/// Opens the WebSocket gateway. Authenticate with `Authorization: Bearer <token>` or
/// `?token=`; a missing or invalid token, or a banned account, is closed with 1008 (policy
/// violation) and the problem's code as reason, before any event. The first frame is `hello`.
#[utoipa::path(get, path = "/v1/ws", tag = "gateway", params(ConnectParams),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol (see `rally_protocol::gateway`)"),
        (status = 400, description = "`bad_query`", body = Problem, content_type = "application/problem+json"),
        (status = 426, description = "`websocket_expected`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn connect(
    State(app): State<AppState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    Query(params): Query<ConnectParams>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|_| ApiError::WebSocketExpected)?;
    let resume = match (params.resume, params.last_seq) {
        (Some(session), last_seq) => Some((session, last_seq.unwrap_or(0))),
        (None, Some(_)) => {
            return Err(ApiError::BadQuery("`last_seq` needs `resume`".to_owned()));
        }
        (None, None) => None,
    };
    let token = bearer(&headers).or(params.token);
    let admitted = match token {
        Some(token) => authenticate(&app, &token).await,
        None => Err(ApiError::Unauthorized("the gateway needs an access token")),
    };
    let gateway = app.gateway().clone();
    let limits = gateway.limits();
    Ok(upgrade
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| async move {
            match admitted {
                Ok(player) => connection::serve(socket, gateway, player.player_id, resume).await,
                Err(error) => {
                    let (_, code) = error.status_and_code();
                    connection::refuse(socket, close_code::POLICY_VIOLATION, code).await;
                }
            }
        }))
}

/// The token of an `Authorization: Bearer` header, when there is one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}
