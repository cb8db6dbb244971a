//! The WebSocket gateway's messages (`GET /v1/ws`).
//!
//! Every frame is one JSON object tagged by `type`, carrying the protocol version `v` and an
//! `id`. A client request gets exactly one reply with the request's `id` (`pong`, `presence` or
//! `error`). Server pushes (`party.*`, and the queue, match, session and rating events) carry a
//! fresh `id` and a sequence number `seq`, counted per gateway session from 1 with no gaps, so
//! a client that reconnects with `?resume=<session_id>&last_seq=<n>` within the grace period
//! receives every push after `n`, in order.
//!
//! ```
//! use rally_protocol::gateway::{ClientMessage, ClientRequest};
//! let ping: ClientMessage = serde_json::from_str(r#"{"v":1,"type":"ping","id":"7"}"#).unwrap();
//! assert_eq!(ping.request, ClientRequest::Ping);
//! ```

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::acceptance::MatchAcceptance;
use crate::chat::ChatChange;
use crate::friend::{FriendChange, FriendPresenceChange};
use crate::party::PartyState;
use crate::queue::{MatchFound, QueueCancelled, QueueStatus, QueueTicket};
use crate::rating::RatingChange;
use crate::session::{MatchCancelled, SessionEnded, SessionInfo};
use crate::voice::VoiceAccess;

/// The version of the gateway protocol this crate speaks, sent as `v` in every frame.
pub const GATEWAY_VERSION: u32 = 1;

/// Close codes the gateway ends a connection with (beside the standard 1000 and 1001).
pub mod close_code {
    /// The access token is missing, invalid or expired, or the client flooded the gateway.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame was larger than the server's `ws_max_message_bytes`.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The node is shutting down; reconnect (with `resume`) to another.
    pub const GOING_AWAY: u16 = 1001;
    /// Nothing was heard from the client within the idle timeout.
    pub const IDLE_TIMEOUT: u16 = 4000;
    /// The client did not read its pushes fast enough and its outbound queue filled up.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// The account was banned: the socket closes after the `account.banned` push, and the
    /// client must not reconnect (its tokens are refused).
    pub const BANNED: u16 = 4003;
}

/// A frame from the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMessage {
    /// The protocol version the client speaks ([`GATEWAY_VERSION`]).
    pub v: u32,
    /// Chosen by the client (at most 64 characters); the reply carries it back.
    pub id: String,
    /// What the client asks.
    #[serde(flatten)]
    pub request: ClientRequest,
}

/// What a client may ask over the socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ClientRequest {
    /// A liveness check at the application level; answered with `pong`.
    #[serde(rename = "ping")]
    Ping,
    /// Which of these players (at most 100) are online; answered with `presence`.
    #[serde(rename = "presence.query")]
    PresenceQuery(PresenceQuery),
}

/// The players a `presence.query` asks about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceQuery {
    /// The players, at most 100.
    pub player_ids: Vec<Uuid>,
}

/// A frame from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerMessage {
    /// The protocol version the server speaks ([`GATEWAY_VERSION`]).
    pub v: u32,
    /// The request's id for a reply; a fresh id for a push.
    pub id: String,
    /// For pushes: the push's place in this gateway session, from 1 without gaps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// What the server says.
    #[serde(flatten)]
    pub event: ServerEvent,
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ServerEvent {
    /// The first frame of every connection.
    #[serde(rename = "hello")]
    Hello(Hello),
    /// The reply to `ping`.
    #[serde(rename = "pong")]
    Pong,
    /// The reply to `presence.query`.
    #[serde(rename = "presence")]
    Presence(Presence),
    /// The reply to a request the server could not serve, or to a frame it could not read.
    #[serde(rename = "error")]
    Error(GatewayError),
    /// A party the player is in (or just left) changed.
    #[serde(rename = "party.updated")]
    PartyUpdated(PartyEvent),
    /// The player was invited to a party, or an invite of their party was answered.
    #[serde(rename = "party.invite")]
    PartyInvite(PartyEvent),
    /// A ready check of the player's party started or ended.
    #[serde(rename = "party.ready_check")]
    PartyReadyCheck(PartyEvent),
    /// The player's party closed.
    #[serde(rename = "party.disbanded")]
    PartyDisbanded(PartyEvent),
    /// The player (alone or with their party) joined a queue.
    #[serde(rename = "queue.joined")]
    QueueJoined(QueueTicket),
    /// The player's ticket left the queue without a match, and why.
    #[serde(rename = "queue.cancelled")]
    QueueCancelled(QueueCancelled),
    /// How the player's wait is going (every few seconds while searching).
    #[serde(rename = "queue.status")]
    QueueStatus(QueueStatus),
    /// A match was made for the player.
    #[serde(rename = "match.found")]
    MatchFound(MatchFound),
    /// A player of a found match accepted it (`state` `accepted` once every player has).
    #[serde(rename = "match.accepted")]
    MatchAccepted(MatchAcceptance),
    /// A found match will not be played.
    #[serde(rename = "match.cancelled")]
    MatchCancelled(MatchCancelled),
    /// The player's game server is ready: its endpoint and the player's token. It travels apart
    /// from `match.found` and may arrive before the `match.found` of the same match.
    #[serde(rename = "session.ready")]
    SessionReady(SessionInfo),
    /// The player's session ended without a result.
    #[serde(rename = "session.ended")]
    SessionEnded(SessionEnded),
    /// The player's rating changed after a match.
    #[serde(rename = "rating.updated")]
    RatingUpdated(RatingChange),
    /// A friendship of the player was asked, accepted, declined, cancelled or removed.
    #[serde(rename = "friend.updated")]
    FriendUpdated(FriendChange),
    /// A friend of the player came online, went offline, or moved into or out of a party, a
    /// queue or a match.
    #[serde(rename = "friend.presence")]
    FriendPresence(FriendPresenceChange),
    /// A message of one of the player's chat channels was sent, edited or deleted.
    #[serde(rename = "chat.message")]
    ChatMessage(ChatChange),
    /// The player's account was banned: the socket closes with [`close_code::BANNED`] next.
    #[serde(rename = "account.banned")]
    AccountBanned(AccountBanned),
    /// One of the player's sanctions (a mute, a cooldown) was given or lifted, or their appeal
    /// decided.
    #[serde(rename = "moderation.notice")]
    ModerationNotice(crate::moderation::ModerationNotice),
}

/// The `account.banned` push: until when the ban lasts (`None`: permanently).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBanned {
    /// The banned player.
    pub player_id: Uuid,
    /// When the ban ends; absent for a permanent ban.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<time::OffsetDateTime>,
}

impl ServerEvent {
    /// The event's `type` as it appears on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            ServerEvent::Hello(_) => "hello",
            ServerEvent::Pong => "pong",
            ServerEvent::Presence(_) => "presence",
            ServerEvent::Error(_) => "error",
            ServerEvent::PartyUpdated(_) => "party.updated",
            ServerEvent::PartyInvite(_) => "party.invite",
            ServerEvent::PartyReadyCheck(_) => "party.ready_check",
            ServerEvent::PartyDisbanded(_) => "party.disbanded",
            ServerEvent::QueueJoined(_) => "queue.joined",
            ServerEvent::QueueCancelled(_) => "queue.cancelled",
            ServerEvent::QueueStatus(_) => "queue.status",
            ServerEvent::MatchFound(_) => "match.found",
            ServerEvent::MatchAccepted(_) => "match.accepted",
            ServerEvent::MatchCancelled(_) => "match.cancelled",
            ServerEvent::SessionReady(_) => "session.ready",
            ServerEvent::SessionEnded(_) => "session.ended",
            ServerEvent::RatingUpdated(_) => "rating.updated",
            ServerEvent::FriendUpdated(_) => "friend.updated",
            ServerEvent::FriendPresence(_) => "friend.presence",
            ServerEvent::ChatMessage(_) => "chat.message",
            ServerEvent::AccountBanned(_) => "account.banned",
            ServerEvent::ModerationNotice(_) => "moderation.notice",
        }
    }
}

/// The first frame: who the connection is, and how to keep it alive and resume it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The authenticated player.
    pub player_id: Uuid,
    /// The gateway session: give it back as `resume` when reconnecting.
    pub session_id: Uuid,
    /// True when this connection resumed an earlier session and the pushes missed since
    /// `last_seq` follow; false for a new session, whose state the client should refetch.
    pub resumed: bool,
    /// The sequence number of the last push of this session sent before this connection
    /// (0 for a new session).
    pub last_seq: u64,
    /// How often the server pings; the client should send something at least this often.
    pub ping_interval_ms: u64,
    /// How long the server waits without hearing from the client before closing.
    pub idle_timeout_ms: u64,
    /// How long after a disconnect the session can still be resumed.
    pub resume_grace_ms: u64,
}

/// Which of the asked players are online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The players asked about that hold at least one open connection.
    pub online: Vec<Uuid>,
}

/// Why a request or frame was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayError {
    /// Stable: `invalid_frame`, `unsupported_version`, `unknown_type`, `invalid_request`,
    /// `rate_limited`, `unavailable`.
    pub code: String,
    /// For people.
    pub detail: String,
}

/// A change to a party, pushed to each of its members and to the player it concerns.
///
/// The fields present depend on the push: every one has the party's id, leader, state and
/// members; the others say what happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyEvent {
    /// The party.
    pub party_id: Uuid,
    /// Its leader after the change.
    pub leader_id: Uuid,
    /// Its state after the change.
    pub state: Option<PartyState>,
    /// Its members after the change.
    pub member_ids: Vec<Uuid>,
    /// When the change happened, in milliseconds since the Unix epoch.
    pub updated_at: i64,
    /// What happened: `created`, `joined`, `left`, `kicked`, `promoted`, `ready`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The player the change concerns (who joined, left, was kicked, promoted or invited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player_id: Option<Uuid>,
    /// For `ready`: the player's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// For invites: the invite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_id: Option<Uuid>,
    /// For invites: who invited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter_id: Option<Uuid>,
    /// For invites: `pending` or `declined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// For invites: when it lapses, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// For ready checks: `pending`, `passed`, `failed` or `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_check: Option<String>,
    /// For ready checks: the deadline, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    /// For ready checks: the members that answered ready so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_ids: Option<Vec<Uuid>>,
    /// For `party.updated` when the members changed (`created`, `joined`, `left`, `kicked`,
    /// `banned`), pushed to a member: their own access to the party's voice room as it is now
    /// (on a server with a voice provider). Never in the stored event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceAccess>,
}

impl PartyEvent {
    /// Everyone the event concerns: the members, and the player acted on when not a member.
    pub fn recipients(&self) -> Vec<Uuid> {
        let mut recipients = self.member_ids.clone();
        if let Some(player) = self.player_id
            && !recipients.contains(&player)
        {
            recipients.push(player);
        }
        recipients
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_with_and_without_data() {
        let ping: ClientMessage =
            serde_json::from_str(r#"{"v":1,"type":"ping","id":"a"}"#).expect("ping");
        assert_eq!(ping.request, ClientRequest::Ping);
        let query: ClientMessage = serde_json::from_str(
            r#"{"v":1,"id":"b","type":"presence.query","data":{"player_ids":["00000000-0000-0000-0000-000000000001"]}}"#,
        )
        .expect("presence.query");
        assert_eq!(
            query.request,
            ClientRequest::PresenceQuery(PresenceQuery {
                player_ids: vec![Uuid::from_u128(1)]
            })
        );
        assert!(
            serde_json::from_str::<ClientMessage>(r#"{"v":1,"id":"c","type":"nope"}"#).is_err()
        );
    }

    #[test]
    fn pushes_round_trip_with_their_sequence() {
        let push = ServerMessage {
            v: GATEWAY_VERSION,
            id: "p".into(),
            seq: Some(3),
            event: ServerEvent::PartyUpdated(PartyEvent {
                party_id: Uuid::from_u128(9),
                leader_id: Uuid::from_u128(1),
                state: Some(PartyState::Active),
                member_ids: vec![Uuid::from_u128(1)],
                updated_at: 5,
                reason: Some("joined".into()),
                ..PartyEvent::default()
            }),
        };
        let text = serde_json::to_string(&push).expect("serialize");
        assert!(text.contains(r#""type":"party.updated""#), "{text}");
        assert!(text.contains(r#""seq":3"#), "{text}");
        let back: ServerMessage = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, push);
        let pong: ServerMessage =
            serde_json::from_str(r#"{"v":1,"id":"x","type":"pong"}"#).expect("pong");
        assert_eq!(pong.event, ServerEvent::Pong);
        assert_eq!(pong.event.kind(), "pong");
    }

    #[test]
    fn recipients_add_the_player_acted_on_once() {
        let member = Uuid::from_u128(1);
        let kicked = Uuid::from_u128(2);
        let event = PartyEvent {
            member_ids: vec![member],
            player_id: Some(kicked),
            ..PartyEvent::default()
        };
        assert_eq!(event.recipients(), vec![member, kicked]);
        let joined = PartyEvent {
            member_ids: vec![member],
            player_id: Some(member),
            ..PartyEvent::default()
        };
        assert_eq!(joined.recipients(), vec![member]);
    }
}
