//! `/v1/blocks/*`: blocking a player, lifting the block, and the list of players blocked. The
//! rules are in [`crate::friends`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{BlockList, Problem};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    friends,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
};

/// The block routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(block, unblock))
}

/// The players the caller blocked, most recent first.
#[utoipa::path(get, path = "/v1/blocks", tag = "friends", security(("bearer" = [])),
    responses(
        (status = 200, description = "The players the caller blocked", body = BlockList),
    ))]
async fn list(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
) -> Result<Json<BlockList>, ApiError> {
    Ok(Json(
        friends::blocked(app.friends(), caller.player_id).await?,
    ))
}

/// Blocks a player: any friendship or request between the two ends, neither can ask the other
/// to be friends or invite them to a party, and the matchmaker keeps them apart. The blocked
/// player is not told. Blocking a player blocked already changes nothing.
#[utoipa::path(put, path = "/v1/blocks/{player_id}", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player to block")),
    responses(
        (status = 204, description = "Blocked"),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`blocks_limit`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`cannot_block_self`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn block(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    friends::block(app.friends(), caller.player_id, player_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts the caller's block of a player.
#[utoipa::path(delete, path = "/v1/blocks/{player_id}", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The blocked player")),
    responses(
        (status = 204, description = "No longer blocked"),
        (status = 404, description = "`player_not_found`, `not_blocked`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn unblock(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    friends::unblock(app.friends(), caller.player_id, player_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
