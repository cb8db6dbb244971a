//! `rally bench engine` at a tiny size, with the counting allocator installed as the `rally`
//! binary installs it: the report has every figure, the ticks made their matches, and the
//! bytes per ticket count what each ticket brings with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    mem::size_of,
    sync::{Mutex, MutexGuard},
};

use rally_engine::{Member, Millis, RegionLatency, Ticket};
use rally_load::{
    CountingAllocator, EngineBenchArgs, bench_engine,
    engine::{bench_matchmaker, bench_ticket, bytes_per_ticket},
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The allocator counts every thread's allocations: one measurement at a time.
fn alone() -> MutexGuard<'static, ()> {
    static ALONE: Mutex<()> = Mutex::new(());
    ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn the_engine_bench_makes_its_matches_and_reports_every_figure() {
    let _alone = alone();
    let report = bench_engine(&EngineBenchArgs {
        tickets: 2_000,
        ticks: 5,
        burst: 2_000,
        burst_runs: 1,
        ..EngineBenchArgs::default()
    });
    assert_eq!(report.tickets, 2_000);
    assert_eq!(report.buckets, 16);
    // Every bucket makes its one 5v5 from the ten arrivals, every tick.
    assert_eq!(report.matches_per_tick, 16.0);
    let ticks = report.tick_ms;
    assert!(
        ticks.p50 <= ticks.p99 && ticks.p99 <= ticks.max,
        "{ticks:?}"
    );
    assert!(report.enqueue_per_s > 0.0 && report.cancel_per_s > 0.0);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in [
        "tickets",
        "buckets",
        "tick_ms",
        "sort_baseline_ms",
        "enqueue_per_s",
        "cancel_per_s",
        "bytes_per_ticket",
        "matches_per_tick",
        "burst",
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
    let bytes = report.bytes_per_ticket.expect("the allocator is installed");
    assert!(
        bytes > (size_of::<Member>() + size_of::<RegionLatency>()) as f64,
        "{bytes} bytes per ticket is less than a ticket's own vectors"
    );
    let burst = report.burst.as_ref().expect("the burst was asked for");
    assert!(burst.matches > 0 && burst.ratio > 0.0, "{burst:?}");
    let table = report.to_table();
    assert!(table.contains("bytes per ticket"), "{table}");
    assert!(table.contains("burst / sort"), "{table}");
}

/// What the bench reported before: the tickets built before counting started, so their
/// members were not counted and their vectors' release was counted against the engine.
fn bytes_per_ticket_of_enqueue_alone(n: usize) -> f64 {
    let (mut mm, modes, regions) = bench_matchmaker();
    let tickets: Vec<Ticket> = (0..n)
        .map(|i| {
            bench_ticket(
                i as u128,
                modes[i % 4],
                regions[(i / 4) % 4],
                1_000.0 + 30.0 * (i / 16) as f64,
            )
        })
        .collect();
    CountingAllocator::start();
    let before = CountingAllocator::live_bytes();
    for ticket in tickets {
        mm.enqueue(ticket, Millis(0)).unwrap();
    }
    let grown = CountingAllocator::grown_since(before);
    drop(mm);
    grown as f64 / n as f64
}

#[test]
fn bytes_per_ticket_count_the_members_each_ticket_brings() {
    let _alone = alone();
    let n = 4_096;
    let counted = bytes_per_ticket(n).expect("the allocator is installed");
    let enqueue_alone = bytes_per_ticket_of_enqueue_alone(n);
    // The engine keeps each ticket's members: built inside the window, they count.
    assert!(
        counted - enqueue_alone >= size_of::<Member>() as f64,
        "counted {counted} bytes per ticket, enqueue alone {enqueue_alone}"
    );
}
