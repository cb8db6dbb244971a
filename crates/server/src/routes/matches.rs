//! `/v1/matches/*`: a player's history, and one match. The rules are in
//! [`crate::ratings::history`].

use axum::extract::State;
use rally_protocol::{
    Problem,
    rating::{HistoryPage, HistoryQuery, MatchSummary},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    http::{ApiError, AuthenticatedPlayer, Json, Path, Query},
    ratings::history::Filter,
};

/// The match routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history_page))
        .routes(routes!(one))
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
