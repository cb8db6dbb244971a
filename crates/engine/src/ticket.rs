//! Tickets: what a player or party puts in a queue, and why one may be refused.

use serde::{Deserialize, Serialize};

use crate::{
    id::{Millis, PlayerId, TicketId},
    name::{Mode, Region},
    queue::{Entry, Queue},
    rating::Rating,
    role::{RoleChoice, RoleId, RoleSet, feasible},
    separation::avoid_list,
};

/// One player in a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Who.
    pub player: PlayerId,
    /// Their rating in the queue's rating system.
    pub rating: Rating,
    /// The roles they accept (ignored by queues without roles).
    pub roles: RoleSet,
    /// The role they would most like, if any (must be in `roles`).
    pub preferred: Option<RoleId>,
}

impl Member {
    /// A player without role preferences.
    #[must_use]
    pub fn new(player: PlayerId, rating: Rating) -> Self {
        Self {
            player,
            rating,
            roles: RoleSet::EMPTY,
            preferred: None,
        }
    }
}

/// Measured round-trip latency from the ticket's players to a region (the worst member's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionLatency {
    /// The region.
    pub region: Region,
    /// Round-trip time in milliseconds.
    pub ms: u16,
}

/// A request to be matched: one player, or a party that must stay together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// The caller's id for this ticket.
    pub id: TicketId,
    /// The queue it joins.
    pub mode: Mode,
    /// One to `max_party_size` players.
    pub members: Vec<Member>,
    /// Latency to each region the party measured; regions outside the queue are refused.
    pub latencies: Vec<RegionLatency>,
    /// Players none of the members may be matched with (those they blocked and those who
    /// blocked them), kept apart as the queue's [`crate::Separation`] says. Members of the
    /// ticket itself are ignored: a party plays together.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<PlayerId>,
}

/// Why a ticket was refused at enqueue; the engine's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// No queue is configured for the ticket's mode.
    #[error("no queue for mode `{0}`")]
    UnknownMode(Mode),
    /// The ticket names a region the queue does not run in.
    #[error("region `{0}` is not served by this queue")]
    UnknownRegion(Region),
    /// The ticket gave no latency for any of the queue's regions, or the same region twice.
    #[error("no usable latency for any region of the queue")]
    NoRegion,
    /// A ticket with this id is already queued.
    #[error("ticket {0:?} is already queued")]
    DuplicateTicket(TicketId),
    /// A player appears twice in the ticket, or is already in another queued ticket.
    #[error("player {0:?} is already queued")]
    DuplicatePlayer(PlayerId),
    /// The ticket has no players.
    #[error("a ticket needs at least one player")]
    EmptyParty,
    /// The party is larger than the queue allows.
    #[error("party of {size} is larger than the queue's maximum of {max}")]
    PartyTooBig {
        /// Players in the ticket.
        size: usize,
        /// The queue's `max_party_size`.
        max: u16,
    },
    /// A member names a role the queue does not have, or accepts none in a queue with roles.
    #[error("player {0:?} has an unknown or missing role")]
    UnknownRole(PlayerId),
    /// The party's accepted roles cannot fill one team's composition together (for example
    /// two players who only play tank, where a team has one tank).
    #[error("the party's roles cannot all fit in one team")]
    PartyRolesDoNotFit,
    /// A member's rating is not finite or has a negative uncertainty.
    #[error("player {0:?} has an invalid rating")]
    InvalidRating(PlayerId),
}

impl Queue {
    /// Checks a ticket against this queue (not against other queued tickets).
    /// The entry, and its avoid list as the queue keeps it.
    pub(crate) fn prepare(
        &self,
        ticket: Ticket,
        now: Millis,
    ) -> Result<(Entry, Box<[PlayerId]>), TicketError> {
        let c = &self.config;
        if ticket.members.is_empty() {
            return Err(TicketError::EmptyParty);
        }
        if ticket.members.len() > usize::from(c.max_party_size) {
            return Err(TicketError::PartyTooBig {
                size: ticket.members.len(),
                max: c.max_party_size,
            });
        }
        for (i, m) in ticket.members.iter().enumerate() {
            if ticket.members[..i].iter().any(|o| o.player == m.player) {
                return Err(TicketError::DuplicatePlayer(m.player));
            }
            if !m.rating.is_valid() {
                return Err(TicketError::InvalidRating(m.player));
            }
            let role_ok = if c.roles.is_empty() {
                m.roles.is_empty() && m.preferred.is_none()
            } else {
                !m.roles.is_empty()
                    && m.roles.within(c.roles.len())
                    && m.preferred.is_none_or(|p| m.roles.contains(p))
            };
            if !role_ok {
                return Err(TicketError::UnknownRole(m.player));
            }
        }
        let counts: Vec<u16> = c.roles.iter().map(|r| r.count).collect();
        let choices = ticket.members.iter().map(|m| RoleChoice {
            accepts: m.roles,
            preferred: m.preferred,
        });
        if !counts.is_empty() && !feasible(choices, &counts) {
            return Err(TicketError::PartyRolesDoNotFit);
        }
        // The two lowest (latency, region index) pairs, without allocating.
        let mut seen = [0u64; 4];
        let mut first: Option<(u16, u8)> = None;
        let mut second: Option<(u16, u8)> = None;
        for l in &ticket.latencies {
            let region = self
                .region_index(l.region)
                .ok_or(TicketError::UnknownRegion(l.region))?;
            let (word, bit) = (usize::from(region / 64), region % 64);
            if seen[word] & (1 << bit) != 0 {
                return Err(TicketError::NoRegion);
            }
            seen[word] |= 1 << bit;
            let candidate = Some((l.ms, region));
            if first.is_none_or(|f| (l.ms, region) < f) {
                second = first;
                first = candidate;
            } else if second.is_none_or(|s| (l.ms, region) < s) {
                second = candidate;
            }
        }
        let best = first.map(|(ms, r)| (r, ms)).ok_or(TicketError::NoRegion)?;
        let second = second.map(|(ms, r)| (r, ms));
        let key = c.ticket_rating(ticket.members.iter().map(|m| m.rating.mu));
        let avoid = avoid_list(ticket.avoid, &ticket.members);
        let entry = Entry {
            id: ticket.id,
            enqueued: now,
            key,
            members: ticket.members.into(),
            avoids: !avoid.is_empty(),
            best,
            second,
            fallback_indexed: false,
            paced_from: 0.0,
            due: None,
            fresh: true,
        };
        Ok((entry, avoid))
    }
}
