//! Rating math, delegated to the `skillratings` crate.
//!
//! Weng-Lin (OpenSkill, the Bradley-Terry full-pair model of Weng and Lin 2011) is the default
//! and the only one of the three with native team functions. Glicko-2 and Elo are offered for
//! 1v1 ladders; for teams they treat a team as one composite player (mean rating, root mean
//! square deviation), the usual extension. The same functions that predict a result here drive
//! the match quality score, so "fair" means the same thing to the matchmaker and to the ladder.

use serde::{Deserialize, Serialize};
use skillratings::{
    MultiTeamOutcome, Outcomes,
    elo::{EloConfig, EloRating},
    glicko2::{Glicko2Config, Glicko2Rating},
    weng_lin::{WengLinConfig, WengLinRating},
};

use crate::win::WinProbabilities;

/// Which rating model a queue uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RatingSystem {
    /// Weng-Lin (OpenSkill); `mu` around 25, `sigma` starts at 25/3.
    #[default]
    WengLin,
    /// Glicko-2; `mu` around 1500, `sigma` is the deviation (starts at 350).
    Glicko2,
    /// Elo with k = 32; `mu` around 1000, `sigma` is ignored.
    Elo,
}

impl RatingSystem {
    /// The rating a new player starts with under this system.
    #[must_use]
    pub fn initial(self) -> Rating {
        match self {
            RatingSystem::WengLin => Rating::new(25.0, 25.0 / 3.0),
            RatingSystem::Glicko2 => Rating::new(1500.0, 350.0),
            RatingSystem::Elo => Rating::new(1000.0, 0.0),
        }
    }
}

/// A player's skill estimate: mean, uncertainty and (Glicko-2 only) volatility.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// The skill estimate (Weng-Lin mu, Glicko-2 rating, Elo rating).
    pub mu: f64,
    /// The uncertainty (Weng-Lin sigma, Glicko-2 deviation; unused by Elo).
    pub sigma: f64,
    /// Glicko-2 volatility; 0.06 for a new player, ignored by the other systems.
    pub volatility: f64,
}

impl Rating {
    /// A rating with the default Glicko-2 volatility.
    #[must_use]
    pub fn new(mu: f64, sigma: f64) -> Self {
        Self {
            mu,
            sigma,
            volatility: 0.06,
        }
    }

    /// Whether every number is finite and the uncertainty is not negative.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.mu.is_finite()
            && self.sigma.is_finite()
            && self.sigma >= 0.0
            && self.volatility.is_finite()
            && self.volatility >= 0.0
    }

    fn weng_lin(self) -> WengLinRating {
        WengLinRating {
            rating: self.mu,
            uncertainty: self.sigma,
        }
    }

    fn glicko2(self) -> Glicko2Rating {
        Glicko2Rating {
            rating: self.mu,
            deviation: self.sigma,
            volatility: self.volatility,
        }
    }
}

/// The composite player Elo and Glicko-2 see for a team: mean rating, RMS deviation.
fn composite(team: &[Rating]) -> Rating {
    let n = team.len().max(1) as f64;
    let mu = team.iter().map(|r| r.mu).sum::<f64>() / n;
    let sigma = (team.iter().map(|r| r.sigma * r.sigma).sum::<f64>() / n).sqrt();
    let volatility = team.iter().map(|r| r.volatility).sum::<f64>() / n;
    Rating {
        mu,
        sigma,
        volatility,
    }
}

fn pair_expectation(system: RatingSystem, a: &[Rating], b: &[Rating]) -> f64 {
    match system {
        RatingSystem::WengLin => {
            // Every match of a round is scored: teams of up to `ON_STACK` convert on the stack.
            const ON_STACK: usize = 8;
            let config = WengLinConfig::new();
            if a.len() <= ON_STACK && b.len() <= ON_STACK {
                let mut left = [WengLinRating::new(); ON_STACK];
                let mut right = [WengLinRating::new(); ON_STACK];
                for (into, r) in left.iter_mut().zip(a) {
                    *into = r.weng_lin();
                }
                for (into, r) in right.iter_mut().zip(b) {
                    *into = r.weng_lin();
                }
                let (left, right) = (&left[..a.len()], &right[..b.len()]);
                return skillratings::weng_lin::expected_score_two_teams(left, right, &config).0;
            }
            let a: Vec<_> = a.iter().map(|r| r.weng_lin()).collect();
            let b: Vec<_> = b.iter().map(|r| r.weng_lin()).collect();
            skillratings::weng_lin::expected_score_two_teams(&a, &b, &config).0
        }
        RatingSystem::Glicko2 => {
            skillratings::glicko2::expected_score(&composite(a).glicko2(), &composite(b).glicko2())
                .0
        }
        RatingSystem::Elo => {
            let (a, b) = (composite(a), composite(b));
            skillratings::elo::expected_score(
                &EloRating { rating: a.mu },
                &EloRating { rating: b.mu },
            )
            .0
        }
    }
}

/// The predicted probability that each team wins, summing to 1.
///
/// Two teams use the model's two-team expectation. More teams use Weng-Lin's multi-team
/// expectation, or for Elo and Glicko-2 the mean pairwise expectation, normalised.
/// An empty slice gives an empty result; a single team gets probability 1.
#[must_use]
pub fn win_probabilities<T: AsRef<[Rating]>>(
    system: RatingSystem,
    teams: &[T],
) -> WinProbabilities {
    match teams.len() {
        0 => Vec::new().into(),
        1 => vec![1.0].into(),
        2 => WinProbabilities::two(pair_expectation(
            system,
            teams[0].as_ref(),
            teams[1].as_ref(),
        )),
        n => {
            if system == RatingSystem::WengLin {
                let converted: Vec<Vec<WengLinRating>> = teams
                    .iter()
                    .map(|t| {
                        let t: &[Rating] = t.as_ref();
                        t.iter().map(|r| r.weng_lin()).collect()
                    })
                    .collect();
                let slices: Vec<&[WengLinRating]> = converted.iter().map(Vec::as_slice).collect();
                return skillratings::weng_lin::expected_score_multi_team(
                    &slices,
                    &WengLinConfig::new(),
                )
                .into();
            }
            let raw: Vec<f64> = (0..n)
                .map(|i| {
                    (0..n)
                        .filter(|&j| j != i)
                        .map(|j| pair_expectation(system, teams[i].as_ref(), teams[j].as_ref()))
                        .sum::<f64>()
                })
                .collect();
            let total: f64 = raw.iter().sum();
            raw.iter().map(|r| r / total).collect::<Vec<_>>().into()
        }
    }
}

fn outcome(rank: usize, other: usize) -> Outcomes {
    match rank.cmp(&other) {
        std::cmp::Ordering::Less => Outcomes::WIN,
        std::cmp::Ordering::Equal => Outcomes::DRAW,
        std::cmp::Ordering::Greater => Outcomes::LOSS,
    }
}

/// New ratings after a match, in the same shape as `teams`.
///
/// `ranks[i]` is team `i`'s placing: lower is better, equal ranks are a draw (for two teams:
/// `[0, 1]` means team 0 won, `[0, 0]` a draw). If `ranks` does not have one entry per team,
/// the ratings come back unchanged.
#[must_use]
pub fn update(system: RatingSystem, teams: &[Vec<Rating>], ranks: &[usize]) -> Vec<Vec<Rating>> {
    if ranks.len() != teams.len() || teams.len() < 2 {
        return teams.to_vec();
    }
    match system {
        RatingSystem::WengLin => {
            let converted: Vec<Vec<WengLinRating>> = teams
                .iter()
                .map(|t| {
                    let t: &[Rating] = t.as_ref();
                    t.iter().map(|r| r.weng_lin()).collect()
                })
                .collect();
            let config = WengLinConfig::new();
            let updated = if teams.len() == 2 {
                let (a, b) = skillratings::weng_lin::weng_lin_two_teams(
                    &converted[0],
                    &converted[1],
                    &outcome(ranks[0], ranks[1]),
                    &config,
                );
                vec![a, b]
            } else {
                let with_ranks: Vec<(&[WengLinRating], MultiTeamOutcome)> = converted
                    .iter()
                    .zip(ranks)
                    .map(|(t, &r)| (t.as_slice(), MultiTeamOutcome::new(r + 1)))
                    .collect();
                skillratings::weng_lin::weng_lin_multi_team(&with_ranks, &config)
            };
            updated
                .into_iter()
                .zip(teams)
                .map(|(new, old)| {
                    new.into_iter()
                        .zip(old)
                        .map(|(n, o)| Rating {
                            mu: n.rating,
                            sigma: n.uncertainty,
                            volatility: o.volatility,
                        })
                        .collect()
                })
                .collect()
        }
        RatingSystem::Glicko2 | RatingSystem::Elo => {
            let composites: Vec<Rating> = teams.iter().map(|t| composite(t)).collect();
            teams
                .iter()
                .enumerate()
                .map(|(i, team)| {
                    team.iter()
                        .map(|player| update_against(system, *player, i, &composites, ranks))
                        .collect()
                })
                .collect()
        }
    }
}

fn update_against(
    system: RatingSystem,
    player: Rating,
    team: usize,
    composites: &[Rating],
    ranks: &[usize],
) -> Rating {
    let opponents = composites.iter().enumerate().filter(|&(j, _)| j != team);
    match system {
        RatingSystem::Glicko2 => {
            let results: Vec<(Glicko2Rating, Outcomes)> = opponents
                .map(|(j, c)| (c.glicko2(), outcome(ranks[team], ranks[j])))
                .collect();
            let new = skillratings::glicko2::glicko2_rating_period(
                &player.glicko2(),
                &results,
                &Glicko2Config::new(),
            );
            Rating {
                mu: new.rating,
                sigma: new.deviation,
                volatility: new.volatility,
            }
        }
        RatingSystem::Elo | RatingSystem::WengLin => {
            let results: Vec<(EloRating, Outcomes)> = opponents
                .map(|(j, c)| (EloRating { rating: c.mu }, outcome(ranks[team], ranks[j])))
                .collect();
            let new = skillratings::elo::elo_rating_period(
                &EloRating { rating: player.mu },
                &results,
                &EloConfig::new(),
            );
            Rating {
                mu: new.rating,
                ..player
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weng_lin_teams_converted_on_the_stack_expect_what_the_library_expects() {
        let config = WengLinConfig::new();
        for size in [1usize, 5, 8, 9, 12] {
            let a: Vec<Rating> = (0..size)
                .map(|i| Rating::new(24.0 + i as f64 * 0.7, 7.0))
                .collect();
            let b: Vec<Rating> = (0..size)
                .map(|i| Rating::new(26.0 - i as f64 * 0.3, 5.5))
                .collect();
            let (wa, wb): (Vec<_>, Vec<_>) = (
                a.iter().map(|r| r.weng_lin()).collect(),
                b.iter().map(|r| r.weng_lin()).collect(),
            );
            let expected = skillratings::weng_lin::expected_score_two_teams(&wa, &wb, &config).0;
            let p = pair_expectation(RatingSystem::WengLin, &a, &b);
            assert!(
                (p - expected).abs() < 1e-12,
                "{size}: {p} against {expected}"
            );
        }
    }

    fn team(mus: &[f64], system: RatingSystem) -> Vec<Rating> {
        mus.iter()
            .map(|&mu| Rating {
                mu,
                ..system.initial()
            })
            .collect()
    }

    #[test]
    fn equal_teams_are_predicted_even_in_every_system() {
        for system in [
            RatingSystem::WengLin,
            RatingSystem::Glicko2,
            RatingSystem::Elo,
        ] {
            let base = system.initial().mu;
            let teams = vec![team(&[base, base], system), team(&[base, base], system)];
            let p = win_probabilities(system, &teams);
            assert!((p[0] - 0.5).abs() < 1e-9, "{system:?}: {p:?}");
        }
    }

    #[test]
    fn stronger_team_is_favoured_and_probabilities_sum_to_one() {
        let teams = vec![
            team(&[30.0, 30.0], RatingSystem::WengLin),
            team(&[20.0, 20.0], RatingSystem::WengLin),
            team(&[25.0, 25.0], RatingSystem::WengLin),
        ];
        let p = win_probabilities(RatingSystem::WengLin, &teams);
        assert!(p[0] > p[2] && p[2] > p[1]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn winners_gain_and_losers_lose_rating() {
        for system in [
            RatingSystem::WengLin,
            RatingSystem::Glicko2,
            RatingSystem::Elo,
        ] {
            let base = system.initial().mu;
            let teams = vec![team(&[base; 2], system), team(&[base; 2], system)];
            let new = update(system, &teams, &[0, 1]);
            assert!(new[0][0].mu > base && new[1][1].mu < base, "{system:?}");
        }
    }

    #[test]
    fn glicko2_matches_the_worked_example_of_glickmans_paper() {
        // Glickman, "Example of the Glicko-2 system" (2013): a 1500 / 200 / 0.06 player beats a
        // 1400 / 30 player and loses to 1550 / 100 and 1700 / 300 in one rating period, with
        // tau = 0.5: 1464.06, 151.52, 0.05999.
        let player = Rating {
            mu: 1500.0,
            sigma: 200.0,
            volatility: 0.06,
        };
        let teams = vec![
            vec![player],
            vec![Rating::new(1400.0, 30.0)],
            vec![Rating::new(1550.0, 100.0)],
            vec![Rating::new(1700.0, 300.0)],
        ];
        let new = update(RatingSystem::Glicko2, &teams, &[1, 2, 0, 0])[0][0];
        assert!((new.mu - 1464.06).abs() < 0.01, "{new:?}");
        assert!((new.sigma - 151.52).abs() < 0.01, "{new:?}");
        assert!((new.volatility - 0.05999).abs() < 0.00001, "{new:?}");
    }

    #[test]
    fn weng_lin_matches_the_published_one_on_one_values() {
        // Two new players (25, 25/3), the first wins: openskill's reference values.
        let initial = RatingSystem::WengLin.initial();
        let teams = vec![vec![initial], vec![initial]];
        let new = update(RatingSystem::WengLin, &teams, &[0, 1]);
        assert!(
            (new[0][0].mu - 27.635_231_383_473_65).abs() < 1e-6,
            "{new:?}"
        );
        assert!(
            (new[1][0].mu - 22.364_768_616_526_35).abs() < 1e-6,
            "{new:?}"
        );
        for side in [&new[0][0], &new[1][0]] {
            assert!((side.sigma - 8.065_506_316_323_548).abs() < 1e-6, "{new:?}");
        }
    }
}
