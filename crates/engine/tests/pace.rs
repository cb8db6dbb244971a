//! Widening tuned to a target wait: a quiet region speeds its widening up, a busy one keeps the
//! configured schedule, and every match still keeps the queue's rules.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use rally_engine::{
    MAX_WIDENING_SPEED, Matchmaker, Millis, QueueConfig, RegionLatency,
    invariant::{Submitted, audit},
};
use support::{config, mode, region, ticket};

/// What ten minutes of one queue gave the players of its quiet region.
struct Run {
    /// Mean wait of the quiet region's matched players, in seconds.
    quiet_wait_s: f64,
    quiet_matched: usize,
    /// Each region's speed at the end, (busy "eu", quiet "us"), when the queue is tuned.
    speeds: Option<(f64, f64)>,
    violations: usize,
}

/// A duel queue: twenty players a second close to "eu", rated alike, and one every ten seconds
/// close to "us", rated anywhere from 1100 to 1900; ticked every 250 ms for ten minutes.
fn run(target_wait_ms: Option<u64>) -> Run {
    let mut c = QueueConfig::duel(vec![region("eu"), region("us")]);
    c.target_wait_ms = target_wait_ms;
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c.clone()).unwrap();
    let mut submitted = HashMap::new();
    let mut quiet = HashMap::new();
    let (mut waits, mut violations) = (Vec::new(), 0);
    let mut next = 0u128;
    for step in 0..2_400u64 {
        let now = Millis(step * 250);
        // Twenty a second close to "eu": five in each 250 ms step.
        let mut arrivals: Vec<_> = (0..5u128)
            .map(|k| ticket(next + k, &[1500.0 + k as f64]))
            .collect();
        next += 5;
        if step % 40 == 0 {
            let mut t = ticket(next, &[1100.0 + ((next * 37) % 9) as f64 * 100.0]);
            t.latencies = vec![
                RegionLatency {
                    region: region("eu"),
                    ms: 90,
                },
                RegionLatency {
                    region: region("us"),
                    ms: 30,
                },
            ];
            quiet.insert(t.id, now);
            arrivals.push(t);
            next += 1;
        }
        for t in arrivals {
            submitted.insert(
                t.id,
                Submitted {
                    ticket: t.clone(),
                    enqueued: now,
                },
            );
            mm.enqueue(t, now).unwrap();
        }
        for m in mm.tick(now).matches {
            violations += audit(&c, &submitted, &m).len();
            for id in m.tickets() {
                if let Some(at) = quiet.remove(&id) {
                    waits.push(now.since(at) as f64 / 1000.0);
                }
            }
        }
    }
    let clocks = mm.widening_clocks(mode(), Millis(2_400 * 250));
    let speed_of = |name: &str| {
        clocks
            .iter()
            .find(|(r, _, _)| *r == region(name))
            .map(|c| c.2)
    };
    Run {
        quiet_wait_s: waits.iter().sum::<f64>() / waits.len().max(1) as f64,
        quiet_matched: waits.len(),
        speeds: speed_of("eu").zip(speed_of("us")),
        violations,
    }
}

#[test]
fn a_quiet_region_widens_faster_toward_its_target_wait_and_a_busy_one_keeps_its_schedule() {
    let fixed = run(None);
    let tuned = run(Some(2_000));
    assert_eq!((fixed.violations, tuned.violations), (0, 0));
    assert_eq!(fixed.speeds, None, "without a target nothing is paced");
    let (busy, quiet) = tuned.speeds.unwrap();
    assert_eq!(busy, 1.0, "the busy region keeps the configured schedule");
    assert!(
        quiet > 1.5 && quiet <= MAX_WIDENING_SPEED,
        "the quiet region speeds up: {quiet}"
    );
    assert!(
        tuned.quiet_matched >= fixed.quiet_matched,
        "{} against {}",
        tuned.quiet_matched,
        fixed.quiet_matched
    );
    assert!(
        tuned.quiet_wait_s < 0.75 * fixed.quiet_wait_s,
        "the quiet region's players wait {:.1} s tuned against {:.1} s fixed",
        tuned.quiet_wait_s,
        fixed.quiet_wait_s
    );
}

#[test]
fn a_tickets_widened_wait_reads_off_its_regions_clock() {
    let mut c = config();
    c.target_wait_ms = Some(2_000);
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c).unwrap();
    let t = ticket(1, &[25.0]);
    mm.enqueue(t, Millis(1_000)).unwrap();
    // Alone in an idle queue: its region speeds up to the most, and its wait by the region's
    // clock runs ahead of the wall.
    for step in 1..=40 {
        mm.tick(Millis(1_000 + step * 250));
    }
    let now = Millis(11_000);
    let start = mm.widening_start(rally_engine::TicketId(1)).unwrap();
    let (_, clock, speed) = mm
        .widening_clocks(mode(), now)
        .into_iter()
        .find(|(r, _, _)| *r == region("eu"))
        .unwrap();
    assert_eq!(speed, MAX_WIDENING_SPEED);
    let widened = clock - start;
    assert!(
        widened > 10_000.0 && widened <= 10_000.0 * MAX_WIDENING_SPEED,
        "{widened}"
    );
    // Without a target, nothing to read: limits follow the wall.
    let mut fixed = Matchmaker::new();
    fixed.add_queue(mode(), config()).unwrap();
    fixed.enqueue(ticket(2, &[25.0]), Millis(0)).unwrap();
    assert_eq!(fixed.widening_start(rally_engine::TicketId(2)), None);
    assert!(fixed.widening_clocks(mode(), now).is_empty());
}

#[test]
fn a_target_wait_that_is_not_below_the_maximum_wait_is_refused() {
    let mut mm = Matchmaker::new();
    let mut c = config();
    c.target_wait_ms = Some(c.max_wait_ms);
    assert_eq!(
        mm.add_queue(mode(), c).map_err(|e| e.field),
        Err("target_wait_ms")
    );
    assert!(mm.widening_clocks(mode(), Millis(0)).is_empty());
}
