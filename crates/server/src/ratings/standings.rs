//! Reading a leaderboard: the top, a page after a cursor, a player and those around them.
//! The active season is read from the sorted sets; an ended one from the store's
//! materialized standings (refreshed when it ended, readable forever).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rally_protocol::rating::{LeaderboardPage, LeaderboardRow};
use rally_state::Ranked;
use rally_store::{Season, SeasonState};
use uuid::Uuid;

use super::board;
use super::{Ratings, RatingsError};

/// The most rows a page holds.
pub const MAX_ROWS: u64 = 100;

fn encode(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(offset.to_string())
}

fn decode(cursor: &str) -> Result<u64, RatingsError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .ok_or(RatingsError::BadCursor)
}

impl Ratings {
    /// The season named in a path: `current`, a season's name, or its id.
    pub async fn season(&self, name: &str) -> Result<Season, RatingsError> {
        let store = &self.store;
        let found = if name == "current" {
            self.recent.active_season(store).await?
        } else if let Ok(id) = name.parse::<Uuid>() {
            store.season_by_id(id).await?
        } else {
            store.season_by_name(name).await?
        };
        found.ok_or(RatingsError::SeasonNotFound)
    }

    /// Ranked rows of `season` and `mode` from `offset`, at most `limit`.
    async fn ranked(
        &self,
        season: &Season,
        mode: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<LeaderboardRow>), RatingsError> {
        if season.state == SeasonState::Active {
            let set = board::key(season.id, mode);
            let state = &self.state;
            // Both in flight at once: one round trip on Redis's multiplexed connection.
            let (total, members) = tokio::join!(
                state.card(&set),
                state.range_by_rank(&set, offset, offset.saturating_add(limit - 1)),
            );
            let (total, members) = (total?, members?);
            return Ok((total, self.rows(mode, &members).await?));
        }
        let entries = self
            .store
            .leaderboard_page(
                season.id,
                mode,
                i64::try_from(offset).unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(100),
            )
            .await?;
        let members: Vec<Ranked> = entries
            .iter()
            .map(|e| Ranked {
                rank: u64::try_from(e.rank - 1).unwrap_or(0),
                member: e.player_id.to_string(),
                score: e.conservative,
            })
            .collect();
        let total = self.store.leaderboard_count(season.id, mode).await?;
        let total = u64::try_from(total).unwrap_or(0);
        Ok((total, self.rows(mode, &members).await?))
    }

    /// A page of the standings.
    pub async fn standings(
        &self,
        season_name: &str,
        mode: &str,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<LeaderboardPage, RatingsError> {
        let season = self.season(season_name).await?;
        let offset = cursor.map(decode).transpose()?.unwrap_or(0);
        let limit = limit.clamp(1, MAX_ROWS);
        let (total, rows) = self.ranked(&season, mode, offset, limit).await?;
        let next = offset + rows.len() as u64;
        Ok(LeaderboardPage {
            season_id: season.id,
            season: season.name,
            mode: mode.to_owned(),
            total,
            next_cursor: (rows.len() as u64 == limit && next < total).then(|| encode(next)),
            rows,
        })
    }

    /// A player and `radius` rows either side (the active season; an ended one pages instead).
    pub async fn around(
        &self,
        season_name: &str,
        mode: &str,
        player_id: Uuid,
        radius: u64,
    ) -> Result<LeaderboardPage, RatingsError> {
        let season = self.season(season_name).await?;
        let radius = radius.min(MAX_ROWS / 2);
        if season.state != SeasonState::Active {
            // An ended season: around the player's place in the materialized standings.
            let rank = self
                .store
                .leaderboard_rank(season.id, mode, player_id)
                .await?
                .ok_or(RatingsError::NotRanked)?;
            let offset = u64::try_from(rank - 1).unwrap_or(0).saturating_sub(radius);
            let (total, rows) = self.ranked(&season, mode, offset, radius * 2 + 1).await?;
            return Ok(LeaderboardPage {
                season_id: season.id,
                season: season.name,
                mode: mode.to_owned(),
                total,
                rows,
                next_cursor: None,
            });
        }
        let set = board::key(season.id, mode);
        let state = &self.state;
        let member = player_id.to_string();
        let (members, total) = tokio::join!(state.around(&set, &member, radius), state.card(&set));
        let members = members?;
        if members.is_empty() {
            return Err(RatingsError::NotRanked);
        }
        let total = total?;
        Ok(LeaderboardPage {
            season_id: season.id,
            season: season.name,
            mode: mode.to_owned(),
            total,
            rows: self.rows(mode, &members).await?,
            next_cursor: None,
        })
    }
}
