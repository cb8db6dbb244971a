//! Chat: sending to a channel, its history, edits, deletes, read marks, unread direct
//! messages and reports. Every message of the player's channels also arrives as
//! [`Event::ChatMessage`](crate::Event::ChatMessage).
//!
//! Channels are named `party:<party_id>`, `match:<match_id>`, `team:<match_id>:<team>` and
//! `dm:<player_id>` (the player's direct channel with that player).

use rally_protocol::{
    ChatHistory, ChatHistoryQuery, ChatMessage, ChatRead, ChatReport, ChatText, UnreadCounts,
};
use uuid::Uuid;

use super::Client;
use crate::{Error, Result, http::Call};

/// The path of a channel's route; a name with characters no channel name has (only letters,
/// digits, `-` and `:` appear in one) is refused before it can change the request.
fn channel_path(channel: &str, rest: &str) -> Result<String> {
    if channel.is_empty()
        || !channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
    {
        return Err(Error::InvalidArgument(format!(
            "`{channel}` is not a channel name"
        )));
    }
    Ok(format!("/v1/chat/channels/{channel}/{rest}"))
}

impl Client {
    /// Sends `body` to `channel` (`not_in_channel`, `chat_closed`, `blocked`,
    /// `channel_not_found`, `invalid`, `message_refused`, `rate_limited`).
    pub async fn send_message(&self, channel: &str, body: &str) -> Result<ChatMessage> {
        let text = ChatText {
            body: body.to_owned(),
        };
        let path = channel_path(channel, "messages")?;
        self.authed(|| Call::post(path.clone()).json(&text)).await
    }

    /// A page of `channel`'s history, newest first: pass the page's `next_before` as `before`
    /// for the older one.
    pub async fn chat_history(
        &self,
        channel: &str,
        before: Option<Uuid>,
        limit: Option<u32>,
    ) -> Result<ChatHistory> {
        let query = ChatHistoryQuery { before, limit };
        let path = channel_path(channel, "messages")?;
        self.authed(|| Call::get(path.clone()).query(&query)).await
    }

    /// Edits the player's message, within the server's edit window (`not_your_message`,
    /// `edit_window_closed`, `message_not_found`).
    pub async fn edit_message(&self, id: Uuid, body: &str) -> Result<ChatMessage> {
        let text = ChatText {
            body: body.to_owned(),
        };
        self.authed(|| Call::patch(format!("/v1/chat/messages/{id}")).json(&text))
            .await
    }

    /// Deletes the player's message, within the server's edit window.
    pub async fn delete_message(&self, id: Uuid) -> Result<()> {
        self.authed(|| Ok(Call::delete(format!("/v1/chat/messages/{id}"))))
            .await
    }

    /// Marks `channel` read up to `message_id`.
    pub async fn mark_read(&self, channel: &str, message_id: Uuid) -> Result<()> {
        let read = ChatRead { message_id };
        let path = channel_path(channel, "read")?;
        self.authed(|| Call::post(path.clone()).json(&read)).await
    }

    /// The player's direct channels with unread messages.
    pub async fn unread_messages(&self) -> Result<UnreadCounts> {
        self.authed(|| Ok(Call::get("/v1/chat/unread"))).await
    }

    /// Reports a message for the moderators (`already_reported`, `cannot_report_own`).
    pub async fn report_message(&self, id: Uuid, reason: &str) -> Result<()> {
        let report = ChatReport {
            reason: reason.to_owned(),
        };
        self.authed(|| Call::post(format!("/v1/chat/messages/{id}/report")).json(&report))
            .await
    }
}
