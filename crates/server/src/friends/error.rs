//! [`FriendError`]: why the friends service could not answer.

use rally_state::StateError;
use rally_store::StoreError;

/// Why a friends call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum FriendError {
    /// No player has this id.
    #[error("no such player")]
    PlayerNotFound,
    /// A player asked themselves.
    #[error("a player cannot befriend themselves")]
    CannotBefriendSelf,
    /// The two are friends already.
    #[error("already friends")]
    AlreadyFriends,
    /// The caller asked this player already.
    #[error("a friend request to this player is already waiting")]
    RequestExists,
    /// No request from this player waits for the caller (or, to cancel, from the caller).
    #[error("no such friend request")]
    RequestNotFound,
    /// The two are not friends.
    #[error("not friends")]
    NotFriends,
    /// The caller, or the other player, has as many friends as a player may (`friends_max`).
    #[error("{0} as many friends as a player may have")]
    FriendsLimit(&'static str),
    /// The caller cannot block themselves.
    #[error("a player cannot block themselves")]
    CannotBlockSelf,
    /// The caller has not blocked this player.
    #[error("this player is not blocked")]
    NotBlocked,
    /// The caller has blocked as many players as a player may (`blocks_max`).
    #[error("you have blocked as many players as a player may")]
    BlocksLimit,
    /// One of the two blocked the other: no request between them.
    #[error("one of you blocked the other")]
    Blocked,
    /// Too many requests wait: the caller's sent, or the other player's received
    /// (`friend_requests_max`).
    #[error("{0}")]
    RequestsLimit(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend (presence) failed.
    #[error(transparent)]
    State(#[from] StateError),
}
