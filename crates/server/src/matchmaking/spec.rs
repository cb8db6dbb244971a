//! [`TicketSpec`]: what a stored ticket keeps (the `spec` column) so the engine's ticket can be
//! rebuilt from the store alone: each member's rating, roles and display name at queue time,
//! the latencies given, the players its members blocked or were blocked by, and the trace
//! context of the request that queued it.

use rally_engine::{
    Member, Mode, PlayerId, Rating, RegionLatency, RoleId, RoleSet, Ticket, TicketId,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A ticket as the matchmaker needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSpec {
    /// The players, with their ratings at queue time.
    pub members: Vec<SpecMember>,
    /// Latency to each region, in milliseconds.
    pub latencies: Vec<(String, u16)>,
    /// The season the ratings are of.
    pub season_id: Option<Uuid>,
    /// The W3C `traceparent` of the request that queued the ticket: the match's span links to
    /// it, so an operator goes from the match to each player's queue request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The players blocked by, or blocking, a member when the ticket was queued: the
    /// matchmaker keeps them apart (see [`rally_engine::Separation`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<Uuid>,
}

/// One player of a [`TicketSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecMember {
    /// The player.
    pub player_id: Uuid,
    /// Shown to the other players of the match.
    pub display_name: String,
    /// Rating mean.
    pub mu: f64,
    /// Rating uncertainty.
    pub sigma: f64,
    /// Glicko-2 volatility.
    pub volatility: f64,
    /// Roles accepted (ids in the queue's role list), most wanted first.
    pub roles: Vec<u8>,
}

/// Why a stored ticket cannot become an engine ticket (a queue's regions or roles changed
/// since it was stored, or the row was edited by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unusable ticket spec: {0}")]
pub struct SpecError(pub String);

impl TicketSpec {
    /// The engine's ticket `id` in queue `mode`, whose teams need `role_count` roles (a member
    /// who named none accepts them all).
    pub fn engine_ticket(
        &self,
        id: Uuid,
        mode: Mode,
        role_count: usize,
    ) -> Result<Ticket, SpecError> {
        let latencies = self
            .latencies
            .iter()
            .map(|(region, ms)| {
                rally_engine::Region::new(region)
                    .map(|region| RegionLatency { region, ms: *ms })
                    .map_err(|e| SpecError(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let members = self
            .members
            .iter()
            .map(|m| {
                let roles: Vec<RoleId> = if m.roles.is_empty() {
                    (0..role_count)
                        .filter_map(|i| u8::try_from(i).ok())
                        .map(RoleId)
                        .collect()
                } else {
                    m.roles.iter().copied().map(RoleId).collect()
                };
                let preferred = if m.roles.is_empty() {
                    None
                } else {
                    roles.first().copied()
                };
                Member {
                    player: PlayerId(m.player_id.as_u128()),
                    rating: Rating {
                        mu: m.mu,
                        sigma: m.sigma,
                        volatility: m.volatility,
                    },
                    roles: RoleSet::of(&roles),
                    preferred,
                }
            })
            .collect();
        Ok(Ticket {
            id: TicketId(id.as_u128()),
            mode,
            members,
            latencies,
            avoid: self.avoid.iter().map(|p| PlayerId(p.as_u128())).collect(),
        })
    }

    /// The spec of a stored ticket.
    pub fn of(value: &serde_json::Value) -> Result<Self, SpecError> {
        serde_json::from_value(value.clone()).map_err(|e| SpecError(e.to_string()))
    }

    /// The member with this id.
    pub fn member(&self, player_id: Uuid) -> Option<&SpecMember> {
        self.members.iter().find(|m| m.player_id == player_id)
    }
}
