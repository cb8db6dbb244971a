//! Players kept apart: each ticket carries the players its members must not be matched with
//! (those they blocked and those who blocked them), and each queue says how far apart it keeps
//! them: never in the same match, or (for large matches) never on the same team.

use serde::{Deserialize, Serialize};

use crate::{bucket::Slot, id::PlayerId, queue::Queue, ticket::Member};

/// How far apart a queue keeps two players when one has blocked the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Separation {
    /// Never in the same match.
    #[default]
    Match,
    /// Never on the same team, but possibly on opposite sides of one match: for large matches,
    /// where keeping whole matches apart would cost more wait than it is worth.
    Team,
}

/// A ticket's avoid list as the engine keeps it: sorted, each player once, without the
/// ticket's own members (a party whose members fell out still plays together).
pub(crate) fn avoid_list(mut avoid: Vec<PlayerId>, members: &[Member]) -> Box<[PlayerId]> {
    avoid.retain(|p| !members.iter().any(|m| m.player == *p));
    avoid.sort_unstable();
    avoid.dedup();
    avoid.into_boxed_slice()
}

/// Whether one of `players` is on the sorted list `avoid`.
pub(crate) fn names_any(avoid: &[PlayerId], players: impl IntoIterator<Item = PlayerId>) -> bool {
    !avoid.is_empty() && players.into_iter().any(|p| avoid.binary_search(&p).is_ok())
}

impl Queue {
    /// The avoid list of the ticket in `slot` (empty for most).
    fn avoid_of(&self, slot: Slot) -> &[PlayerId] {
        if !self.entry(slot).avoids {
            return &[];
        }
        self.avoid_lists.get(&slot).map_or(&[], |list| list)
    }

    /// Whether the tickets in `a` and `b` must be kept apart: either names one of the other's
    /// players on its avoid list.
    pub(crate) fn clash(&self, a: Slot, b: Slot) -> bool {
        let players = |s: Slot| self.entry(s).members.iter().map(|m| m.player);
        names_any(self.avoid_of(a), players(b)) || names_any(self.avoid_of(b), players(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Rating;

    #[test]
    fn an_avoid_list_is_sorted_once_each_without_the_tickets_own_players() {
        let members = [Member::new(PlayerId(2), Rating::new(25.0, 8.0))];
        let list = avoid_list(
            vec![PlayerId(9), PlayerId(2), PlayerId(4), PlayerId(9)],
            &members,
        );
        assert_eq!(&*list, &[PlayerId(4), PlayerId(9)]);
        assert!(names_any(&list, [PlayerId(1), PlayerId(9)]));
        assert!(!names_any(&list, [PlayerId(2), PlayerId(5)]));
        assert!(!names_any(&[], [PlayerId(4)]));
    }
}
