//! The search for one match around an anchor ticket.
//!
//! From the anchor's rating the bucket is walked outward (nearest first) within the anchor's
//! band as widened by its wait. A candidate is taken if it fits in the players still needed,
//! its own latency limit (widened by its own wait) admits the region, and the roles the match
//! needs can still be filled. Then the chosen tickets are split into teams and scored; the
//! match is proposed if its quality reaches the anchor's minimum (relaxed by its wait).

use crate::{
    bucket::{Nearest, Slot},
    id::Millis,
    ladder::Climb,
    outcome::{Match, Placement},
    quality::{Quality, QualityInputs},
    queue::{Entry, Queue},
    rating::{Rating, win_probabilities},
    role::{RoleId, feasible},
    separation::Separation,
    team::{Piece, split},
    win::WinProbabilities,
};

/// Why a search made no match, as far as the anchor's schedule cares: which of its own limits,
/// once widened, could change the answer. A search that failed with neither (the walk ended
/// before the band's edge, and the anchor was admitted to the region) fails again the same
/// way until the bucket or the quality floor changes, so widening alone does not retry it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Miss {
    /// The rating band's edge stopped the walk: a wider band finds more candidates.
    pub(crate) band: bool,
    /// The anchor's own latency limit kept it out of the region.
    pub(crate) latency: bool,
}

impl Miss {
    /// A miss that either of two would explain.
    pub(crate) fn or(self, other: Miss) -> Miss {
        Miss {
            band: self.band || other.band,
            latency: self.latency || other.latency,
        }
    }
}

/// A walk outward from an anchor: down the bucket's B-tree, or along its ladder in a tick that
/// laid the buckets out. Both yield the same tickets in the same order.
enum Walk<'a> {
    Tree(Nearest<'a>),
    Ladder(Climb<'a>),
}

impl Walk<'_> {
    fn cut(&self) -> bool {
        match self {
            Walk::Tree(w) => w.cut(),
            Walk::Ladder(w) => w.cut(),
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = (Slot, f64);

    fn next(&mut self) -> Option<(Slot, f64)> {
        match self {
            Walk::Tree(w) => w.next(),
            Walk::Ladder(w) => w.next(),
        }
    }
}

/// The ratings a ticket's members play at: each shifted by the party's aggregation bonus, so a
/// party rated above its mean (see [`crate::PartyRule`]) counts as stronger in every prediction.
pub(crate) fn effective_ratings(entry: &Entry) -> impl Iterator<Item = Rating> + '_ {
    let bonus = entry.key - entry.mean_mu();
    entry.members.iter().map(move |m| Rating {
        mu: m.rating.mu + bonus,
        ..m.rating
    })
}

/// Placements of a ticket's members, with the given roles (or none).
pub(crate) fn placed<'a>(
    entry: &'a Entry,
    team: u16,
    latency_ms: u16,
    roles: &'a [RoleId],
) -> impl Iterator<Item = Placement> + 'a {
    entry
        .members
        .iter()
        .enumerate()
        .map(move |(i, m)| Placement {
            player: m.player,
            ticket: entry.id,
            team,
            role: roles.get(i).copied(),
            rating: m.rating,
            latency_ms,
        })
}

impl Queue {
    fn scan_cap(&self) -> usize {
        4 * self.config.players_per_match() + 16
    }

    fn roles_possible(&self, picks: &[Slot], teams: usize) -> bool {
        if self.config.roles.is_empty() {
            return true;
        }
        let counts: Vec<u16> = self
            .config
            .roles
            .iter()
            .map(|r| r.count.saturating_mul(teams as u16))
            .collect();
        feasible(
            picks.iter().flat_map(|&s| self.entry(s).role_choices()),
            &counts,
        )
    }

    /// The team-strength difference that costs as much quality as one premade player of
    /// imbalance: the fairness slope is measured on the rating model itself (two even teams
    /// of the picks' average rating, one nudged by one rating point), so it holds for every
    /// rating system and uncertainty level.
    fn party_weight(&self, picks: &[Slot], team_size: usize) -> f64 {
        let n = picks.len().max(1) as f64;
        let mu = picks.iter().map(|&s| self.entry(s).key).sum::<f64>() / n;
        let sigma = picks
            .iter()
            .map(|&s| {
                self.entry(s)
                    .members
                    .iter()
                    .map(|m| m.rating.sigma)
                    .sum::<f64>()
            })
            .sum::<f64>()
            / picks
                .iter()
                .map(|&s| self.entry(s).size())
                .sum::<usize>()
                .max(1) as f64;
        let even = vec![Rating::new(mu, sigma); team_size];
        let mut nudged = even.clone();
        nudged[0].mu += 1.0;
        let p = win_probabilities(self.config.rating_system, &[nudged, even]);
        let fairness_per_point = 2.0 * (p[0] - 0.5).abs();
        let weights = self.config.quality_weights;
        let quality_per_point = weights.fairness * fairness_per_point;
        let quality_per_premade = weights.parties / team_size as f64;
        if quality_per_point <= 1e-12 {
            // Fairness does not count (or a rating point moves nothing): party balance alone
            // decides, as far as the bound goes.
            return if quality_per_premade > 0.0 { 1e6 } else { 0.0 };
        }
        (quality_per_premade / quality_per_point).min(1e6)
    }

    /// Tries to build a match anchored at `anchor` in bucket `region` (on whose ladder it stands
    /// on `rung`, when the caller knows): the match, with the slots it takes left in `picks`
    /// (it is a buffer the tick reuses from one search to the next, so a burst of searches
    /// allocates none).
    pub(crate) fn propose(
        &self,
        anchor: Slot,
        region: u8,
        rung: Option<u32>,
        now: Millis,
        picks: &mut Vec<Slot>,
    ) -> Result<Match, Miss> {
        let c = &self.config;
        let a = self.entry(anchor);
        let waited = self.widened(a, now);
        let Some(lat_a) = a.latency_in(region) else {
            return Err(Miss::default());
        };
        if f64::from(lat_a) > c.latency_ms.at(waited) {
            return Err(Miss {
                band: false,
                latency: true,
            });
        }
        let band = c.rating_band.at(waited);
        let max_players = c.players_per_match();
        let team_size = usize::from(c.team_size);
        picks.clear();
        picks.push(anchor);
        let mut total = a.size();
        // Whether a pick so far has an avoid list.
        let mut listed = a.avoids;
        let mut walk = match &self.ladders {
            Some(ladders) => Walk::Ladder(ladders.nearest(region, anchor, rung, a.key, band)),
            None => Walk::Tree(self.buckets[usize::from(region)].nearest(a.key, band, anchor)),
        };
        let mut walked = 0;
        while walked < self.scan_cap() {
            let Some((slot, _)) = walk.next() else {
                break;
            };
            walked += 1;
            let e = self.entry(slot);
            if total + e.size() > max_players {
                continue;
            }
            let Some(lat) = e.latency_in(region) else {
                continue;
            };
            if f64::from(lat) > c.latency_ms.at(self.widened(e, now)) {
                continue;
            }
            // Most tickets avoid nobody: the picks are only read when some list is not empty.
            if c.separation == Separation::Match
                && (listed || e.avoids)
                && picks.iter().any(|&p| self.clash(p, slot))
            {
                continue;
            }
            picks.push(slot);
            if !self.roles_possible(picks, usize::from(c.teams)) {
                picks.pop();
                continue;
            }
            total += e.size();
            listed |= e.avoids;
            if total == max_players {
                break;
            }
        }
        // Only a walk the band's edge stopped short of full picks can gain from a wider band.
        let miss = Miss {
            band: total < max_players && walk.cut(),
            latency: false,
        };
        let min_players = usize::from(c.min_teams) * team_size;
        while !total.is_multiple_of(team_size) && picks.len() > 1 {
            let dropped = picks.pop().expect("BUG: more than the anchor is picked");
            total -= self.entry(dropped).size();
        }
        if total < min_players || !total.is_multiple_of(team_size) {
            return Err(miss);
        }
        let teams = total / team_size;
        // Two tickets filling two teams fill one each: no party is larger than a team.
        let alone = teams == 2 && picks.len() == 2 && c.roles.is_empty() && total <= ALONE_PLAYERS;
        let built = if alone {
            self.build_alone(picks, region, now)
        } else {
            self.build(picks, region, teams, now)
        };
        built.ok_or(miss)
    }

    fn build(&self, picks: &[Slot], region: u8, teams: usize, now: Millis) -> Option<Match> {
        let c = &self.config;
        let team_size = usize::from(c.team_size);
        let pieces: Vec<Piece> = picks
            .iter()
            .map(|&s| {
                let e = self.entry(s);
                Piece {
                    size: e.size(),
                    strength: e.size() as f64 * e.key,
                    roles: e.role_choices().collect(),
                }
            })
            .collect();
        let counts: Vec<u16> = c.roles.iter().map(|r| r.count).collect();
        let party_weight = if pieces.iter().any(|p| p.size > 1) {
            self.party_weight(picks, team_size)
        } else {
            0.0
        };
        let apart = self.apart(picks);
        let plan = split(&pieces, teams, team_size, &counts, party_weight, &apart)?;
        let mut placements = Vec::with_capacity(teams * team_size);
        let mut effective: Vec<Vec<Rating>> = Vec::with_capacity(teams);
        let mut premade = Vec::with_capacity(teams);
        let (mut preferred, mut latency_sum, mut players) = (0usize, 0f64, 0usize);
        for (team, (members, roles)) in (0u16..).zip(plan.teams.iter().zip(&plan.roles)) {
            let mut ratings = Vec::with_capacity(team_size);
            let mut at = 0;
            let mut party_players = 0;
            for &i in members {
                let e = self.entry(picks[i]);
                let lat = e
                    .latency_in(region)
                    .expect("BUG: picked tickets are in the region");
                let these = roles.get(at..at + e.size()).unwrap_or(&[]);
                at += e.size();
                for (m, role) in e.members.iter().zip(these) {
                    if m.preferred.is_none_or(|p| p == *role) {
                        preferred += 1;
                    }
                }
                if these.is_empty() {
                    preferred += e.size();
                }
                if e.size() > 1 {
                    party_players += e.size();
                }
                latency_sum += f64::from(lat) * e.size() as f64;
                players += e.size();
                placements.extend(placed(e, team, lat, these));
                ratings.extend(effective_ratings(e));
            }
            premade.push(party_players);
            effective.push(ratings);
        }
        let win = win_probabilities(c.rating_system, &effective);
        let anchor = picks[0];
        self.finish(
            Built {
                anchor,
                picks,
                placements,
                win,
                premade: &premade,
                latency_sum,
                players,
                preferred,
            },
            region,
            now,
        )
    }

    /// The pairs of picks (indices into `picks`) that may not share a team: under
    /// [`Separation::Team`], those that clash; none otherwise (the walk kept clashing tickets
    /// out of the match).
    fn apart(&self, picks: &[Slot]) -> Vec<(usize, usize)> {
        if self.config.separation != Separation::Team {
            return Vec::new();
        }
        let mut pairs = Vec::new();
        for (j, &b) in picks.iter().enumerate() {
            for (i, &a) in picks[..j].iter().enumerate() {
                if self.clash(a, b) {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }

    /// Builds a match where each pick is a team of its own (a duel, or two full premades) in a
    /// queue without roles: the only split, strongest first as [`split`] orders it, made
    /// without the general method's scaffolding. A burst of arrivals makes thousands of these
    /// in one tick.
    fn build_alone(&self, picks: &[Slot], region: u8, now: Millis) -> Option<Match> {
        let c = &self.config;
        let anchor = picks[0];
        let mut picks = [picks[0], picks[1]];
        let strength = |s: Slot| {
            let e = self.entry(s);
            e.size() as f64 * e.key
        };
        // Stable: equal strengths keep the walk's order, as the general split's does.
        picks.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
        let mut placements = Vec::with_capacity(2 * usize::from(c.team_size));
        let mut effective = [Rating::new(0.0, 0.0); ALONE_PLAYERS];
        let mut premade = [0usize; 2];
        let (mut latency_sum, mut players) = (0f64, 0usize);
        for (t, &slot) in (0u16..).zip(&picks) {
            let e = self.entry(slot);
            let lat = e
                .latency_in(region)
                .expect("BUG: picked tickets are in the region");
            for (into, rating) in effective[players..].iter_mut().zip(effective_ratings(e)) {
                *into = rating;
            }
            if e.size() > 1 {
                premade[usize::from(t)] = e.size();
            }
            latency_sum += f64::from(lat) * e.size() as f64;
            players += e.size();
            placements.extend(placed(e, t, lat, &[]));
        }
        let first = self.entry(picks[0]).size();
        let win = win_probabilities(
            c.rating_system,
            &[&effective[..first], &effective[first..players]],
        );
        self.finish(
            Built {
                anchor,
                picks: &picks,
                placements,
                win,
                premade: &premade,
                latency_sum,
                players,
                // Without roles every player plays as they prefer.
                preferred: players,
            },
            region,
            now,
        )
    }

    /// Scores a built match and proposes it if its quality reaches the anchor's floor.
    fn finish(&self, built: Built<'_>, region: u8, now: Millis) -> Option<Match> {
        let c = &self.config;
        let keys = built.picks.iter().map(|&s| self.entry(s).key);
        let spread =
            keys.clone().fold(f64::NEG_INFINITY, f64::max) - keys.fold(f64::INFINITY, f64::min);
        let players = built.players.max(1) as f64;
        let quality = Quality::score(&QualityInputs {
            win_probabilities: &built.win,
            rating_spread: spread,
            widest_band: c.rating_band.max,
            mean_latency_ms: built.latency_sum / players,
            widest_latency_ms: c.latency_ms.max,
            preferred_role_share: built.preferred as f64 / players,
            premade_per_team: built.premade,
            team_size: usize::from(c.team_size),
            weights: c.quality_weights,
        });
        let anchor = self.entry(built.anchor);
        if quality.total < c.min_quality.at(self.widened(anchor, now)) {
            return None;
        }
        let made = Match {
            mode: self.mode,
            region: c.regions[usize::from(region)],
            anchor: anchor.id,
            created_at: now,
            players: built.placements,
            win_probabilities: built.win,
            quality,
        };
        Some(made)
    }
}

/// Players in a match [`Queue::build_alone`] builds on the stack.
const ALONE_PLAYERS: usize = 32;

/// A match built, before it is scored.
struct Built<'a> {
    /// The anchor's slot.
    anchor: Slot,
    picks: &'a [Slot],
    placements: Vec<Placement>,
    win: WinProbabilities,
    premade: &'a [usize],
    latency_sum: f64,
    players: usize,
    /// Players placed in a role they prefer (or with no preference).
    preferred: usize,
}
