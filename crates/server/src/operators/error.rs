//! [`OperatorError`]: why an operator call failed.

use std::time::Duration;

use rally_state::StateError;
use rally_store::StoreError;

/// Why an operator call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// Unknown operator, disabled, or wrong password (one answer for all three).
    #[error("the name or the password is wrong")]
    InvalidCredentials,
    /// Name and password are right, and the operator has a second factor: the code is needed.
    #[error("this operator logs in with a one-time code too: send `totp`")]
    TotpRequired,
    /// The token is not an operator token of this server.
    #[error("not an operator token of this server")]
    InvalidToken,
    /// The token has expired: log in again.
    #[error("the operator token has expired")]
    TokenExpired,
    /// The operator's role does not allow this.
    #[error("this needs the {0} role")]
    Forbidden(&'static str),
    /// Too many attempts.
    #[error("too many attempts")]
    RateLimited {
        /// When to try again.
        retry_after: Duration,
    },
    /// A name or password that cannot be used.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// No such player.
    #[error("no such player")]
    PlayerNotFound,
    /// The player is not banned.
    #[error("this player is not banned")]
    NotBanned,
    /// No such sanction.
    #[error("no such sanction")]
    SanctionNotFound,
    /// The sanction no longer holds.
    #[error("this sanction no longer holds")]
    SanctionNotHeld,
    /// No such appeal.
    #[error("no such appeal")]
    AppealNotFound,
    /// The appeal was decided already.
    #[error("this appeal was decided already")]
    AppealDecided,
    /// No such report.
    #[error("no such report")]
    ReportNotFound,
    /// The report is closed.
    #[error("this report is closed")]
    ReportClosed,
    /// The name is taken.
    #[error("an operator of that name exists")]
    NameTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Anything else (hashing).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}
