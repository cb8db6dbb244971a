//! Free-for-all ratings by placement against values computed independently of Rally and of the
//! `skillratings` crate it builds on:
//!
//! - Weng-Lin: openskill 6.2.0 (Python), `BradleyTerryFull(tau=0.0, kappa=0.000001)` (the
//!   Bradley-Terry full-pairing model with no added uncertainty per game, and the tolerance of
//!   `skillratings`' default configuration), `model.rate(teams, ranks=places)`.
//! - Glicko-2: Glickman's algorithm (steps 1 to 8 of "Example of the Glicko-2 system", tau 0.5,
//!   convergence 1e-6) in a Python transcription that reproduces the paper's worked example
//!   (1464.06, 151.52, 0.05999). With more than two teams each player is rated in one rating
//!   period against every other team, scoring 1 for a better place, 0.5 for the same place and
//!   0 for a worse one.
//!
//! Places are 1-based in the tables (equal places tie); `update` takes them 0-based.
#![allow(clippy::unwrap_used)]

use rally_engine::{Rating, RatingSystem, rating::update};

/// One case: each player's rating before, their place, and their rating after.
struct Case {
    name: &'static str,
    before: &'static [(f64, f64, f64)],
    places: &'static [usize],
    after: &'static [(f64, f64, f64)],
}

fn check(system: RatingSystem, cases: &[Case], tolerance: f64) {
    for case in cases {
        let teams: Vec<Vec<Rating>> = case
            .before
            .iter()
            .map(|&(mu, sigma, volatility)| {
                vec![Rating {
                    mu,
                    sigma,
                    volatility,
                }]
            })
            .collect();
        let ranks: Vec<usize> = case.places.iter().map(|p| p - 1).collect();
        let after = update(system, &teams, &ranks);
        for (i, (got, want)) in after.iter().zip(case.after).enumerate() {
            let got = got[0];
            let close = |a: f64, b: f64| (a - b).abs() <= tolerance * b.abs().max(1.0);
            assert!(
                close(got.mu, want.0) && close(got.sigma, want.1) && close(got.volatility, want.2),
                "{system:?}, {}: player {i} is {got:?}, the reference {want:?}",
                case.name
            );
        }
    }
}

const W: f64 = 25.0 / 3.0;

#[test]
fn weng_lin_rates_a_free_for_all_by_placement_as_openskill_does() {
    // Weng-Lin has no volatility: it stays as it was (0.06).
    check(
        RatingSystem::WengLin,
        &[
            Case {
                name: "three new players, places 2 1 3",
                before: &[(25.0, W, 0.06), (25.0, W, 0.06), (25.0, W, 0.06)],
                places: &[2, 1, 3],
                after: &[
                    (25.000000000000, 7.788474807873, 0.06),
                    (30.270462766947, 7.788474807873, 0.06),
                    (19.729537233053, 7.788474807873, 0.06),
                ],
            },
            Case {
                name: "three rated players, places 2 1 3",
                before: &[(30.0, 6.0, 0.06), (25.0, W, 0.06), (20.0, 7.0, 0.06)],
                places: &[2, 1, 3],
                after: &[
                    (29.104896859063, 5.802292822072, 0.06),
                    (30.789520267425, 7.652622025726, 0.06),
                    (17.133249330024, 6.652100217137, 0.06),
                ],
            },
            Case {
                name: "three rated players, a tie for first",
                before: &[(30.0, 6.0, 0.06), (25.0, W, 0.06), (20.0, 7.0, 0.06)],
                places: &[1, 1, 3],
                after: &[
                    (30.625269802860, 5.802292822072, 0.06),
                    (27.856702088805, 7.652622025726, 0.06),
                    (17.133249330024, 6.652100217137, 0.06),
                ],
            },
            Case {
                name: "four players, places 3 1 3 2 (a tie for third)",
                before: &[
                    (28.0, 5.0, 0.06),
                    (22.0, 7.0, 0.06),
                    (25.0, W, 0.06),
                    (31.0, 4.0, 0.06),
                ],
                places: &[3, 1, 3, 2],
                after: &[
                    (25.129877059886, 4.763482686112, 0.06),
                    (30.715808859292, 6.319292087513, 0.06),
                    (19.935262688038, 7.100147316061, 0.06),
                    (31.157815755315, 3.902707252306, 0.06),
                ],
            },
        ],
        1e-9,
    );
}

#[test]
fn glicko_2_rates_a_free_for_all_by_placement_as_glickmans_algorithm_does() {
    // The volatility's iteration stops within 1e-6, so the figures agree to about that.
    check(
        RatingSystem::Glicko2,
        &[
            Case {
                name: "three new players, places 2 1 3",
                before: &[(1500.0, 350.0, 0.06); 3],
                places: &[2, 1, 3],
                after: &[
                    (1500.0000000000, 253.4045992046, 0.0599984175),
                    (1747.3180719781, 253.4046024532, 0.0600000751),
                    (1252.6819280219, 253.4046024532, 0.0600000751),
                ],
            },
            Case {
                name: "three rated players, places 2 1 3",
                before: &[
                    (1700.0, 120.0, 0.06),
                    (1500.0, 350.0, 0.06),
                    (1350.0, 200.0, 0.059),
                ],
                places: &[2, 1, 3],
                after: &[
                    (1674.9687222628, 115.3043344550, 0.0599988640),
                    (1797.0543108866, 230.4569614364, 0.0600005080),
                    (1283.8468130661, 177.7034848501, 0.0589990005),
                ],
            },
            Case {
                name: "three rated players, a tie for first",
                before: &[
                    (1700.0, 120.0, 0.06),
                    (1500.0, 350.0, 0.06),
                    (1350.0, 200.0, 0.059),
                ],
                places: &[1, 1, 3],
                after: &[
                    (1700.5715611672, 115.3043184754, 0.0599976521),
                    (1654.1996059640, 230.4569588609, 0.0599987610),
                    (1283.8468130661, 177.7034848501, 0.0589990005),
                ],
            },
            Case {
                name: "four players, places 3 1 3 2 (a tie for third)",
                before: &[
                    (1620.0, 90.0, 0.06),
                    (1480.0, 160.0, 0.06),
                    (1500.0, 350.0, 0.06),
                    (1750.0, 60.0, 0.05),
                ],
                places: &[3, 1, 3, 2],
                after: &[
                    (1578.5919552284, 85.0799023315, 0.0600045026),
                    (1673.5806258121, 136.2038171635, 0.0600187014),
                    (1390.4416941215, 193.7824960759, 0.0599980203),
                    (1745.7034142771, 59.1305637810, 0.0499971983),
                ],
            },
        ],
        1e-6,
    );
}
