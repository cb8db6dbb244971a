//! The simulated population: hidden true skill, home region and latencies, roles, parties.

use rally_engine::{Member, PlayerId, Rating, Region, RegionLatency, RoleId, RoleSet};
use rand::{Rng, rngs::StdRng};
use rand_distr::{Distribution, Normal};

use crate::args::SimulateArgs;

/// Region names the simulator uses, in order.
pub const REGION_NAMES: [&str; 8] = [
    "eu-west",
    "na-east",
    "na-west",
    "ap-south",
    "sa-east",
    "eu-north",
    "ap-east",
    "me-central",
];

/// Share of players living near each region (first regions are busier).
const REGION_WEIGHTS: [f64; 8] = [0.34, 0.28, 0.18, 0.12, 0.04, 0.02, 0.01, 0.01];

/// Party sizes and the share of parties of that size: mostly solo, some duos and trios, a few
/// full teams.
pub const PARTY_MIX: [(usize, f64); 4] = [(1, 0.70), (2, 0.15), (3, 0.10), (5, 0.05)];

/// Hidden skill: normal, on the Weng-Lin scale.
pub const TRUE_SKILL_MEAN: f64 = 25.0;
/// Standard deviation of hidden skill.
pub const TRUE_SKILL_SD: f64 = 5.0;

/// One simulated player.
#[derive(Debug, Clone)]
pub struct Player {
    /// Hidden skill that decides results.
    pub true_skill: f64,
    /// The rating the engine sees, updated after each game.
    pub rating: Rating,
    /// Round-trip time to each region.
    pub latency_ms: Vec<u16>,
    /// Roles accepted.
    pub roles: RoleSet,
    /// Preferred role.
    pub preferred: Option<RoleId>,
    /// Games played.
    pub games: u32,
    /// Players this one blocked or was blocked by: never in one of their matches.
    pub avoid: Vec<PlayerId>,
}

/// A group that always queues together (a party, or one solo player).
#[derive(Debug, Clone)]
pub struct Group {
    /// Indices into the population's players.
    pub players: Vec<usize>,
}

/// Everyone in the simulation.
#[derive(Debug, Clone)]
pub struct Population {
    /// The players.
    pub players: Vec<Player>,
    /// The groups they queue in.
    pub groups: Vec<Group>,
    /// The regions in play.
    pub regions: Vec<Region>,
}

fn pick<R: Rng>(rng: &mut R, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

impl Population {
    /// Draws a population of `args.players` players.
    pub fn generate(args: &SimulateArgs, initial: Rating, rng: &mut StdRng) -> Self {
        let regions: Vec<Region> = REGION_NAMES[..args.regions]
            .iter()
            .map(|n| Region::new(n).expect("BUG: simulator region names are valid"))
            .collect();
        let skill = Normal::<f64>::new(TRUE_SKILL_MEAN, TRUE_SKILL_SD).expect("BUG: positive sd");
        let jitter = Normal::<f64>::new(0.0, 12.0).expect("BUG: positive sd");
        let weights = &REGION_WEIGHTS[..args.regions];
        let party_weights: Vec<f64> = PARTY_MIX.iter().map(|p| p.1).collect();
        let mut players = Vec::with_capacity(args.players);
        let mut groups = Vec::new();
        while players.len() < args.players {
            let size = PARTY_MIX[pick(rng, &party_weights)]
                .0
                .min(args.players - players.len());
            let home = pick(rng, weights);
            let mut members = Vec::with_capacity(size);
            // A party coordinates its roles: its members take distinct slots of one team
            // (1 tank, 1 healer, 3 damage), shuffled. Solo players draw from the population mix.
            let mut slots = [0u8, 1, 2, 2, 2];
            for i in (1..slots.len()).rev() {
                slots.swap(i, rng.random_range(0..=i));
            }
            for k in 0..size {
                let near: f64 = (28.0 + jitter.sample(rng)).clamp(8.0, 95.0);
                let latency_ms = (0..args.regions)
                    .map(|r| {
                        let ms = if r == home {
                            near
                        } else {
                            near + rng.random_range(35.0..150.0)
                        };
                        ms.round() as u16
                    })
                    .collect();
                let primary = if size > 1 {
                    slots[k % slots.len()]
                } else {
                    pick(rng, &[0.2, 0.2, 0.6]) as u8
                };
                let roles = if rng.random::<f64>() < 0.35 {
                    RoleSet::of(&[RoleId(0), RoleId(1), RoleId(2)])
                } else {
                    RoleSet::of(&[RoleId(primary)])
                };
                members.push(players.len());
                players.push(Player {
                    true_skill: skill.sample(rng),
                    rating: initial,
                    latency_ms,
                    roles,
                    preferred: Some(RoleId(primary)),
                    games: 0,
                    avoid: Vec::new(),
                });
            }
            groups.push(Group { players: members });
        }
        Self {
            players,
            groups,
            regions,
        }
    }

    /// The ticket members of a group, with their current ratings.
    pub fn members(&self, group: usize, roles: bool) -> Vec<Member> {
        self.groups[group]
            .players
            .iter()
            .map(|&p| {
                let player = &self.players[p];
                let mut m = Member::new(PlayerId(p as u128), player.rating);
                if roles {
                    m.roles = player.roles;
                    m.preferred = player.preferred;
                }
                m
            })
            .collect()
    }

    /// The players a group's ticket keeps apart from: every member's blocks, either way.
    pub fn avoid(&self, group: usize) -> Vec<PlayerId> {
        self.groups[group]
            .players
            .iter()
            .flat_map(|&p| self.players[p].avoid.iter().copied())
            .collect()
    }

    /// `blocker` blocks `blocked` (indices of players): from now on each avoids the other.
    pub fn block(&mut self, blocker: usize, blocked: usize) {
        let (a, b) = (PlayerId(blocker as u128), PlayerId(blocked as u128));
        if !self.players[blocker].avoid.contains(&b) {
            self.players[blocker].avoid.push(b);
            self.players[blocked].avoid.push(a);
        }
    }

    /// A group's latency to each region: its worst member's.
    pub fn latencies(&self, group: usize) -> Vec<RegionLatency> {
        self.regions
            .iter()
            .enumerate()
            .map(|(r, &region)| RegionLatency {
                region,
                ms: self.groups[group]
                    .players
                    .iter()
                    .map(|&p| self.players[p].latency_ms[r])
                    .max()
                    .unwrap_or(u16::MAX),
            })
            .collect()
    }
}
