//! Request and response bodies of the queue routes (`/v1/queues`, `/v1/queue`), and the queue
//! and match pushes of the gateway.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The latency a client measured to one region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionLatency {
    /// The region (one of the queue's).
    pub region: String,
    /// Round-trip time in milliseconds (the worst party member's, for a party).
    pub latency_ms: u32,
}

/// `POST /v1/queue`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueRequest {
    /// The queue (`duel`, `squad`...): see `GET /v1/queues`.
    pub mode: String,
    /// Measured latency to the regions the client can play in.
    pub regions: Vec<RegionLatency>,
    /// For queues with roles: the roles the caller accepts, most wanted first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting for a match.
    Searching,
    /// Placed in a match (`match_id`).
    Matched,
    /// Cancelled (`cancel_reason`).
    Cancelled,
    /// Waited longer than the queue allows.
    TimedOut,
}

/// A ticket: one player, or a whole party, in a queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueTicket {
    /// The ticket.
    pub id: Uuid,
    /// The queue.
    pub mode: String,
    /// Where it is.
    pub state: TicketState,
    /// The party queued, if any.
    pub party_id: Option<Uuid>,
    /// The players queued.
    pub member_ids: Vec<Uuid>,
    /// The latencies given when queueing.
    pub regions: Vec<RegionLatency>,
    /// Why it was cancelled: `by_player`, `party_changed`, `disconnected`.
    pub cancel_reason: Option<String>,
    /// The match it was placed in.
    pub match_id: Option<Uuid>,
    /// When it was queued (kept when a ticket goes back to the queue).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One queue, as `GET /v1/queues` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueInfo {
    /// The queue's name, to give as `mode`.
    pub mode: String,
    /// Teams per match.
    pub teams: u16,
    /// Players per team.
    pub team_size: u16,
    /// The largest party the queue takes.
    pub max_party_size: u16,
    /// The roles a team needs (empty for a queue without roles).
    pub roles: Vec<String>,
    /// `weng_lin`, `glicko2` or `elo`.
    pub rating_system: String,
    /// The regions it runs in.
    pub regions: Vec<String>,
    /// Players waiting now (as last reported by the matchmaker; 0 when none reported).
    pub players_waiting: u64,
    /// The median wait of the matches made in the last minutes, in seconds.
    pub median_wait_s: Option<f64>,
}

/// `GET /v1/queues`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueList {
    /// Every configured queue.
    pub queues: Vec<QueueInfo>,
}

/// Push `queue.cancelled`: a ticket left the queue without a match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCancelled {
    /// The ticket.
    pub ticket_id: Uuid,
    /// The queue.
    pub mode: String,
    /// `by_player`, `party_changed`, `timed_out` or `disconnected`.
    pub reason: String,
    /// The players it held.
    pub member_ids: Vec<Uuid>,
}

/// Push `queue.status`: how the wait is going, every few seconds while searching.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// The ticket.
    pub ticket_id: Uuid,
    /// The queue.
    pub mode: String,
    /// Seconds waited so far.
    pub waited_s: f64,
    /// The rating band the ticket is matched within now (half-width, in rating units).
    pub rating_band: f64,
    /// The most latency accepted now, in milliseconds.
    pub latency_limit_ms: f64,
}

/// A player of a found match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchPlayer {
    /// The player.
    pub player_id: Uuid,
    /// Their display name.
    pub display_name: String,
    /// The party they queued with.
    pub party_id: Option<Uuid>,
}

/// The parts of a match's quality, each 0 to 1 (1 is best), and their weighted total: what the
/// matchmaker chose the match by.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QualityBreakdown {
    /// The weighted total (the match's `quality`).
    pub total: f64,
    /// How even the predicted win probabilities are.
    pub fairness: f64,
    /// How close the tickets' ratings are.
    pub spread: f64,
    /// How low the players' latency is.
    pub latency: f64,
    /// The share of players in their preferred role.
    pub roles: f64,
    /// How evenly premade players are spread over the teams.
    pub parties: f64,
}

/// Push `match.found`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchFound {
    /// The match (its session comes with `session.ready`).
    pub match_id: Uuid,
    /// The queue.
    pub mode: String,
    /// Where it is played.
    pub region: String,
    /// The match's quality score, 0 to 1.
    pub quality: f64,
    /// Its parts (absent from matches made by nodes of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_breakdown: Option<QualityBreakdown>,
    /// Each team's predicted chance to win, in team order, from the queue's rating system
    /// (they sum to 1; empty from nodes of earlier versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub win_probabilities: Vec<f64>,
    /// The teams, each a list of players.
    pub teams: Vec<Vec<MatchPlayer>>,
    /// When it was made, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// For a queue with an accept step: every player must accept before this time, in
    /// milliseconds since the Unix epoch (`POST /v1/matches/{match_id}/accept`), or the match is
    /// cancelled. Absent: the match's server is allocated at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_deadline_ms: Option<i64>,
}
