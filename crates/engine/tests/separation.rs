//! Players who blocked one another, kept apart: out of one match by default, off one team in a
//! queue that separates them by team, and out of a running match's backfill.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use rally_engine::{
    BackfillId, BackfillRequest, Match, Matchmaker, Millis, PlayerId, QueueConfig, Rating,
    Separation, Ticket, TicketId,
    invariant::{Submitted, audit},
};
use support::{mode, region, ticket};

/// A lone player, id `id * 100`, rated `mu`, near "eu" only.
fn solo(id: u128, mu: f64) -> Ticket {
    let mut t = ticket(id, &[mu]);
    t.latencies.truncate(1);
    t
}

fn queue(config: &QueueConfig, tickets: &[Ticket]) -> (Matchmaker, HashMap<TicketId, Submitted>) {
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), config.clone()).unwrap();
    let mut submitted = HashMap::new();
    for t in tickets {
        mm.enqueue(t.clone(), Millis(0)).unwrap();
        submitted.insert(
            t.id,
            Submitted {
                ticket: t.clone(),
                enqueued: Millis(0),
            },
        );
    }
    (mm, submitted)
}

fn together(m: &Match, a: u128, b: u128) -> bool {
    let has = |id: u128| m.players.iter().any(|p| p.ticket == TicketId(id));
    has(a) && has(b)
}

#[test]
fn two_players_kept_apart_are_never_in_one_match_whichever_listed_the_other() {
    let c = QueueConfig::duel(vec![region("eu")]);
    for blocker in [1u128, 2] {
        // Ticket 2 is ticket 1's nearest opponent, ticket 3 the next.
        let mut tickets = vec![solo(1, 25.0), solo(2, 25.0), solo(3, 25.4)];
        let other = if blocker == 1 { 200 } else { 100 };
        tickets[usize::try_from(blocker - 1).unwrap()].avoid = vec![PlayerId(other)];
        let (mut mm, submitted) = queue(&c, &tickets);
        let out = mm.tick(Millis(0));
        assert_eq!(out.matches.len(), 1, "one of the two plays the third");
        let m = &out.matches[0];
        assert!(!together(m, 1, 2), "{m:#?}");
        assert!(audit(&c, &submitted, m).is_empty());
        assert_eq!(mm.len(), 1);
    }
}

#[test]
fn the_audit_names_a_match_that_puts_players_kept_apart_together() {
    let c = QueueConfig::duel(vec![region("eu")]);
    let (mut mm, mut submitted) = queue(&c, &[solo(1, 25.0), solo(2, 25.0)]);
    let m = mm.tick(Millis(0)).matches.remove(0);
    assert!(audit(&c, &submitted, &m).is_empty());
    // The same match, audited as if ticket 1 had listed ticket 2's player.
    submitted.get_mut(&TicketId(1)).unwrap().ticket.avoid = vec![PlayerId(200)];
    let rules: Vec<&str> = audit(&c, &submitted, &m).iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["players kept apart are in the same match"]);
}

/// Two teams of two, one region, every player rated alike.
fn two_vs_two(separation: Separation) -> QueueConfig {
    let mut c = QueueConfig::five_vs_five(vec![region("eu")]);
    c.team_size = 2;
    c.max_party_size = 2;
    c.separation = separation;
    c
}

#[test]
fn a_queue_that_separates_by_team_puts_them_on_opposite_sides() {
    let mut tickets: Vec<Ticket> = (1..=4).map(|i| solo(i, 25.0)).collect();
    tickets[0].avoid = vec![PlayerId(200)];
    let c = two_vs_two(Separation::Team);
    let (mut mm, submitted) = queue(&c, &tickets);
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    let m = &out.matches[0];
    let team_of = |id: u128| {
        m.players
            .iter()
            .find(|p| p.ticket == TicketId(id))
            .unwrap()
            .team
    };
    assert_ne!(team_of(1), team_of(2), "{m:#?}");
    assert!(audit(&c, &submitted, m).is_empty());
    // Kept out of the match altogether, four players make no match.
    let c = two_vs_two(Separation::Match);
    let (mut mm, _) = queue(&c, &tickets);
    assert!(mm.tick(Millis(0)).matches.is_empty());
    assert_eq!(mm.len(), 4);
}

#[test]
fn a_party_plays_with_its_own_members_whatever_their_lists_say() {
    let c = two_vs_two(Separation::Match);
    let mut party = ticket(1, &[25.0, 25.0]);
    party.latencies.truncate(1);
    party.avoid = vec![PlayerId(101)];
    let mut other = ticket(2, &[25.0, 25.0]);
    other.latencies.truncate(1);
    let (mut mm, submitted) = queue(&c, &[party, other]);
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    assert!(audit(&c, &submitted, &out.matches[0]).is_empty());
}

#[test]
fn backfill_skips_the_players_the_running_match_avoids() {
    let c = two_vs_two(Separation::Match);
    let (mut mm, _) = queue(&c, &[solo(1, 25.0), solo(2, 30.0)]);
    let request = BackfillRequest {
        id: BackfillId(9),
        mode: mode(),
        region: region("eu"),
        team: 1,
        slots: 1,
        roles: Vec::new(),
        teams: vec![
            vec![Rating::new(25.0, 3.0); 2],
            vec![Rating::new(25.0, 3.0)],
        ],
        avoid: vec![PlayerId(100)],
    };
    mm.request_backfill(request, Millis(0)).unwrap();
    // Ticket 1 is the better fit, but the match avoids its player; ticket 2 is in the band
    // once it has widened.
    let mut fill = None;
    for s in 0..60u64 {
        let out = mm.tick(Millis(s * 1_000));
        if let Some(f) = out.backfills.into_iter().next() {
            fill = Some(f);
            break;
        }
    }
    let fill = fill.expect("the request is served");
    assert_eq!(fill.tickets, vec![TicketId(2)]);
    assert!(mm.is_queued(TicketId(1)));
}
