//! `rally bench engine` at a tiny size, with the counting allocator installed as the `rally`
//! binary installs it: the report has every figure and the ticks made their matches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rally_load::{CountingAllocator, EngineBenchArgs, bench_engine};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn the_engine_bench_makes_its_matches_and_reports_every_figure() {
    let report = bench_engine(&EngineBenchArgs {
        tickets: 2_000,
        ticks: 5,
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
    ] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
    assert!(report.bytes_per_ticket.expect("the allocator is installed") > 0.0);
    let table = report.to_table();
    assert!(table.contains("bytes per ticket"), "{table}");
}
