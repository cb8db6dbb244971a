//! `/v1/friends/*`: the friends list with presence, requests, acceptance and removal. The rules
//! are in [`crate::friends`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{Friend, FriendList, FriendRequest, Problem};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    friends,
    http::{ApiError, AuthenticatedPlayer, Json, Path},
};

/// The friends routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(request))
        .routes(routes!(accept))
        .routes(routes!(decline))
        .routes(routes!(cancel))
        .routes(routes!(remove))
}

/// The caller's friends, with where each is, then the requests waiting either way.
#[utoipa::path(get, path = "/v1/friends", tag = "friends", security(("bearer" = [])),
    responses(
        (status = 200, description = "Friends first, then requests, each by display name", body = FriendList),
    ))]
async fn list(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
) -> Result<Json<FriendList>, ApiError> {
    Ok(Json(friends::list(app.friends(), caller.player_id).await?))
}

/// Asks a player to be friends (`friend.updated` to both). When that player had asked the
/// caller already, this accepts their request instead.
#[utoipa::path(post, path = "/v1/friends/requests", tag = "friends", security(("bearer" = [])),
    request_body = FriendRequest,
    responses(
        (status = 201, description = "The request as the caller sees it (`outgoing`), or the friendship (`friend`) when it met the other's request", body = Friend),
        (status = 404, description = "`player_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_friends`, `friend_request_exists`, `friends_limit`, `friend_requests_limit`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`cannot_befriend_self`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn request(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Json(body): Json<FriendRequest>,
) -> Result<(StatusCode, Json<Friend>), ApiError> {
    let friend = friends::request(app.friends(), caller.player_id, body.player_id).await?;
    Ok((StatusCode::CREATED, Json(friend)))
}

/// Accepts the request a player sent the caller.
#[utoipa::path(post, path = "/v1/friends/requests/{player_id}/accept", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player who asked")),
    responses(
        (status = 200, description = "The friendship", body = Friend),
        (status = 404, description = "`player_not_found`, `friend_request_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`friends_limit`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn accept(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<Json<Friend>, ApiError> {
    Ok(Json(
        friends::accept(app.friends(), caller.player_id, player_id).await?,
    ))
}

/// Declines the request a player sent the caller; they may ask again.
#[utoipa::path(post, path = "/v1/friends/requests/{player_id}/decline", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player who asked")),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "`player_not_found`, `friend_request_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn decline(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    friends::decline(app.friends(), caller.player_id, player_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws the request the caller sent a player.
#[utoipa::path(delete, path = "/v1/friends/requests/{player_id}", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The player asked")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "`player_not_found`, `friend_request_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    friends::cancel(app.friends(), caller.player_id, player_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a friendship.
#[utoipa::path(delete, path = "/v1/friends/{player_id}", tag = "friends", security(("bearer" = [])),
    params(("player_id" = Uuid, Path, description = "The friend")),
    responses(
        (status = 204, description = "No longer friends"),
        (status = 404, description = "`player_not_found`, `not_friends`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn remove(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(player_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    friends::remove(app.friends(), caller.player_id, player_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
