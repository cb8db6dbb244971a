//! [`AccountsError`]: why the accounts service could not answer.

use std::time::Duration;

use rally_protocol::FieldError;
use rally_state::StateError;
use rally_store::StoreError;

use super::password::Busy;
use crate::{matchmaking::QueueError, parties::PartyError};

/// Why an accounts call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// An account field breaks its rule (`invalid_username`, `invalid_password`...).
    #[error("{0}")]
    InvalidField(FieldError),
    /// A field of the request is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the client named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The username is taken (in any case).
    #[error("this username is taken")]
    UsernameTaken,
    /// The email is taken (in any case).
    #[error("this email is already registered")]
    EmailTaken,
    /// Unknown account or wrong password (the same answer for both).
    #[error("the login or the password is wrong")]
    InvalidCredentials,
    /// A change of email or password needs the current password, and it is missing or wrong.
    #[error("the current password is missing or wrong")]
    CurrentPasswordRequired,
    /// No player has this id or name.
    #[error("no such player")]
    PlayerNotFound,
    /// The account is banned.
    #[error("this account is banned")]
    AccountBanned,
    /// The account is banned, and its login was right: the token lets the player read their
    /// sanctions and appeal them, nothing else.
    #[error("this account is banned")]
    BannedAtLogin {
        /// The appeal token.
        appeal_token: super::AppealToken,
    },
    /// The account is disabled.
    #[error("this account is disabled")]
    AccountDisabled,
    /// The access token is not one this server accepts (why).
    #[error("{0}")]
    InvalidToken(&'static str),
    /// The access token has expired.
    #[error("the access token has expired")]
    TokenExpired,
    /// The refresh token is not one this server issued.
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    /// The refresh token has expired.
    #[error("the refresh token has expired")]
    RefreshTokenExpired,
    /// The refresh token's login was ended.
    #[error("the refresh token has been revoked")]
    RefreshTokenRevoked,
    /// A spent refresh token was presented again: its whole login is now revoked.
    #[error("the refresh token was already used; the login is revoked")]
    RefreshTokenReused,
    /// Over a rate limit, or the account is locked after failed logins.
    #[error("too many requests: try again in {retry_after:?}")]
    RateLimited {
        /// How long until the next attempt is allowed.
        retry_after: Duration,
    },
    /// Every core is hashing passwords and the queue of hashes is full.
    #[error("password hashing is at capacity")]
    Busy,
    /// Leaving the banned player's party failed.
    #[error(transparent)]
    Party(#[from] PartyError),
    /// Cancelling the banned player's ticket failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Hashing or signing failed.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl AccountsError {
    /// A store error from a write that may hit a player's unique keys.
    pub(super) fn conflict_or_store(error: StoreError) -> Self {
        match &error {
            StoreError::Conflict { constraint } if constraint == "players_username_key" => {
                Self::UsernameTaken
            }
            StoreError::Conflict { constraint } if constraint == "players_email_key" => {
                Self::EmailTaken
            }
            _ => Self::Store(error),
        }
    }
}

impl From<FieldError> for AccountsError {
    fn from(error: FieldError) -> Self {
        Self::InvalidField(error)
    }
}

impl From<anyhow::Error> for AccountsError {
    /// Password hashing answers with `anyhow`: [`Busy`] anywhere in the chain is a shed, not a
    /// failure.
    fn from(error: anyhow::Error) -> Self {
        if error.chain().any(|cause| cause.is::<Busy>()) {
            Self::Busy
        } else {
            Self::Internal(error)
        }
    }
}
