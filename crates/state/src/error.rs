//! The one error type of the crate.

use std::time::Duration;

/// Why a state operation failed.
///
/// [`StateError::Unavailable`] is the one a caller usually branches on: the backend could not be
/// reached (or did not answer within the bounded timeout), so the operation may be retried later
/// and readiness should report the backend as down. The others are bugs or bad input.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The backend could not be reached or did not answer in time. Retrying later may succeed.
    #[error("state backend unavailable: {0}")]
    Unavailable(String),

    /// The backend answered, but with an error (a script failure, a wrong type, a bad reply).
    #[error("state backend error: {0}")]
    Backend(String),

    /// The configuration is unusable (for example a Redis URL that does not parse).
    #[error("invalid state configuration: {0}")]
    Config(String),

    /// An argument was out of range: a zero TTL, a NaN score, an empty quota.
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
}

impl StateError {
    /// True when the backend was unreachable, so the operation may succeed later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StateError::Unavailable(_))
    }

    pub(crate) fn timed_out(after: Duration) -> Self {
        StateError::Unavailable(format!("no answer within {} ms", after.as_millis()))
    }
}

impl From<redis::RedisError> for StateError {
    fn from(err: redis::RedisError) -> Self {
        let unreachable = err.is_io_error()
            || err.is_timeout()
            || err.is_connection_dropped()
            || err.is_connection_refusal()
            || err.is_unrecoverable_error();
        if unreachable {
            StateError::Unavailable(err.to_string())
        } else {
            StateError::Backend(err.to_string())
        }
    }
}
