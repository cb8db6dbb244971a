//! [`SessionsError`]: why the sessions service could not answer.

use rally_state::StateError;
use rally_store::StoreError;

/// Why a sessions call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum SessionsError {
    /// No session (or match) with this id.
    #[error("no session for this match")]
    SessionNotFound,
    /// No match with this id.
    #[error("no match with this id")]
    MatchNotFound,
    /// The match's queue asks for no acceptance.
    #[error("this match asks for no acceptance")]
    NoAcceptStep,
    /// The match's accept step is over: `accepted`, `declined` or `expired`.
    #[error("the time to answer this match is over: it was {0}")]
    AcceptClosed(&'static str),
    /// The caller is not a player of this match.
    #[error("you are not a player of this match")]
    NotParticipant,
    /// The session is not running (allocating or ended).
    #[error("the session is not running")]
    SessionNotRunning,
    /// A different result is already stored for this match.
    #[error("a different result is already stored for this match")]
    ResultConflict,
    /// The team already has an open backfill request.
    #[error("this team already has an open backfill request")]
    BackfillOpen,
    /// No open backfill request to withdraw.
    #[error("no open backfill request for this match")]
    BackfillNotFound,
    /// A backfill asked for a role the queue does not know.
    #[error("the queue has no role `{0}`")]
    UnknownRole(String),
    /// A field of a game server's request is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the game server named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A result's places cannot be read.
    #[error(transparent)]
    Placement(#[from] super::placement::PlacementError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
}

impl SessionsError {
    /// Whether a backend did not answer (a retry later may succeed).
    pub fn is_unavailable(&self) -> bool {
        match self {
            SessionsError::Store(error) => matches!(error, StoreError::Unavailable(_)),
            SessionsError::State(error) => error.is_unavailable(),
            _ => false,
        }
    }
}
