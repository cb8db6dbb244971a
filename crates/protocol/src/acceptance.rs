//! The accept step of queues with an accept timeout: after `match.found`, every player accepts
//! (`POST /v1/matches/{match_id}/accept`) or declines (`.../decline`) before the deadline. When
//! all have accepted, the match's server is allocated (`session.ready` follows); a decline or the
//! deadline cancels the match (`match.cancelled`, reason `declined` or `accept_timeout`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How a match's accept step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceState {
    /// Waiting for players to accept, until the deadline.
    Pending,
    /// Every player accepted: the match's server is being allocated.
    Accepted,
    /// A player declined: the match is cancelled.
    Declined,
    /// The deadline passed before every player accepted: the match is cancelled.
    Expired,
}

/// A match's accept step: the answer to accept and decline, and the `match.accepted` push (sent
/// to every player of the match each time one accepts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MatchAcceptance {
    /// The match.
    pub match_id: Uuid,
    /// The queue.
    pub mode: String,
    /// Where it is played.
    pub region: String,
    /// How the accept step stands.
    pub state: AcceptanceState,
    /// When the time to accept ends, in milliseconds since the Unix epoch.
    pub deadline_ms: i64,
    /// Every player of the match.
    pub player_ids: Vec<Uuid>,
    /// The players who accepted so far.
    pub accepted_ids: Vec<Uuid>,
}
