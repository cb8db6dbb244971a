//! Game sessions: the player's view (`GET /v1/session/{match_id}`), the game-server API
//! (`/v1/server/sessions/{match_id}/*`), and the session pushes of the gateway.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::voice::VoiceAccess;

/// Where a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Waiting for a game server.
    Allocating,
    /// A server is ready: connect with the token.
    Ready,
    /// The server reported it running.
    Active,
    /// Over (`end_reason`: `completed`, `abandoned`, `failed`).
    Ended,
}

/// `GET /v1/session/{match_id}`, and the `session.ready` push.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// The match.
    pub match_id: Uuid,
    /// Where the session is.
    pub state: SessionState,
    /// How it ended, once ended.
    pub end_reason: Option<String>,
    /// The game server (`host:port`), once allocated.
    pub endpoint: Option<String>,
    /// This player's session token for that server (while the session runs).
    pub token: Option<String>,
    /// When the token expires, in Unix seconds.
    pub token_expires_at: Option<i64>,
    /// In the `session.ready` push, for a queue with `team_voice` on a server with a voice
    /// provider: the player's access to their team's voice room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<VoiceAccess>,
}

/// `POST /v1/server/sessions/{match_id}/verify`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The token a player presented.
    pub token: String,
}

/// The answer to a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyAnswer {
    /// Whether the player may join.
    pub valid: bool,
    /// The player the token is for (when valid).
    pub player_id: Option<Uuid>,
    /// The endpoint the token is for (when valid).
    pub endpoint: Option<String>,
    /// Why not: `malformed`, `unknown_key`, `bad_signature`, `expired`, `other_match`,
    /// `not_participant`, `session_ended`.
    pub reason: Option<String>,
}

/// The answer to a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeartbeatAnswer {
    /// The session's state after it.
    pub state: SessionState,
    /// Send the next heartbeat within this many seconds.
    pub deadline_s: u64,
}

/// How one player, or one team, did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Won.
    Win,
    /// Lost.
    Loss,
    /// Drew.
    Draw,
    /// Left before the end (ratings treat it as configured).
    Left,
}

/// One line of a result: a team's outcome, or a player's (a player's line overrides their
/// team's, for `left`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultLine {
    /// The team (from 0, as in `match.found`), for a team's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<u32>,
    /// The player, for a player's line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player_id: Option<Uuid>,
    /// Win, loss, draw or left.
    pub outcome: Outcome,
    /// Finishing place (1 = first; equal places tie, as 1, 1, 2 or 1, 1, 3). A match of more
    /// than two teams is rated by placement and needs one for every team (on a team's line, or
    /// on its players' lines in a free-for-all); a two-team result may give outcomes alone.
    /// Places must agree with outcomes: a `win` is first, a `loss` is not, a `draw` shares its
    /// place, and never with a `win`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<u32>,
}

/// `POST /v1/server/sessions/{match_id}/result`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultReport {
    /// The outcomes, per team or per player; every player must be covered.
    pub outcomes: Vec<ResultLine>,
    /// How long the match lasted, in seconds.
    pub duration_s: f64,
    /// Free-form per-player statistics, stored as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub stats: Option<serde_json::Value>,
}

/// Push `match.cancelled`: a found match will not be played.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchCancelled {
    /// The match.
    pub match_id: Uuid,
    /// `allocation_failed: <why>` (no server), `declined` (a player declined it) or
    /// `accept_timeout` (not every player accepted in time).
    pub reason: String,
    /// Whether the tickets of the players who did not decline went back to the queue (with their
    /// place kept). A ticket whose player declined, or let the time to accept pass, ends instead
    /// (`queue.cancelled` with the same reason), for their whole party.
    pub requeued: bool,
    /// The players.
    pub player_ids: Vec<Uuid>,
}

/// Push `session.ended`: a session ended without a result (`abandoned`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnded {
    /// The match.
    pub match_id: Uuid,
    /// `abandoned` or `completed`.
    pub reason: String,
    /// The players.
    pub player_ids: Vec<Uuid>,
}

/// `POST /v1/server/sessions/{match_id}/backfill`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillRequest {
    /// The team (from 0, as in `match.found`) that needs players.
    pub team: u32,
    /// How many.
    pub slots: u32,
    /// For queues with roles: the role of each slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// The players being replaced (they left): not counted in their team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacing: Option<Vec<Uuid>>,
}

/// The answer to a backfill request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackfillAnswer {
    /// The request.
    pub id: Uuid,
    /// `open`: the matchmaker looks for players; those found get `session.ready`.
    pub state: String,
}

/// The session token is a credential: it never prints.
impl std::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo")
            .field("match_id", &self.match_id)
            .field("state", &self.state)
            .field("end_reason", &self.end_reason)
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_expires_at", &self.token_expires_at)
            .field("voice", &self.voice)
            .finish()
    }
}

/// The session token is a credential: it never prints.
impl std::fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyRequest").finish_non_exhaustive()
    }
}
