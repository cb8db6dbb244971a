//! The match quality score and its breakdown.
//!
//! Quality is a weighted mean of five components, each in [0, 1] (1 is best), with the queue's
//! [`QualityWeights`] (these by default):
//!
//! | component | weight | 1.0 means | 0.0 means |
//! |---|---|---|---|
//! | `fairness` | 0.40 | every team's predicted win probability is exactly 1/teams | one team is certain to win |
//! | `spread` | 0.20 | every ticket has the same rating | the ratings span twice the queue's widest band |
//! | `latency` | 0.15 | zero mean latency | mean latency at the queue's widest latency limit |
//! | `roles` | 0.15 | every player got their preferred role (or the queue has none) | nobody did |
//! | `parties` | 0.10 | every team has as many premade (party) players as the others | one team is all premade, another none |
//!
//! `fairness = 1 - max_i |p_i - 1/T| / (1 - 1/T)`, with `p_i` from
//! [`crate::rating::win_probabilities`]: the same model that updates ratings judges fairness.
//! For two teams a quality of fairness 0.9 means win probabilities within 0.45..0.55.

use serde::{Deserialize, Serialize};

/// Default weight of each component, in the order fairness, spread, latency, roles, parties.
pub const QUALITY_WEIGHTS: [f64; 5] = [0.40, 0.20, 0.15, 0.15, 0.10];

/// How much each component counts in a queue's quality total: each 0 or more, summing to 1.
/// Raising `parties` makes premade groups meet premade groups of their size more often (and
/// rarely a team of solo players), at some cost in the other components or in wait.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityWeights {
    /// Even win probabilities.
    pub fairness: f64,
    /// Close ratings.
    pub spread: f64,
    /// Low latency.
    pub latency: f64,
    /// Preferred roles.
    pub roles: f64,
    /// Premade players spread evenly over the teams.
    pub parties: f64,
}

impl Default for QualityWeights {
    fn default() -> Self {
        let [fairness, spread, latency, roles, parties] = QUALITY_WEIGHTS;
        Self {
            fairness,
            spread,
            latency,
            roles,
            parties,
        }
    }
}

impl QualityWeights {
    /// The weights in the order fairness, spread, latency, roles, parties.
    #[must_use]
    pub fn as_array(&self) -> [f64; 5] {
        [
            self.fairness,
            self.spread,
            self.latency,
            self.roles,
            self.parties,
        ]
    }

    /// Whether each weight is finite and 0 or more, and they sum to 1 (within 1e-6).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        let weights = self.as_array();
        weights.iter().all(|w| w.is_finite() && *w >= 0.0)
            && (weights.iter().sum::<f64>() - 1.0).abs() <= 1e-6
    }
}

/// A match's quality and why: the total and each component, all in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// The weighted total ([`QUALITY_WEIGHTS`]).
    pub total: f64,
    /// How even the predicted win probabilities are.
    pub fairness: f64,
    /// How close the tickets' ratings are.
    pub spread: f64,
    /// How low the players' latency is.
    pub latency: f64,
    /// The share of players in their preferred role.
    pub roles: f64,
    /// How evenly premade players are spread over the teams.
    pub parties: f64,
}

/// What the score is computed from.
#[derive(Debug)]
pub(crate) struct QualityInputs<'a> {
    pub(crate) win_probabilities: &'a [f64],
    pub(crate) rating_spread: f64,
    pub(crate) widest_band: f64,
    pub(crate) mean_latency_ms: f64,
    pub(crate) widest_latency_ms: f64,
    pub(crate) preferred_role_share: f64,
    pub(crate) premade_per_team: &'a [usize],
    pub(crate) team_size: usize,
    pub(crate) weights: QualityWeights,
}

fn unit(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

impl Quality {
    pub(crate) fn score(inputs: &QualityInputs<'_>) -> Self {
        let teams = inputs.win_probabilities.len().max(1) as f64;
        let even = 1.0 / teams;
        let worst = inputs
            .win_probabilities
            .iter()
            .map(|p| (p - even).abs())
            .fold(0.0, f64::max);
        let fairness = if teams < 2.0 {
            1.0
        } else {
            unit(1.0 - worst / (1.0 - even))
        };
        let spread = if inputs.widest_band > 0.0 {
            unit(1.0 - inputs.rating_spread / (2.0 * inputs.widest_band))
        } else if inputs.rating_spread > 0.0 {
            0.0
        } else {
            1.0
        };
        let latency = if inputs.widest_latency_ms > 0.0 {
            unit(1.0 - inputs.mean_latency_ms / inputs.widest_latency_ms)
        } else {
            1.0
        };
        let roles = unit(inputs.preferred_role_share);
        let max = inputs.premade_per_team.iter().copied().max().unwrap_or(0);
        let min = inputs.premade_per_team.iter().copied().min().unwrap_or(0);
        let parties = unit(1.0 - (max - min) as f64 / inputs.team_size.max(1) as f64);
        let parts = [fairness, spread, latency, roles, parties];
        let total = unit(
            parts
                .iter()
                .zip(inputs.weights.as_array())
                .map(|(p, w)| p * w)
                .sum(),
        );
        Self {
            total,
            fairness,
            spread,
            latency,
            roles,
            parties,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_match_scores_one_and_a_lopsided_one_scores_less() {
        let mut inputs = QualityInputs {
            win_probabilities: &[0.5, 0.5],
            rating_spread: 0.0,
            widest_band: 10.0,
            mean_latency_ms: 0.0,
            widest_latency_ms: 100.0,
            preferred_role_share: 1.0,
            premade_per_team: &[2, 2],
            team_size: 5,
            weights: QualityWeights::default(),
        };
        assert!((Quality::score(&inputs).total - 1.0).abs() < 1e-12);
        inputs.win_probabilities = &[0.9, 0.1];
        let q = Quality::score(&inputs);
        assert!((q.fairness - 0.2).abs() < 1e-12);
        assert!(q.total < 0.7);
    }
}
