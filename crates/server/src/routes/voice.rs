//! `/v1/party/{id}/voice` and `/v1/matches/{match_id}/voice`: a party member's access to the party's
//! voice room, and a player's to their team's in a running match. The rules are in
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
    OpenApiRouter::new()
        .routes(routes!(party))
        .routes(routes!(team))
}

/// The caller's access to their party's voice room: the provider, where to connect, the room
/// and a token of their own. The room changes when a member leaves or is kicked (the
/// `party.updated` push saying so carries the new access); the token lapses after
/// `voice_token_ttl_s`.
#[utoipa::path(get, path = "/v1/party/{id}/voice", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The caller's access", body = VoiceAccess),
        (status = 404, description = "`party_not_found`, `not_in_party`, `voice_not_configured`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`backend_unavailable`: the voice provider did not answer", body = Problem, content_type = "application/problem+json"),
    ))]
async fn party(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<VoiceAccess>, ApiError> {
    Ok(Json(
        voice::party::access(app.voice(), caller.player_id, id).await?,
    ))
}

/// The caller's access to their team's voice room in a running match whose queue sets
/// `team_voice` (also pushed in `session.ready`); the token lapses after `voice_token_ttl_s`,
/// and none is handed out once the match is over.
#[utoipa::path(get, path = "/v1/matches/{match_id}/voice", tag = "matches", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match's id")),
    responses(
        (status = 200, description = "The caller's access to their team's room", body = VoiceAccess),
        (status = 403, description = "`not_participant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`, `voice_not_offered` (the queue has no team voice), `voice_not_configured`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`match_over`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`backend_unavailable`: the voice provider did not answer", body = Problem, content_type = "application/problem+json"),
    ))]
async fn team(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<VoiceAccess>, ApiError> {
    Ok(Json(
        voice::team::access(app.voice(), caller.player_id, id).await?,
    ))
}
