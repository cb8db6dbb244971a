//! `/v1/leaderboard/{season}`: seasonal standings by conservative rating. The rules are in
//! [`crate::ratings::standings`].

use axum::extract::State;
use rally_protocol::{Problem, rating::LeaderboardPage};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::AuthenticatedPlayer,
    http::{ApiError, Json, Path, Query},
    ratings::standings,
};

/// The leaderboard routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(me))
}

/// How a leaderboard is asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardParams {
    /// The queue.
    mode: String,
    /// Rows (1 to 100; 100 when absent).
    limit: Option<u64>,
    /// From the previous page's `next_cursor`.
    cursor: Option<String>,
    /// Instead of a page: this player and those around them.
    around: Option<Uuid>,
    /// With `around` or `/me`: rows either side (5 when absent, 50 at most).
    radius: Option<u64>,
}

/// The standings of a season (`current`, a name, or an id) and queue.
#[utoipa::path(get, path = "/v1/leaderboard/{season}", tag = "leaderboard", security(("bearer" = [])),
    params(("season" = String, Path, description = "`current`, a season's name or id"), BoardParams),
    responses(
        (status = 200, description = "A page of the standings", body = LeaderboardPage),
        (status = 404, description = "`season_not_found`, `not_ranked`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn board(
    State(app): State<AppState>,
    _caller: AuthenticatedPlayer,
    Path(season): Path<String>,
    Query(params): Query<BoardParams>,
) -> Result<Json<LeaderboardPage>, ApiError> {
    if let Some(player) = params.around {
        return Ok(Json(
            standings::around(
                &app,
                &season,
                &params.mode,
                player,
                params.radius.unwrap_or(5),
            )
            .await?,
        ));
    }
    Ok(Json(
        standings::page(
            &app,
            &season,
            &params.mode,
            params.limit.unwrap_or(100),
            params.cursor.as_deref(),
        )
        .await?,
    ))
}

/// The caller's rank and the players around them.
#[utoipa::path(get, path = "/v1/leaderboard/{season}/me", tag = "leaderboard", security(("bearer" = [])),
    params(("season" = String, Path, description = "`current`, a season's name or id"), BoardParams),
    responses(
        (status = 200, description = "The caller and their neighbours", body = LeaderboardPage),
        (status = 404, description = "`season_not_found`, `not_ranked`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(season): Path<String>,
    Query(params): Query<BoardParams>,
) -> Result<Json<LeaderboardPage>, ApiError> {
    Ok(Json(
        standings::around(
            &app,
            &season,
            &params.mode,
            caller.player_id,
            params.radius.unwrap_or(5),
        )
        .await?,
    ))
}
