//! [`Channel`]: what a voice room is for, and its name at the provider.

use uuid::Uuid;

/// What a voice room is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A party, at a generation of its members (moved on whenever one leaves or is kicked).
    Party {
        /// The party.
        party_id: Uuid,
        /// Its voice generation.
        generation: i32,
    },
    /// One team of a running match.
    Team {
        /// The match.
        match_id: Uuid,
        /// The team, from 0.
        team: i32,
    },
}

impl Channel {
    /// The room's name: `party-<party_id>-<generation>` or `match-<match_id>-team-<team>`.
    pub fn room(&self) -> String {
        match self {
            Channel::Party {
                party_id,
                generation,
            } => format!("party-{party_id}-{generation}"),
            Channel::Team { match_id, team } => format!("match-{match_id}-team-{team}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_party_room_moves_with_its_generation_and_each_team_has_its_own() {
        let party_id = Uuid::from_u128(7);
        let first = Channel::Party {
            party_id,
            generation: 0,
        };
        let next = Channel::Party {
            party_id,
            generation: 1,
        };
        assert_eq!(first.room(), format!("party-{party_id}-0"));
        assert_ne!(first.room(), next.room());
        let match_id = Uuid::from_u128(9);
        let team = |team| Channel::Team { match_id, team }.room();
        assert_eq!(team(0), format!("match-{match_id}-team-0"));
        assert_ne!(team(0), team(1));
    }
}
