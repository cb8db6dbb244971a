//! The numbers players see. Ranks order players by their **conservative rating**,
//! `mean - 3 * uncertainty` (the store's leaderboard uses the same key): a new player, whose
//! uncertainty is high, ranks low until games make the estimate sure. The **displayed MMR** is
//! that conservative rating on a familiar scale: for Weng-Lin, `1000 + 40 * conservative`
//! (a new player shows 1000, a strong one about 2000); for Glicko-2 and Elo, the conservative
//! rating itself, rounded. A player is **in placement** while their uncertainty is above
//! two thirds of the system's starting uncertainty.

use rally_engine::RatingSystem;

/// The ranking key.
pub fn conservative(mean: f64, uncertainty: f64) -> f64 {
    mean - 3.0 * uncertainty
}

/// The displayed MMR.
pub fn displayed(system: RatingSystem, mean: f64, uncertainty: f64) -> i64 {
    match system {
        RatingSystem::Elo => mean.round() as i64,
        _ => displayed_from_conservative(system, conservative(mean, uncertainty)),
    }
}

/// The displayed MMR from the conservative rating alone (what a leaderboard set scores). For
/// Elo, whose stored uncertainty is a negligible 1e-9, the conservative rating is the rating.
pub fn displayed_from_conservative(system: RatingSystem, conservative: f64) -> i64 {
    let value = match system {
        RatingSystem::WengLin => 1000.0 + 40.0 * conservative,
        RatingSystem::Glicko2 | RatingSystem::Elo => conservative,
    };
    value.round() as i64
}

/// Whether the player is still in placement.
pub fn in_placement(system: RatingSystem, uncertainty: f64) -> bool {
    let start = system.initial().sigma;
    start > 0.0 && uncertainty > start * 2.0 / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_weng_lin_player_shows_1000_and_is_in_placement() {
        let initial = RatingSystem::WengLin.initial();
        assert_eq!(
            displayed(RatingSystem::WengLin, initial.mu, initial.sigma),
            1000
        );
        assert!(in_placement(RatingSystem::WengLin, initial.sigma));
        assert!(!in_placement(RatingSystem::WengLin, 2.0));
        assert!(
            !in_placement(RatingSystem::Elo, 0.0),
            "Elo has no uncertainty to settle"
        );
    }
}
