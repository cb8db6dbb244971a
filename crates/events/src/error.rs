//! The one error type of the event bus.

/// Why an event-bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The bus cannot be reached or did not answer in time (NATS down, timed out, disconnected).
    /// Retrying later may succeed; readiness reports this.
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
    /// A name given by the caller (prefix, durable name, subject, key) is not acceptable.
    #[error("invalid {kind} {value:?}: {reason}")]
    InvalidName {
        /// What the name was for: `prefix`, `durable name`, `subject` or `key`.
        kind: &'static str,
        /// The rejected value.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The bus answered but refused the operation (for example a stream configuration conflict).
    #[error("event bus refused the operation: {0}")]
    Refused(String),
}

impl EventsError {
    /// The kind of failure, from a closed set (`unavailable`, `invalid_name`, `refused`): for a
    /// metric label or a span's `error.type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::InvalidName { .. } => "invalid_name",
            Self::Refused(_) => "refused",
        }
    }

    /// Builds [`EventsError::Unavailable`] from any displayable cause.
    pub(crate) fn unavailable(context: &str, cause: impl std::fmt::Display) -> Self {
        Self::Unavailable(format!("{context}: {cause}"))
    }

    /// Builds [`EventsError::Refused`] from any displayable cause.
    pub(crate) fn refused(context: &str, cause: impl std::fmt::Display) -> Self {
        Self::Refused(format!("{context}: {cause}"))
    }
}
