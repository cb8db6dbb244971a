//! What a tick returns: matches, filled backfills and timed-out tickets.

use serde::{Deserialize, Serialize};

use crate::{
    id::{BackfillId, Millis, PlayerId, TicketId},
    name::{Mode, Region},
    quality::Quality,
    rating::Rating,
    role::RoleId,
    win::WinProbabilities,
};

/// A player placed in a team.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Who.
    pub player: PlayerId,
    /// The ticket they came in.
    pub ticket: TicketId,
    /// Their team: an index into the match's teams (or the backfill request's).
    pub team: u16,
    /// Their role, in queues with roles.
    pub role: Option<RoleId>,
    /// Their rating when matched.
    pub rating: Rating,
    /// Their ticket's latency to the match region.
    pub latency_ms: u16,
}

/// One team of a match: a view of its players.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Team<'a> {
    /// The players, ticket by ticket: a ticket's players stand together, in its order.
    pub players: &'a [Placement],
}

impl<'a> Team<'a> {
    /// The tickets in this team, in order (parties are never split across teams). They are
    /// read off the players rather than kept beside them: a burst makes tens of thousands of
    /// teams in one tick, and each list kept would be one more allocation.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + 'a {
        self.players
            .chunk_by(|a, b| a.ticket == b.ticket)
            .map(|ticket| ticket[0].ticket)
    }
}

/// A new match proposed by a tick.
///
/// Its players are one list, team by team, rather than a list per team: a burst makes tens of
/// thousands of matches in one tick, and each list is an allocation.
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
    /// Every player, team by team (each [`Placement::team`] names its team), the teams in no
    /// meaningful order.
    pub players: Vec<Placement>,
    /// Each team's predicted win probability (one per team, in team order; sums to 1).
    pub win_probabilities: WinProbabilities,
    /// The quality score and its breakdown.
    pub quality: Quality,
}

impl Match {
    /// The teams, in order.
    pub fn teams(&self) -> impl Iterator<Item = Team<'_>> + '_ {
        self.players
            .chunk_by(|a, b| a.team == b.team)
            .map(|players| Team { players })
    }

    /// How many teams play.
    #[must_use]
    pub fn team_count(&self) -> usize {
        self.win_probabilities.len()
    }

    /// Every ticket in the match.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.players
            .chunk_by(|a, b| a.ticket == b.ticket)
            .map(|ticket| ticket[0].ticket)
    }

    /// Every player in the match.
    pub fn players(&self) -> impl Iterator<Item = &Placement> + '_ {
        self.players.iter()
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
    pub win_probabilities: WinProbabilities,
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
            team: 0,
            role: None,
            rating: Rating::new(1_500.0, 50.0),
            latency_ms: 30,
        }
    }

    #[test]
    fn a_match_s_teams_are_its_players_split_where_the_team_changes() {
        let mut players = [placed(1, 7), placed(2, 7), placed(3, 4), placed(4, 9)];
        for p in &mut players[2..] {
            p.team = 1;
        }
        let made = Match {
            mode: Mode::new("duo").expect("valid"),
            region: Region::new("eu").expect("valid"),
            anchor: TicketId(7),
            created_at: Millis(0),
            players: players.to_vec(),
            win_probabilities: WinProbabilities::two(0.5),
            quality: Quality {
                total: 1.0,
                fairness: 1.0,
                spread: 1.0,
                latency: 1.0,
                roles: 1.0,
                parties: 1.0,
            },
        };
        let teams: Vec<Vec<u128>> = made
            .teams()
            .map(|t| t.players.iter().map(|p| p.player.0).collect())
            .collect();
        assert_eq!(teams, vec![vec![1, 2], vec![3, 4]]);
        assert_eq!(made.team_count(), 2);
        let tickets: Vec<u128> = made.tickets().map(|t| t.0).collect();
        assert_eq!(tickets, vec![7, 4, 9]);
    }

    #[test]
    fn a_team_names_each_ticket_once_in_the_order_of_its_players() {
        let players = [
            placed(1, 7),
            placed(2, 7),
            placed(3, 4),
            placed(4, 9),
            placed(5, 9),
        ];
        let team = Team { players: &players };
        let tickets: Vec<u128> = team.tickets().map(|t| t.0).collect();
        assert_eq!(tickets, vec![7, 4, 9]);
        assert_eq!(Team { players: &[] }.tickets().count(), 0);
    }
}
