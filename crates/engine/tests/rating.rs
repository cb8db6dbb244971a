//! Property tests of the rating functions over every system.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rally_engine::{
    Rating, RatingSystem,
    rating::{update, win_probabilities},
};

fn system() -> impl Strategy<Value = RatingSystem> {
    prop_oneof![
        Just(RatingSystem::WengLin),
        Just(RatingSystem::Glicko2),
        Just(RatingSystem::Elo)
    ]
}

fn teams() -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    prop::collection::vec(
        prop::collection::vec((-2.0..2.0f64, 0.2..1.0f64), 1..5),
        2..5,
    )
}

/// Ratings on the system's own scale: `initial + z * spread`.
fn scaled(system: RatingSystem, teams: &[Vec<(f64, f64)>]) -> Vec<Vec<Rating>> {
    let base = system.initial();
    let spread = match system {
        RatingSystem::WengLin => 8.0,
        RatingSystem::Glicko2 | RatingSystem::Elo => 200.0,
    };
    teams
        .iter()
        .map(|t| {
            t.iter()
                .map(|&(z, s)| Rating::new(base.mu + z * spread, base.sigma * s))
                .collect()
        })
        .collect()
}

proptest! {
    #[test]
    fn win_probabilities_are_probabilities_that_sum_to_one(system in system(), teams in teams()) {
        let teams = scaled(system, &teams);
        let p = win_probabilities(system, &teams);
        prop_assert_eq!(p.len(), teams.len());
        prop_assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{:?}", p);
        prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6, "{:?}", p);
    }

    #[test]
    fn an_update_keeps_the_shape_and_moves_the_winner_up(system in system(), teams in teams()) {
        let teams = scaled(system, &teams);
        let ranks: Vec<usize> = (0..teams.len()).collect();
        let new = update(system, &teams, &ranks);
        prop_assert_eq!(new.len(), teams.len());
        for (old, new) in teams.iter().zip(&new) {
            prop_assert_eq!(old.len(), new.len());
            prop_assert!(new.iter().all(Rating::is_valid));
        }
        let gain: f64 = new[0].iter().zip(&teams[0]).map(|(n, o)| n.mu - o.mu).sum();
        prop_assert!(gain >= 0.0, "the winning team lost {gain}");
        let last = teams.len() - 1;
        let loss: f64 = new[last].iter().zip(&teams[last]).map(|(n, o)| n.mu - o.mu).sum();
        prop_assert!(loss <= 0.0, "the last team gained {loss}");
    }
}
