//! Events as C sees them: one tagged struct with the fields games use most, and the whole
//! event as JSON for the rest.

use std::ffi::c_char;

use rally_sdk::Event;
use serde_json::json;

use crate::{
    client::RallyClient,
    status::{RallyStatus, guard, invalid},
    text::{opt_to_c, rally_string_free, to_c},
};

/// The kind of a [`RallyEvent`]; the names match the gateway's (`match.found`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RallyEventKind {
    /// A kind this version of the C ABI does not name; see `name` and `json`.
    Other = 0,
    /// The gateway connected (`json.resumed` says whether missed pushes were replayed).
    Connected = 1,
    /// The gateway connection dropped; the SDK reconnects by itself. `code` is the reason.
    Disconnected = 2,
    /// The login ended; `code` is Rally's reason. Log in again.
    LoggedOut = 3,
    /// `party.updated`
    PartyUpdated = 4,
    /// `party.invite`
    PartyInvite = 5,
    /// `party.ready_check`
    PartyReadyCheck = 6,
    /// `party.disbanded`
    PartyDisbanded = 7,
    /// `queue.joined`
    QueueJoined = 8,
    /// `queue.cancelled`; `code` is the reason.
    QueueCancelled = 9,
    /// `queue.status`
    QueueStatus = 10,
    /// `match.found`; `match_id` is set.
    MatchFound = 11,
    /// `match.cancelled`; `match_id` and `code` (the reason) are set.
    MatchCancelled = 12,
    /// `session.ready`; `match_id`, `endpoint` and `token` are set.
    SessionReady = 13,
    /// `session.ended`; `match_id` and `code` (the reason) are set.
    SessionEnded = 14,
    /// `rating.updated`; `match_id` is set.
    RatingUpdated = 15,
    /// The gateway refused a frame; `code` is set.
    GatewayError = 16,
    /// `match.accepted`; `match_id` and `code` (the accept step's state: `pending` while
    /// players are still to accept, `accepted` once all have) are set.
    MatchAccepted = 17,
    /// `friend.updated`; `code` is what happened (`requested`, `accepted`, `declined`,
    /// `cancelled`, `removed`) and `json` says by whom (`actor_id`) to whom (`player_id`).
    FriendUpdated = 18,
    /// `friend.presence`; `code` is the friend's status (`online`, `in_party`, `in_queue`,
    /// `in_match`, `offline`) and `json` names them (`player_id`).
    FriendPresence = 19,
    /// `chat.message`; `code` is what happened (`posted`, `edited`, `deleted`) and `json` is
    /// `{"kind", "message": {"id", "channel", "sender_id", "sender_name", "body", "sent_at"}}`.
    ChatMessage = 20,
    /// `moderation.notice`; `code` is what happened (`sanction_given`, `sanction_lifted`,
    /// `appeal_decided`) and `json` is `{"player_id", "kind", "sanction": {"id", "kind",
    /// "reason", "given_at", "until", "holds", "appeal"}}`.
    ModerationNotice = 21,
}

/// One event. The strings are null when the kind has none; free them all at once with
/// [`rally_event_free`].
#[repr(C)]
#[derive(Debug)]
pub struct RallyEvent {
    /// What happened.
    pub kind: RallyEventKind,
    /// The kind's name (`match.found`).
    pub name: *mut c_char,
    /// The match, for match, session and rating events.
    pub match_id: *mut c_char,
    /// The party, for party events.
    pub party_id: *mut c_char,
    /// `session.ready`: the game server's `host:port`.
    pub endpoint: *mut c_char,
    /// `session.ready`: the session token to show the game server.
    pub token: *mut c_char,
    /// A reason or code: why the connection dropped, the login ended, the ticket or match was
    /// cancelled, or the session ended.
    pub code: *mut c_char,
    /// The whole event as JSON (the gateway's `data`).
    pub json: *mut c_char,
}

/// The C form of `event`.
fn to_raw(event: &Event) -> RallyEvent {
    let mut raw = RallyEvent {
        kind: RallyEventKind::Other,
        name: to_c(event.kind().name()),
        match_id: std::ptr::null_mut(),
        party_id: std::ptr::null_mut(),
        endpoint: std::ptr::null_mut(),
        token: std::ptr::null_mut(),
        code: std::ptr::null_mut(),
        json: std::ptr::null_mut(),
    };
    let (kind, data) = match event {
        Event::Connected {
            session_id,
            resumed,
        } => (
            RallyEventKind::Connected,
            json!({"session_id": session_id, "resumed": resumed}),
        ),
        Event::Disconnected { reason, retry_in } => {
            raw.code = to_c(reason);
            let retry_ms = retry_in.map(|d| d.as_millis() as u64);
            (
                RallyEventKind::Disconnected,
                json!({"reason": reason, "retry_in_ms": retry_ms}),
            )
        }
        Event::LoggedOut { code } => {
            raw.code = to_c(code);
            (RallyEventKind::LoggedOut, json!({"code": code}))
        }
        Event::PartyUpdated(e)
        | Event::PartyInvite(e)
        | Event::PartyReadyCheck(e)
        | Event::PartyDisbanded(e) => {
            raw.party_id = to_c(&e.party_id.to_string());
            let kind = match event {
                Event::PartyUpdated(_) => RallyEventKind::PartyUpdated,
                Event::PartyInvite(_) => RallyEventKind::PartyInvite,
                Event::PartyReadyCheck(_) => RallyEventKind::PartyReadyCheck,
                _ => RallyEventKind::PartyDisbanded,
            };
            (kind, json!(e))
        }
        Event::QueueJoined(ticket) => (RallyEventKind::QueueJoined, json!(ticket)),
        Event::QueueCancelled(cancelled) => {
            raw.code = to_c(&cancelled.reason);
            (RallyEventKind::QueueCancelled, json!(cancelled))
        }
        Event::QueueStatus(status) => (RallyEventKind::QueueStatus, json!(status)),
        Event::MatchFound(found) => {
            raw.match_id = to_c(&found.match_id.to_string());
            (RallyEventKind::MatchFound, json!(found))
        }
        Event::MatchAccepted(accepted) => {
            raw.match_id = to_c(&accepted.match_id.to_string());
            let state = json!(accepted.state);
            raw.code = to_c(state.as_str().unwrap_or_default());
            (RallyEventKind::MatchAccepted, json!(accepted))
        }
        Event::MatchCancelled(cancelled) => {
            raw.match_id = to_c(&cancelled.match_id.to_string());
            raw.code = to_c(&cancelled.reason);
            (RallyEventKind::MatchCancelled, json!(cancelled))
        }
        Event::SessionReady(session) => {
            raw.match_id = to_c(&session.match_id.to_string());
            raw.endpoint = opt_to_c(session.endpoint.as_deref());
            raw.token = opt_to_c(session.token.as_deref());
            (RallyEventKind::SessionReady, json!(session))
        }
        Event::SessionEnded(ended) => {
            raw.match_id = to_c(&ended.match_id.to_string());
            raw.code = to_c(&ended.reason);
            (RallyEventKind::SessionEnded, json!(ended))
        }
        Event::RatingUpdated(change) => {
            raw.match_id = to_c(&change.match_id.to_string());
            (RallyEventKind::RatingUpdated, json!(change))
        }
        Event::FriendUpdated(change) => {
            let kind = json!(change.kind);
            raw.code = to_c(kind.as_str().unwrap_or_default());
            (RallyEventKind::FriendUpdated, json!(change))
        }
        Event::FriendPresence(change) => {
            let status = json!(change.presence.status);
            raw.code = to_c(status.as_str().unwrap_or_default());
            (RallyEventKind::FriendPresence, json!(change))
        }
        Event::ChatMessage(change) => {
            let kind = json!(change.kind);
            raw.code = to_c(kind.as_str().unwrap_or_default());
            (RallyEventKind::ChatMessage, json!(change))
        }
        Event::ModerationNotice(notice) => {
            let kind = json!(notice.kind);
            raw.code = to_c(kind.as_str().unwrap_or_default());
            (RallyEventKind::ModerationNotice, json!(notice))
        }
        Event::GatewayError(error) => {
            raw.code = to_c(&error.code);
            (RallyEventKind::GatewayError, json!(error))
        }
        _ => (RallyEventKind::Other, json!(null)),
    };
    raw.kind = kind;
    raw.json = to_c(&data.to_string());
    raw
}

/// Takes the oldest waiting event into `*event`, without blocking: [`RallyStatus::Ok`] with
/// an event to free with [`rally_event_free`], or [`RallyStatus::NoEvent`]. Call it once a
/// frame until it says `NoEvent`.
///
/// # Safety
/// `client` is null or a live client from [`crate::rally_client_new`]; `event` is null or
/// points to writable storage for a [`RallyEvent`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_poll_event(
    client: *const RallyClient,
    event: *mut RallyEvent,
) -> RallyStatus {
    guard(|| {
        // SAFETY: null or a live client, by the caller's promise.
        let Some(client) = (unsafe { client.as_ref() }) else {
            return invalid("the client is null");
        };
        if event.is_null() {
            return invalid("event must not be null");
        }
        match client.sdk.poll_event() {
            Some(next) => {
                // SAFETY: non-null and writable, by the caller's promise.
                unsafe { event.write(to_raw(&next)) };
                RallyStatus::Ok
            }
            None => RallyStatus::NoEvent,
        }
    })
}

/// Frees the strings of an event filled by [`rally_poll_event`] and sets them to null, so a
/// second call does nothing. Null is ignored.
///
/// # Safety
/// `event` is null or an event filled by [`rally_poll_event`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rally_event_free(event: *mut RallyEvent) {
    // SAFETY: null or a filled event, by the caller's promise.
    let Some(event) = (unsafe { event.as_mut() }) else {
        return;
    };
    for text in [
        &mut event.name,
        &mut event.match_id,
        &mut event.party_id,
        &mut event.endpoint,
        &mut event.token,
        &mut event.code,
        &mut event.json,
    ] {
        // SAFETY: each is null or made by to_c and freed only here, then nulled.
        unsafe { rally_string_free(*text) };
        *text = std::ptr::null_mut();
    }
}

#[cfg(test)]
mod tests {
    use rally_sdk::protocol::session::{SessionInfo, SessionState};
    use uuid::Uuid;

    use super::*;
    use crate::text::from_c_owned;

    #[test]
    fn a_session_ready_carries_its_endpoint_token_and_json() {
        let session = SessionInfo {
            match_id: Uuid::from_u128(7),
            state: SessionState::Ready,
            end_reason: None,
            endpoint: Some("10.0.0.5:7777".into()),
            token: Some("rst1.x.y.z".into()),
            token_expires_at: Some(1),
            voice: None,
        };
        let mut raw = to_raw(&Event::SessionReady(session));
        assert_eq!(raw.kind, RallyEventKind::SessionReady);
        // SAFETY: strings made by to_c, taken back once each, then nulled.
        let (name, endpoint, json) = unsafe {
            (
                from_c_owned(raw.name),
                from_c_owned(raw.endpoint),
                from_c_owned(raw.json),
            )
        };
        (raw.name, raw.endpoint, raw.json) = (
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        assert_eq!(name.as_deref(), Some("session.ready"));
        assert_eq!(endpoint.as_deref(), Some("10.0.0.5:7777"));
        assert!(json.is_some_and(|j| j.contains("rst1.x.y.z")));
        assert!(raw.party_id.is_null());
        // SAFETY: the remaining strings are made by to_c or null; freeing twice is a no-op.
        unsafe {
            rally_event_free(&mut raw);
            rally_event_free(&mut raw);
        }
    }

    #[test]
    fn null_arguments_are_refused_with_a_status_not_a_crash() {
        // SAFETY: null is an allowed argument everywhere.
        unsafe {
            assert_eq!(
                rally_poll_event(std::ptr::null(), std::ptr::null_mut()),
                RallyStatus::InvalidArgument
            );
            assert!(crate::rally_client_new(std::ptr::null()).is_null());
            crate::rally_client_free(std::ptr::null_mut());
            rally_event_free(std::ptr::null_mut());
        }
        let client = c"http://127.0.0.1:9";
        // SAFETY: a NUL-terminated literal; the client is freed once.
        unsafe {
            let made = crate::rally_client_new(client.as_ptr());
            assert!(!made.is_null());
            assert_eq!(
                crate::rally_login(made, std::ptr::null(), std::ptr::null()),
                RallyStatus::InvalidArgument
            );
            assert_eq!(
                crate::rally_party_join(made, c"not-a-uuid".as_ptr()),
                RallyStatus::InvalidArgument
            );
            let mut event = std::mem::MaybeUninit::<RallyEvent>::uninit();
            assert_eq!(
                rally_poll_event(made, event.as_mut_ptr()),
                RallyStatus::NoEvent
            );
            crate::rally_client_free(made);
        }
    }
}
