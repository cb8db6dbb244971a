//! Live operations on `/admin/v1/*`: running sessions (and ending a stuck one), seasons,
//! leaderboard rebuilds, and a player's ratings as operators see them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A game session that has not ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminSession {
    /// Its match.
    pub match_id: Uuid,
    /// `allocating`, `ready` or `active`.
    pub state: String,
    /// The game server's address, once allocated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// When the session opened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (a heartbeat keeps it fresh).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `GET /admin/v1/sessions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminSessionPage {
    /// By match id.
    pub sessions: Vec<AdminSession>,
    /// The last match id, to pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<Uuid>,
}

/// `GET /admin/v1/sessions` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AdminSessionQuery {
    /// After this match id.
    pub after: Option<Uuid>,
    /// At most this many (1 to 200; 50 when absent).
    pub limit: Option<u32>,
}

/// `POST /admin/v1/sessions/{match_id}/end`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndSessionRequest {
    /// Why (1 to 500 characters), in the audit log.
    pub reason: String,
}

/// `POST /admin/v1/seasons`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeasonRequest {
    /// The new season's name (unique).
    pub name: String,
}

/// A season.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminSeason {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// `active` or `ended`.
    pub state: String,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it ended.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_at: Option<OffsetDateTime>,
    /// Ratings carried into it (a soft reset), when it was just started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<u64>,
}

/// `POST /admin/v1/leaderboards/rebuild`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RebuildAnswer {
    /// The season rebuilt (the active one).
    pub season: String,
    /// The ratings ranked.
    pub ranked: u64,
}
