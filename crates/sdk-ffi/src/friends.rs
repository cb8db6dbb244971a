//! Friends from C: the list (as JSON), requests, acceptance and removal, each change also
//! arriving as a `RALLY_EVENT_KIND_FRIEND_UPDATED` event; and blocks (the list as JSON, block,
//! unblock).

use std::ffi::c_char;

use crate::{
    client::{RallyClient, json_out, status_of, with_id},
    status::RallyStatus,
};

/// The refusal of a `player_id` that is not a UUID string.
const PLAYER_ID: &str = "player_id must be a UUID string";

/// The player's friends and the requests waiting either way, as the JSON of `GET /v1/friends`
/// (`{"friends": [{"player_id", "display_name", "state", "since", "presence"}]}`), into
/// `*json` (free it with [`crate::rally_string_free`]).
///
/// # Safety
/// As [`crate::rally_register`]; `json` points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friends(
    client: *const RallyClient,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.friends()) }
}

/// Asks a player to be friends, or accepts their request when they asked first
/// (`player_not_found`, `cannot_befriend_self`, `already_friends`, `friend_request_exists`,
/// `friends_limit`, `friend_requests_limit`).
///
/// # Safety
/// As [`crate::rally_register`]; `player_id` is a NUL-terminated UUID string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friend_request(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.request_friend(id))
    })
}

/// Accepts the request a player sent (`friend_request_not_found`, `friends_limit`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friend_accept(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.accept_friend(id))
    })
}

/// Declines the request a player sent (`friend_request_not_found`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friend_decline(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.decline_friend(id))
    })
}

/// Withdraws the request the player sent (`friend_request_not_found`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friend_cancel(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.cancel_friend_request(id))
    })
}

/// Ends a friendship (`not_friends`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_friend_remove(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.remove_friend(id))
    })
}

/// The players this player blocked, most recent first, as the JSON of `GET /v1/blocks`
/// (`{"blocked": [{"player_id", "display_name", "since"}]}`), into `*json` (free it with
/// [`crate::rally_string_free`]).
///
/// # Safety
/// As [`rally_friends`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_blocks(
    client: *const RallyClient,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.blocked_players()) }
}

/// Blocks a player: any friendship or request between the two ends, neither can befriend or
/// invite the other, and the matchmaker keeps them apart (`player_not_found`,
/// `cannot_block_self`, `blocks_limit`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_block(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.block_player(id))
    })
}

/// Lifts a block (`not_blocked`).
///
/// # Safety
/// As [`rally_friend_request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_unblock(
    client: *const RallyClient,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(client, player_id, PLAYER_ID, |sdk, id| {
        status_of(sdk.unblock_player(id))
    })
}
