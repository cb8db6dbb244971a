//! Queue configuration: match shape, roles, rating model, widening, and its validation.

use serde::{Deserialize, Serialize};

use crate::{
    name::Region,
    quality::QualityWeights,
    rating::RatingSystem,
    role::{MAX_ROLES, RoleSlot},
    separation::Separation,
};

/// A limit that grows in steps with a ticket's wait: `start + step * floor(wait / every_ms)`,
/// capped at `max`. A small `every_ms` approximates a rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Widening {
    /// The limit when the ticket has just arrived.
    pub start: f64,
    /// How much the limit grows at each step (never negative: bands do not shrink).
    pub step: f64,
    /// Milliseconds between steps (must be positive when `step` is).
    pub every_ms: u64,
    /// The widest the limit gets.
    pub max: f64,
}

impl Widening {
    /// A limit that never changes.
    #[must_use]
    pub fn fixed(value: f64) -> Self {
        Self {
            start: value,
            step: 0.0,
            every_ms: 0,
            max: value,
        }
    }

    /// The limit after waiting `waited_ms`.
    #[must_use]
    pub fn at(&self, waited_ms: u64) -> f64 {
        if self.every_ms == 0 || self.step <= 0.0 {
            return self.start.min(self.max);
        }
        (self.start + self.step * (waited_ms / self.every_ms) as f64).min(self.max)
    }

    /// The wait at which the limit next grows, or `None` once it is at its maximum.
    #[must_use]
    pub fn next_change(&self, waited_ms: u64) -> Option<u64> {
        if self.every_ms == 0 || self.step <= 0.0 || self.at(waited_ms) >= self.max {
            return None;
        }
        Some((waited_ms / self.every_ms + 1) * self.every_ms)
    }

    fn validate(&self, field: &'static str) -> Result<(), ConfigError> {
        let bad = |reason: &str| Err(ConfigError::new(field, reason));
        if !(self.start.is_finite() && self.step.is_finite() && self.max.is_finite()) {
            return bad("every number must be finite");
        }
        if self.start < 0.0 {
            return bad("start must not be negative");
        }
        if self.step < 0.0 {
            return bad("step is negative: a limit may widen with wait but never shrink");
        }
        if self.max < self.start {
            return bad("max is below start: the limit would shrink");
        }
        if self.step > 0.0 && self.every_ms == 0 {
            return bad("every_ms must be positive when step is");
        }
        Ok(())
    }
}

/// A minimum that relaxes in steps with wait: `start - step * floor(wait / every_ms)`, never
/// below `floor`. Used for the minimum match quality.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Relaxation {
    /// The minimum when the ticket has just arrived.
    pub start: f64,
    /// How much it relaxes at each step (never negative).
    pub step: f64,
    /// Milliseconds between steps (positive when `step` is).
    pub every_ms: u64,
    /// The lowest it relaxes to.
    pub floor: f64,
}

impl Relaxation {
    /// The minimum after waiting `waited_ms`.
    #[must_use]
    pub fn at(&self, waited_ms: u64) -> f64 {
        if self.every_ms == 0 || self.step <= 0.0 {
            return self.start.max(self.floor);
        }
        (self.start - self.step * (waited_ms / self.every_ms) as f64).max(self.floor)
    }

    /// The wait at which the minimum next relaxes, or `None` once at its floor.
    #[must_use]
    pub fn next_change(&self, waited_ms: u64) -> Option<u64> {
        if self.every_ms == 0 || self.step <= 0.0 || self.at(waited_ms) <= self.floor {
            return None;
        }
        Some((waited_ms / self.every_ms + 1) * self.every_ms)
    }

    fn validate(&self, field: &'static str) -> Result<(), ConfigError> {
        let bad = |reason: &str| Err(ConfigError::new(field, reason));
        if !(0.0..=1.0).contains(&self.start) || !(0.0..=1.0).contains(&self.floor) {
            return bad("start and floor must lie in [0, 1]");
        }
        if !self.step.is_finite() || self.step < 0.0 {
            return bad("step must be finite and not negative: the minimum only relaxes");
        }
        if self.floor > self.start {
            return bad("floor is above start: the minimum would tighten with wait");
        }
        if self.step > 0.0 && self.every_ms == 0 {
            return bad("every_ms must be positive when step is");
        }
        Ok(())
    }
}

/// How a party's members' ratings become the one rating the party is matched on.
///
/// Premade groups coordinate, so they tend to play above their average; `TopWeighted` lets an
/// operator lean the party's rating toward its strongest member.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum PartyRule {
    /// The members' mean rating.
    #[default]
    Mean,
    /// The strongest member's rating.
    Max,
    /// `(1 - w) * mean + w * max`, with `w` in [0, 1].
    TopWeighted(f64),
}

impl PartyRule {
    /// The party's rating from its members' ratings (`mus` must not be empty).
    #[must_use]
    pub fn aggregate(self, mus: impl Iterator<Item = f64> + Clone) -> f64 {
        let (sum, n, max) = mus.fold((0.0, 0usize, f64::NEG_INFINITY), |(s, n, m), x| {
            (s + x, n + 1, m.max(x))
        });
        let mean = sum / n.max(1) as f64;
        match self {
            PartyRule::Mean => mean,
            PartyRule::Max => max,
            PartyRule::TopWeighted(w) => (1.0 - w) * mean + w * max,
        }
    }
}

/// Everything one queue (mode) is configured with. Build it, then [`QueueConfig::validate`]
/// (also done by [`crate::Matchmaker::add_queue`]). Deserialized, absent fields take the
/// [`Default`] (a 5v5 Weng-Lin queue without regions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Teams in a full match (2 for 5v5; N for a free-for-all of N with `team_size` 1).
    pub teams: u16,
    /// Players per team.
    pub team_size: u16,
    /// Fewest teams a match may start with (large matches); equal to `teams` otherwise.
    pub min_teams: u16,
    /// The largest party a ticket may hold (at most `team_size`).
    pub max_party_size: u16,
    /// Roles each team needs; empty for a queue without roles. Counts sum to `team_size`.
    pub roles: Vec<RoleSlot>,
    /// The regions this queue runs in; each is one bucket.
    pub regions: Vec<Region>,
    /// The rating model used for balancing, quality and updates.
    pub rating_system: RatingSystem,
    /// How a party's rating is aggregated.
    pub party_rule: PartyRule,
    /// Added to a party's aggregated rating for each member beyond the first, in the rating
    /// system's units (0: none): premade groups coordinate, so they are searched for as
    /// stronger than their members. See [`QueueConfig::ticket_rating`].
    pub premade_bonus: f64,
    /// How much each part of a match's quality counts (the defaults of
    /// [`crate::QUALITY_WEIGHTS`] when absent).
    pub quality_weights: QualityWeights,
    /// Half-width of the rating band around the anchor, in the rating system's units.
    pub rating_band: Widening,
    /// The most latency (ms) a player may have to the match's region.
    pub latency_ms: Widening,
    /// After this wait a ticket may also match in its second-best region; `None` never.
    pub region_fallback_after_ms: Option<u64>,
    /// The least quality a match anchored by a ticket may have.
    pub min_quality: Relaxation,
    /// After this wait a ticket ends as timed out.
    pub max_wait_ms: u64,
    /// The wait each bucket tunes its widening toward; `None` keeps the fixed schedule. A
    /// bucket whose arrivals are too few or too spread for its schedule to match within this
    /// runs its band, latency limit, region fallback and quality relaxation up to eight times as
    /// fast, never past their bounds; `max_wait_ms` keeps the wall's time. See [`crate::pace`].
    pub target_wait_ms: Option<u64>,
    /// For the server, not the engine: how long the players of a found match have to accept it
    /// before it is cancelled; `None`: no accept step, the match's server is allocated at once.
    pub accept_timeout_ms: Option<u64>,
    /// How often the caller intends to tick; informational for the server's loop.
    pub tick_interval_ms: u64,
    /// How far apart two players are kept when one has blocked the other (a ticket's
    /// [`crate::Ticket::avoid`]): never in one match (the default), or never on one team.
    pub separation: Separation,
    /// For the server, not the engine: whether each team of a running match gets a voice room.
    pub team_voice: bool,
}

/// The shortest time to accept a found match a queue may give: less is no time to react.
const MIN_ACCEPT_TIMEOUT_MS: u64 = 1_000;
/// The longest time to accept a found match a queue may give: its players wait for it.
const MAX_ACCEPT_TIMEOUT_MS: u64 = 600_000;

/// The presets' tick interval. A round makes at once every match that formed since the last
/// one, so the server's work after a round (writing the matches, allocating their sessions,
/// pushing to their players) comes in waves of one interval's matches: at 250 ms a wave is a
/// quarter of a second's matches, and a new ticket waits half an interval for its first round
/// (125 ms, against 500 ms at 1 s). Over half an hour of the simulator's 5v5 population (10,000
/// players, seed 7) the quality is the same as at 1 s (mean 0.901 against 0.904) and the wait
/// shorter (median 0.8 s against 1.2 s).
pub const DEFAULT_TICK_INTERVAL_MS: u64 = 250;

impl Default for QueueConfig {
    /// [`QueueConfig::five_vs_five`] without regions.
    fn default() -> Self {
        Self::five_vs_five(Vec::new())
    }
}

impl QueueConfig {
    /// The rating a ticket of players rated `mus` is searched, banded and balanced by (a party
    /// weighs its size times it when teams are split): the party rule's
    /// aggregate plus [`QueueConfig::premade_bonus`] per member beyond the first.
    ///
    /// Worked numbers, a party of three rated 1500, 1600 and 1800 (Glicko-2): `Mean` gives
    /// 1633.3, `Max` 1800, `TopWeighted(0.25)` 0.75 x 1633.3 + 0.25 x 1800 = 1675; with a
    /// `premade_bonus` of 20 each is 40 higher (1673.3, 1840, 1715). A player alone is their own
    /// rating under every rule, with no bonus.
    #[must_use]
    pub fn ticket_rating(&self, mus: impl Iterator<Item = f64> + Clone) -> f64 {
        let members = mus.clone().count();
        self.party_rule.aggregate(mus) + self.premade_bonus * members.saturating_sub(1) as f64
    }

    /// A one-on-one Glicko-2 queue with sensible widening, in the given regions.
    #[must_use]
    pub fn duel(regions: Vec<Region>) -> Self {
        Self {
            teams: 2,
            team_size: 1,
            min_teams: 2,
            max_party_size: 1,
            roles: Vec::new(),
            regions,
            rating_system: RatingSystem::Glicko2,
            party_rule: PartyRule::Mean,
            premade_bonus: 0.0,
            quality_weights: QualityWeights::default(),
            rating_band: Widening {
                start: 100.0,
                step: 50.0,
                every_ms: 5_000,
                max: 600.0,
            },
            latency_ms: Widening {
                start: 60.0,
                step: 10.0,
                every_ms: 10_000,
                max: 120.0,
            },
            region_fallback_after_ms: Some(45_000),
            min_quality: Relaxation {
                start: 0.85,
                step: 0.05,
                every_ms: 10_000,
                floor: 0.4,
            },
            max_wait_ms: 300_000,
            target_wait_ms: None,
            accept_timeout_ms: None,
            tick_interval_ms: DEFAULT_TICK_INTERVAL_MS,
            separation: Separation::Match,
            team_voice: false,
        }
    }

    /// A 5v5 Weng-Lin queue with sensible widening, in the given regions.
    #[must_use]
    pub fn five_vs_five(regions: Vec<Region>) -> Self {
        Self {
            teams: 2,
            team_size: 5,
            min_teams: 2,
            max_party_size: 5,
            roles: Vec::new(),
            regions,
            rating_system: RatingSystem::WengLin,
            party_rule: PartyRule::TopWeighted(0.25),
            premade_bonus: 0.0,
            quality_weights: QualityWeights::default(),
            rating_band: Widening {
                start: 1.5,
                step: 1.0,
                every_ms: 5_000,
                max: 12.0,
            },
            latency_ms: Widening {
                start: 60.0,
                step: 10.0,
                every_ms: 10_000,
                max: 120.0,
            },
            region_fallback_after_ms: Some(45_000),
            min_quality: Relaxation {
                start: 0.85,
                step: 0.03,
                every_ms: 10_000,
                floor: 0.55,
            },
            max_wait_ms: 300_000,
            target_wait_ms: None,
            accept_timeout_ms: None,
            tick_interval_ms: DEFAULT_TICK_INTERVAL_MS,
            separation: Separation::Match,
            team_voice: false,
        }
    }

    /// Players in a full match.
    #[must_use]
    pub fn players_per_match(&self) -> usize {
        usize::from(self.teams) * usize::from(self.team_size)
    }

    /// Checks every field, naming the first one that is wrong and why.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field, reason: &str| Err(ConfigError::new(field, reason));
        if self.team_size == 0 {
            return bad("team_size", "must be at least 1");
        }
        if self.teams == 0 {
            return bad("teams", "must be at least 1");
        }
        if self.teams == 1 && self.team_size == 1 {
            return bad("teams", "a match needs at least two players");
        }
        if self.min_teams == 0 || self.min_teams > self.teams {
            return bad("min_teams", "must be between 1 and teams");
        }
        if self.max_party_size == 0 {
            return bad("max_party_size", "must be at least 1");
        }
        if self.max_party_size > self.team_size {
            return bad(
                "max_party_size",
                "a party larger than a team could never be placed",
            );
        }
        if self.max_party_size > 255 {
            return bad("max_party_size", "at most 255");
        }
        if self.roles.len() > MAX_ROLES {
            return bad("roles", "at most 16 roles");
        }
        if !self.roles.is_empty() {
            let total: u32 = self.roles.iter().map(|r| u32::from(r.count)).sum();
            if total != u32::from(self.team_size) {
                return bad("roles", "role counts must add up to team_size");
            }
            for (i, role) in self.roles.iter().enumerate() {
                if role.name.is_empty() {
                    return bad("roles", "every role needs a name");
                }
                if self.roles[..i].iter().any(|r| r.name == role.name) {
                    return bad("roles", "role names must be unique");
                }
            }
        }
        if self.regions.is_empty() {
            return bad("regions", "at least one region is needed");
        }
        if self.regions.len() > 255 {
            return bad("regions", "at most 255 regions");
        }
        for (i, r) in self.regions.iter().enumerate() {
            if self.regions[..i].contains(r) {
                return bad("regions", "regions must be unique");
            }
        }
        if let PartyRule::TopWeighted(w) = self.party_rule
            && !(0.0..=1.0).contains(&w)
        {
            return bad("party_rule", "the weight must lie in [0, 1]");
        }
        if !self.premade_bonus.is_finite() || self.premade_bonus < 0.0 {
            return bad("premade_bonus", "must be a finite number, 0 or more");
        }
        if !self.quality_weights.is_valid() {
            return bad(
                "quality_weights",
                "each weight must be 0 or more, and together they must sum to 1",
            );
        }
        self.rating_band.validate("rating_band")?;
        self.latency_ms.validate("latency_ms")?;
        self.min_quality.validate("min_quality")?;
        if self.max_wait_ms == 0 {
            return bad("max_wait_ms", "must be positive");
        }
        if self
            .target_wait_ms
            .is_some_and(|t| t == 0 || t >= self.max_wait_ms)
        {
            return bad("target_wait_ms", "must be positive and below max_wait_ms");
        }
        if self
            .accept_timeout_ms
            .is_some_and(|t| !(MIN_ACCEPT_TIMEOUT_MS..=MAX_ACCEPT_TIMEOUT_MS).contains(&t))
        {
            return bad(
                "accept_timeout_ms",
                "must be between 1000 (1 s) and 600000 (10 min)",
            );
        }
        if self.tick_interval_ms == 0 {
            return bad("tick_interval_ms", "must be positive");
        }
        Ok(())
    }
}

/// A refused queue configuration: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid queue configuration: `{field}` {reason}")]
pub struct ConfigError {
    /// The offending field (`team_size`, `rating_band`, ...).
    pub field: &'static str,
    /// Why it was refused.
    pub reason: String,
}

impl ConfigError {
    fn new(field: &'static str, reason: &str) -> Self {
        Self {
            field,
            reason: reason.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> QueueConfig {
        QueueConfig::five_vs_five(vec![Region::new("eu").expect("valid")])
    }

    #[test]
    fn the_default_five_vs_five_config_is_valid() {
        assert_eq!(config().validate(), Ok(()));
    }

    #[test]
    fn a_party_is_rated_by_its_rule_plus_the_premade_bonus_per_extra_member() {
        let party = [1500.0, 1600.0, 1800.0];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let mut c = config();
        for (rule, bonus, want) in [
            (PartyRule::Mean, 0.0, 4900.0 / 3.0),
            (PartyRule::Max, 0.0, 1800.0),
            (PartyRule::TopWeighted(0.25), 0.0, 1675.0),
            (PartyRule::Mean, 20.0, 4900.0 / 3.0 + 40.0),
            (PartyRule::Max, 20.0, 1840.0),
            (PartyRule::TopWeighted(0.25), 20.0, 1715.0),
        ] {
            c.party_rule = rule;
            c.premade_bonus = bonus;
            let got = c.ticket_rating(party.iter().copied());
            assert!(close(got, want), "{rule:?} + {bonus}: {got}, not {want}");
            // Alone, a player is their own rating whatever the rule and bonus.
            assert!(close(c.ticket_rating([1550.0].into_iter()), 1550.0));
        }
        c.premade_bonus = -1.0;
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("premade_bonus"),
            "a negative bonus is refused"
        );
    }

    #[test]
    fn bad_configs_name_the_field() {
        let mut c = config();
        c.team_size = 0;
        assert_eq!(c.validate().map_err(|e| e.field), Err("team_size"));
        let mut c = config();
        c.max_party_size = 6;
        assert_eq!(c.validate().map_err(|e| e.field), Err("max_party_size"));
        let mut c = config();
        c.rating_band.max = 0.5;
        assert_eq!(c.validate().map_err(|e| e.field), Err("rating_band"));
        for target in [0, c.max_wait_ms] {
            let mut c = config();
            c.target_wait_ms = Some(target);
            assert_eq!(c.validate().map_err(|e| e.field), Err("target_wait_ms"));
        }
        for timeout in [999, 600_001] {
            let mut c = config();
            c.accept_timeout_ms = Some(timeout);
            assert_eq!(c.validate().map_err(|e| e.field), Err("accept_timeout_ms"));
        }
        let mut c = config();
        c.roles = vec![RoleSlot {
            name: "tank".into(),
            count: 1,
        }];
        assert_eq!(c.validate().map_err(|e| e.field), Err("roles"));
    }

    #[test]
    fn widening_grows_in_steps_up_to_its_maximum() {
        let w = Widening {
            start: 1.0,
            step: 2.0,
            every_ms: 10,
            max: 4.0,
        };
        assert_eq!(
            (w.at(0), w.at(9), w.at(10), w.at(100)),
            (1.0, 1.0, 3.0, 4.0)
        );
        assert_eq!(
            (w.next_change(3), w.next_change(10), w.next_change(20)),
            (Some(10), Some(20), None)
        );
    }
}
