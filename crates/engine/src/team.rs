//! Team formation: split the chosen tickets into teams of equal size, parties whole, roles
//! filled, with team strengths as even as possible.
//!
//! A ticket's strength is `size * party rating`, so a team's strength is the sum of its
//! players' effective ratings. For Weng-Lin with two teams the predicted win probability is a
//! monotone function of the difference of these sums (the total uncertainty is the same for
//! every split), so minimising the spread of team strengths is exactly maximising fairness.
//!
//! Parties are spread too: premade groups coordinate, so a split that puts every premade
//! player on one side is worse than its ratings say. The exact search's cost adds, per
//! premade player of imbalance, the strength difference that would cost the same quality.
//!
//! Method: a greedy pass (largest party first, strongest first, into the weakest team with
//! room; the longest-processing-time rule, within 4/3 of optimal for the spread when parties
//! are equal in size), then pairwise swaps of equal-sized tickets between the strongest and
//! weakest teams while they help. With at most [`EXACT_LIMIT`] tickets a depth-first search
//! then tries every split (capped at [`SEARCH_BUDGET`] nodes) and keeps the best.
//!
//! Pairs of tickets that must not share a team (players who blocked one another, in a queue
//! that keeps them on opposite sides rather than out of the match) are never placed together,
//! by every pass.

use crate::role::{RoleChoice, RoleId, assign, feasible};

/// Up to this many tickets the split is searched exhaustively.
pub const EXACT_LIMIT: usize = 14;
/// The most search nodes an exhaustive split may visit.
pub const SEARCH_BUDGET: usize = 20_000;

/// One ticket as team formation sees it.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    pub(crate) size: usize,
    pub(crate) strength: f64,
    pub(crate) roles: Vec<RoleChoice>,
}

/// A split: ticket indices per team, and each team's roles (player order = ticket order).
#[derive(Debug, Clone)]
pub(crate) struct Split {
    pub(crate) teams: Vec<Vec<usize>>,
    pub(crate) roles: Vec<Vec<RoleId>>,
}

struct Shape<'a> {
    teams: usize,
    team_size: usize,
    role_counts: &'a [u16],
    party_weight: f64,
    /// Pairs of pieces that may not share a team (players who blocked one another).
    apart: &'a [(usize, usize)],
}

impl Shape<'_> {
    /// Whether no pair of `members` is kept apart.
    fn apart_free(&self, members: &[usize]) -> bool {
        self.apart
            .iter()
            .all(|(a, b)| !(members.contains(a) && members.contains(b)))
    }

    /// Whether piece `i` may join a team holding `members` (leaving out piece `except`).
    fn welcome(&self, i: usize, members: &[usize], except: Option<usize>) -> bool {
        self.apart.is_empty()
            || members.iter().all(|&k| {
                Some(k) == except || !self.apart.iter().any(|&p| p == (i, k) || p == (k, i))
            })
    }
}

impl Piece {
    fn premade(&self) -> f64 {
        if self.size > 1 { self.size as f64 } else { 0.0 }
    }
}

/// What a split costs: the spread of team strengths plus `party_weight` per premade player
/// of difference between the teams with the most and the fewest premade players.
fn cost(sums: &[f64], premade: &[f64], party_weight: f64) -> f64 {
    spread(sums) + party_weight * spread(premade)
}

fn team_roles(pieces: &[Piece], members: &[usize], role_counts: &[u16]) -> Option<Vec<RoleId>> {
    if role_counts.is_empty() {
        return Some(Vec::new());
    }
    let choices: Vec<RoleChoice> = members
        .iter()
        .flat_map(|&i| pieces[i].roles.iter().copied())
        .collect();
    assign(&choices, role_counts)
}

/// Whether one team's members can fill its roles (Hall's condition, no assignment built).
fn team_feasible(pieces: &[Piece], members: &[usize], role_counts: &[u16]) -> bool {
    role_counts.is_empty()
        || feasible(
            members
                .iter()
                .flat_map(|&i| pieces[i].roles.iter().copied()),
            role_counts,
        )
}

fn spread(sums: &[f64]) -> f64 {
    let max = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = sums.iter().copied().fold(f64::INFINITY, f64::min);
    max - min
}

fn finish(pieces: &[Piece], teams: Vec<Vec<usize>>, shape: &Shape<'_>) -> Option<Split> {
    let mut roles = Vec::with_capacity(teams.len());
    for members in &teams {
        let size: usize = members.iter().map(|&i| pieces[i].size).sum();
        if size != shape.team_size {
            return None;
        }
        roles.push(team_roles(pieces, members, shape.role_counts)?);
    }
    Some(Split { teams, roles })
}

fn greedy(pieces: &[Piece], shape: &Shape<'_>) -> Option<Vec<Vec<usize>>> {
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by(|&a, &b| {
        pieces[b]
            .size
            .cmp(&pieces[a].size)
            .then(pieces[b].strength.total_cmp(&pieces[a].strength))
            .then(a.cmp(&b))
    });
    let mut teams = vec![Vec::new(); shape.teams];
    let mut room = vec![shape.team_size; shape.teams];
    let mut sums: Vec<f64> = vec![0.0; shape.teams];
    for i in order {
        let team = (0..shape.teams)
            .filter(|&t| room[t] >= pieces[i].size && shape.welcome(i, &teams[t], None))
            .min_by(|&a, &b| sums[a].total_cmp(&sums[b]))?;
        teams[team].push(i);
        room[team] -= pieces[i].size;
        sums[team] += pieces[i].strength;
    }
    improve_by_swaps(pieces, shape, &mut teams, &mut sums);
    Some(teams)
}

fn improve_by_swaps(
    pieces: &[Piece],
    shape: &Shape<'_>,
    teams: &mut [Vec<usize>],
    sums: &mut [f64],
) {
    for _ in 0..4 * pieces.len() {
        let strong = (0..teams.len()).max_by(|&a, &b| sums[a].total_cmp(&sums[b]));
        let weak = (0..teams.len()).min_by(|&a, &b| sums[a].total_cmp(&sums[b]));
        let (Some(s), Some(w)) = (strong, weak) else {
            return;
        };
        let gap = sums[s] - sums[w];
        let mut best: Option<(usize, usize, f64)> = None;
        for (x, &i) in teams[s].iter().enumerate() {
            for (y, &j) in teams[w].iter().enumerate() {
                if pieces[i].size != pieces[j].size
                    || !shape.welcome(i, &teams[w], Some(j))
                    || !shape.welcome(j, &teams[s], Some(i))
                {
                    continue;
                }
                let delta = pieces[i].strength - pieces[j].strength;
                let new_gap = (gap - 2.0 * delta).abs();
                if delta > 0.0 && new_gap < gap && best.is_none_or(|(_, _, g)| new_gap < g) {
                    best = Some((x, y, new_gap));
                }
            }
        }
        let Some((x, y, _)) = best else { return };
        let (i, j) = (teams[s][x], teams[w][y]);
        teams[s][x] = j;
        teams[w][y] = i;
        let delta = pieces[i].strength - pieces[j].strength;
        sums[s] -= delta;
        sums[w] += delta;
    }
}

struct Search<'a> {
    pieces: &'a [Piece],
    shape: &'a Shape<'a>,
    order: Vec<usize>,
    teams: Vec<Vec<usize>>,
    room: Vec<usize>,
    sums: Vec<f64>,
    premade: Vec<f64>,
    best: Option<(f64, Vec<Vec<usize>>)>,
    nodes: usize,
}

impl Search<'_> {
    fn run(&mut self, depth: usize) {
        self.nodes += 1;
        if self.nodes > SEARCH_BUDGET || self.best.as_ref().is_some_and(|(s, _)| *s <= 1e-12) {
            return;
        }
        if depth == self.order.len() {
            // Pairs kept apart are checked on whole splits, not on every node: the search's
            // inner loop stays as tight as for the many matches that keep nobody apart.
            if !self.shape.apart.is_empty() && !self.teams.iter().all(|m| self.shape.apart_free(m))
            {
                return;
            }
            let value = cost(&self.sums, &self.premade, self.shape.party_weight);
            // Every team is full and passed its role check when it filled.
            if self.best.as_ref().is_none_or(|(b, _)| value < *b - 1e-12) {
                self.best = Some((value, self.teams.clone()));
            }
            return;
        }
        let i = self.order[depth];
        let mut tried_empty = false;
        for t in 0..self.shape.teams {
            if self.room[t] < self.pieces[i].size {
                continue;
            }
            // Empty teams are interchangeable: trying one of them is enough.
            if self.teams[t].is_empty() {
                if tried_empty {
                    continue;
                }
                tried_empty = true;
            }
            self.teams[t].push(i);
            self.room[t] -= self.pieces[i].size;
            self.sums[t] += self.pieces[i].strength;
            self.premade[t] += self.pieces[i].premade();
            if self.room[t] > 0
                || team_feasible(self.pieces, &self.teams[t], self.shape.role_counts)
            {
                self.run(depth + 1);
            }
            self.sums[t] -= self.pieces[i].strength;
            self.premade[t] -= self.pieces[i].premade();
            self.room[t] += self.pieces[i].size;
            self.teams[t].pop();
        }
    }
}

/// Splits `pieces` into `teams` teams of `team_size` players, or `None` if parties or roles
/// cannot be placed. `party_weight` is what one premade player of imbalance between teams is
/// worth in team strength (see [`crate::search`]): with it the exact search prefers, among
/// nearly even splits, those that spread parties evenly. The pairs in `apart` (indices into
/// `pieces`) are never put on one team.
pub(crate) fn split(
    pieces: &[Piece],
    teams: usize,
    team_size: usize,
    role_counts: &[u16],
    party_weight: f64,
    apart: &[(usize, usize)],
) -> Option<Split> {
    let shape = Shape {
        teams,
        team_size,
        role_counts,
        party_weight,
        apart,
    };
    let total: usize = pieces.iter().map(|p| p.size).sum();
    if total != teams * team_size {
        return None;
    }
    if pieces.len() == teams {
        // Every ticket fills a team alone (a duel, or full premades): the only split. In the
        // greedy pass's order, strongest first, which is what the general method returns.
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.sort_by(|&a, &b| {
            pieces[b]
                .strength
                .total_cmp(&pieces[a].strength)
                .then(a.cmp(&b))
        });
        return finish(pieces, order.into_iter().map(|i| vec![i]).collect(), &shape);
    }
    let mut best = greedy(pieces, &shape).filter(|t| {
        t.iter().all(|m| {
            m.iter().map(|&i| pieces[i].size).sum::<usize>() == team_size
                && team_feasible(pieces, m, role_counts)
        })
    });
    if pieces.len() <= EXACT_LIMIT && teams > 1 {
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.sort_by(|&a, &b| pieces[b].size.cmp(&pieces[a].size).then(a.cmp(&b)));
        let initial = best.take().map(|t| {
            let sums: Vec<f64> = t
                .iter()
                .map(|m| m.iter().map(|&i| pieces[i].strength).sum())
                .collect();
            let premade: Vec<f64> = t
                .iter()
                .map(|m| m.iter().map(|&i| pieces[i].premade()).sum())
                .collect();
            (cost(&sums, &premade, party_weight), t)
        });
        let mut search = Search {
            pieces,
            shape: &shape,
            order,
            teams: vec![Vec::new(); teams],
            room: vec![team_size; teams],
            sums: vec![0.0; teams],
            premade: vec![0.0; teams],
            best: initial,
            nodes: 0,
        };
        search.run(0);
        best = search.best.map(|(_, t)| t);
    }
    finish(pieces, best?, &shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solo(strength: f64) -> Piece {
        Piece {
            size: 1,
            strength,
            roles: Vec::new(),
        }
    }

    #[test]
    fn exact_split_finds_the_perfectly_even_teams() {
        let pieces: Vec<Piece> = [10.0, 20.0, 30.0, 40.0].into_iter().map(solo).collect();
        let s = split(&pieces, 2, 2, &[], 0.0, &[]).expect("a split exists");
        let sums: Vec<f64> = s
            .teams
            .iter()
            .map(|t| t.iter().map(|&i| pieces[i].strength).sum())
            .collect();
        assert_eq!(sums[0], sums[1]);
    }

    #[test]
    fn tickets_that_each_fill_a_team_are_one_team_each_strongest_first() {
        let duo = |strength: f64| Piece {
            size: 2,
            strength,
            roles: Vec::new(),
        };
        let pieces = vec![duo(10.0), duo(30.0), duo(20.0)];
        let s = split(&pieces, 3, 2, &[], 1.0, &[]).expect("a split exists");
        assert_eq!(s.teams, vec![vec![1], vec![2], vec![0]]);
        assert_eq!(s.roles.len(), 3);
        // A ticket too large for its team leaves no split, as in the general method.
        let uneven = vec![
            duo(1.0),
            solo(1.0),
            Piece {
                size: 3,
                ..solo(1.0)
            },
        ];
        assert!(split(&uneven, 3, 2, &[], 0.0, &[]).is_none());
    }

    #[test]
    fn pieces_kept_apart_never_share_a_team() {
        // The even split is {10, 40} against {20, 30}; 10 and 40 must not play together.
        let pieces: Vec<Piece> = [10.0, 20.0, 30.0, 40.0].into_iter().map(solo).collect();
        let s = split(&pieces, 2, 2, &[], 0.0, &[(0, 3)]).expect("a split exists");
        for team in &s.teams {
            assert!(!(team.contains(&0) && team.contains(&3)), "{:?}", s.teams);
        }
        // Three who all avoid each other cannot fit two teams.
        let three: Vec<Piece> = [1.0, 2.0, 3.0, 4.0].into_iter().map(solo).collect();
        assert!(split(&three, 2, 2, &[], 0.0, &[(0, 1), (1, 2), (0, 2)]).is_none());
        // Beyond the exact search's reach the greedy pass alone keeps them apart.
        let many: Vec<Piece> = (0..20).map(|i| solo(f64::from(i))).collect();
        let apart: Vec<(usize, usize)> = (0..10).map(|i| (i, 19 - i)).collect();
        let s = split(&many, 2, 10, &[], 0.0, &apart).expect("a split exists");
        for &(a, b) in &apart {
            assert!(s.teams.iter().all(|t| !(t.contains(&a) && t.contains(&b))));
        }
    }

    #[test]
    fn parties_that_cannot_be_packed_give_no_split() {
        let pieces = vec![
            Piece {
                size: 3,
                strength: 3.0,
                roles: Vec::new(),
            },
            Piece {
                size: 3,
                strength: 3.0,
                roles: Vec::new(),
            },
            Piece {
                size: 3,
                strength: 3.0,
                roles: Vec::new(),
            },
            solo(1.0),
        ];
        assert!(split(&pieces, 2, 5, &[], 0.0, &[]).is_none());
    }
}
