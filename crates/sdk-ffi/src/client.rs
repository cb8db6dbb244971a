//! A client's life and its calls: create and free, log in, parties, queueing.

use std::ffi::c_char;

use rally_sdk::{BlockingClient, ClientConfig, protocol::CreatePartyRequest};

use crate::{
    status::{RallyStatus, fail_with, guard, invalid},
    text::{from_c, to_c, uuid_from_c},
};

/// A player's connection to Rally. Opaque: made by [`rally_client_new`], freed by
/// [`rally_client_free`].
#[derive(Debug)]
pub struct RallyClient {
    pub(crate) sdk: BlockingClient,
}

/// A region a player can play in, with the latency the game measured to it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RallyRegion {
    /// The region's name, as Rally's queues list it (`eu`).
    pub region: *const c_char,
    /// The measured round trip, in milliseconds.
    pub latency_ms: u32,
}

/// The client behind a caller's pointer.
///
/// # Safety
/// `client` is null or came from [`rally_client_new`] and was not freed.
unsafe fn client<'a>(client: *const RallyClient) -> Option<&'a RallyClient> {
    // SAFETY: null or a live client, by the caller's promise.
    unsafe { client.as_ref() }
}

/// Reads the client and runs `call` with it, catching panics.
pub(crate) fn with_client(
    handle: *const RallyClient,
    call: impl FnOnce(&BlockingClient) -> RallyStatus,
) -> RallyStatus {
    guard(|| {
        // SAFETY: every public function taking a client documents this promise.
        match unsafe { client(handle) } {
            Some(client) => call(&client.sdk),
            None => invalid("the client is null"),
        }
    })
}

/// The status of an SDK result, recording a failure.
pub(crate) fn status_of<T>(result: rally_sdk::Result<T>) -> RallyStatus {
    match result {
        Ok(_) => RallyStatus::Ok,
        Err(error) => fail_with(&error),
    }
}

/// Makes a client of the Rally at `base_url` (`http://host:port` or `https://host`), or null
/// on failure (see [`crate::rally_last_error_message`]). Nothing is sent yet.
///
/// # Safety
/// `base_url` is null or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_client_new(base_url: *const c_char) -> *mut RallyClient {
    let mut made = std::ptr::null_mut();
    guard(|| {
        // SAFETY: the caller's promise.
        let Some(url) = (unsafe { from_c(base_url) }) else {
            return invalid("base_url must be a UTF-8 string");
        };
        match BlockingClient::new(ClientConfig::new(url)) {
            Ok(sdk) => {
                made = Box::into_raw(Box::new(RallyClient { sdk }));
                RallyStatus::Ok
            }
            Err(error) => fail_with(&error),
        }
    });
    made
}

/// Frees a client: closes its connection and stops its thread. Null is ignored.
///
/// # Safety
/// `client` is null or came from [`rally_client_new`], is not freed before, and no other call
/// on it is running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_client_free(client: *mut RallyClient) {
    if !client.is_null() {
        guard(|| {
            // SAFETY: made by Box::into_raw and not freed, by the caller's promise.
            drop(unsafe { Box::from_raw(client) });
            RallyStatus::Ok
        });
    }
}

/// Creates an account and logs in as it.
///
/// # Safety
/// `client` as for [`rally_client_free`] (but not being freed); the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_register(
    client: *const RallyClient,
    username: *const c_char,
    email: *const c_char,
    password: *const c_char,
) -> RallyStatus {
    with_client(client, |sdk| {
        // SAFETY: the caller's promise.
        let fields = unsafe { (from_c(username), from_c(email), from_c(password)) };
        let (Some(username), Some(email), Some(password)) = fields else {
            return invalid("username, email and password must be UTF-8 strings");
        };
        status_of(sdk.register(username, email, password))
    })
}

/// Logs in with a username or email and the password.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_login(
    client: *const RallyClient,
    login: *const c_char,
    password: *const c_char,
) -> RallyStatus {
    with_client(client, |sdk| {
        // SAFETY: the caller's promise.
        let (Some(login), Some(password)) = (unsafe { (from_c(login), from_c(password)) }) else {
            return invalid("login and password must be UTF-8 strings");
        };
        status_of(sdk.login(login, password))
    })
}

/// Logs out, everywhere the player is logged in when `everywhere` is true.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_logout(client: *const RallyClient, everywhere: bool) -> RallyStatus {
    with_client(client, |sdk| status_of(sdk.logout(everywhere)))
}

/// The logged-in player's id, into `*player_id` (free it with [`crate::rally_string_free`]).
///
/// # Safety
/// As [`rally_register`]; `player_id` points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_player_id(
    client: *const RallyClient,
    player_id: *mut *mut c_char,
) -> RallyStatus {
    with_client(client, |sdk| {
        if player_id.is_null() {
            return invalid("player_id must not be null");
        }
        match sdk.player() {
            Some(player) => {
                // SAFETY: non-null and writable, by the caller's promise.
                unsafe { *player_id = to_c(&player.id.to_string()) };
                RallyStatus::Ok
            }
            None => fail_with(&rally_sdk::Error::NotLoggedIn),
        }
    })
}

/// Opens the gateway: from now on pushes become events for [`crate::rally_poll_event`], and
/// the SDK keeps the connection alive (pings, reconnects, resumes) on its own thread.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_connect(client: *const RallyClient) -> RallyStatus {
    with_client(client, |sdk| status_of(sdk.connect()))
}

/// Creates a party led by the player; its id into `*party_id` (free it with
/// [`crate::rally_string_free`]). `max_size` 0 takes Rally's default.
///
/// # Safety
/// As [`rally_player_id`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_create(
    client: *const RallyClient,
    max_size: u32,
    open: bool,
    party_id: *mut *mut c_char,
) -> RallyStatus {
    with_client(client, |sdk| {
        if party_id.is_null() {
            return invalid("party_id must not be null");
        }
        let request = CreatePartyRequest {
            max_size: (max_size > 0).then_some(max_size),
            open: Some(open),
        };
        match sdk.create_party(&request) {
            Ok(party) => {
                // SAFETY: non-null and writable, by the caller's promise.
                unsafe { *party_id = to_c(&party.id.to_string()) };
                RallyStatus::Ok
            }
            Err(error) => fail_with(&error),
        }
    })
}

/// Runs `call` and writes its answer, as JSON, into `*json`.
///
/// # Safety
/// As [`crate::rally_register`]; `json` points to writable storage for a pointer.
pub(crate) unsafe fn json_out<T: serde::Serialize>(
    client: *const RallyClient,
    json: *mut *mut c_char,
    call: impl FnOnce(&BlockingClient) -> rally_sdk::Result<T>,
) -> RallyStatus {
    with_client(client, |sdk| {
        if json.is_null() {
            return invalid("json must not be null");
        }
        match call(sdk) {
            Ok(answer) => {
                let text = serde_json::to_string(&answer).unwrap_or_default();
                // SAFETY: non-null and writable, by the caller's promise.
                unsafe { *json = to_c(&text) };
                RallyStatus::Ok
            }
            Err(error) => fail_with(&error),
        }
    })
}

/// Reads the client and the UUID string `id` (named `what` in the error), and runs `call` with
/// both.
pub(crate) fn with_id(
    client: *const RallyClient,
    id: *const c_char,
    what: &'static str,
    call: impl FnOnce(&BlockingClient, uuid::Uuid) -> RallyStatus,
) -> RallyStatus {
    with_client(client, |sdk| {
        // SAFETY: every caller documents that its id is a NUL-terminated string.
        match unsafe { uuid_from_c(id) } {
            Some(id) => call(sdk, id),
            None => invalid(what),
        }
    })
}

/// The player's access to their party's voice room, as JSON (`provider`, `url`, `room`,
/// `token`, `expires_at`), into `*json` (free it with [`rally_string_free`]). The party's
/// answers carry it too (`voice`), and so does `party.updated` after a member joined or left,
/// when the room changes (`not_in_party`, `voice_not_configured`).
///
/// # Safety
/// As [`rally_register`]; `party_id` is a NUL-terminated UUID string; `json` points to
/// writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_voice(
    client: *const RallyClient,
    party_id: *const c_char,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: a NUL-terminated string, by the caller's promise.
    let Some(party_id) = (unsafe { uuid_from_c(party_id) }) else {
        return invalid("party_id must be a UUID string");
    };
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.party_voice(party_id)) }
}

/// Joins a party the player was invited to, or an open one (`party_full`, `not_invited`).
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_join(
    client: *const RallyClient,
    party_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        party_id,
        "party_id must be a UUID string",
        |sdk, party| status_of(sdk.join_party(party)),
    )
}

/// Leaves a party.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_leave(
    client: *const RallyClient,
    party_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        party_id,
        "party_id must be a UUID string",
        |sdk, party| status_of(sdk.leave_party(party)),
    )
}

/// Invites a player to the party (the leader only).
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_invite(
    client: *const RallyClient,
    party_id: *const c_char,
    player_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        party_id,
        "party_id must be a UUID string",
        |sdk, party| {
            // SAFETY: the caller's promise.
            match unsafe { uuid_from_c(player_id) } {
                Some(player) => status_of(sdk.invite(party, player)),
                None => invalid("player_id must be a UUID string"),
            }
        },
    )
}

/// Answers the party's ready check.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_set_ready(
    client: *const RallyClient,
    party_id: *const c_char,
    ready: bool,
) -> RallyStatus {
    with_id(
        client,
        party_id,
        "party_id must be a UUID string",
        |sdk, party| status_of(sdk.set_ready(party, ready)),
    )
}

/// Starts a ready check (the leader only), needed before a party of several queues.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_party_start_ready_check(
    client: *const RallyClient,
    party_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        party_id,
        "party_id must be a UUID string",
        |sdk, party| status_of(sdk.start_ready_check(party)),
    )
}

/// Queues the player, or their party when they lead one, for `mode` in `regions` (`count` of
/// them). Then poll for `RALLY_EVENT_KIND_MATCH_FOUND` and `RALLY_EVENT_KIND_SESSION_READY`.
///
/// # Safety
/// As [`rally_register`]; `regions` points to `count` regions whose names are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_queue_join(
    client: *const RallyClient,
    mode: *const c_char,
    regions: *const RallyRegion,
    count: usize,
) -> RallyStatus {
    with_client(client, |sdk| {
        // SAFETY: the caller's promise.
        let Some(mode) = (unsafe { from_c(mode) }) else {
            return invalid("mode must be a UTF-8 string");
        };
        if regions.is_null() || count == 0 {
            return invalid("at least one region is needed");
        }
        // SAFETY: `count` readable regions, by the caller's promise.
        let given = unsafe { std::slice::from_raw_parts(regions, count) };
        let mut named = Vec::with_capacity(count);
        for region in given {
            // SAFETY: the caller's promise.
            let Some(name) = (unsafe { from_c(region.region) }) else {
                return invalid("every region needs a UTF-8 name");
            };
            named.push((name, region.latency_ms));
        }
        status_of(sdk.join_queue(mode, &named))
    })
}

/// Leaves the queue.
///
/// # Safety
/// As [`rally_register`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_queue_cancel(client: *const RallyClient) -> RallyStatus {
    with_client(client, |sdk| status_of(sdk.cancel_queue()))
}

/// Accepts a found match whose `match.found` carried an `accept_deadline_ms`; each acceptance
/// arrives as `RALLY_EVENT_KIND_MATCH_ACCEPTED`, and `session.ready` once every player accepted
/// (`match_not_found`, `not_participant`, `no_accept_step`, `accept_closed`).
///
/// # Safety
/// As [`rally_register`]; `match_id` is a NUL-terminated UUID string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_match_accept(
    client: *const RallyClient,
    match_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        match_id,
        "match_id must be a UUID string",
        |sdk, id| status_of(sdk.accept_match(id)),
    )
}

/// The player's access to their team's voice room in a running match whose queue has team
/// voice, as JSON like [`rally_party_voice`]'s (also in `session.ready`'s `voice`)
/// (`not_participant`, `match_not_found`, `voice_not_offered`, `voice_not_configured`,
/// `match_over`).
///
/// # Safety
/// As [`rally_party_voice`], with `match_id` for `party_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_match_voice(
    client: *const RallyClient,
    match_id: *const c_char,
    json: *mut *mut c_char,
) -> RallyStatus {
    // SAFETY: a NUL-terminated string, by the caller's promise.
    let Some(match_id) = (unsafe { uuid_from_c(match_id) }) else {
        return invalid("match_id must be a UUID string");
    };
    // SAFETY: as the caller promised.
    unsafe { json_out(client, json, |sdk| sdk.match_voice(match_id)) }
}

/// Declines a found match: it is cancelled for every player (`match.cancelled`, reason
/// `declined`) and the player may not queue again for a cooldown that grows with each decline
/// (`queue_cooldown`, with the seconds left). Refusals as [`rally_match_accept`].
///
/// # Safety
/// As [`rally_match_accept`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_match_decline(
    client: *const RallyClient,
    match_id: *const c_char,
) -> RallyStatus {
    with_id(
        client,
        match_id,
        "match_id must be a UUID string",
        |sdk, id| status_of(sdk.decline_match(id)),
    )
}
