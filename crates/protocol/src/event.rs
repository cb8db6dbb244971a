//! The events Rally's roles hand each other on the bus, one typed model shared by the code that
//! writes them and the code that reads them.
//!
//! Every message on a durable stream is an [`Envelope`]: who and when (`id`, `occurred_at`),
//! which chain of work it belongs to (`correlation_id`, the request id of the request that
//! started the chain, carried on by every event that follows from it; `causation_id`, the event
//! it directly followed from), the W3C trace context of that work (`traceparent`), and the
//! [`Event`] itself, tagged by `type` (the stream's name) with its body in `data`:
//!
//! ```
//! use rally_protocol::event::{Envelope, Event, SessionReady};
//! let text = r#"{"id":"0190a6f6-7c4e-7a52-9a5d-0b4ad3e4f001","schema_version":1,
//!   "occurred_at":"2026-12-05T10:00:00Z","correlation_id":"req-1",
//!   "type":"session.ready","data":{"match_id":"0190a6f6-7c4e-7a52-9a5d-0b4ad3e4f002",
//!   "endpoint":"203.0.113.7:7777","player_ids":[]}}"#;
//! let envelope: Envelope = serde_json::from_str(text).unwrap();
//! assert!(matches!(envelope.event, Event::SessionReady(SessionReady { .. })));
//! assert_eq!(envelope.event.type_name(), "session.ready");
//! ```
//!
//! A reader that cannot read a message does not drop it: the server moves it to the
//! dead-letter stream, with a metric and a log line.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acceptance::MatchAcceptance;
use crate::chat::ChatChange;
use crate::friend::FriendChange;
use crate::gateway::{AccountBanned, PartyEvent};
use crate::queue::{MatchFound, QueueCancelled, QueueTicket};
use crate::session::{MatchCancelled, ResultReport, SessionEnded};

/// The version of the envelope and event bodies this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// One message on a durable stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The event's id: also its outbox id and its bus message id, so a retried publish is
    /// stored once.
    pub id: Uuid,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// When the change the event describes was committed.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The request id of the request that started this chain of work (or a fresh id when a
    /// role's own step started it), the same on every event that follows from it.
    pub correlation_id: String,
    /// The event this one directly followed from, when it followed from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
    /// The W3C `traceparent` of the work that wrote the event, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// An envelope's trace context alone, read without the rest (for a message's headers).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct EnvelopeTrace {
    /// [`Envelope::traceparent`].
    #[serde(default)]
    pub traceparent: Option<String>,
}

/// What happened: one variant per durable stream, named as the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// A player created an account.
    #[serde(rename = "player.registered")]
    PlayerRegistered(PlayerRegistered),
    /// A player changed their profile.
    #[serde(rename = "profile.updated")]
    ProfileUpdated(ProfileUpdated),
    /// A party's members, lead or readiness changed.
    #[serde(rename = "party.updated")]
    PartyUpdated(PartyEvent),
    /// A player was invited to a party, or an invite was answered.
    #[serde(rename = "party.invite")]
    PartyInvite(PartyEvent),
    /// A ready check started, passed, failed or expired.
    #[serde(rename = "party.ready_check")]
    PartyReadyCheck(PartyEvent),
    /// A party closed.
    #[serde(rename = "party.disbanded")]
    PartyDisbanded(PartyEvent),
    /// A ticket joined a queue or left it without a match.
    #[serde(rename = "queue.updated")]
    QueueUpdated(QueueChange),
    /// The matchmaker stored a match: the sessions role allocates it a server.
    #[serde(rename = "match.created")]
    MatchCreated(MatchFound),
    /// A player accepted a found match; every player has once its state is `accepted`, and the
    /// sessions role allocates it a server.
    #[serde(rename = "match.accepted")]
    MatchAccepted(MatchAcceptance),
    /// A found match will not be played.
    #[serde(rename = "match.cancelled")]
    MatchCancelled(MatchCancelled),
    /// A match's game server is ready.
    #[serde(rename = "session.ready")]
    SessionReady(SessionReady),
    /// A session ended without a result.
    #[serde(rename = "session.ended")]
    SessionEnded(SessionEnded),
    /// A game server reported a match's result: the ratings role applies it.
    #[serde(rename = "match.completed")]
    MatchCompleted(MatchCompleted),
    /// A match's result changed its players' ratings.
    #[serde(rename = "rating.updated")]
    RatingUpdated(RatingsApplied),
    /// An operator banned a player.
    #[serde(rename = "account.banned")]
    AccountBanned(AccountBanned),
    /// A friendship was asked, accepted, declined, cancelled or removed.
    #[serde(rename = "friend.updated")]
    FriendUpdated(FriendChange),
    /// A chat message was sent, edited or deleted.
    #[serde(rename = "chat.message")]
    ChatMessage(ChatPush),
    /// One of a player's sanctions was given, lifted, or its appeal decided.
    #[serde(rename = "moderation.notice")]
    ModerationNotice(crate::moderation::ModerationNotice),
}

impl Event {
    /// The event's `type`, which is also the name of the stream it travels on.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::PlayerRegistered(_) => "player.registered",
            Event::ProfileUpdated(_) => "profile.updated",
            Event::PartyUpdated(_) => "party.updated",
            Event::PartyInvite(_) => "party.invite",
            Event::PartyReadyCheck(_) => "party.ready_check",
            Event::PartyDisbanded(_) => "party.disbanded",
            Event::QueueUpdated(_) => "queue.updated",
            Event::MatchCreated(_) => "match.created",
            Event::MatchAccepted(_) => "match.accepted",
            Event::MatchCancelled(_) => "match.cancelled",
            Event::SessionReady(_) => "session.ready",
            Event::SessionEnded(_) => "session.ended",
            Event::MatchCompleted(_) => "match.completed",
            Event::RatingUpdated(_) => "rating.updated",
            Event::AccountBanned(_) => "account.banned",
            Event::FriendUpdated(_) => "friend.updated",
            Event::ChatMessage(_) => "chat.message",
            Event::ModerationNotice(_) => "moderation.notice",
        }
    }
}

/// `chat.message`: the change, and the players of the channel when it happened, to push it to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatPush {
    /// What happened to which message.
    pub change: ChatChange,
    /// The players to tell (the sender too: their other devices).
    pub recipients: Vec<Uuid>,
}

/// `player.registered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerRegistered {
    /// The new player.
    pub player_id: Uuid,
    /// Their username.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// Their home region, when they gave one.
    pub region: Option<String>,
    /// When they registered, in milliseconds since the Unix epoch.
    pub registered_at: i64,
}

/// `profile.updated`: the fields that changed by name (never a secret's value) and the public
/// profile after the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileUpdated {
    /// The player.
    pub player_id: Uuid,
    /// The names of the fields that changed (`display_name`, `password`, ...).
    pub changed: Vec<String>,
    /// The display name after the change.
    pub display_name: String,
    /// The region after the change.
    pub region: Option<String>,
    /// The avatar after the change.
    pub avatar_url: Option<String>,
    /// When, in milliseconds since the Unix epoch.
    pub updated_at: i64,
}

/// `queue.updated`: what the gateway pushes to the ticket's players.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum QueueChange {
    /// A ticket joined a queue.
    Joined(QueueTicket),
    /// A ticket left a queue without a match.
    Cancelled(QueueCancelled),
}

impl QueueChange {
    /// The players to tell.
    pub fn recipients(&self) -> &[Uuid] {
        match self {
            QueueChange::Joined(ticket) => &ticket.member_ids,
            QueueChange::Cancelled(cancelled) => &cancelled.member_ids,
        }
    }
}

/// `session.ready`: the match's server; each player's gateway signs them their own token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionReady {
    /// The match.
    pub match_id: Uuid,
    /// Where the game server listens.
    pub endpoint: String,
    /// The players to tell: every player for a new session, the newcomers for a backfill.
    pub player_ids: Vec<Uuid>,
}

/// `match.completed`: a stored result, for the ratings role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchCompleted {
    /// The match.
    pub match_id: Uuid,
    /// Its queue.
    pub mode: String,
    /// The season it counts for (the active one when absent).
    pub season_id: Option<Uuid>,
    /// The result as the game server reported it.
    pub result: ResultReport,
    /// Each participant's outcome, as resolved from the report.
    pub outcomes: Vec<PlayerOutcome>,
}

/// One participant's outcome in [`MatchCompleted`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerOutcome {
    /// The player.
    pub player_id: Uuid,
    /// `win`, `loss`, `draw` or `left`.
    pub outcome: String,
    /// The finishing place (1 = first; equal places tie), when the result gave places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<u32>,
}

/// `rating.updated`: every participant's rating change for one match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatingsApplied {
    /// The match.
    pub match_id: Uuid,
    /// The season.
    pub season_id: Uuid,
    /// The queue.
    pub mode: String,
    /// Every participant's change.
    pub changes: Vec<RatingDelta>,
}

/// One player's change in [`RatingsApplied`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatingDelta {
    /// The player.
    pub player_id: Uuid,
    /// Mean before.
    pub mean_before: f64,
    /// Uncertainty before.
    pub uncertainty_before: f64,
    /// Mean after.
    pub mean_after: f64,
    /// Uncertainty after.
    pub uncertainty_after: f64,
    /// Displayed MMR before.
    pub mmr_before: i64,
    /// Displayed MMR after.
    pub mmr_after: i64,
    /// Still in placement after this match.
    pub placement: bool,
    /// Rated games played, this one included.
    pub games: i32,
}

/// A message a reader could not read, as kept on the dead-letter stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The stream it arrived on.
    pub stream: String,
    /// Its key on that stream.
    pub key: String,
    /// Who could not read it (the consumer's durable name).
    pub reader: String,
    /// Why.
    pub reason: String,
    /// The message as received (lossy UTF-8).
    pub payload: String,
}
