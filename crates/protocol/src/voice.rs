//! `GET /v1/party/{id}/voice`: a party member's way into the party's voice channel.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A member's access to their party's voice room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoiceAccess {
    /// Which provider runs the room: `livekit` or `webhook`.
    pub provider: String,
    /// Where the client connects (for LiveKit, its WebSocket URL).
    pub url: String,
    /// The room. It changes when a member leaves or is kicked: fetch access again on
    /// `party.updated`.
    pub room: String,
    /// The member's access token for the room.
    pub token: String,
    /// When the token stops admitting.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
