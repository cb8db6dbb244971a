//! Ratings, match history and leaderboards (`/v1/matches/*`, `/v1/leaderboard/*`), and the
//! `rating.updated` push.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::queue::QualityBreakdown;

/// A player's rating change from one match (`rating.updated`, and in history).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RatingChange {
    /// The match.
    pub match_id: Uuid,
    /// The queue.
    pub mode: String,
    /// The season.
    pub season_id: Uuid,
    /// Mean before and after.
    pub mean_before: f64,
    /// Mean after.
    pub mean_after: f64,
    /// Uncertainty before.
    pub uncertainty_before: f64,
    /// Uncertainty after.
    pub uncertainty_after: f64,
    /// Displayed MMR before.
    pub mmr_before: i64,
    /// Displayed MMR after.
    pub mmr_after: i64,
    /// Still in placement (uncertainty high).
    pub placement: bool,
}

/// One player of a match, as anyone may see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchParticipant {
    /// The player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Their team, from 0.
    pub team: i32,
    /// The party they queued with.
    pub party_id: Option<Uuid>,
    /// `win`, `loss`, `draw` or `left`, once reported.
    pub outcome: Option<String>,
    /// The finishing place (1 = first; equal places tie), when the result gave places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<i32>,
    /// Rating mean before.
    pub rating_before: f64,
    /// Rating mean after, once rated.
    pub rating_after: Option<f64>,
    /// Rating uncertainty before.
    pub uncertainty_before: f64,
    /// Rating uncertainty after, once rated.
    pub uncertainty_after: Option<f64>,
    /// Glicko-2's volatility before, once rated (absent for the systems that have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility_before: Option<f64>,
    /// Glicko-2's volatility after, once rated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatility_after: Option<f64>,
}

/// `GET /v1/matches/{match_id}`, and each history entry's match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchSummary {
    /// The match.
    pub id: Uuid,
    /// The queue.
    pub mode: String,
    /// Where it was played.
    pub region: String,
    /// Its season.
    pub season_id: Option<Uuid>,
    /// `created`, `active`, `completed`, `cancelled` or `failed`.
    pub state: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// How long it lasted, in seconds, once reported.
    pub duration_s: Option<f64>,
    /// Each team's predicted chance to win when the match was made, in team order, from the
    /// queue's rating system (absent for matches made before they were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub win_probabilities: Option<Vec<f64>>,
    /// The quality the matchmaker chose the match by, part by part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<QualityBreakdown>,
    /// Its players.
    pub participants: Vec<MatchParticipant>,
}

/// One entry of a player's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// The match, with its teams.
    #[serde(rename = "match")]
    pub summary: MatchSummary,
    /// The player's team.
    pub team: i32,
    /// The player's outcome.
    pub outcome: Option<String>,
    /// The player's rating change, once rated.
    pub rating_change: Option<f64>,
}

/// `GET /v1/matches/history`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryPage {
    /// Newest first.
    pub entries: Vec<HistoryEntry>,
    /// Give it as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// One row of a leaderboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaderboardRow {
    /// Position, from 1.
    pub rank: u64,
    /// The player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// The ranking key: `mean - 3 * uncertainty`.
    pub conservative: f64,
    /// The displayed MMR.
    pub mmr: i64,
}

/// `GET /v1/leaderboard/{season}` (and `/me`, `?around=`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaderboardPage {
    /// The season's id.
    pub season_id: Uuid,
    /// The season's name.
    pub season: String,
    /// The queue.
    pub mode: String,
    /// Players ranked.
    pub total: u64,
    /// The rows, best first.
    pub rows: Vec<LeaderboardRow>,
    /// Give it as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// How a page of match history is asked for (`GET /v1/matches/history`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Another player's public history (the caller's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player_id: Option<Uuid>,
    /// From the previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Entries per page (1 to 100; 20 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Only this season (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub season: Option<Uuid>,
}

/// How a leaderboard is asked for (`GET /v1/leaderboard/{season}` and `/me`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// The queue.
    pub mode: String,
    /// Rows (1 to 100; 100 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// From the previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Instead of a page: this player and those around them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around: Option<Uuid>,
    /// With `around` or `/me`: rows either side (5 when absent, 50 at most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<u64>,
}
