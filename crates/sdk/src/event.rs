//! What the SDK tells a game: every push of Rally's gateway, decoded, and the life of the
//! connection and the login.

use std::time::Duration;

use rally_protocol::{
    acceptance::MatchAcceptance,
    chat::ChatChange,
    friend::{FriendChange, FriendPresenceChange},
    gateway::{GatewayError, PartyEvent, ServerEvent},
    moderation::ModerationNotice,
    queue::{MatchFound, QueueCancelled, QueueStatus, QueueTicket},
    rating::RatingChange,
    session::{MatchCancelled, SessionEnded, SessionInfo},
};
use uuid::Uuid;

/// One thing that happened. Pushes arrive in the order Rally sent them, each once, also across
/// a reconnect that resumed the gateway session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The gateway is connected. `resumed` is false when Rally started a new session: the first
    /// connection, or a reconnect Rally could not resume (the grace passed, the pushes missed
    /// are gone, or another node took the connection). Pushes made while disconnected may then
    /// be lost, so refetch what the game shows (party, ticket).
    Connected {
        /// The gateway session, kept across resumed reconnects.
        session_id: Uuid,
        /// Whether the earlier session was resumed with every missed push delivered.
        resumed: bool,
    },
    /// The gateway connection dropped; the SDK reconnects after `retry_in`. `None` means it
    /// gave up because the login ended (see [`Event::LoggedOut`]); call
    /// [`Client::connect`](crate::Client::connect) after logging in again.
    Disconnected {
        /// Why: the close code and reason, or the transport error.
        reason: String,
        /// When the next attempt is made.
        retry_in: Option<Duration>,
    },
    /// The login ended: a refresh token was reused or revoked, or the account banned. Show the
    /// login screen. `code` is Rally's reason.
    LoggedOut {
        /// `refresh_token_reused`, `refresh_token_revoked`, `refresh_token_expired`,
        /// `invalid_refresh_token`, `account_banned` or `account_disabled`.
        code: String,
    },
    /// `party.updated`: members, leader, readiness or state changed.
    PartyUpdated(PartyEvent),
    /// `party.invite`: the player was invited (or an invite was answered).
    PartyInvite(PartyEvent),
    /// `party.ready_check`: a ready check started, was answered, passed, failed or expired.
    PartyReadyCheck(PartyEvent),
    /// `party.disbanded`: the party is gone.
    PartyDisbanded(PartyEvent),
    /// `queue.joined`: a ticket was created for the player (also by the party leader).
    QueueJoined(QueueTicket),
    /// `queue.cancelled`: the ticket left the queue, with the reason.
    QueueCancelled(QueueCancelled),
    /// `queue.status`: the ticket is still searching; how long, and how wide the search now is.
    QueueStatus(QueueStatus),
    /// `match.found`: a match was made; a server is being allocated, or, when its
    /// `accept_deadline_ms` is set, will be once every player accepted
    /// ([`Client::accept_match`](crate::Client::accept_match)).
    MatchFound(MatchFound),
    /// `match.accepted`: a player accepted a found match; its `state` is `accepted` once every
    /// player has, and the server is being allocated.
    MatchAccepted(MatchAcceptance),
    /// `match.cancelled`: no server could be found (`allocation_failed: ...`), a player
    /// declined (`declined`), or not every player accepted in time (`accept_timeout`);
    /// `requeued` says whether the tickets of the players who did not decline are back in the
    /// queue.
    MatchCancelled(MatchCancelled),
    /// `session.ready`: the game server's endpoint and this player's session token. It may
    /// come before the [`Event::MatchFound`] of the same match (the two travel apart): a game
    /// that waits for `MatchFound` first keeps an earlier `SessionReady` of that `match_id`.
    SessionReady(SessionInfo),
    /// `session.ended`: the game session is over.
    SessionEnded(SessionEnded),
    /// `rating.updated`: the player's rating after a result.
    RatingUpdated(RatingChange),
    /// `friend.updated`: a friendship of the player was asked, accepted, declined, cancelled
    /// or removed (`kind`), by `actor_id`.
    FriendUpdated(FriendChange),
    /// `friend.presence`: a friend came online, went offline, or moved into or out of a party,
    /// a queue or a match.
    FriendPresence(FriendPresenceChange),
    /// `chat.message`: a message of one of the player's channels was sent, edited or deleted.
    ChatMessage(ChatChange),
    /// `moderation.notice`: one of the player's sanctions (a chat mute, a queue cooldown) was
    /// given or lifted, or their appeal of one was decided.
    ModerationNotice(ModerationNotice),
    /// `error`: the gateway refused a frame the SDK sent.
    GatewayError(GatewayError),
}

/// The kind of an [`Event`], to register a callback for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// [`Event::Connected`]
    Connected,
    /// [`Event::Disconnected`]
    Disconnected,
    /// [`Event::LoggedOut`]
    LoggedOut,
    /// [`Event::PartyUpdated`]
    PartyUpdated,
    /// [`Event::PartyInvite`]
    PartyInvite,
    /// [`Event::PartyReadyCheck`]
    PartyReadyCheck,
    /// [`Event::PartyDisbanded`]
    PartyDisbanded,
    /// [`Event::QueueJoined`]
    QueueJoined,
    /// [`Event::QueueCancelled`]
    QueueCancelled,
    /// [`Event::QueueStatus`]
    QueueStatus,
    /// [`Event::MatchFound`]
    MatchFound,
    /// [`Event::MatchAccepted`]
    MatchAccepted,
    /// [`Event::MatchCancelled`]
    MatchCancelled,
    /// [`Event::SessionReady`]
    SessionReady,
    /// [`Event::SessionEnded`]
    SessionEnded,
    /// [`Event::RatingUpdated`]
    RatingUpdated,
    /// [`Event::FriendUpdated`]
    FriendUpdated,
    /// [`Event::FriendPresence`]
    FriendPresence,
    /// [`Event::ChatMessage`]
    ChatMessage,
    /// [`Event::ModerationNotice`]
    ModerationNotice,
    /// [`Event::GatewayError`]
    GatewayError,
}

impl Event {
    /// This event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Connected { .. } => EventKind::Connected,
            Event::Disconnected { .. } => EventKind::Disconnected,
            Event::LoggedOut { .. } => EventKind::LoggedOut,
            Event::PartyUpdated(_) => EventKind::PartyUpdated,
            Event::PartyInvite(_) => EventKind::PartyInvite,
            Event::PartyReadyCheck(_) => EventKind::PartyReadyCheck,
            Event::PartyDisbanded(_) => EventKind::PartyDisbanded,
            Event::QueueJoined(_) => EventKind::QueueJoined,
            Event::QueueCancelled(_) => EventKind::QueueCancelled,
            Event::QueueStatus(_) => EventKind::QueueStatus,
            Event::MatchFound(_) => EventKind::MatchFound,
            Event::MatchAccepted(_) => EventKind::MatchAccepted,
            Event::MatchCancelled(_) => EventKind::MatchCancelled,
            Event::SessionReady(_) => EventKind::SessionReady,
            Event::SessionEnded(_) => EventKind::SessionEnded,
            Event::RatingUpdated(_) => EventKind::RatingUpdated,
            Event::FriendUpdated(_) => EventKind::FriendUpdated,
            Event::FriendPresence(_) => EventKind::FriendPresence,
            Event::ChatMessage(_) => EventKind::ChatMessage,
            Event::ModerationNotice(_) => EventKind::ModerationNotice,
            Event::GatewayError(_) => EventKind::GatewayError,
        }
    }

    /// The push a gateway frame carries; `None` for the frames the SDK handles itself
    /// (`hello`, `pong`, `presence`).
    pub(crate) fn from_push(event: ServerEvent) -> Option<Self> {
        Some(match event {
            // A ban closes the socket next; the reconnect's refusal becomes `LoggedOut`.
            ServerEvent::Hello(_)
            | ServerEvent::Pong
            | ServerEvent::Presence(_)
            | ServerEvent::AccountBanned(_) => return None,
            ServerEvent::Error(e) => Event::GatewayError(e),
            ServerEvent::PartyUpdated(e) => Event::PartyUpdated(e),
            ServerEvent::PartyInvite(e) => Event::PartyInvite(e),
            ServerEvent::PartyReadyCheck(e) => Event::PartyReadyCheck(e),
            ServerEvent::PartyDisbanded(e) => Event::PartyDisbanded(e),
            ServerEvent::QueueJoined(e) => Event::QueueJoined(e),
            ServerEvent::QueueCancelled(e) => Event::QueueCancelled(e),
            ServerEvent::QueueStatus(e) => Event::QueueStatus(e),
            ServerEvent::MatchFound(e) => Event::MatchFound(e),
            ServerEvent::MatchAccepted(e) => Event::MatchAccepted(e),
            ServerEvent::MatchCancelled(e) => Event::MatchCancelled(e),
            ServerEvent::SessionReady(e) => Event::SessionReady(e),
            ServerEvent::SessionEnded(e) => Event::SessionEnded(e),
            ServerEvent::RatingUpdated(e) => Event::RatingUpdated(e),
            ServerEvent::FriendUpdated(e) => Event::FriendUpdated(e),
            ServerEvent::FriendPresence(e) => Event::FriendPresence(e),
            ServerEvent::ChatMessage(e) => Event::ChatMessage(e),
            ServerEvent::ModerationNotice(e) => Event::ModerationNotice(e),
        })
    }
}

impl EventKind {
    /// The kind's name: the gateway's `type` for pushes (`match.found`), and `connected`,
    /// `disconnected` and `logged_out` for the SDK's own.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Connected => "connected",
            EventKind::Disconnected => "disconnected",
            EventKind::LoggedOut => "logged_out",
            EventKind::PartyUpdated => "party.updated",
            EventKind::PartyInvite => "party.invite",
            EventKind::PartyReadyCheck => "party.ready_check",
            EventKind::PartyDisbanded => "party.disbanded",
            EventKind::QueueJoined => "queue.joined",
            EventKind::QueueCancelled => "queue.cancelled",
            EventKind::QueueStatus => "queue.status",
            EventKind::MatchFound => "match.found",
            EventKind::MatchAccepted => "match.accepted",
            EventKind::MatchCancelled => "match.cancelled",
            EventKind::SessionReady => "session.ready",
            EventKind::SessionEnded => "session.ended",
            EventKind::RatingUpdated => "rating.updated",
            EventKind::FriendUpdated => "friend.updated",
            EventKind::FriendPresence => "friend.presence",
            EventKind::ChatMessage => "chat.message",
            EventKind::ModerationNotice => "moderation.notice",
            EventKind::GatewayError => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use rally_protocol::gateway::ServerMessage;

    use super::*;

    #[test]
    fn every_push_kind_is_named_as_the_gateway_names_it() {
        let frame = r#"{"v":1,"id":"x","seq":3,"type":"session.ended","data":
            {"match_id":"00000000-0000-0000-0000-000000000007","reason":"completed","player_ids":[]}}"#;
        let message: ServerMessage = serde_json::from_str(frame).expect("a push");
        let wire_name = message.event.kind();
        let event = Event::from_push(message.event).expect("a push, not a reply");
        assert_eq!(event.kind().name(), wire_name);
        assert!(matches!(event, Event::SessionEnded(ended) if ended.reason == "completed"));
    }

    #[test]
    fn replies_the_sdk_handles_itself_are_not_events() {
        assert_eq!(Event::from_push(ServerEvent::Pong), None);
    }
}
