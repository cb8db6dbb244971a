//! `rally bench engine`: tick, enqueue and cancel costs at a given queue size.
//!
//! What is measured, so the figures can be read honestly:
//!
//! - **tick**: `tickets` tickets wait in 16 buckets (4 modes x 4 regions) with every limit
//!   already widened to its maximum (so nothing is due by itself) and ratings spaced so that
//!   they cannot match one another. Each measured tick first receives 10 new close-rated
//!   tickets in every bucket (160 arrivals, enqueue not timed), then the tick is timed: it
//!   makes 16 matches, expires nobody and must not touch the waiting tickets. This is the
//!   incremental cost a tick pays with a large backlog; a design that rescans or re-sorts
//!   would pay in proportion to `tickets`.
//! - **sort baseline**: sorting `tickets` random `f64` ratings once, on the same machine.
//! - **enqueue / cancel**: `tickets` tickets (built beforehand) enqueued into an empty
//!   matchmaker, then all cancelled, each timed as a whole: only the engine's calls are timed.
//! - **bytes per ticket**: the live heap grown by building and enqueueing `tickets` tickets
//!   into another empty matchmaker, divided by `tickets`, counted by
//!   [`CountingAllocator`] when installed (the `rally` binary installs it). Each ticket is
//!   built inside the counted window, so what it brings with it (its members, which the
//!   engine keeps) counts too; what the engine drops (its latencies) counts as freed.
//! - **burst**: one tick over `burst` tickets that all arrived in one interval, against
//!   sorting their ratings once (see [`crate::burst`]).

use std::time::Instant;

use clap::Args;
use rally_engine::{
    Matchmaker, Member, Millis, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency, Ticket,
    TicketId,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;

use crate::{
    CountingAllocator,
    burst::{BurstReport, bench_burst},
};

/// Buckets the tickets are spread over: every mode in every region.
const BUCKETS: usize = MODES.len() * REGIONS.len();
/// Close-rated arrivals per bucket before each measured tick: each bucket makes one 5v5.
const ARRIVALS_PER_BUCKET: usize = 10;

/// Options of `rally bench engine`.
#[derive(Debug, Clone, Args)]
pub struct EngineBenchArgs {
    /// Tickets kept queued, spread over 16 buckets (4 modes x 4 regions).
    #[arg(long, default_value_t = 100_000)]
    pub tickets: usize,
    /// Ticks to measure.
    #[arg(long, default_value_t = 300)]
    pub ticks: usize,
    /// Tickets in the cold burst (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    pub burst: usize,
    /// Runs of the cold burst (the figures are their medians).
    #[arg(long, default_value_t = 3)]
    pub burst_runs: usize,
    /// Seed of the random number generator.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl Default for EngineBenchArgs {
    fn default() -> Self {
        Self {
            tickets: 100_000,
            ticks: 300,
            burst: 100_000,
            burst_runs: 3,
            seed: 7,
            json: false,
        }
    }
}

/// Tick time percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TickTimes {
    /// Median tick, ms.
    pub p50: f64,
    /// 99th percentile tick, ms.
    pub p99: f64,
    /// Slowest tick, ms.
    pub max: f64,
}

/// The benchmark's findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineReport {
    /// Tickets kept queued.
    pub tickets: usize,
    /// Buckets they are spread over.
    pub buckets: usize,
    /// Tick times.
    pub tick_ms: TickTimes,
    /// Milliseconds to sort `tickets` random ratings once (the tick's target).
    pub sort_baseline_ms: f64,
    /// Enqueues per second.
    pub enqueue_per_s: f64,
    /// Cancels per second.
    pub cancel_per_s: f64,
    /// Live heap bytes per queued ticket; `null` when the counting allocator is not installed.
    pub bytes_per_ticket: Option<f64>,
    /// Matches made per measured tick (a check that the ticks did work).
    pub matches_per_tick: f64,
    /// The cold burst; `null` when skipped.
    pub burst: Option<BurstReport>,
}

impl EngineReport {
    /// As pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("BUG: the report serialises")
    }

    /// As a text table with the targets.
    #[must_use]
    pub fn to_table(&self) -> String {
        let bytes = self
            .bytes_per_ticket
            .map_or("n/a (allocator not installed)".into(), |b| {
                format!("{b:.0}")
            });
        format!(
            "tickets            {} in {} buckets\n\
             tick p50 (ms)      {:.3}\n\
             tick p99 (ms)      {:.3}  (target < sort baseline)\n\
             sort baseline (ms) {:.3}\n\
             enqueue per s      {:.0}  (target > 1000000)\n\
             cancel per s       {:.0}  (target > 1000000)\n\
             bytes per ticket   {}  (target < 512)\n\
             matches per tick   {:.1}\n\
             {}",
            self.tickets,
            self.buckets,
            self.tick_ms.p50,
            self.tick_ms.p99,
            self.sort_baseline_ms,
            self.enqueue_per_s,
            self.cancel_per_s,
            bytes,
            self.matches_per_tick,
            self.burst.as_ref().map_or(String::new(), |b| format!(
                "burst tick (ms)    {:.3} over {} new tickets, {} matches\n\
                 burst sort (ms)    {:.3}\n\
                 burst / sort       {:.1}  (target <= 5)\n",
                b.tick_ms, b.tickets, b.matches, b.sort_ms, b.ratio
            ))
        )
    }
}

const MODES: [&str; 4] = ["duel-a", "duel-b", "squad-a", "squad-b"];
const REGIONS: [&str; 4] = ["eu-west", "na-east", "na-west", "ap-south"];

/// A matchmaker with 16 buckets: 4 modes (5v5) x 4 regions, every limit at its maximum.
#[must_use]
pub fn bench_matchmaker() -> (Matchmaker, Vec<Mode>, Vec<Region>) {
    let regions: Vec<Region> = REGIONS
        .iter()
        .map(|r| Region::new(r).expect("BUG: valid"))
        .collect();
    let modes: Vec<Mode> = MODES
        .iter()
        .map(|m| Mode::new(m).expect("BUG: valid"))
        .collect();
    let mut mm = Matchmaker::new();
    for &mode in &modes {
        let mut c = QueueConfig::five_vs_five(regions.clone());
        c.max_wait_ms = u64::MAX / 4;
        mm.add_queue(mode, c)
            .expect("BUG: the bench config is valid");
    }
    (mm, modes, regions)
}

/// A solo ticket with one region.
#[must_use]
pub fn bench_ticket(id: u128, mode: Mode, region: Region, mu: f64) -> Ticket {
    Ticket {
        id: TicketId(id),
        mode,
        members: vec![Member::new(PlayerId(id), Rating::new(mu, 2.0))],
        latencies: vec![RegionLatency { region, ms: 25 }],
        avoid: Vec::new(),
    }
}

/// The `i`-th ticket of the backlog: spread over the buckets, and rated so far apart from the
/// others of its bucket (30 points) that none of them can match.
fn backlog_ticket(i: usize, modes: &[Mode], regions: &[Region]) -> Ticket {
    bench_ticket(
        i as u128,
        modes[i % modes.len()],
        regions[(i / modes.len()) % regions.len()],
        1_000.0 + 30.0 * (i / BUCKETS) as f64,
    )
}

/// Live heap bytes per ticket with `tickets` tickets queued in an empty bench matchmaker, each
/// built inside the counted window; `None` when [`CountingAllocator`] is not the global
/// allocator. Other threads allocating meanwhile are counted too: run it alone.
#[must_use]
pub fn bytes_per_ticket(tickets: usize) -> Option<f64> {
    let (mut mm, modes, regions) = bench_matchmaker();
    CountingAllocator::start();
    if !CountingAllocator::is_installed() || tickets == 0 {
        return None;
    }
    let before = CountingAllocator::live_bytes();
    for i in 0..tickets {
        mm.enqueue(backlog_ticket(i, &modes, &regions), Millis(0))
            .expect("BUG: bench tickets are valid");
    }
    let grown = CountingAllocator::grown_since(before);
    drop(mm);
    Some(grown as f64 / tickets as f64)
}

/// Runs the benchmark.
#[must_use]
pub fn bench_engine(args: &EngineBenchArgs) -> EngineReport {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let n = args.tickets.max(BUCKETS);

    // Memory first, on a matchmaker of its own, dropped before anything is timed.
    let bytes_per_ticket = bytes_per_ticket(n);

    // Enqueue and cancel on an empty matchmaker, timing the engine's calls alone.
    let (mut mm, modes, regions) = bench_matchmaker();
    let tickets: Vec<Ticket> = (0..n)
        .map(|i| backlog_ticket(i, &modes, &regions))
        .collect();
    let started = Instant::now();
    for t in tickets {
        mm.enqueue(t, Millis(0))
            .expect("BUG: bench tickets are valid");
    }
    let enqueue_s = started.elapsed().as_secs_f64();

    // Let every limit widen to its maximum: after this nothing is due by itself.
    let settled = 600_000;
    let _ = mm.tick(Millis(settled));
    let mut times = Vec::with_capacity(args.ticks);
    let mut made = 0usize;
    let mut next = n as u128;
    let arrivals = (BUCKETS * ARRIVALS_PER_BUCKET) as u128;
    for k in 0..args.ticks {
        let now = Millis(settled + 1_000 * (k as u64 + 1));
        for &mode in &modes {
            for &region in &regions {
                let centre = -1_000.0 - 100.0 * rng.random_range(0.0..1_000.0f64).floor();
                for _ in 0..ARRIVALS_PER_BUCKET {
                    let t = bench_ticket(next, mode, region, centre + rng.random_range(0.0..0.5));
                    next += 1;
                    mm.enqueue(t, now).expect("BUG: bench tickets are valid");
                }
            }
        }
        let started = Instant::now();
        let out = mm.tick(now);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        made += out.matches.len();
        // Leave no arrivals behind, so the backlog stays at `n`.
        for id in next - arrivals..next {
            mm.cancel(TicketId(id));
        }
    }

    let started = Instant::now();
    for i in 0..n {
        mm.cancel(TicketId(i as u128));
    }
    let cancel_s = started.elapsed().as_secs_f64();

    let mut ratings: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..50.0)).collect();
    let started = Instant::now();
    ratings.sort_unstable_by(f64::total_cmp);
    let sort_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::hint::black_box(&ratings);

    times.sort_by(f64::total_cmp);
    let burst = (args.burst > 0).then(|| bench_burst(args.burst, args.burst_runs, args.seed));
    EngineReport {
        tickets: n,
        buckets: BUCKETS,
        tick_ms: TickTimes {
            p50: nearest_rank(&times, 50.0),
            p99: nearest_rank(&times, 99.0),
            max: times.last().copied().unwrap_or(0.0),
        },
        sort_baseline_ms: sort_ms,
        enqueue_per_s: n as f64 / enqueue_s.max(1e-12),
        cancel_per_s: n as f64 / cancel_s.max(1e-12),
        bytes_per_ticket,
        matches_per_tick: made as f64 / args.ticks.max(1) as f64,
        burst,
    }
}

/// The nearest-rank `p`-th percentile of an ascending sample (0 for an empty one).
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_rank_is_the_smallest_sample_covering_p_percent() {
        let sample: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&sample, 50.0), 5.0);
        assert_eq!(nearest_rank(&sample, 99.0), 10.0);
        assert_eq!(nearest_rank(&sample, 0.0), 1.0);
        assert_eq!(nearest_rank(&[], 50.0), 0.0);
    }
}
