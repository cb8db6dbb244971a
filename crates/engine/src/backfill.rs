//! Backfill requests: a running match asking for players.

use serde::{Deserialize, Serialize};

use crate::{
    bucket::Slot,
    id::{BackfillId, Millis, PlayerId},
    name::{Mode, Region},
    outcome::{BackfillFill, TickOutcome},
    rating::{Rating, win_probabilities},
    role::{RoleChoice, RoleId, assign, feasible},
    search::{effective_ratings, placed},
};

/// A running match asks for `slots` players for one team.
///
/// Requests are served before new matches, oldest first, each on its own: two requests are
/// never joined into one fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackfillRequest {
    /// The caller's id for this request.
    pub id: BackfillId,
    /// The match's queue.
    pub mode: Mode,
    /// The match's region; only tickets with an acceptable latency there are taken.
    pub region: Region,
    /// Which team (index into `teams`) needs players.
    pub team: u16,
    /// How many players are needed (a party may fill several).
    pub slots: u16,
    /// The roles needed, one per slot, in queues with roles; empty otherwise.
    pub roles: Vec<RoleId>,
    /// The ratings of the players now in each team.
    pub teams: Vec<Vec<Rating>>,
    /// Players who may not join: those blocked by, or blocking, a player now in the match (in
    /// the receiving team, for a queue whose [`crate::Separation`] is `Team`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<PlayerId>,
}

/// Why a backfill request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackfillError {
    /// No queue for the mode.
    #[error("no queue for mode `{0}`")]
    UnknownMode(Mode),
    /// The queue does not run in the region.
    #[error("region `{0}` is not served by this queue")]
    UnknownRegion(Region),
    /// A request with this id is already open.
    #[error("backfill {0:?} is already open")]
    Duplicate(BackfillId),
    /// The team index, slot count or roles do not fit the queue.
    #[error("backfill request does not fit the queue: {0}")]
    Shape(&'static str),
}

impl crate::queue::Queue {
    /// Checks a request against this queue.
    pub(crate) fn check_backfill(&self, req: &BackfillRequest) -> Result<u8, BackfillError> {
        let c = &self.config;
        let region = self
            .region_index(req.region)
            .ok_or(BackfillError::UnknownRegion(req.region))?;
        if req.teams.len() < 2 || req.teams.len() > usize::from(c.teams) {
            return Err(BackfillError::Shape(
                "teams must list between 2 and the queue's teams",
            ));
        }
        if usize::from(req.team) >= req.teams.len() {
            return Err(BackfillError::Shape("team is not one of the listed teams"));
        }
        let have = req.teams[usize::from(req.team)].len();
        if req.slots == 0 || have + usize::from(req.slots) > usize::from(c.team_size) {
            return Err(BackfillError::Shape(
                "slots must be positive and fit in the team",
            ));
        }
        if req.teams.iter().flatten().any(|r| !r.is_valid()) {
            return Err(BackfillError::Shape("every rating must be finite"));
        }
        let roles_ok = if c.roles.is_empty() {
            req.roles.is_empty()
        } else {
            req.roles.len() == usize::from(req.slots)
                && req.roles.iter().all(|r| usize::from(r.0) < c.roles.len())
        };
        if !roles_ok {
            return Err(BackfillError::Shape(
                "roles must name one known role per slot",
            ));
        }
        Ok(region)
    }

    /// Serves open backfill requests, oldest first, each on its own.
    pub(crate) fn serve_backfills(&mut self, now: Millis, out: &mut TickOutcome) {
        let keys: Vec<(Millis, BackfillId)> = self.backfills.keys().copied().collect();
        for key in keys {
            let Some((region, req)) = self.backfills.get(&key) else {
                continue;
            };
            let Some((slots, fill)) = self.fill(*region, req, now) else {
                continue;
            };
            for s in slots {
                self.remove(s);
            }
            self.backfills.remove(&key);
            out.backfills.push(fill);
        }
    }

    /// The rating each new player should have so the receiving team matches the others'
    /// average per player.
    fn backfill_target(&self, req: &BackfillRequest) -> f64 {
        let t = usize::from(req.team);
        let others: Vec<f64> = req
            .teams
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != t)
            .flat_map(|(_, team)| team.iter().map(|r| r.mu))
            .collect();
        let all: Vec<f64> = req.teams.iter().flatten().map(|r| r.mu).collect();
        let reference = if !others.is_empty() {
            others.iter().sum::<f64>() / others.len() as f64
        } else if !all.is_empty() {
            all.iter().sum::<f64>() / all.len() as f64
        } else {
            self.config.rating_system.initial().mu
        };
        let have: f64 = req.teams[t].iter().map(|r| r.mu).sum();
        let after = (req.teams[t].len() + usize::from(req.slots)) as f64;
        (reference * after - have) / f64::from(req.slots)
    }

    fn fill(
        &self,
        region: u8,
        req: &BackfillRequest,
        now: Millis,
    ) -> Option<(Vec<Slot>, BackfillFill)> {
        let c = &self.config;
        let target = self.backfill_target(req);
        let need = usize::from(req.slots);
        let counts: Vec<u16> = (0..c.roles.len())
            .map(|r| req.roles.iter().filter(|x| usize::from(x.0) == r).count() as u16)
            .collect();
        let mut picks: Vec<Slot> = Vec::new();
        let mut total = 0;
        let cap = 8 * need + 32;
        for (slot, key) in self.buckets[usize::from(region)]
            .nearest(target, c.rating_band.max, Slot::MAX)
            .take(cap)
        {
            let e = self.entry(slot);
            let waited = self.widened(e, now);
            if total + e.size() > need || (key - target).abs() > c.rating_band.at(waited) {
                continue;
            }
            let Some(lat) = e.latency_in(region) else {
                continue;
            };
            if f64::from(lat) > c.latency_ms.at(waited) {
                continue;
            }
            // The new players join one team: kept apart from the match's and from each other.
            if e.members.iter().any(|m| req.avoid.contains(&m.player))
                || picks.iter().any(|&p| self.clash(p, slot))
            {
                continue;
            }
            picks.push(slot);
            if !c.roles.is_empty()
                && !feasible(
                    picks.iter().flat_map(|&s| self.entry(s).role_choices()),
                    &counts,
                )
            {
                picks.pop();
                continue;
            }
            total += e.size();
            if total == need {
                break;
            }
        }
        if total != need {
            return None;
        }
        let roles = if c.roles.is_empty() {
            Vec::new()
        } else {
            let choices: Vec<RoleChoice> = picks
                .iter()
                .flat_map(|&s| self.entry(s).role_choices())
                .collect();
            assign(&choices, &counts)?
        };
        let mut players = Vec::with_capacity(need);
        let mut teams = req.teams.clone();
        let mut at = 0;
        for &s in &picks {
            let e = self.entry(s);
            let lat = e
                .latency_in(region)
                .expect("BUG: picked tickets are in the region");
            let these = roles.get(at..at + e.size()).unwrap_or(&[]);
            at += e.size();
            players.extend(placed(e, req.team, lat, these));
            teams[usize::from(req.team)].extend(effective_ratings(e));
        }
        let fill = BackfillFill {
            request: req.id,
            mode: self.mode,
            team: req.team,
            tickets: picks.iter().map(|&s| self.entry(s).id).collect(),
            players,
            win_probabilities: win_probabilities(c.rating_system, &teams),
        };
        Some((picks, fill))
    }
}
