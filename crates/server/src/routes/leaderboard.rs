//! `/v1/leaderboard/{season}`: seasonal standings by conservative rating. The rules are in
//! [`crate::ratings::standings`] ([`Ratings::standings`](crate::ratings::Ratings::standings)).

use axum::extract::State;
use rally_protocol::{
    Problem,
    rating::{LeaderboardPage, LeaderboardQuery},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState,
    http::{ApiError, Json, Path, Query, VerifiedPlayer},
};

/// The leaderboard routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(me))
}

/// The standings of a season (`current`, a name, or an id) and queue.
#[utoipa::path(get, path = "/v1/leaderboard/{season}", tag = "leaderboard", security(("bearer" = [])),
    params(("season" = String, Path, description = "`current`, a season's name or id"), LeaderboardQuery),
    responses(
        (status = 200, description = "A page of the standings", body = LeaderboardPage),
        (status = 404, description = "`season_not_found`, `not_ranked`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn board(
    State(app): State<AppState>,
    caller: VerifiedPlayer,
    Path(season): Path<String>,
    Query(params): Query<LeaderboardQuery>,
) -> Result<Json<LeaderboardPage>, ApiError> {
    let ratings = app.ratings();
    let page = caller.admitted(&app, async {
        match params.around {
            Some(player) => {
                ratings
                    .around(&season, &params.mode, player, params.radius.unwrap_or(5))
                    .await
            }
            None => {
                ratings
                    .standings(
                        &season,
                        &params.mode,
                        params.limit.unwrap_or(100),
                        params.cursor.as_deref(),
                    )
                    .await
            }
        }
    });
    Ok(Json(page.await?))
}

/// The caller's rank and the players around them.
#[utoipa::path(get, path = "/v1/leaderboard/{season}/me", tag = "leaderboard", security(("bearer" = [])),
    params(("season" = String, Path, description = "`current`, a season's name or id"), LeaderboardQuery),
    responses(
        (status = 200, description = "The caller and their neighbours", body = LeaderboardPage),
        (status = 404, description = "`season_not_found`, `not_ranked`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn me(
    State(app): State<AppState>,
    caller: VerifiedPlayer,
    Path(season): Path<String>,
    Query(params): Query<LeaderboardQuery>,
) -> Result<Json<LeaderboardPage>, ApiError> {
    let page = caller.admitted(
        &app,
        app.ratings().around(
            &season,
            &params.mode,
            caller.player_id,
            params.radius.unwrap_or(5),
        ),
    );
    Ok(Json(page.await?))
}
