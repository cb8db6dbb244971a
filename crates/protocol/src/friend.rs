//! Request and response bodies of the friends routes (`/v1/friends/*`), and the `friend.updated`
//! push. A friendship is named by the other player's id.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /v1/friends/requests`: the player asked to be friends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FriendRequest {
    /// The player asked.
    pub player_id: Uuid,
}

/// Where a friendship is, seen by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FriendState {
    /// Friends.
    Friend,
    /// The other player asked the caller; the caller may accept or decline.
    Incoming,
    /// The caller asked the other player; the caller may cancel.
    Outgoing,
}

/// Where a friend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// Connected, and in none of the below.
    Online,
    /// Connected and in a party.
    InParty,
    /// Connected and queued for a match.
    InQueue,
    /// Connected and in a match not yet over.
    InMatch,
    /// Not connected (`last_seen_at` says since when, when known).
    Offline,
}

/// A friend's presence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FriendPresence {
    /// Where they are.
    pub status: PresenceStatus,
    /// For an offline friend: when their last socket closed, when known.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_seen_at: Option<OffsetDateTime>,
}

/// One entry of a friends list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Friend {
    /// The other player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// Friends, or a request either way.
    pub state: FriendState,
    /// When the request was made, or accepted for a friend.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Where they are; friends only (a request shows no presence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<FriendPresence>,
}

/// `GET /v1/friends`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FriendList {
    /// Friends first, then requests, each by display name.
    pub friends: Vec<Friend>,
}

/// What happened to a friendship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FriendChangeKind {
    /// `actor_id` asked `player_id`.
    Requested,
    /// `actor_id` accepted `player_id`'s request.
    Accepted,
    /// `actor_id` declined `player_id`'s request.
    Declined,
    /// `actor_id` withdrew their request to `player_id`.
    Cancelled,
    /// `actor_id` ended the friendship with `player_id`.
    Removed,
}

/// Push `friend.presence`, to each friend of a player whose presence changed: online, offline,
/// into or out of a party, a queue or a match (at most `friend_presence_per_minute` changes a
/// minute per player, a change over that told when allowed; `GET /v1/friends` is always current).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FriendPresenceChange {
    /// The friend whose presence changed.
    pub player_id: Uuid,
    /// Where they are now.
    pub presence: FriendPresence,
}

/// Push `friend.updated`, to both players of a friendship that changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FriendChange {
    /// What happened.
    pub kind: FriendChangeKind,
    /// Who did it.
    pub actor_id: Uuid,
    /// The other player.
    pub player_id: Uuid,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}
