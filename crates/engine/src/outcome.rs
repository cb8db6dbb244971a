//! What a tick returns: matches, filled backfills and timed-out tickets.

use serde::{Deserialize, Serialize};

use crate::{
    id::{BackfillId, Millis, PlayerId, TicketId},
    name::{Mode, Region},
    quality::Quality,
    rating::Rating,
    role::RoleId,
};

/// A player placed in a team.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Who.
    pub player: PlayerId,
    /// The ticket they came in.
    pub ticket: TicketId,
    /// Their role, in queues with roles.
    pub role: Option<RoleId>,
    /// Their rating when matched.
    pub rating: Rating,
    /// Their ticket's latency to the match region.
    pub latency_ms: u16,
}

/// One team of a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// The players, ticket by ticket: a ticket's players stand together, in its order.
    pub players: Vec<Placement>,
}

impl Team {
    /// The tickets in this team, in order (parties are never split across teams). They are
    /// read off the players rather than kept beside them: a burst makes tens of thousands of
    /// teams in one tick, and each list kept would be one more allocation.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.players
            .chunk_by(|a, b| a.ticket == b.ticket)
            .map(|ticket| ticket[0].ticket)
    }
}

/// A new match proposed by a tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The queue.
    pub mode: Mode,
    /// Where it is played.
    pub region: Region,
    /// The ticket that anchored the search (the oldest one tried this tick).
    pub anchor: TicketId,
    /// When it was made (the tick's `now`).
    pub created_at: Millis,
    /// The teams, in no meaningful order.
    pub teams: Vec<Team>,
    /// Each team's predicted win probability (same order as `teams`, sums to 1).
    pub win_probabilities: Vec<f64>,
    /// The quality score and its breakdown.
    pub quality: Quality,
}

impl Match {
    /// Every ticket in the match.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.teams.iter().flat_map(Team::tickets)
    }

    /// Every player in the match.
    pub fn players(&self) -> impl Iterator<Item = &Placement> + '_ {
        self.teams.iter().flat_map(|t| t.players.iter())
    }
}

/// A backfill request that was served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackfillFill {
    /// The request served.
    pub request: BackfillId,
    /// The queue.
    pub mode: Mode,
    /// The team (index in the request) that receives the players.
    pub team: u16,
    /// The tickets taken.
    pub tickets: Vec<TicketId>,
    /// The players joining, with roles.
    pub players: Vec<Placement>,
    /// Each team's predicted win probability once the players join.
    pub win_probabilities: Vec<f64>,
}

/// A ticket that waited its queue's `max_wait_ms` and was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedOut {
    /// The ticket.
    pub ticket: TicketId,
    /// Its queue.
    pub mode: Mode,
    /// Its players, now free to queue again.
    pub players: Vec<PlayerId>,
    /// How long it waited.
    pub waited_ms: u64,
}

/// Everything one tick produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TickOutcome {
    /// New matches.
    pub matches: Vec<Match>,
    /// Backfill requests served (served before new matches were searched).
    pub backfills: Vec<BackfillFill>,
    /// Tickets that waited too long.
    pub timed_out: Vec<TimedOut>,
    /// How many tickets were tried as anchors: the tick's work, for metrics. It follows
    /// arrivals and widening steps, not the number of tickets waiting.
    pub anchors_tried: usize,
}

impl TickOutcome {
    /// Whether nothing happened.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty() && self.backfills.is_empty() && self.timed_out.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(player: u128, ticket: u128) -> Placement {
        Placement {
            player: PlayerId(player),
            ticket: TicketId(ticket),
            role: None,
            rating: Rating::new(1_500.0, 50.0),
            latency_ms: 30,
        }
    }

    #[test]
    fn a_team_names_each_ticket_once_in_the_order_of_its_players() {
        let team = Team {
            players: vec![
                placed(1, 7),
                placed(2, 7),
                placed(3, 4),
                placed(4, 9),
                placed(5, 9),
            ],
        };
        let tickets: Vec<u128> = team.tickets().map(|t| t.0).collect();
        assert_eq!(tickets, vec![7, 4, 9]);
        assert_eq!(Team { players: vec![] }.tickets().count(), 0);
    }
}
