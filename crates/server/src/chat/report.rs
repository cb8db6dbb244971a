//! Players' reports of chat messages: the check that a message is one the caller may report
//! (not deleted, not theirs, in a channel they can read), used by chat's own report and by
//! `POST /v1/reports`, and chat's report, kept in `chat_reports` and filed in the moderation
//! queue in one transaction.

use rally_store::{StoreError, StoredChatMessage, new_id};
use uuid::Uuid;

use super::{Channel, Chat, ChatError, audience, has_control, live};

/// The longest report reason.
const MAX_REASON_CHARS: usize = 500;

/// `caller` reports a message of a channel they can read, for moderators.
pub async fn report(chat: &Chat, caller: Uuid, id: Uuid, reason: &str) -> Result<(), ChatError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS || has_control(reason) {
        return Err(ChatError::Invalid {
            field: "reason",
            reason: format!(
                "must be 1 to {MAX_REASON_CHARS} characters, without control characters"
            ),
        });
    }
    reportable(chat, caller, id).await?;
    match chat
        .store
        .report_chat_message(new_id(), id, caller, reason)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict { constraint }) if constraint == "chat_reports_once" => {
            return Err(ChatError::AlreadyReported);
        }
        // The message was purged, or the reporter deleted, meanwhile.
        Err(StoreError::Conflict { .. } | StoreError::NotFound) => {
            return Err(ChatError::MessageNotFound);
        }
        Err(error) => return Err(error.into()),
    }
    metrics::counter!("rally_chat_reports_total").increment(1);
    Ok(())
}

/// The message `id` as `caller` may report it: not deleted, not theirs, in a channel they can
/// read.
pub async fn reportable(
    chat: &Chat,
    caller: Uuid,
    id: Uuid,
) -> Result<StoredChatMessage, ChatError> {
    let stored = live(chat, id).await?;
    if stored.sender_id == caller {
        return Err(ChatError::CannotReportOwn);
    }
    let channel = Channel::parse(&stored.channel, caller).ok_or(ChatError::ChannelNotFound)?;
    audience(chat, channel, caller).await?;
    Ok(stored)
}
