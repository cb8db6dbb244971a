//! The one error type of every SDK call.
//!
//! A refusal by Rally keeps the server's problem (`code`, `detail`, the retry delay of
//! `rate_limited`), so a game branches on the stable code, never on a message:
//!
//! ```
//! # fn show(error: rally_sdk::Error) {
//! match error.code() {
//!     "party_full" => println!("that party is full"),
//!     "rate_limited" => println!("try again in {:?}", error.retry_after()),
//!     other => println!("could not join: {other}"),
//! }
//! # }
//! ```

use std::time::Duration;

use rally_protocol::Problem;

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Rally answered with a problem (`application/problem+json`).
    #[error("{} ({}): {}", .problem.code, .problem.status, .problem.detail.as_deref().unwrap_or(&.problem.title))]
    Api {
        /// The problem as Rally sent it.
        problem: Box<Problem>,
        /// How long to wait before trying again (`rate_limited`, or a `Retry-After` header).
        retry_after: Option<Duration>,
    },
    /// The login is over: its refresh token was revoked, reused or expired, or the account was
    /// banned. The player has to log in again; `code` is Rally's reason.
    #[error("logged out: {code}")]
    LoggedOut {
        /// Rally's code: `refresh_token_reused`, `refresh_token_revoked`, `account_banned`, ...
        code: String,
    },
    /// The call needs a logged-in player and there is none.
    #[error("not logged in")]
    NotLoggedIn,
    /// An argument the SDK refused before sending anything (a malformed base URL, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Rally could not be reached, or the connection broke.
    #[error("transport: {0}")]
    Transport(String),
    /// Rally answered with something this SDK does not understand (a version mismatch).
    #[error("unexpected answer: {0}")]
    Protocol(String),
}

impl Error {
    /// The stable code to branch on: Rally's problem code for [`Error::Api`], otherwise one of
    /// `logged_out`, `not_logged_in`, `invalid_argument`, `transport` and `protocol`.
    pub fn code(&self) -> &str {
        match self {
            Error::Api { problem, .. } => &problem.code,
            Error::LoggedOut { .. } => "logged_out",
            Error::NotLoggedIn => "not_logged_in",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Transport(_) => "transport",
            Error::Protocol(_) => "protocol",
        }
    }

    /// The HTTP status of a refusal by Rally.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { problem, .. } => Some(problem.status),
            _ => None,
        }
    }

    /// The problem Rally answered with, for its `detail`, `request_id` and extensions.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// How long Rally asked the caller to wait (`rate_limited`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the same call may succeed later unchanged: the transport failed, Rally was
    /// briefly unavailable (5xx), or the caller was rate limited.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport(_) => true,
            Error::Api { problem, .. } => problem.status >= 500 || problem.status == 429,
            _ => false,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        if error.is_decode() {
            Error::Protocol(error.to_string())
        } else {
            Error::Transport(error.to_string())
        }
    }
}

/// The result of an SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_the_problem_code_and_its_retry_delay() {
        let error = Error::Api {
            problem: Box::new(Problem::new(429, "rate_limited", "Too Many Requests")),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(error.code(), "rate_limited");
        assert_eq!(error.status(), Some(429));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
        assert!(error.is_transient());
        let full = Error::Api {
            problem: Box::new(Problem::new(409, "party_full", "Conflict").with_detail("5 of 5")),
            retry_after: None,
        };
        assert_eq!(full.code(), "party_full");
        assert!(!full.is_transient());
        assert_eq!(full.to_string(), "party_full (409): 5 of 5");
    }

    #[test]
    fn errors_of_the_sdk_itself_have_codes_too() {
        assert_eq!(Error::NotLoggedIn.code(), "not_logged_in");
        let logged_out = Error::LoggedOut {
            code: "refresh_token_reused".into(),
        };
        assert_eq!(logged_out.code(), "logged_out");
        assert!(Error::Transport("reset".into()).is_transient());
    }
}
