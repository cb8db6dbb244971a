//! A small population played on a virtual clock: 20 simulated minutes in well under a second
//! of debug build time. Checks every match with the audit and that the queue keeps moving.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, HashMap};

use rally_engine::{
    Matchmaker, Member, Millis, PlayerId, Rating, RegionLatency, Ticket, TicketId,
    invariant::{Submitted, audit},
    rating::update,
};
use support::{config, mode, region};

/// xorshift64*: a tiny deterministic generator, so the test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn a_population_on_a_virtual_clock_keeps_matching_within_the_rules() {
    let c = config();
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c.clone()).unwrap();
    let mut rng = Rng(0x5EED);
    let groups: Vec<Vec<u128>> = (0..120u128)
        .map(|g| {
            if g % 6 == 0 {
                vec![g * 10, g * 10 + 1]
            } else {
                vec![g * 10]
            }
        })
        .collect();
    let mut skill: HashMap<u128, f64> = HashMap::new();
    let mut rating: HashMap<u128, Rating> = HashMap::new();
    let mut home: Vec<bool> = Vec::new();
    for g in &groups {
        home.push(rng.next() < 0.6);
        for &p in g {
            skill.insert(p, 25.0 + 10.0 * (rng.next() - 0.5));
            rating.insert(p, c.rating_system.initial());
        }
    }
    // When each group next arrives (ms); None while playing.
    let mut arrivals: BTreeMap<(u64, usize), ()> = (0..groups.len())
        .map(|g| (((rng.next() * 30_000.0) as u64, g), ()))
        .collect();
    let mut submitted: HashMap<TicketId, Submitted> = HashMap::new();
    let mut owner: HashMap<TicketId, usize> = HashMap::new();
    let (mut next_id, mut matches, mut timeouts) = (0u128, 0usize, 0usize);
    for second in 0..1_200u64 {
        let now = second * 1_000;
        while let Some((&(at, g), _)) = arrivals.first_key_value() {
            if at > now {
                break;
            }
            arrivals.remove(&(at, g));
            let (near, far) = if home[g] { ("eu", "us") } else { ("us", "eu") };
            let t = Ticket {
                id: TicketId(next_id),
                mode: mode(),
                members: groups[g]
                    .iter()
                    .map(|&p| Member::new(PlayerId(p), rating[&p]))
                    .collect(),
                latencies: vec![
                    RegionLatency {
                        region: region(near),
                        ms: 20 + (rng.next() * 40.0) as u16,
                    },
                    RegionLatency {
                        region: region(far),
                        ms: 80 + (rng.next() * 40.0) as u16,
                    },
                ],
                avoid: Vec::new(),
            };
            next_id += 1;
            submitted.insert(
                t.id,
                Submitted {
                    ticket: t.clone(),
                    enqueued: Millis(at),
                },
            );
            owner.insert(t.id, g);
            mm.enqueue(t, Millis(at)).unwrap();
        }
        let out = mm.tick(Millis(now));
        for m in &out.matches {
            assert!(
                audit(&c, &submitted, m).is_empty(),
                "{:?}",
                audit(&c, &submitted, m)
            );
            matches += 1;
            let teams: Vec<Vec<Rating>> = m
                .teams()
                .map(|t| t.players.iter().map(|p| rating[&p.player.0]).collect())
                .collect();
            let strength: Vec<f64> = m
                .teams()
                .map(|t| t.players.iter().map(|p| skill[&p.player.0]).sum())
                .collect();
            let ranks = if strength[0] >= strength[1] {
                [0, 1]
            } else {
                [1, 0]
            };
            for (team, new) in m.teams().zip(update(c.rating_system, &teams, &ranks)) {
                for (p, r) in team.players.iter().zip(new) {
                    rating.insert(p.player.0, r);
                }
            }
            for id in m.tickets() {
                let g = owner.remove(&id).unwrap();
                arrivals.insert((now + 60_000 + (rng.next() * 60_000.0) as u64, g), ());
            }
        }
        for t in &out.timed_out {
            timeouts += 1;
            let g = owner.remove(&t.ticket).unwrap();
            arrivals.insert((now + 1_000, g), ());
        }
    }
    assert!(matches >= 150, "only {matches} matches in 20 minutes");
    assert!(
        timeouts * 20 < next_id as usize,
        "{timeouts} of {next_id} tickets timed out"
    );
}
