//! Roles: the slots a team must fill (1 tank, 1 healer, 3 damage) and who may fill them.
//!
//! A queue names up to 16 roles; a player says which of them they accept ([`RoleSet`]) and
//! optionally which one they prefer. Assignment is a bipartite matching of players to role
//! slots (Kuhn's augmenting paths), trying each player's preferred role first.

use serde::{Deserialize, Serialize};

/// The most roles a queue may name.
pub const MAX_ROLES: usize = 16;

/// A role, by its index in the queue's [`crate::QueueConfig::roles`] list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RoleId(pub u8);

/// The set of roles a player accepts, as a bit set over [`RoleId`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RoleSet(pub u16);

impl RoleSet {
    /// The empty set (fine for queues without roles).
    pub const EMPTY: RoleSet = RoleSet(0);

    /// A set of the given roles. Roles past [`MAX_ROLES`] are dropped.
    #[must_use]
    pub fn of(roles: &[RoleId]) -> Self {
        RoleSet(
            roles
                .iter()
                .filter(|r| usize::from(r.0) < MAX_ROLES)
                .fold(0, |acc, r| acc | (1 << r.0)),
        )
    }

    /// Whether the set holds `role`.
    #[must_use]
    pub fn contains(self, role: RoleId) -> bool {
        usize::from(role.0) < MAX_ROLES && self.0 & (1 << role.0) != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every role in the set is below `count`.
    #[must_use]
    pub fn within(self, count: usize) -> bool {
        count >= MAX_ROLES || self.0 >> count == 0
    }
}

/// One role a team needs, and how many of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSlot {
    /// The role's name, for operators (`tank`).
    pub name: String,
    /// How many players of this role each team needs.
    pub count: u16,
}

/// What a player brings to role assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoleChoice {
    pub(crate) accepts: RoleSet,
    pub(crate) preferred: Option<RoleId>,
}

/// Up to this many roles, feasibility is decided by Hall's condition over role subsets.
const HALL_LIMIT: usize = 10;

/// Whether players with these accepted sets can be given roles within `counts`, by Hall's
/// theorem for capacitated matchings: for every set S of roles, the players who accept only
/// roles in S must not outnumber S's slots. `k * 2^k` steps (a subset-sum transform) instead
/// of a matching; falls back to [`assign`] past [`HALL_LIMIT`] roles.
pub(crate) fn feasible(players: impl Iterator<Item = RoleChoice>, counts: &[u16]) -> bool {
    let k = counts.len();
    if k > HALL_LIMIT {
        let all: Vec<RoleChoice> = players.collect();
        return assign(&all, counts).is_some();
    }
    let full = 1usize << k;
    let mut need = [0u32; 1 << HALL_LIMIT];
    let mut cap = [0u32; 1 << HALL_LIMIT];
    for p in players {
        let mask = usize::from(p.accepts.0) & (full - 1);
        if mask == 0 {
            return false;
        }
        need[mask] += 1;
    }
    for (r, &c) in counts.iter().enumerate() {
        cap[1 << r] = u32::from(c);
    }
    for bit in 0..k {
        for s in 0..full {
            if s & (1 << bit) != 0 {
                need[s] += need[s ^ (1 << bit)];
                cap[s] += cap[s ^ (1 << bit)];
            }
        }
    }
    (0..full).all(|s| need[s] <= cap[s])
}

/// Assigns each player one role so that no role gets more than `counts[role]` players.
///
/// Returns the role per player, or `None` when no assignment exists. When the players exactly
/// fill the slots the assignment is perfect (every slot used). Preferred roles are tried first,
/// so the result usually, though not provably always, maximises preferred assignments.
pub(crate) fn assign(players: &[RoleChoice], counts: &[u16]) -> Option<Vec<RoleId>> {
    let slots: Vec<u8> = counts
        .iter()
        .enumerate()
        .flat_map(|(role, &n)| std::iter::repeat_n(role as u8, usize::from(n)))
        .collect();
    if players.len() > slots.len() {
        return None;
    }
    let mut slot_owner: Vec<Option<usize>> = vec![None; slots.len()];
    for player in 0..players.len() {
        let mut seen = vec![false; slots.len()];
        if !augment(player, players, &slots, &mut slot_owner, &mut seen) {
            return None;
        }
    }
    let mut roles = vec![RoleId(0); players.len()];
    for (slot, owner) in slot_owner.iter().enumerate() {
        if let Some(p) = owner {
            roles[*p] = RoleId(slots[slot]);
        }
    }
    Some(roles)
}

fn augment(
    player: usize,
    players: &[RoleChoice],
    slots: &[u8],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    let choice = players[player];
    let preferred = choice.preferred.map(|r| r.0);
    // Two passes: the preferred role's slots first, then every other accepted slot.
    for pass in 0..2 {
        for slot in 0..slots.len() {
            let role = slots[slot];
            let wanted = if pass == 0 {
                Some(role) == preferred
            } else {
                Some(role) != preferred
            };
            if !wanted || seen[slot] || !choice.accepts.contains(RoleId(role)) {
                continue;
            }
            seen[slot] = true;
            let free = match owner[slot] {
                None => true,
                Some(other) => augment(other, players, slots, owner, seen),
            };
            if free {
                owner[slot] = Some(player);
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(roles: &[u8], preferred: Option<u8>) -> RoleChoice {
        RoleChoice {
            accepts: RoleSet::of(&roles.iter().map(|&r| RoleId(r)).collect::<Vec<_>>()),
            preferred: preferred.map(RoleId),
        }
    }

    #[test]
    fn assignment_reshuffles_to_fill_every_slot() {
        // 1 tank (0), 1 healer (1): the flexible player must yield tank to the tank-only one.
        let players = [choice(&[0, 1], Some(0)), choice(&[0], None)];
        let roles = assign(&players, &[1, 1]).expect("an assignment exists");
        assert_eq!(roles, vec![RoleId(1), RoleId(0)]);
    }

    #[test]
    fn assignment_fails_when_nobody_accepts_a_needed_role() {
        let players = [choice(&[0], None), choice(&[0], None)];
        assert_eq!(assign(&players, &[1, 1]), None);
        assert!(!feasible(players.iter().copied(), &[1, 1]));
    }

    #[test]
    fn halls_condition_agrees_with_the_matching_on_every_small_case() {
        // Every pair of three-role players' sets against a few compositions.
        let sets: Vec<u16> = (1..8).collect();
        for counts in [[1u16, 1, 1], [2, 0, 1], [0, 1, 2], [1, 1, 0]] {
            for &a in &sets {
                for &b in &sets {
                    for &c in &sets {
                        let players: Vec<RoleChoice> = [a, b, c]
                            .iter()
                            .map(|&m| RoleChoice {
                                accepts: RoleSet(m),
                                preferred: None,
                            })
                            .collect();
                        assert_eq!(
                            feasible(players.iter().copied(), &counts),
                            assign(&players, &counts).is_some(),
                            "{a:b} {b:b} {c:b} {counts:?}"
                        );
                    }
                }
            }
        }
    }
}
