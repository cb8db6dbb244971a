//! Chat from C: sending to a channel, a page of history and the unread direct messages (each
//! answered as JSON), read marks and deletes. Every message of the player's channels also
//! arrives as a `RALLY_EVENT_KIND_CHAT_MESSAGE` event.

use std::ffi::c_char;

use crate::{
    client::{RallyClient, json_out, status_of, with_id},
    status::{RallyStatus, invalid},
    text::{from_c, uuid_from_c},
};

/// Sends `body` to `channel` (`party:<id>`, `match:<id>`, `team:<match_id>:<team>`,
/// `dm:<player_id>`) and writes the message as stored, as JSON (`id`, `channel`, `sender_id`,
/// `sender_name`, `body`, `sent_at`), into `*json` (free it with [`crate::rally_string_free`])
/// (`not_in_channel`, `chat_closed`, `blocked`, `message_refused`, `rate_limited`).
///
/// # Safety
/// As [`crate::rally_register`]; `channel` and `body` are NUL-terminated UTF-8; `json` points
/// to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_chat_send(
    client: *const RallyClient,
    channel: *const c_char,
    body: *const c_char,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: NUL-terminated strings, by the caller's promise.
    let (Some(channel), Some(body)) = (unsafe { from_c(channel) }, unsafe { from_c(body) }) else {
        return invalid("channel and body must be UTF-8 strings");
    };
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.send_message(channel, body)) }
}

/// A page of `channel`'s history, newest first, as the JSON of its route (`messages`, and
/// `next_before` while older pages remain), into `*json`. `before` (a message id) may be null
/// for the newest page; `limit` 0 takes the server's default.
///
/// # Safety
/// As [`rally_chat_send`]; `before` is null or a NUL-terminated UUID string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_chat_history(
    client: *const RallyClient,
    channel: *const c_char,
    before: *const c_char,
    limit: u32,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: a NUL-terminated string, by the caller's promise.
    let Some(channel) = (unsafe { from_c(channel) }) else {
        return invalid("channel must be a UTF-8 string");
    };
    let before = if before.is_null() {
        None
    } else {
        // SAFETY: non-null, so a NUL-terminated string by the caller's promise.
        match unsafe { uuid_from_c(before) } {
            Some(id) => Some(id),
            None => return invalid("before must be null or a UUID string"),
        }
    };
    let limit = (limit > 0).then_some(limit);
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.chat_history(channel, before, limit)) }
}

/// The player's direct channels with unread messages, as JSON (`channels`: `channel`,
/// `player_id`, `unread`), into `*json`.
///
/// # Safety
/// As [`crate::rally_register`]; `json` points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_chat_unread(
    client: *const RallyClient,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.unread_messages()) }
}

/// Marks `channel` read up to the message `message_id`.
///
/// # Safety
/// As [`rally_chat_send`]; `message_id` is a NUL-terminated UUID string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_chat_mark_read(
    client: *const RallyClient,
    channel: *const c_char,
    message_id: *const c_char,
) -> RallyStatus {
    // SAFETY: a NUL-terminated string, by the caller's promise.
    let Some(channel) = (unsafe { from_c(channel) }) else {
        return invalid("channel must be a UTF-8 string");
    };
    with_id(
        client,
        message_id,
        "message_id must be a UUID string",
        |sdk, id| status_of(sdk.mark_read(channel, id)),
    )
}

/// Deletes the player's message `message_id`, within the server's edit window.
///
/// # Safety
/// As [`rally_chat_mark_read`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_chat_delete(
    client: *const RallyClient,
    message_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        message_id,
        "message_id must be a UUID string",
        |sdk, id| status_of(sdk.delete_message(id)),
    )
}
