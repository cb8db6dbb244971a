//! Voice access: a party member's way into the party's voice room, and a player's into their
//! team's in a running match.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A member's access to their party's voice room, or a player's to their team's.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoiceAccess {
    /// Which provider runs the room: `livekit` or `webhook`.
    pub provider: String,
    /// Where the client connects (for LiveKit, its WebSocket URL).
    pub url: String,
    /// The room. A party's changes when a member leaves or is kicked: the `party.updated` push
    /// that says so carries each member's access to the new one.
    pub room: String,
    /// The member's access token for the room.
    pub token: String,
    /// When the token stops admitting.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The access token is a credential: it never prints.
impl std::fmt::Debug for VoiceAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceAccess")
            .field("provider", &self.provider)
            .field("url", &self.url)
            .field("room", &self.room)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
