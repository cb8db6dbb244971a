//! Chat: request and response bodies of `/v1/chat/*`, and the `chat.message` push.
//!
//! A channel is named by a string: `party:<party_id>`, `match:<match_id>` (every player of the
//! match), `team:<match_id>:<team>` (one team of it), and `dm:<player_id>:<player_id>` (two
//! players, lower id first; a client may write to `dm:<other_player_id>` and the server answers
//! with the full name).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `POST /v1/chat/channels/{channel}/messages` and `PATCH /v1/chat/messages/{id}`: the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatText {
    /// The message, 1 to `chat_message_max_chars` characters.
    pub body: String,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatMessage {
    /// Its id: ids grow with time, so they order a channel's messages.
    pub id: Uuid,
    /// The channel, by its full name.
    pub channel: String,
    /// Who sent it.
    pub sender_id: Uuid,
    /// Their display name when they sent it.
    pub sender_name: String,
    /// The text, after the word filter; empty once deleted.
    pub body: String,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// When its sender last edited it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
}

/// `GET /v1/chat/channels/{channel}/messages`: a page of history, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatHistory {
    /// The messages, newest first.
    pub messages: Vec<ChatMessage>,
    /// Where the next (older) page starts: pass it as `before`; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<Uuid>,
}

/// The query of `GET /v1/chat/channels/{channel}/messages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ChatHistoryQuery {
    /// Only messages older than this one (the previous page's `next_before`).
    pub before: Option<Uuid>,
    /// At most this many (1 to 100; 50 when absent).
    pub limit: Option<u32>,
}

/// `POST /v1/chat/channels/{channel}/read`: the newest message the player has read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatRead {
    /// A message of the channel.
    pub message_id: Uuid,
}

/// One direct-message channel with messages the player has not read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadChannel {
    /// The channel, by its full name.
    pub channel: String,
    /// The other player.
    pub player_id: Uuid,
    /// Messages from them the player has not read.
    pub unread: i64,
}

/// `GET /v1/chat/unread`: the direct-message channels with unread messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCounts {
    /// Each channel with unread messages, most unread first.
    pub channels: Vec<UnreadChannel>,
}

/// `POST /v1/chat/messages/{id}/report`: why the message is reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatReport {
    /// 1 to 500 characters.
    pub reason: String,
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatChangeKind {
    /// Sent.
    Posted,
    /// Edited by its sender.
    Edited,
    /// Deleted by its sender or a moderator: it is gone from history.
    Deleted,
}

/// The `chat.message` push: a message of one of the player's channels sent, edited or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatChange {
    /// What happened.
    pub kind: ChatChangeKind,
    /// The message as it now is.
    pub message: ChatMessage,
}
