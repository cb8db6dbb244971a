//! [`QueueError`]: why the queueing service could not answer.

use rally_state::StateError;
use rally_store::StoreError;
use uuid::Uuid;

/// Why a queueing call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Queueing for a mode no queue serves.
    #[error("no queue `{0}`: see GET /v1/queues")]
    UnknownQueue(String),
    /// Queueing with a region the queue does not run in.
    #[error("the queue does not run in region `{0}`")]
    UnknownRegion(String),
    /// Queueing with a role the queue does not know.
    #[error("the queue has no role `{0}`")]
    UnknownRole(String),
    /// Queueing with no region, or with every region beyond the queue's latency limit.
    #[error("{0}")]
    NoRegionInReach(String),
    /// A field of the request is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the client named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Queueing while a ticket is already searching.
    #[error("already queued: cancel the current ticket first")]
    AlreadyQueued,
    /// Queueing while in a match that has not ended.
    #[error("already in a match that has not ended")]
    InMatch,
    /// Queueing while a player of the ticket is in a queue cooldown: for declining a match,
    /// or given as a sanction.
    #[error("in a queue cooldown")]
    Cooldown {
        /// The player in the cooldown.
        player_id: Uuid,
        /// When it ends.
        until: rally_store::Timestamp,
        /// Milliseconds until it ends.
        left_ms: i64,
    },
    /// Queueing a party that has not passed a ready check.
    #[error("the party has not passed a ready check")]
    PartyNotReady,
    /// Queueing a party larger than the queue takes.
    #[error("the party is larger than this queue takes ({0} at most)")]
    PartyTooLarge(u16),
    /// Only the party's leader may queue or cancel its ticket.
    #[error("only the party's leader may do this")]
    NotPartyLeader,
    /// Cancelling with no searching ticket.
    #[error("not queued")]
    NotQueued,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
}
