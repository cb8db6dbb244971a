//! Deterministic scenarios of the matchmaker's public surface.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use rally_engine::{
    BackfillId, BackfillRequest, Matchmaker, Millis, Mode, QueueConfig, Rating, Relaxation,
    RoleSlot, Ticket, TicketError, TicketId, Widening,
    invariant::{Submitted, audit},
};
use support::{config, mode, region, ticket, with_roles};

fn matchmaker() -> Matchmaker {
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), config()).unwrap();
    mm
}

#[test]
fn ten_close_solo_players_make_one_even_five_versus_five() {
    let mut mm = matchmaker();
    let mut submitted = HashMap::new();
    for i in 0..10u128 {
        let t = ticket(i, &[25.0 + (i % 5) as f64 * 0.2]);
        submitted.insert(
            t.id,
            Submitted {
                ticket: t.clone(),
                enqueued: Millis(0),
            },
        );
        mm.enqueue(t, Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1, "{out:#?}");
    let m = &out.matches[0];
    assert_eq!(
        m.teams().map(|t| t.players.len()).collect::<Vec<_>>(),
        vec![5, 5]
    );
    assert!(
        (m.win_probabilities[0] - 0.5).abs() < 0.02,
        "{:?}",
        m.win_probabilities
    );
    assert!(
        audit(&config(), &submitted, m).is_empty(),
        "{:?}",
        audit(&config(), &submitted, m)
    );
    assert!(mm.is_empty());
}

#[test]
fn nine_players_wait_and_the_tenth_completes_the_match() {
    let mut mm = matchmaker();
    for i in 0..9u128 {
        mm.enqueue(ticket(i, &[25.0]), Millis(0)).unwrap();
    }
    assert!(mm.tick(Millis(0)).matches.is_empty());
    assert_eq!(mm.len(), 9);
    mm.enqueue(ticket(9, &[25.0]), Millis(1_000)).unwrap();
    let out = mm.tick(Millis(1_000));
    assert_eq!(out.matches.len(), 1);
    assert_eq!(
        out.matches[0].anchor,
        TicketId(0),
        "the oldest ticket anchors"
    );
}

#[test]
fn invalid_tickets_are_refused_and_leave_the_state_unchanged() {
    let mut mm = matchmaker();
    mm.enqueue(ticket(1, &[25.0]), Millis(0)).unwrap();
    let mut unknown_mode = ticket(2, &[25.0]);
    unknown_mode.mode = Mode::new("casual").unwrap();
    assert!(matches!(
        mm.enqueue(unknown_mode, Millis(0)),
        Err(TicketError::UnknownMode(_))
    ));
    assert_eq!(
        mm.enqueue(ticket(1, &[25.0]), Millis(0)),
        Err(TicketError::DuplicateTicket(TicketId(1)))
    );
    let mut same_player = ticket(3, &[25.0]);
    same_player.members[0].player = ticket(1, &[25.0]).members[0].player;
    assert!(matches!(
        mm.enqueue(same_player, Millis(0)),
        Err(TicketError::DuplicatePlayer(_))
    ));
    assert!(matches!(
        mm.enqueue(ticket(4, &[25.0; 6]), Millis(0)),
        Err(TicketError::PartyTooBig { .. })
    ));
    let mut far = ticket(5, &[25.0]);
    far.latencies = vec![rally_engine::RegionLatency {
        region: region("ap"),
        ms: 10,
    }];
    assert!(matches!(
        mm.enqueue(far, Millis(0)),
        Err(TicketError::UnknownRegion(_))
    ));
    let mut nowhere = ticket(6, &[25.0]);
    nowhere.latencies.clear();
    assert_eq!(mm.enqueue(nowhere, Millis(0)), Err(TicketError::NoRegion));
    let mut bad_rating = ticket(7, &[25.0]);
    bad_rating.members[0].rating = Rating::new(f64::NAN, 1.0);
    assert!(matches!(
        mm.enqueue(bad_rating, Millis(0)),
        Err(TicketError::InvalidRating(_))
    ));
    assert_eq!(mm.len(), 1);
    // The refused tickets' players are still free to queue.
    mm.enqueue(ticket(5, &[25.0]), Millis(0)).unwrap();
    assert_eq!(mm.len(), 2);
}

#[test]
fn a_cancelled_ticket_is_never_matched() {
    let mut mm = matchmaker();
    for i in 0..10u128 {
        mm.enqueue(ticket(i, &[25.0]), Millis(0)).unwrap();
    }
    assert!(mm.cancel(TicketId(3)));
    assert!(!mm.cancel(TicketId(3)));
    assert!(mm.tick(Millis(0)).matches.is_empty());
    mm.enqueue(ticket(3, &[25.0]), Millis(10)).unwrap();
    assert_eq!(mm.tick(Millis(10)).matches.len(), 1);
}

#[test]
fn parties_stay_whole_and_premades_are_spread_over_both_teams() {
    let mut mm = matchmaker();
    mm.enqueue(ticket(1, &[25.0, 25.0, 25.0]), Millis(0))
        .unwrap();
    mm.enqueue(ticket(2, &[25.0, 25.0, 25.0]), Millis(0))
        .unwrap();
    mm.enqueue(ticket(3, &[25.0, 25.0]), Millis(0)).unwrap();
    mm.enqueue(ticket(4, &[25.0, 25.0]), Millis(0)).unwrap();
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    for team in out.matches[0].teams() {
        assert_eq!(
            team.tickets().count(),
            2,
            "one trio and one duo per team: {team:?}"
        );
    }
}

#[test]
fn tickets_time_out_after_their_maximum_wait() {
    let mut mm = matchmaker();
    mm.enqueue(ticket(1, &[25.0]), Millis(0)).unwrap();
    let max_wait = config().max_wait_ms;
    assert!(mm.tick(Millis(max_wait - 1)).timed_out.is_empty());
    let out = mm.tick(Millis(max_wait));
    assert_eq!(out.timed_out.len(), 1);
    assert_eq!(out.timed_out[0].ticket, TicketId(1));
    assert!(mm.is_empty());
}

#[test]
fn a_far_rating_joins_only_after_the_band_has_widened() {
    let mut mm = matchmaker();
    for i in 0..9u128 {
        mm.enqueue(ticket(i, &[25.0]), Millis(0)).unwrap();
    }
    mm.enqueue(ticket(9, &[31.0]), Millis(0)).unwrap();
    assert!(mm.tick(Millis(0)).matches.is_empty());
    let mut t = 0;
    let made_at = loop {
        t += 1_000;
        if !mm.tick(Millis(t)).matches.is_empty() {
            break t;
        }
        assert!(t < 120_000, "never matched");
    };
    let c = config();
    assert!(
        c.rating_band.at(made_at) >= 6.0,
        "matched at {made_at} ms with a narrow band"
    );
}

#[test]
fn backfill_is_served_before_new_matches() {
    let mut mm = matchmaker();
    let request = BackfillRequest {
        id: BackfillId(7),
        mode: mode(),
        region: region("eu"),
        team: 1,
        slots: 1,
        roles: Vec::new(),
        teams: vec![
            vec![Rating::new(25.0, 3.0); 5],
            vec![Rating::new(25.0, 3.0); 4],
        ],
        avoid: Vec::new(),
    };
    mm.request_backfill(request, Millis(0)).unwrap();
    for i in 0..10u128 {
        mm.enqueue(ticket(i, &[25.0]), Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.backfills.len(), 1);
    assert_eq!(out.backfills[0].players.len(), 1);
    assert!(out.matches.is_empty(), "only nine remain");
    assert!(!mm.cancel_backfill(BackfillId(7)));
}

#[test]
fn role_queues_fill_every_role_exactly() {
    let mut c = config();
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
            count: 3,
        },
    ];
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c.clone()).unwrap();
    let mut submitted = HashMap::new();
    let specs: [(&[u8], Option<u8>); 10] = [
        (&[0], Some(0)),
        (&[0, 2], Some(0)),
        (&[1], Some(1)),
        (&[1, 2], Some(2)),
        (&[2], Some(2)),
        (&[2], Some(2)),
        (&[2], Some(2)),
        (&[2], Some(2)),
        (&[0, 1, 2], None),
        (&[2], Some(2)),
    ];
    for (i, (roles, pref)) in specs.iter().enumerate() {
        let t = with_roles(ticket(i as u128, &[25.0]), roles, *pref);
        submitted.insert(
            t.id,
            Submitted {
                ticket: t.clone(),
                enqueued: Millis(0),
            },
        );
        mm.enqueue(t, Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    assert!(audit(&c, &submitted, &out.matches[0]).is_empty());
}

#[test]
fn a_ticket_falls_back_to_its_second_region_after_waiting() {
    let mut mm = matchmaker();
    let mut lonely = ticket(100, &[25.0]);
    lonely.latencies[1].ms = 50;
    mm.enqueue(lonely, Millis(0)).unwrap();
    for i in 0..9u128 {
        let mut t = ticket(i, &[25.0]);
        t.latencies[0].ms = 110;
        t.latencies[1].ms = 20;
        mm.enqueue(t, Millis(0)).unwrap();
    }
    let after = config().region_fallback_after_ms.unwrap();
    let mut t = 0;
    let m = loop {
        t += 1_000;
        if let Some(m) = mm.tick(Millis(t)).matches.pop() {
            break m;
        }
        assert!(t < 200_000, "never matched");
    };
    assert_eq!(m.region, region("us"));
    assert!(t >= after);
}

#[test]
fn a_large_match_starts_with_its_minimum_when_fewer_players_wait() {
    let mut c = config();
    c.teams = 25;
    c.min_teams = 15;
    c.team_size = 4;
    c.max_party_size = 4;
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c.clone()).unwrap();
    let mut submitted = HashMap::new();
    for i in 0..70u128 {
        let t = if i % 10 == 0 {
            ticket(i, &[25.0 + (i % 3) as f64 * 0.3; 2])
        } else {
            ticket(i, &[25.0 + (i % 7) as f64 * 0.2])
        };
        submitted.insert(
            t.id,
            Submitted {
                ticket: t.clone(),
                enqueued: Millis(0),
            },
        );
        mm.enqueue(t, Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    let m = &out.matches[0];
    assert!(
        (15..=25).contains(&m.team_count()),
        "{} teams",
        m.team_count()
    );
    assert!(
        audit(&c, &submitted, m).is_empty(),
        "{:?}",
        audit(&c, &submitted, m)
    );
    let sums: Vec<f64> = m
        .teams()
        .map(|t| t.players.iter().map(|p| p.rating.mu).sum())
        .collect();
    let spread = sums.iter().copied().fold(f64::MIN, f64::max)
        - sums.iter().copied().fold(f64::MAX, f64::min);
    assert!(spread < 1.0, "team strengths spread by {spread}");
}

#[test]
fn a_free_for_all_puts_every_player_in_a_team_of_one() {
    let mut c = config();
    c.teams = 8;
    c.min_teams = 8;
    c.team_size = 1;
    c.max_party_size = 1;
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c).unwrap();
    for i in 0..8u128 {
        mm.enqueue(ticket(i, &[25.0 + i as f64 * 0.1]), Millis(0))
            .unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1);
    assert!(out.matches[0].teams().all(|t| t.players.len() == 1));
    assert!((out.matches[0].win_probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
}

#[test]
fn bad_queue_configurations_are_refused_when_the_queue_is_added() {
    let mut mm = Matchmaker::new();
    let mut c = config();
    c.rating_band.step = -1.0;
    let err = mm.add_queue(mode(), c).unwrap_err();
    assert_eq!(err.field, "rating_band");
    assert!(err.to_string().contains("shrink"), "{err}");
    mm.add_queue(mode(), config()).unwrap();
    assert_eq!(mm.add_queue(mode(), config()).unwrap_err().field, "mode");
}

#[test]
fn a_party_whose_roles_cannot_share_a_team_is_refused() {
    let mut c = config();
    c.roles = vec![
        RoleSlot {
            name: "tank".into(),
            count: 1,
        },
        RoleSlot {
            name: "damage".into(),
            count: 4,
        },
    ];
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c).unwrap();
    let two_tanks = with_roles(ticket(1, &[25.0, 25.0]), &[0], Some(0));
    assert_eq!(
        mm.enqueue(two_tanks, Millis(0)),
        Err(TicketError::PartyRolesDoNotFit)
    );
    let unknown = with_roles(ticket(2, &[25.0]), &[5], None);
    assert!(matches!(
        mm.enqueue(unknown, Millis(0)),
        Err(TicketError::UnknownRole(_))
    ));
    assert!(mm.is_empty());
}

#[test]
fn a_tick_works_on_arrivals_and_widening_not_on_the_whole_backlog() {
    let mut mm = matchmaker();
    // 2,000 tickets too far apart in rating to ever match one another.
    for i in 0..2_000u128 {
        mm.enqueue(ticket(i, &[100.0 * i as f64]), Millis(0))
            .unwrap();
    }
    assert_eq!(
        mm.tick(Millis(0)).anchors_tried,
        2_000,
        "each arrival is tried once"
    );
    // While limits widen, tickets are retried at their steps; once every limit is at its
    // maximum (by 100 s with the default config), an idle tick tries nothing.
    let mut retried = 0;
    for s in 1..=200u64 {
        retried += mm.tick(Millis(s * 1_000)).anchors_tried;
    }
    assert!(retried > 0);
    assert_eq!(mm.tick(Millis(201_000)).anchors_tried, 0);
    // One arrival next to a waiting ticket: it and at most a few neighbours are tried.
    mm.enqueue(ticket(9_999, &[100.0 * 7.0 + 0.5]), Millis(202_000))
        .unwrap();
    let out = mm.tick(Millis(202_000));
    assert!(
        out.anchors_tried >= 1 && out.anchors_tried <= 5,
        "{}",
        out.anchors_tried
    );
    assert_eq!(mm.len(), 2_001);
}

/// A duel queue in "eu" whose band widens by 50 every 5 s, with a fixed quality floor.
fn duel_with_floor(floor: f64) -> QueueConfig {
    let mut c = QueueConfig::duel(vec![region("eu")]);
    c.min_quality = Relaxation {
        start: floor,
        step: 0.0,
        every_ms: 0,
        floor,
    };
    c.latency_ms = Widening::fixed(500.0);
    c.region_fallback_after_ms = None;
    c
}

fn duel_ticket(id: u128, mu: f64) -> Ticket {
    let mut t = ticket(id, &[mu]);
    t.latencies.truncate(1);
    t
}

#[test]
fn a_search_that_fell_short_of_the_floor_with_its_picks_complete_is_not_repeated_as_the_band_widens()
 {
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), duel_with_floor(0.9999)).unwrap();
    mm.enqueue(duel_ticket(1, 25.0), Millis(0)).unwrap();
    mm.enqueue(duel_ticket(2, 25.0), Millis(0)).unwrap();
    let first = mm.tick(Millis(0));
    assert_eq!((first.anchors_tried, first.matches.len()), (2, 0));
    // The band widens every 5 s for 50 s; each would find the same opponent again.
    let retried: usize = (1..=60u64)
        .map(|s| mm.tick(Millis(s * 1_000)).anchors_tried)
        .sum();
    assert_eq!(retried, 0, "the same walk finds the same ticket");
    assert_eq!(mm.len(), 2);
}

#[test]
fn a_search_the_band_stopped_is_repeated_as_the_band_widens_and_matches_once_it_reaches() {
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), duel_with_floor(0.0)).unwrap();
    // 180 apart: beyond the first band (100), within the third (200, at 10 s).
    mm.enqueue(duel_ticket(1, 1_000.0), Millis(0)).unwrap();
    mm.enqueue(duel_ticket(2, 1_180.0), Millis(0)).unwrap();
    assert!(mm.tick(Millis(0)).matches.is_empty());
    assert!(
        mm.tick(Millis(5_000)).matches.is_empty(),
        "150 is not yet 180"
    );
    let out = mm.tick(Millis(10_000));
    assert_eq!(out.matches.len(), 1, "{out:#?}");
    assert!(mm.is_empty());
}

#[test]
fn a_ticket_alone_in_its_bucket_is_not_searched_again_as_its_band_widens() {
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), duel_with_floor(0.0)).unwrap();
    mm.enqueue(duel_ticket(1, 1_000.0), Millis(0)).unwrap();
    assert_eq!(mm.tick(Millis(0)).anchors_tried, 1);
    let retried: usize = (1..=60u64)
        .map(|s| mm.tick(Millis(s * 1_000)).anchors_tried)
        .sum();
    assert_eq!(retried, 0, "no ticket lies beyond the band to be reached");
    // An arrival wakes it: the two match.
    mm.enqueue(duel_ticket(2, 1_050.0), Millis(61_000)).unwrap();
    assert_eq!(mm.tick(Millis(61_000)).matches.len(), 1);
}

#[test]
fn tickets_queued_in_the_same_millisecond_are_tried_from_the_lowest_rating_up() {
    // Queued highest first; in queueing order the 1,100 would anchor first and take the
    // 1,050, leaving the 1,000 alone. Tried from the lowest rating up, the 1,000 anchors.
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), duel_with_floor(0.0)).unwrap();
    for (id, mu) in [(1u128, 1_100.0), (2, 1_000.0), (3, 1_050.0)] {
        mm.enqueue(duel_ticket(id, mu), Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 1, "{out:#?}");
    assert_eq!(out.matches[0].anchor, TicketId(2));
    assert!(mm.is_queued(TicketId(1)));
    // An older ticket still anchors before younger ones, whatever their ratings.
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), duel_with_floor(0.0)).unwrap();
    mm.enqueue(duel_ticket(1, 1_100.0), Millis(0)).unwrap();
    mm.enqueue(duel_ticket(2, 1_000.0), Millis(1)).unwrap();
    mm.enqueue(duel_ticket(3, 1_050.0), Millis(1)).unwrap();
    let out = mm.tick(Millis(1));
    assert_eq!(out.matches[0].anchor, TicketId(1));
    assert!(mm.is_queued(TicketId(2)));
}

#[test]
fn an_elo_duel_queue_pairs_the_closest_ratings() {
    let mut c = config();
    c.team_size = 1;
    c.max_party_size = 1;
    c.rating_system = rally_engine::RatingSystem::Elo;
    c.rating_band = Widening {
        start: 50.0,
        step: 25.0,
        every_ms: 5_000,
        max: 400.0,
    };
    let mut mm = Matchmaker::new();
    mm.add_queue(mode(), c).unwrap();
    for (i, mu) in [(1u128, 1000.0), (2, 1500.0), (3, 1020.0), (4, 1480.0)] {
        mm.enqueue(ticket(i, &[mu]), Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 2);
    for m in &out.matches {
        let mut ids: Vec<u128> = m.tickets().map(|t| t.0).collect();
        ids.sort();
        assert!(ids == vec![1, 3] || ids == vec![2, 4], "{ids:?}");
        assert!((m.win_probabilities[0] - 0.5).abs() < 0.05);
    }
}

#[test]
fn after_a_burst_is_matched_the_tickets_left_stay_queued_and_the_matched_may_queue_again() {
    // 1,000 duellists at once, 10 of them far from everyone: the tick matches most of the
    // matchmaker, which then indexes the few left again rather than remove the rest.
    let mut mm = Matchmaker::new();
    let mut duel = QueueConfig::duel(vec![region("eu"), region("us")]);
    duel.rating_band = Widening::fixed(50.0);
    mm.add_queue(mode(), duel).unwrap();
    let lonely: Vec<u128> = (0..10).map(|i| 990 + i).collect();
    for i in 0..1_000u128 {
        let mu = if lonely.contains(&i) {
            10_000.0 * (i - 989) as f64
        } else {
            1_500.0 + (i % 50) as f64
        };
        mm.enqueue(ticket(i, &[mu]), Millis(0)).unwrap();
    }
    let out = mm.tick(Millis(0));
    assert_eq!(out.matches.len(), 495, "every close player is matched");
    assert_eq!(mm.len(), 10);
    for &i in &lonely {
        assert!(mm.is_queued(TicketId(i)), "ticket {i} is still queued");
        assert_eq!(
            mm.enqueue(ticket(2_000 + i, &[1.0]), Millis(0)),
            Ok(()),
            "another ticket with other players is accepted"
        );
    }
    let matched = out.matches[0].players().next().unwrap().ticket;
    assert!(!mm.is_queued(matched));
    assert!(!mm.cancel(matched), "a matched ticket is not cancelled");
    let again = ticket(matched.0, &[1_500.0]);
    assert_eq!(
        mm.enqueue(again, Millis(1_000)),
        Ok(()),
        "its player queues again"
    );
    let still_queued = ticket(lonely[0], &[1.0]).members[0].player;
    let mut clash = ticket(5_000, &[1.0]);
    clash.members[0].player = still_queued;
    assert_eq!(
        mm.enqueue(clash, Millis(1_000)),
        Err(TicketError::DuplicatePlayer(still_queued)),
        "a player still queued can't queue twice"
    );
    assert!(mm.cancel(TicketId(lonely[0])));
}
