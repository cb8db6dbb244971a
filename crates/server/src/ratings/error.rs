//! [`RatingsError`]: why the ratings service could not answer.

use rally_state::StateError;
use rally_store::StoreError;

/// Why a ratings call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum RatingsError {
    /// No season by that name (or no active one, for `current`).
    #[error("no such season")]
    SeasonNotFound,
    /// A season of that name exists already.
    #[error("a season named `{0}` exists already")]
    SeasonExists(String),
    /// The player has no rating in this season and queue.
    #[error("this player is not ranked in this season and queue")]
    NotRanked,
    /// No such match.
    #[error("no such match")]
    MatchNotFound,
    /// A page cursor this server did not give.
    #[error("`cursor` is not one this server gave")]
    BadCursor,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
}
