//! The engine's cold burst: one tick over `tickets` tickets that all arrived in the same
//! interval into an empty queue, against sorting their ratings once in the same run.
//!
//! The shape is the one Rally compares with other matchmakers: one-on-one, 4 regions (each
//! ticket in one, drawn uniformly), ratings drawn from Normal(1500, 300), a fixed band of
//! ±100 and no quality floor, so any two tickets within 100 points of each other in a region
//! may be matched. The figure is the ratio of the tick to the sort, since this kind of
//! machine is shared and noisy; each is the median of `runs` runs on fresh draws.

use std::time::Instant;

use rally_engine::{
    Matchmaker, Member, Millis, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency,
    Relaxation, Ticket, TicketId, Widening,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;

const REGIONS: [&str; 4] = ["eu-west", "na-east", "na-west", "ap-south"];

/// The burst's findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurstReport {
    /// Tickets in the burst.
    pub tickets: usize,
    /// Runs measured (the figures are their medians).
    pub runs: usize,
    /// The tick over the whole burst, ms.
    pub tick_ms: f64,
    /// Sorting the burst's ratings once, ms.
    pub sort_ms: f64,
    /// `tick_ms / sort_ms`: the target is at most 5.
    pub ratio: f64,
    /// Matches the tick made (of at most `tickets / 2`).
    pub matches: usize,
}

/// The duel queue of the burst: a fixed ±100 band, every latency admitted, no quality floor.
fn burst_queue(regions: Vec<Region>) -> QueueConfig {
    let mut config = QueueConfig::duel(regions);
    config.rating_band = Widening::fixed(100.0);
    config.latency_ms = Widening::fixed(1_000.0);
    config.region_fallback_after_ms = None;
    config.min_quality = Relaxation {
        start: 0.0,
        step: 0.0,
        every_ms: 0,
        floor: 0.0,
    };
    config
}

/// A draw from Normal(`mean`, `sd`) (Box-Muller).
fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Times one tick over `tickets` new tickets, and one sort of their ratings, `runs` times.
#[must_use]
pub fn bench_burst(tickets: usize, runs: usize, seed: u64) -> BurstReport {
    let mut rng = StdRng::seed_from_u64(seed);
    let regions: Vec<Region> = REGIONS
        .iter()
        .map(|r| Region::new(r).expect("BUG: valid"))
        .collect();
    let mode = Mode::new("duel").expect("BUG: valid");
    let runs = runs.max(1);
    let (mut ticks, mut sorts, mut matches) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        let ratings: Vec<f64> = (0..tickets)
            .map(|_| normal(&mut rng, 1_500.0, 300.0))
            .collect();
        let mut mm = Matchmaker::new();
        mm.add_queue(mode, burst_queue(regions.clone()))
            .expect("BUG: the burst queue is valid");
        for (i, &mu) in ratings.iter().enumerate() {
            let region = regions[rng.random_range(0..regions.len())];
            let ticket = Ticket {
                id: TicketId(i as u128),
                mode,
                members: vec![Member::new(PlayerId(i as u128), Rating::new(mu, 50.0))],
                latencies: vec![RegionLatency { region, ms: 25 }],
                avoid: Vec::new(),
            };
            mm.enqueue(ticket, Millis(0))
                .expect("BUG: burst tickets are valid");
        }
        let started = Instant::now();
        let outcome = mm.tick(Millis(0));
        ticks.push(started.elapsed().as_secs_f64() * 1000.0);
        matches = outcome.matches.len();
        drop(outcome);
        drop(mm);

        let mut sorted = ratings;
        let started = Instant::now();
        sorted.sort_unstable_by(f64::total_cmp);
        sorts.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(&sorted);
    }
    let (tick_ms, sort_ms) = (median(ticks), median(sorts));
    BurstReport {
        tickets,
        runs,
        tick_ms,
        sort_ms,
        ratio: tick_ms / sort_ms.max(1e-9),
        matches,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_close_ratings_is_matched_and_timed_against_its_sort() {
        let report = bench_burst(2_000, 1, 3);
        assert_eq!(report.tickets, 2_000);
        // Normal(1500, 300) over 4 regions leaves few alone beyond ±100.
        assert!(report.matches > 900, "{report:?}");
        assert!(report.tick_ms > 0.0 && report.sort_ms > 0.0, "{report:?}");
    }

    #[test]
    fn normal_draws_have_the_asked_mean_and_spread() {
        let mut rng = StdRng::seed_from_u64(1);
        let draws: Vec<f64> = (0..20_000)
            .map(|_| normal(&mut rng, 1_500.0, 300.0))
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let sd =
            (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64).sqrt();
        assert!((mean - 1_500.0).abs() < 10.0, "{mean}");
        assert!((sd - 300.0).abs() < 10.0, "{sd}");
    }
}
