//! The record of play: match history and seasonal leaderboards.

use rally_protocol::rating::{
    HistoryPage, HistoryQuery, LeaderboardPage, LeaderboardQuery, MatchSummary,
};
use uuid::Uuid;

use super::Client;
use crate::{
    error::Result,
    http::{Call, encode},
};

impl Client {
    /// A page of match history, newest first: the player's, or another's with `player_id`.
    /// Pass the page's `next_cursor` as `cursor` for the next.
    pub async fn history(&self, query: &HistoryQuery) -> Result<HistoryPage> {
        self.authed(|| Call::get("/v1/matches/history").query(query))
            .await
    }

    /// One match with its players (`match_not_found`).
    pub async fn match_summary(&self, match_id: Uuid) -> Result<MatchSummary> {
        self.authed(|| Ok(Call::get(format!("/v1/matches/{match_id}"))))
            .await
    }

    /// A season's standings in a queue: `season` is `current`, a season's name or its id. A
    /// page, or the rows around `query.around` (`season_not_found`, `not_ranked`).
    pub async fn leaderboard(
        &self,
        season: &str,
        query: &LeaderboardQuery,
    ) -> Result<LeaderboardPage> {
        let path = format!("/v1/leaderboard/{}", encode(season));
        self.authed(|| Call::get(path.clone()).query(query)).await
    }

    /// The player's own rank and the rows around it (`not_ranked`).
    pub async fn leaderboard_me(
        &self,
        season: &str,
        query: &LeaderboardQuery,
    ) -> Result<LeaderboardPage> {
        let path = format!("/v1/leaderboard/{}/me", encode(season));
        self.authed(|| Call::get(path.clone()).query(query)).await
    }
}
