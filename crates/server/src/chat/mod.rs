//! Chat: messages in a party's channel, a match's (every player, and each team's) and direct
//! channels between two players; history, edits and deletes, unread counts of direct
//! messages, reports, and the purge of old messages. Handlers in `routes::chat` parse, call one
//! function here and answer.
//!
//! Who may read and write a channel is decided from the store on every call: a party's members;
//! a match's players (a team's, for a team channel), writing while the match is not over and
//! reading afterwards; the two players of a direct channel, writing only while neither has
//! blocked the other; a muted player (a sanction) reads but never writes. A message is stored and its `chat.message` written to the outbox in one
//! transaction, naming the channel's players then, so the gateway pushes it to each of them
//! once; the outbox is keyed by the channel. Message ids (UUIDv7) order a channel: with several
//! nodes sharing the dispatch, two pushes close together may arrive swapped.

mod channel;
mod error;
mod filter;
mod report;

use std::sync::Arc;
use std::time::Duration;

use rally_protocol::{
    ChatChange, ChatChangeKind, ChatHistory, ChatMessage, UnreadChannel, UnreadCounts,
    event::{ChatPush, Event},
};
use rally_state::{Quota, State};
use rally_store::{
    ChatKind, MatchState, NewChatMessage, SanctionKind, StoreError, StoredChatMessage, new_id,
};
use rally_store::{Store, Timestamp};
use uuid::Uuid;

use crate::{bus, settings::ChatSettings};

pub use channel::Channel;
pub use error::ChatError;
pub use filter::{FilterMode, Filtered, WordFilter};
pub use report::{report, reportable};

/// History pages hold at most this many messages.
const MAX_PAGE: u32 = 100;
/// A history page without `limit` holds this many.
const DEFAULT_PAGE: u32 = 50;

/// The chat service: the store, the state backend (the rate limiter), its settings and the
/// word filter. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Chat {
    store: Store,
    state: State,
    settings: ChatSettings,
    filter: Arc<WordFilter>,
}

/// Who a channel is for, as the store has it now.
struct Audience {
    /// Its players.
    players: Vec<Uuid>,
    /// Whether they may write (a match not over, a direct channel without a block).
    open: Result<(), ChatError>,
    /// For a direct channel, the other player.
    other: Option<Uuid>,
}

impl Chat {
    /// The service over these parts.
    pub fn new(store: Store, state: State, settings: ChatSettings, filter: WordFilter) -> Self {
        Self {
            store,
            state,
            settings,
            filter: Arc::new(filter),
        }
    }
}

/// `caller` sends `body` to the channel named `name`.
pub async fn post(
    chat: &Chat,
    caller: Uuid,
    name: &str,
    body: &str,
) -> Result<ChatMessage, ChatError> {
    let channel = Channel::parse(name, caller).ok_or(ChatError::ChannelNotFound)?;
    let body = checked(chat, body)?;
    let audience = audience(chat, channel, caller).await?;
    audience.open?;
    unmuted(chat, caller).await?;
    limit(chat, caller).await?;
    let names = chat.store.display_names(&[caller]).await?;
    let sender_name = names
        .into_iter()
        .next()
        .map(|(_, name)| name)
        .ok_or(ChatError::NotInChannel)?;
    let new = NewChatMessage {
        id: new_id(),
        channel: channel.name(),
        kind: channel.kind(),
        sender_id: caller,
        sender_name,
        recipient_id: audience.other,
        body,
    };
    let mut tx = chat.store.begin().await?;
    let stored = match tx.insert_chat_message(&new).await {
        Ok(stored) => stored,
        // A player of the channel was deleted meanwhile.
        Err(StoreError::Conflict { .. }) => return Err(ChatError::ChannelNotFound),
        Err(error) => return Err(error.into()),
    };
    let message = view(&stored);
    announce(&mut tx, ChatChangeKind::Posted, &message, audience.players).await?;
    tx.commit().await?;
    metrics::counter!("rally_chat_messages_total", "kind" => channel.kind().as_str()).increment(1);
    Ok(message)
}

/// Refused while `caller` is muted.
async fn unmuted(chat: &Chat, caller: Uuid) -> Result<(), ChatError> {
    let now = chat.store.now();
    match chat
        .store
        .held_sanction(caller, SanctionKind::Mute, now)
        .await?
    {
        Some(mute) => Err(ChatError::Muted { until: mute.until }),
        None => Ok(()),
    }
}

/// A page of the channel's history, newest first, older than `before`.
pub async fn history(
    chat: &Chat,
    caller: Uuid,
    name: &str,
    before: Option<Uuid>,
    limit: Option<u32>,
) -> Result<ChatHistory, ChatError> {
    let channel = Channel::parse(name, caller).ok_or(ChatError::ChannelNotFound)?;
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ChatError::Invalid {
            field: "limit",
            reason: format!("must be between 1 and {MAX_PAGE}"),
        });
    }
    audience(chat, channel, caller).await?;
    let mut page = chat
        .store
        .chat_history(&channel.name(), before, limit + 1)
        .await?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    Ok(ChatHistory {
        next_before: page.last().filter(|_| more).map(|m| m.id),
        messages: page.iter().map(view).collect(),
    })
}

/// The sender edits their message, within `chat_edit_window_s` of sending it.
pub async fn edit(
    chat: &Chat,
    caller: Uuid,
    id: Uuid,
    body: &str,
) -> Result<ChatMessage, ChatError> {
    let (stored, audience) = own(chat, caller, id).await?;
    let body = checked(chat, body)?;
    // An edit is pushed like a message: the same rules to write, and the same rate.
    audience.open?;
    unmuted(chat, caller).await?;
    limit(chat, caller).await?;
    let mut tx = chat.store.begin().await?;
    let edited = gone_if_missing(tx.edit_chat_message(stored.id, &body).await)?;
    let message = view(&edited);
    announce(&mut tx, ChatChangeKind::Edited, &message, audience.players).await?;
    tx.commit().await?;
    Ok(message)
}

/// The sender deletes their message, within `chat_edit_window_s` of sending it: it disappears
/// from history for everyone.
pub async fn delete(chat: &Chat, caller: Uuid, id: Uuid) -> Result<(), ChatError> {
    let (stored, audience) = own(chat, caller, id).await?;
    remove(chat, &stored, audience.players).await
}

/// A moderator deletes a message, whoever sent it and whenever.
pub async fn moderate(chat: &Chat, id: Uuid) -> Result<(), ChatError> {
    let stored = live(chat, id).await?;
    let channel =
        Channel::parse(&stored.channel, stored.sender_id).ok_or(ChatError::ChannelNotFound)?;
    let players = match audience(chat, channel, stored.sender_id).await {
        Ok(audience) => audience.players,
        // The sender left the channel since: tell nobody, but delete it all the same.
        Err(ChatError::NotInChannel | ChatError::ChannelNotFound) => Vec::new(),
        Err(error) => return Err(error),
    };
    remove(chat, &stored, players).await
}

/// `caller` has read the channel up to `message_id`.
pub async fn mark_read(
    chat: &Chat,
    caller: Uuid,
    name: &str,
    message_id: Uuid,
) -> Result<(), ChatError> {
    let channel = Channel::parse(name, caller).ok_or(ChatError::ChannelNotFound)?;
    audience(chat, channel, caller).await?;
    let stored = chat.store.chat_message(message_id).await?;
    if stored.is_none_or(|m| m.channel != channel.name()) {
        return Err(ChatError::MessageNotFound);
    }
    chat.store
        .mark_chat_read(caller, &channel.name(), message_id)
        .await?;
    Ok(())
}

/// `caller`'s direct channels with messages they have not read.
pub async fn unread(chat: &Chat, caller: Uuid) -> Result<UnreadCounts, ChatError> {
    let rows = chat.store.unread_direct(caller).await?;
    Ok(UnreadCounts {
        channels: rows
            .into_iter()
            .map(|row| UnreadChannel {
                channel: row.channel,
                player_id: row.sender_id,
                unread: row.unread,
            })
            .collect(),
    })
}

/// Deletes the messages past their channel kind's retention, as of `now`; how many.
pub async fn purge(chat: &Chat, now: Timestamp) -> Result<u64, ChatError> {
    let s = &chat.settings;
    let mut purged = 0;
    for (kind, days) in [
        (ChatKind::Party, s.chat_retention_party_days),
        (ChatKind::Match, s.chat_retention_match_days),
        (ChatKind::Team, s.chat_retention_match_days),
        (ChatKind::Direct, s.chat_retention_dm_days),
    ] {
        let before = now.plus(-time::Duration::days(i64::from(days)));
        purged += chat.store.purge_chat(kind, before).await?;
    }
    if purged > 0 {
        metrics::counter!("rally_chat_messages_purged_total").increment(purged);
    }
    Ok(purged)
}

/// The body as it may be sent: within the length limit, through the word filter.
fn checked(chat: &Chat, body: &str) -> Result<String, ChatError> {
    let max = chat.settings.chat_message_max_chars as usize;
    if body.trim().is_empty() || body.chars().count() > max {
        return Err(ChatError::Invalid {
            field: "body",
            reason: format!("must be 1 to {max} characters"),
        });
    }
    if has_control(body) {
        return Err(ChatError::Invalid {
            field: "body",
            reason: "must not hold control characters but line breaks and tabs".to_owned(),
        });
    }
    match chat.filter.apply(body) {
        Filtered::Send(text) => Ok(text),
        Filtered::Refused => Err(ChatError::MessageRefused),
    }
}

/// Whether `text` holds a control character other than a line break or a tab (a NUL cannot
/// even be stored in PostgreSQL's text).
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
}

/// Counts one message of `caller` against `chat_messages_per_minute`.
async fn limit(chat: &Chat, caller: Uuid) -> Result<(), ChatError> {
    let per_minute = chat.settings.chat_messages_per_minute;
    let quota = Quota::new(per_minute, Duration::from_secs(60))?;
    let decision = chat
        .state
        .rate_limit(&format!("limit:chat:{caller}"), quota)
        .await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(ChatError::RateLimited {
            retry_after: decision.retry_after,
        })
    }
}

/// Who the channel is for, once `caller` is found among them.
async fn audience(chat: &Chat, channel: Channel, caller: Uuid) -> Result<Audience, ChatError> {
    let store = &chat.store;
    let audience = match channel {
        Channel::Party(id) => Audience {
            players: store
                .party_members(id)
                .await?
                .into_iter()
                .map(|m| m.player_id)
                .collect(),
            open: Ok(()),
            other: None,
        },
        Channel::Match(id) | Channel::Team(id, _) => {
            let record = match store.match_record(id).await {
                Ok(record) => record,
                Err(StoreError::NotFound) => return Err(ChatError::ChannelNotFound),
                Err(error) => return Err(error.into()),
            };
            let team = match channel {
                Channel::Team(_, team) => Some(team),
                _ => None,
            };
            let players = store
                .match_participants(id)
                .await?
                .into_iter()
                .filter(|p| team.is_none_or(|t| p.team == t))
                .map(|p| p.player_id)
                .collect();
            let running = matches!(record.state, MatchState::Created | MatchState::Active);
            Audience {
                players,
                open: if running {
                    Ok(())
                } else {
                    Err(ChatError::ChatClosed)
                },
                other: None,
            }
        }
        Channel::Direct(a, b) => {
            // Asked before the other player is looked up: a stranger learns nothing of them.
            if caller != a && caller != b {
                return Err(ChatError::NotInChannel);
            }
            let other = if caller == a { b } else { a };
            match store.player(other).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => return Err(ChatError::ChannelNotFound),
                Err(error) => return Err(error.into()),
            }
            let blocked = store.avoided_by(&[caller]).await?.contains(&other);
            Audience {
                players: vec![a, b],
                open: if blocked {
                    Err(ChatError::Blocked)
                } else {
                    Ok(())
                },
                other: Some(other),
            }
        }
    };
    // A party that closed (or never was), a team the match does not have.
    if audience.players.is_empty() {
        return Err(ChatError::ChannelNotFound);
    }
    if !audience.players.contains(&caller) {
        return Err(ChatError::NotInChannel);
    }
    Ok(audience)
}

/// A message not deleted.
async fn live(chat: &Chat, id: Uuid) -> Result<StoredChatMessage, ChatError> {
    chat.store
        .chat_message(id)
        .await?
        .filter(|m| m.deleted_at.is_none())
        .ok_or(ChatError::MessageNotFound)
}

/// The caller's own message, still theirs to change, and its channel's players.
async fn own(
    chat: &Chat,
    caller: Uuid,
    id: Uuid,
) -> Result<(StoredChatMessage, Audience), ChatError> {
    let stored = live(chat, id).await?;
    if stored.sender_id != caller {
        return Err(ChatError::NotYourMessage);
    }
    let window = time::Duration::seconds(
        i64::try_from(chat.settings.chat_edit_window_s).unwrap_or(i64::MAX),
    );
    if chat.store.now() > stored.created_at.plus(window) {
        return Err(ChatError::EditWindowClosed);
    }
    let channel = Channel::parse(&stored.channel, caller).ok_or(ChatError::ChannelNotFound)?;
    let audience = audience(chat, channel, caller).await?;
    Ok((stored, audience))
}

/// Deletes `stored` and tells `players`.
async fn remove(
    chat: &Chat,
    stored: &StoredChatMessage,
    players: Vec<Uuid>,
) -> Result<(), ChatError> {
    let mut tx = chat.store.begin().await?;
    let deleted = gone_if_missing(tx.delete_chat_message(stored.id).await)?;
    let message = view(&deleted);
    announce(&mut tx, ChatChangeKind::Deleted, &message, players).await?;
    tx.commit().await?;
    Ok(())
}

/// [`ChatError::MessageNotFound`] for a message deleted meanwhile.
fn gone_if_missing(
    changed: Result<StoredChatMessage, StoreError>,
) -> Result<StoredChatMessage, ChatError> {
    match changed {
        Ok(message) => Ok(message),
        Err(StoreError::NotFound) => Err(ChatError::MessageNotFound),
        Err(error) => Err(error.into()),
    }
}

/// Writes the `chat.message` of `kind` to `players`, keyed by the channel.
async fn announce(
    tx: &mut rally_store::Transaction,
    kind: ChatChangeKind,
    message: &ChatMessage,
    players: Vec<Uuid>,
) -> Result<(), StoreError> {
    let push = ChatPush {
        change: ChatChange {
            kind,
            message: message.clone(),
        },
        recipients: players,
    };
    bus::outbox::enqueue(tx, &message.channel, Event::ChatMessage(push)).await?;
    Ok(())
}

/// A stored message as players see it: a deleted one without its text.
fn view(stored: &StoredChatMessage) -> ChatMessage {
    ChatMessage {
        id: stored.id,
        channel: stored.channel.clone(),
        sender_id: stored.sender_id,
        sender_name: stored.sender_name.clone(),
        body: if stored.deleted_at.is_some() {
            String::new()
        } else {
            stored.body.clone()
        },
        sent_at: stored.created_at.to_offset_date_time(),
        edited_at: stored.edited_at.map(|t| t.to_offset_date_time()),
    }
}
