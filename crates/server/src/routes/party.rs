//! `/v1/party/*`: creating, reading, joining and leaving parties, invites, kicks, promotions,
//! readiness and ready checks. The rules are in [`crate::parties`]; a member is answered the
//! party with their access to its voice room ([`crate::voice::party::attach`]).

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    CreatePartyRequest, Party, PartyInvite, PartyPlayerRequest, Problem, ReadyRequest,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
    parties::{invite, lifecycle, ready},
    voice,
};

/// The party routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(mine))
        .routes(routes!(get))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(send_invite))
        .routes(routes!(decline_invite))
        .routes(routes!(kick))
        .routes(routes!(promote))
        .routes(routes!(set_ready))
        .routes(routes!(ready_check))
}

/// Creates a party; the caller leads it and is its first member.
#[utoipa::path(post, path = "/v1/party", tag = "party", security(("bearer" = [])),
    request_body = CreatePartyRequest,
    responses(
        (status = 201, description = "The new party", body = Party),
        (status = 409, description = "`already_in_party`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`max_size`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Json(request): Json<CreatePartyRequest>,
) -> Result<(StatusCode, Json<Party>), ApiError> {
    let shape = lifecycle::PartyShape::parse(request, &app.settings().parties)?;
    let party = lifecycle::create(app.parties(), player.player_id, shape).await?;
    Ok((
        StatusCode::CREATED,
        seen_by(&app, player.player_id, party).await,
    ))
}

/// The caller's party.
#[utoipa::path(get, path = "/v1/party/me", tag = "party", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's party", body = Party),
        (status = 404, description = "`not_in_party`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn mine(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
) -> Result<Json<Party>, ApiError> {
    let party = lifecycle::mine(app.parties(), player.player_id).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// A party, its members and its last ready check.
#[utoipa::path(get, path = "/v1/party/{id}", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party", body = Party),
        (status = 404, description = "`party_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<Party>, ApiError> {
    let party = lifecycle::get(app.parties(), id).await?;
    Ok(seen_by(&app, caller.player_id, party).await)
}

/// Joins an open party, or one the caller holds a live invite to.
#[utoipa::path(post, path = "/v1/party/{id}/join", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party joined", body = Party),
        (status = 403, description = "`not_invited` or `invite_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`party_full`, `already_in_party` or `party_closed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn join(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<Party>, ApiError> {
    let party = lifecycle::join(app.parties(), player.player_id, id).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// Leaves the party; the longest-standing member leads when the leader leaves, and the last
/// one out closes it.
#[utoipa::path(post, path = "/v1/party/{id}/leave", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 204, description = "Left"),
        (status = 404, description = "`party_not_found` or `not_in_party`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn leave(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    lifecycle::leave(app.parties(), player.player_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invites a player (the leader, or any member of an open party).
#[utoipa::path(post, path = "/v1/party/{id}/invite", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    request_body = PartyPlayerRequest,
    responses(
        (status = 201, description = "The invite", body = PartyInvite),
        (status = 403, description = "`not_party_leader`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found`, `not_in_party` or `player_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_invited`, `already_in_party` or `party_closed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn send_invite(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(request): Json<PartyPlayerRequest>,
) -> Result<(StatusCode, Json<PartyInvite>), ApiError> {
    let invite = invite::send(app.parties(), player.player_id, id, request.player_id).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

/// Declines the caller's live invite to the party.
#[utoipa::path(post, path = "/v1/party/{id}/invite/decline", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 204, description = "Declined"),
        (status = 403, description = "`not_invited` or `invite_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn decline_invite(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    invite::decline(app.parties(), player.player_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The leader removes a member.
#[utoipa::path(post, path = "/v1/party/{id}/kick", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    request_body = PartyPlayerRequest,
    responses(
        (status = 200, description = "The party without the member", body = Party),
        (status = 403, description = "`not_party_leader`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found` or `not_in_party`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid`: the leader named themselves", body = Problem, content_type = "application/problem+json"),
    ))]
async fn kick(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(request): Json<PartyPlayerRequest>,
) -> Result<Json<Party>, ApiError> {
    let party = lifecycle::kick(app.parties(), player.player_id, id, request.player_id).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// The leader hands the lead to another member.
#[utoipa::path(post, path = "/v1/party/{id}/promote", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    request_body = PartyPlayerRequest,
    responses(
        (status = 200, description = "The party under its new leader", body = Party),
        (status = 403, description = "`not_party_leader`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found` or `not_in_party`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn promote(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(request): Json<PartyPlayerRequest>,
) -> Result<Json<Party>, ApiError> {
    let party = lifecycle::promote(app.parties(), player.player_id, id, request.player_id).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// The caller's readiness; it answers a pending ready check.
#[utoipa::path(post, path = "/v1/party/{id}/ready", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    request_body = ReadyRequest,
    responses(
        (status = 200, description = "The party, with the ready check as it now is", body = Party),
        (status = 404, description = "`party_not_found` or `not_in_party`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn set_ready(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(request): Json<ReadyRequest>,
) -> Result<Json<Party>, ApiError> {
    let party = ready::answer(app.parties(), player.player_id, id, request.ready).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// The leader starts a ready check with a deadline (`party_ready_check_s`).
#[utoipa::path(post, path = "/v1/party/{id}/ready-check", tag = "party", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The party's id")),
    responses(
        (status = 200, description = "The party with its pending ready check", body = Party),
        (status = 403, description = "`not_party_leader`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`party_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`ready_check_in_progress` or `party_closed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn ready_check(
    State(app): State<AppState>,
    player: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<Json<Party>, ApiError> {
    let party = ready::start(app.parties(), player.player_id, id).await?;
    Ok(seen_by(&app, player.player_id, party).await)
}

/// `party` as answered to `caller`: with their access to its voice room when they are a member
/// (and the server has a voice provider).
async fn seen_by(app: &AppState, caller: Uuid, party: Party) -> Json<Party> {
    Json(voice::party::attach(app.voice(), caller, party).await)
}
