//! Response bodies of the block routes (`/v1/blocks/*`). A block is named by the blocked
//! player's id; the blocked player is never told.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A player the caller blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockedPlayer {
    /// The blocked player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// When the caller blocked them.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// `GET /v1/blocks`: the players the caller blocked, most recent first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockList {
    /// The blocked players.
    pub blocked: Vec<BlockedPlayer>,
}
