//! `/v1/party/{id}/voice`: a party member's access to the party's voice room. The rules are in
//! [`crate::voice`].

use axum::extract::State;
use rally_protocol::{Problem, VoiceAccess};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
    voice,
};

/// The voice routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(access))
}

/// The caller's access to their party's voice room: the provider, where to connect, the room
/// and a token of their own. The room changes when a member leaves or is kicked (fetch again on
/// `party.updated`); the token lapses after `voice_token_ttl_s`.
#[utoipa::path(get, path = "/v1/party/{id}/voice", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The caller's access", body = VoiceAccess),
        (status = 404, description = "`party_not_found`, `not_in_party`, `voice_not_configured`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`backend_unavailable`: the voice provider did not answer", body = Problem, content_type = "application/problem+json"),
    ))]
async fn access(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<VoiceAccess>, ApiError> {
    Ok(Json(
        voice::access(app.voice(), caller.player_id, id).await?,
    ))
}
