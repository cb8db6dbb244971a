//! [`PartyError`]: why the parties service could not answer.

use rally_store::StoreError;

use crate::matchmaking::QueueError;

/// Why a party call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum PartyError {
    /// No party has this id.
    #[error("no such party")]
    PartyNotFound,
    /// No player has this id.
    #[error("no such player")]
    PlayerNotFound,
    /// The caller (or the player named) is not in this party, or the caller is in no party.
    #[error("{0}")]
    NotInParty(&'static str),
    /// The player is already in a party.
    #[error("{0}")]
    AlreadyInParty(&'static str),
    /// The party has no free slot.
    #[error("the party is full")]
    PartyFull,
    /// The party has closed.
    #[error("the party has closed")]
    PartyClosed,
    /// Only the party's leader may do this.
    #[error("only the party's leader may do this")]
    NotPartyLeader,
    /// The party is invite-only and the caller holds no invite to it.
    #[error("the party is invite-only and there is no invite for you")]
    NotInvited,
    /// The caller's invite to this party has expired.
    #[error("the invite has expired")]
    InviteExpired,
    /// The player already holds a live invite to this party.
    #[error("this player already holds a live invite to this party")]
    AlreadyInvited,
    /// The party's ready check is still waiting for answers.
    #[error("a ready check is already in progress")]
    ReadyCheckInProgress,
    /// The invitee and a member of the party: one blocked the other.
    #[error("one of you blocked the other")]
    Blocked,
    /// A field of the request is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the client named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Taking the party's ticket out of the queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
