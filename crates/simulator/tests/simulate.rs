//! The simulator on a small population: it runs, finds no violations, and repeats itself.
#![allow(clippy::unwrap_used)]

use rally_simulator::{SimulateArgs, simulate};

fn small() -> SimulateArgs {
    SimulateArgs {
        players: 400,
        duration_s: 900,
        ramp_s: 60,
        game_s: 120,
        ..SimulateArgs::default()
    }
}

#[test]
fn a_small_population_is_matched_without_violations() {
    let report = simulate(&small()).unwrap();
    assert_eq!(report.violations, 0);
    assert!(report.matches > 100, "{}", report.to_table());
    assert!(report.quality.mean > 0.5 && report.quality.mean <= 1.0);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in [
        "time_to_match_s",
        "quality",
        "fair_share",
        "latency_ms",
        "timed_out",
        "violations",
        "rank_correlation",
        "matches_per_cpu_s",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    for key in ["mean", "p50", "p95", "p99"] {
        assert!(
            json["time_to_match_s"].get(key).is_some(),
            "missing time_to_match_s.{key}"
        );
    }
}

#[test]
fn blocks_players_make_are_honoured_in_every_later_match() {
    // A high rate, so a small population accumulates many blocks between the same players.
    let report = simulate(&SimulateArgs {
        block_rate: 0.2,
        ..small()
    })
    .unwrap();
    assert!(report.blocks > 100, "{}", report.to_table());
    // The audit of every match counts a blocked pair placed together as a violation.
    assert_eq!(report.violations, 0, "{}", report.to_table());
    assert!(report.matches > 100, "{}", report.to_table());
    assert!(
        simulate(&SimulateArgs {
            block_rate: 1.5,
            ..small()
        })
        .is_err()
    );
}

#[test]
fn the_same_seed_gives_the_same_simulation() {
    let (a, b) = (simulate(&small()).unwrap(), simulate(&small()).unwrap());
    assert_eq!(
        (a.matches, a.timed_out, a.time_to_match_s),
        (b.matches, b.timed_out, b.time_to_match_s)
    );
    assert_eq!(a.rank_correlation, b.rank_correlation);
    let other = simulate(&SimulateArgs { seed: 8, ..small() }).unwrap();
    assert_ne!(a.time_to_match_s, other.time_to_match_s);
}

#[test]
fn a_heavier_party_weight_keeps_full_premades_away_from_teams_of_solos() {
    let share = |weight: f64| {
        let report = simulate(&SimulateArgs {
            party_weight: Some(weight),
            ..small()
        })
        .unwrap();
        assert_eq!(report.violations, 0);
        assert!(report.full_premade_matches > 10, "{}", report.to_table());
        report.full_premade_meets_solo as f64 / report.full_premade_matches as f64
    };
    let (indifferent, preferring) = (share(0.0), share(0.3));
    assert!(
        preferring < indifferent / 2.0,
        "full premades met solos in {preferring:.3} of their matches at weight 0.3, \
         {indifferent:.3} at 0"
    );
}

#[test]
fn bad_arguments_are_refused() {
    assert!(
        simulate(&SimulateArgs {
            regions: 9,
            ..small()
        })
        .is_err()
    );
    assert!(
        simulate(&SimulateArgs {
            players: 3,
            ..small()
        })
        .is_err()
    );
    assert!(
        simulate(&SimulateArgs {
            party_weight: Some(1.5),
            ..small()
        })
        .is_err()
    );
}

/// Widening tuned to a 5 s target cuts an off-peak population's long waits for little quality,
/// and leaves a busy one as it was (the README's table is the same comparison over five seeds).
#[test]
fn tuned_widening_shortens_off_peak_waits_and_leaves_a_busy_queue_alone() {
    // Runs `players` fixed and tuned; the tuned p95 wait is at most `p95_ratio` times the
    // fixed one, and its mean quality at most `quality_loss` lower.
    let compare = |players: usize, duration_s: u64, p95_ratio: f64, quality_loss: f64| {
        let args = SimulateArgs {
            players,
            duration_s,
            ..SimulateArgs::default()
        };
        let fixed = simulate(&args).unwrap();
        let tuned = simulate(&SimulateArgs {
            target_wait_s: Some(5),
            ..args
        })
        .unwrap();
        assert_eq!((fixed.violations, tuned.violations), (0, 0));
        assert!(
            tuned.time_to_match_s.p95 <= p95_ratio * fixed.time_to_match_s.p95
                && tuned.quality.mean >= fixed.quality.mean - quality_loss,
            "{players} players: p95 {:.1} s and quality {:.3} tuned, {:.1} s and {:.3} fixed",
            tuned.time_to_match_s.p95,
            tuned.quality.mean,
            fixed.time_to_match_s.p95,
            fixed.quality.mean
        );
    };
    compare(1_000, 1_800, 0.8, 0.02);
    compare(10_000, 600, 1.05, 0.005);
}
