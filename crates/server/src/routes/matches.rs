//! `/v1/matches/*`: a player's history, one match, and the accept step of a found match. The
//! rules are in [`crate::ratings::history`] and [`crate::sessions::acceptance`].

use axum::extract::State;
use rally_protocol::{
    MatchAcceptance, Problem,
    rating::{HistoryPage, HistoryQuery, MatchSummary},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path, Query},
    ratings::history::Filter,
    sessions::acceptance,
};

/// The match routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history_page))
        .routes(routes!(one))
        .routes(routes!(acceptance_of))
        .routes(routes!(accept))
        .routes(routes!(decline))
}

/// The accept step of a found match, as one of its players sees it: who accepted so far, until
/// when, and how it ended.
#[utoipa::path(get, path = "/v1/matches/{match_id}/acceptance", tag = "matches", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match (from `match.found`)")),
    responses(
        (status = 200, description = "The accept step", body = MatchAcceptance),
        (status = 403, description = "`not_participant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_accept_step` (the queue asks for none)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn acceptance_of(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(match_id): Path<Uuid>,
) -> Result<Json<MatchAcceptance>, ApiError> {
    Ok(Json(
        acceptance::status(app.sessions(), match_id, caller.player_id).await?,
    ))
}

/// Accepts a found match of a queue with an accept step. Once every player has, its server is
/// allocated (`session.ready` follows); accepting again answers the same.
#[utoipa::path(post, path = "/v1/matches/{match_id}/accept", tag = "matches", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match (from `match.found`)")),
    responses(
        (status = 200, description = "The accept step after the caller's acceptance", body = MatchAcceptance),
        (status = 403, description = "`not_participant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_accept_step` (the queue asks for none), `accept_closed` (declined, expired or past the deadline; `state` says which)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn accept(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(match_id): Path<Uuid>,
) -> Result<Json<MatchAcceptance>, ApiError> {
    Ok(Json(
        acceptance::accept(app.sessions(), match_id, caller.player_id).await?,
    ))
}

/// Declines a found match of a queue with an accept step: the match is cancelled
/// (`match.cancelled`, reason `declined`), the caller's ticket (with their party) ends and they
/// get a queue cooldown, longer with each decline; the other players go back to the queue with
/// their wait kept.
#[utoipa::path(post, path = "/v1/matches/{match_id}/decline", tag = "matches", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match (from `match.found`)")),
    responses(
        (status = 200, description = "The accept step, declined", body = MatchAcceptance),
        (status = 403, description = "`not_participant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_accept_step` (the queue asks for none), `accept_closed` (accepted by all, declined, expired or past the deadline; `state` says which)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn decline(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(match_id): Path<Uuid>,
) -> Result<Json<MatchAcceptance>, ApiError> {
    Ok(Json(
        acceptance::decline(app.sessions(), match_id, caller.player_id).await?,
    ))
}

/// A player's matches, newest first.
#[utoipa::path(get, path = "/v1/matches/history", tag = "matches", security(("bearer" = [])),
    params(HistoryQuery),
    responses(
        (status = 200, description = "A page of history", body = HistoryPage),
        (status = 400, description = "`bad_query` (a cursor this server did not give)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn history_page(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Query(params): Query<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let filter = Filter {
        mode: params.mode,
        season_id: params.season,
    };
    let player = params.player_id.unwrap_or(caller.player_id);
    Ok(Json(
        app.ratings()
            .history(
                player,
                params.cursor.as_deref(),
                params.limit.unwrap_or(20),
                &filter,
            )
            .await?,
    ))
}

/// One match with its players, as public information.
#[utoipa::path(get, path = "/v1/matches/{match_id}", tag = "matches", security(("bearer" = [])),
    params(("match_id" = Uuid, Path, description = "The match")),
    responses(
        (status = 200, description = "The match", body = MatchSummary),
        (status = 404, description = "`match_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn one(
    State(app): State<AppState>,
    _caller: AuthenticatedPlayer,
    Path(match_id): Path<Uuid>,
) -> Result<Json<MatchSummary>, ApiError> {
    Ok(Json(app.ratings().one(match_id).await?))
}
