//! Property tests of the engine's invariants over random sequences of calls.
//!
//! No ticket in two outcomes; parties never split; team sizes and role composition exact;
//! latency, band, region and quality within their limits as widened at the time of the match
//! (checked by [`rally_engine::invariant::audit`]); a cancelled ticket is never matched; a
//! refused ticket leaves the state unchanged; the same inputs give the same outputs; players
//! kept apart (a ticket's avoid list) are never in one match, or one team where the queue
//! separates them by team, and never join a match by backfill that lists them.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use rally_engine::{
    BackfillId, BackfillRequest, Matchmaker, Millis, PlayerId, QueueConfig, Rating, RegionLatency,
    RoleId, RoleSlot, Separation, TickOutcome, TicketError, TicketId,
    invariant::{Submitted, audit},
};
use support::{mode, region, ticket, with_roles};

#[derive(Debug, Clone)]
enum Op {
    Backfill {
        slots: u16,
        mu: f64,
        avoid: Vec<(u128, u128)>,
    },
    Enqueue {
        party: Vec<f64>,
        eu_ms: u16,
        us_ms: u16,
        roles: u8,
        preferred: Option<u8>,
        avoid: Vec<(u128, u128)>,
    },
    Cancel(usize),
    Tick(u64),
}

/// Players to keep apart, as (ticket, member) pairs naming the player `ticket * 100 + member`
/// of the ticket enqueued by that call (or nobody, for a call that enqueued none): most
/// tickets have none, some a few.
fn avoid() -> impl Strategy<Value = Vec<(u128, u128)>> {
    prop_oneof![
        3 => Just(Vec::new()),
        2 => prop::collection::vec((0u128..160, 0u128..3), 1..4),
    ]
}

/// The player ids of an avoid list drawn by [`avoid`].
fn players(avoid: &[(u128, u128)]) -> Vec<PlayerId> {
    avoid.iter().map(|&(t, m)| PlayerId(t * 100 + m)).collect()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (prop::collection::vec(15.0..35.0f64, 1..=3), 5u16..150, 5u16..150, 1u8..8, prop::option::of(0u8..3), avoid())
            .prop_map(|(party, eu_ms, us_ms, roles, preferred, avoid)| Op::Enqueue { party, eu_ms, us_ms, roles, preferred, avoid }),
        1 => (0usize..64).prop_map(Op::Cancel),
        1 => (1u16..=5, 15.0..35.0f64, avoid()).prop_map(|(slots, mu, avoid)| Op::Backfill { slots, mu, avoid }),
        2 => (0u64..15_000).prop_map(Op::Tick),
    ]
}

fn config(shape: u8) -> QueueConfig {
    let mut c = QueueConfig::five_vs_five(vec![region("eu"), region("us")]);
    c.max_wait_ms = 120_000;
    match shape {
        0 => {}
        1 => {
            c.team_size = 3;
            c.max_party_size = 3;
            c.separation = Separation::Team;
            c.roles = vec![
                RoleSlot {
                    name: "tank".into(),
                    count: 1,
                },
                RoleSlot {
                    name: "healer".into(),
                    count: 1,
                },
                RoleSlot {
                    name: "damage".into(),
                    count: 1,
                },
            ];
        }
        2 => {
            c.teams = 4;
            c.min_teams = 4;
            c.team_size = 1;
            c.max_party_size = 1;
        }
        _ => {
            c.teams = 6;
            c.min_teams = 3;
            c.team_size = 3;
            c.max_party_size = 3;
            c.separation = Separation::Team;
        }
    }
    c
}

/// Runs the calls; returns every outcome, after checking the invariants on the way.
fn run(shape: u8, ops: &[Op]) -> Result<Vec<TickOutcome>, TestCaseError> {
    let c = config(shape);
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c.clone()).unwrap();
    let mut now = 0u64;
    let mut submitted: HashMap<TicketId, Submitted> = HashMap::new();
    let mut order: Vec<TicketId> = Vec::new();
    let mut cancelled: HashSet<TicketId> = HashSet::new();
    let mut finished: HashSet<TicketId> = HashSet::new();
    let mut outcomes = Vec::new();
    let mut backfills: HashMap<BackfillId, BackfillRequest> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Enqueue {
                party,
                eu_ms,
                us_ms,
                roles,
                preferred,
                avoid,
            } => {
                let party: Vec<f64> = party
                    .iter()
                    .take(usize::from(c.max_party_size))
                    .copied()
                    .collect();
                let mut t = ticket(i as u128, &party);
                t.avoid = players(avoid);
                t.latencies = vec![
                    RegionLatency {
                        region: region("eu"),
                        ms: *eu_ms,
                    },
                    RegionLatency {
                        region: region("us"),
                        ms: *us_ms,
                    },
                ];
                if !c.roles.is_empty() {
                    let accepted: Vec<u8> = (0..3).filter(|r| roles & (1 << r) != 0).collect();
                    let pref = preferred.filter(|p| accepted.contains(p));
                    t = with_roles(t, &accepted, pref);
                }
                let before = mm.len();
                if let Err(e) = mm.enqueue(t.clone(), Millis(now)) {
                    // A party whose roles cannot share one team is refused, changing nothing.
                    prop_assert_eq!(e, TicketError::PartyRolesDoNotFit);
                    prop_assert_eq!(mm.len(), before);
                    continue;
                }
                prop_assert_eq!(mm.len(), before + 1);
                submitted.insert(
                    t.id,
                    Submitted {
                        ticket: t.clone(),
                        enqueued: Millis(now),
                    },
                );
                order.push(t.id);
                // The same ticket again is refused and changes nothing.
                prop_assert!(mm.enqueue(t, Millis(now)).is_err());
                prop_assert_eq!(mm.len(), before + 1);
            }
            Op::Cancel(k) => {
                if let Some(&id) = order.get(k % order.len().max(1)) {
                    let queued = mm.is_queued(id);
                    prop_assert_eq!(mm.cancel(id), queued);
                    if queued {
                        cancelled.insert(id);
                        finished.insert(id);
                    }
                }
            }
            Op::Backfill { slots, mu, avoid } => {
                let slots = (*slots).min(c.team_size);
                let have = usize::from(c.team_size - slots);
                let roles: Vec<RoleId> = if c.roles.is_empty() {
                    Vec::new()
                } else {
                    (0..slots).map(|r| RoleId(r as u8)).collect()
                };
                let request = BackfillRequest {
                    id: BackfillId(i as u128),
                    mode: mode(),
                    region: region("eu"),
                    team: 1,
                    slots,
                    roles,
                    teams: vec![
                        vec![Rating::new(*mu, 3.0); usize::from(c.team_size)],
                        vec![Rating::new(*mu, 3.0); have],
                    ],
                    avoid: players(avoid),
                };
                mm.request_backfill(request.clone(), Millis(now)).unwrap();
                backfills.insert(request.id, request);
            }
            Op::Tick(dt) => {
                now += dt;
                let out = mm.tick(Millis(now));
                for fill in &out.backfills {
                    let request = backfills.remove(&fill.request);
                    prop_assert!(request.is_some(), "a backfill was served twice");
                    let request = request.unwrap();
                    prop_assert_eq!(fill.players.len(), usize::from(request.slots));
                    let mut given: Vec<_> = fill.players.iter().filter_map(|p| p.role).collect();
                    let mut asked = request.roles.clone();
                    given.sort();
                    asked.sort();
                    prop_assert_eq!(given, asked, "backfill roles are not the ones asked for");
                    for p in &fill.players {
                        prop_assert!(
                            !request.avoid.contains(&p.player),
                            "backfilled a player it avoids"
                        );
                        let own = &submitted[&p.ticket].ticket.avoid;
                        prop_assert!(
                            fill.players
                                .iter()
                                .all(|q| q.ticket == p.ticket || !own.contains(&q.player)),
                            "backfilled two players kept apart into one team"
                        );
                    }
                    for &id in &fill.tickets {
                        prop_assert!(!cancelled.contains(&id), "cancelled ticket backfilled");
                        prop_assert!(finished.insert(id), "ticket in two outcomes");
                        let s = &submitted[&id];
                        let eu = s
                            .ticket
                            .latencies
                            .iter()
                            .find(|l| l.region == region("eu"))
                            .unwrap();
                        prop_assert!(f64::from(eu.ms) <= c.latency_ms.at(now - s.enqueued.0));
                    }
                }
                for m in &out.matches {
                    let violations = audit(&c, &submitted, m);
                    prop_assert!(violations.is_empty(), "{:?} in {:#?}", violations, m);
                    for id in m.tickets() {
                        prop_assert!(!cancelled.contains(&id), "cancelled ticket matched");
                        prop_assert!(finished.insert(id), "ticket in two outcomes");
                    }
                }
                for t in &out.timed_out {
                    prop_assert!(finished.insert(t.ticket), "ticket in two outcomes");
                    prop_assert!(t.waited_ms >= c.max_wait_ms);
                }
                outcomes.push(out);
            }
        }
    }
    Ok(outcomes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_match_respects_the_rules_and_no_ticket_is_used_twice(
        shape in 0u8..4,
        ops in prop::collection::vec(op(), 1..160),
    ) {
        run(shape, &ops)?;
    }

    #[test]
    fn the_same_calls_give_the_same_outcomes(
        shape in 0u8..4,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let first = run(shape, &ops)?;
        let second = run(shape, &ops)?;
        prop_assert_eq!(first, second);
    }
}

#[test]
fn every_queue_shape_used_above_can_make_matches_and_serve_backfills() {
    for shape in 0..4u8 {
        let mut ops: Vec<Op> = (0..40)
            .map(|i| Op::Enqueue {
                party: vec![25.0 + f64::from(i % 7) * 0.1],
                eu_ms: 20,
                us_ms: 80,
                roles: 0b111,
                preferred: Some((i % 3) as u8),
                avoid: Vec::new(),
            })
            .collect();
        ops.insert(
            0,
            Op::Backfill {
                slots: 1,
                mu: 25.0,
                avoid: Vec::new(),
            },
        );
        ops.push(Op::Tick(1_000));
        let outcomes = run(shape, &ops).unwrap();
        assert!(
            outcomes.iter().any(|o| !o.matches.is_empty()),
            "shape {shape} made no match"
        );
        assert!(
            outcomes.iter().any(|o| !o.backfills.is_empty()),
            "shape {shape} served no backfill"
        );
    }
}
