//! [`ChatError`]: why the chat service could not answer.

use std::time::Duration;

use rally_state::StateError;
use rally_store::StoreError;

/// Why a chat call failed. The HTTP layer turns each into its problem.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The name is no channel, or names one that does not exist.
    #[error("no such channel")]
    ChannelNotFound,
    /// The caller is not one of the channel's players.
    #[error("you are not in this channel")]
    NotInChannel,
    /// The channel is read-only now (its match is over).
    #[error("this channel is closed")]
    ChatClosed,
    /// The caller is muted (a sanction): they may read but not write.
    #[error("you are muted")]
    Muted {
        /// When the mute ends; `None`: permanently.
        until: Option<rally_store::Timestamp>,
    },
    /// One of the two players of a direct channel blocked the other.
    #[error("one of you blocked the other")]
    Blocked,
    /// No such message (or it was deleted).
    #[error("no such message")]
    MessageNotFound,
    /// Only a message's sender may edit or delete it.
    #[error("only its sender may change a message")]
    NotYourMessage,
    /// The sender's window to change the message has passed.
    #[error("this message can no longer be changed")]
    EditWindowClosed,
    /// The word filter refused the message.
    #[error("the message holds a word this server refuses")]
    MessageRefused,
    /// The caller reported this message already.
    #[error("you reported this message already")]
    AlreadyReported,
    /// A player cannot report their own message.
    #[error("you cannot report your own message")]
    CannotReportOwn,
    /// A field is invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The caller sends faster than `chat_messages_per_minute`.
    #[error("too many messages")]
    RateLimited {
        /// When one more is allowed.
        retry_after: Duration,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state backend (the rate limiter) failed.
    #[error(transparent)]
    State(#[from] StateError),
}
