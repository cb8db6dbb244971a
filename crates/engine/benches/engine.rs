//! Criterion benchmarks of the engine: a tick with 1,000, 10,000 and 100,000 tickets waiting
//! over 16 buckets, enqueue, cancel, and the baseline a tick must beat: sorting 100,000
//! ratings once.
//!
//! The tick setup: the waiting tickets have every limit widened to its maximum and ratings
//! spaced so they cannot match each other; each measured tick receives 10 close-rated
//! arrivals per bucket (not timed, via `iter_custom`) and makes 16 matches. A tick that
//! rescanned or re-sorted the backlog would grow with its size.
#![allow(missing_docs, clippy::unwrap_used)]

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use rally_engine::{
    Matchmaker, Member, Millis, Mode, PlayerId, QueueConfig, Rating, Region, RegionLatency, Ticket,
    TicketId,
};

const MODES: [&str; 4] = ["m-a", "m-b", "m-c", "m-d"];
const REGIONS: [&str; 4] = ["r-a", "r-b", "r-c", "r-d"];

fn names() -> (Vec<Mode>, Vec<Region>) {
    (
        MODES.iter().map(|m| Mode::new(m).unwrap()).collect(),
        REGIONS.iter().map(|r| Region::new(r).unwrap()).collect(),
    )
}

fn ticket(id: u128, mode: Mode, region: Region, mu: f64) -> Ticket {
    Ticket {
        id: TicketId(id),
        mode,
        members: vec![Member::new(PlayerId(id), Rating::new(mu, 2.0))],
        latencies: vec![RegionLatency { region, ms: 25 }],
        avoid: Vec::new(),
    }
}

fn matchmaker() -> Matchmaker {
    let (modes, regions) = names();
    let mut mm = Matchmaker::new();
    for mode in modes {
        let mut c = QueueConfig::five_vs_five(regions.clone());
        c.max_wait_ms = u64::MAX / 4;
        mm.add_queue(mode, c).unwrap();
    }
    mm
}

fn backlog(n: usize) -> Vec<Ticket> {
    let (modes, regions) = names();
    (0..n)
        .map(|i| {
            ticket(
                i as u128,
                modes[i % 4],
                regions[(i / 4) % 4],
                1_000.0 + 30.0 * (i / 16) as f64,
            )
        })
        .collect()
}

fn tick(c: &mut Criterion) {
    let (modes, regions) = names();
    let mut group = c.benchmark_group("tick");
    for n in [1_000usize, 10_000, 100_000] {
        let mut mm = matchmaker();
        for t in backlog(n) {
            mm.enqueue(t, Millis(0)).unwrap();
        }
        let mut now = 600_000;
        let _ = mm.tick(Millis(now));
        let mut next = n as u128;
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    now += 1_000;
                    let first = next;
                    for (k, (&mode, &region)) in modes
                        .iter()
                        .flat_map(|m| regions.iter().map(move |r| (m, r)))
                        .enumerate()
                    {
                        for j in 0..10 {
                            let mu = -1_000.0 - 100.0 * k as f64 + 0.01 * f64::from(j);
                            mm.enqueue(ticket(next, mode, region, mu), Millis(now))
                                .unwrap();
                            next += 1;
                        }
                    }
                    let started = Instant::now();
                    let out = black_box(mm.tick(Millis(now)));
                    total += started.elapsed();
                    assert_eq!(out.matches.len(), 16);
                    for id in first..next {
                        mm.cancel(TicketId(id));
                    }
                }
                total
            });
        });
    }
    group.finish();
}

fn enqueue_and_cancel(c: &mut Criterion) {
    let n = 10_000;
    c.bench_function("enqueue 10000", |b| {
        b.iter_batched(
            || (matchmaker(), backlog(n)),
            |(mut mm, tickets)| {
                for t in tickets {
                    mm.enqueue(t, Millis(0)).unwrap();
                }
                mm
            },
            BatchSize::LargeInput,
        );
    });
    c.bench_function("cancel 10000", |b| {
        b.iter_batched(
            || {
                let mut mm = matchmaker();
                for t in backlog(n) {
                    mm.enqueue(t, Millis(0)).unwrap();
                }
                mm
            },
            |mut mm| {
                for i in 0..n {
                    black_box(mm.cancel(TicketId(i as u128)));
                }
                mm
            },
            BatchSize::LargeInput,
        );
    });
}

fn sort_baseline(c: &mut Criterion) {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let ratings: Vec<f64> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 50.0
        })
        .collect();
    c.bench_function("sort 100000 ratings", |b| {
        b.iter_batched(
            || ratings.clone(),
            |mut r| {
                r.sort_unstable_by(f64::total_cmp);
                r
            },
            BatchSize::LargeInput,
        );
    });
}

criterion_group!(benches, tick, enqueue_and_cancel, sort_baseline);
criterion_main!(benches);
