//! Tickets become matches: both players are told, the tickets and the match are stored, and a
//! player in a match cannot queue again.

use std::time::Duration;

use rally_clock::ManualClock;
use rally_events::Stream;
use rally_protocol::event::Event;
use rally_server::matchmaking::spec::TicketSpec;
use rally_server::roles::matchmaker::MatchmakerRole;
use rally_store::{NewTicket, TicketState, Timestamp, new_id};
use serde_json::json;

use super::{duel, queue, ticket, with};
use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::{TestApp, first_event_on, spawn_app, spawn_app_on};
use crate::party::{Player, player};

#[tokio::test]
async fn two_duellists_are_matched_and_each_told_with_the_teams() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    let first = queue(&app, &ada, duel(25)).await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.json()["state"], "searching");
    let joined = ada_socket.next_of("queue.joined").await;
    assert_eq!(joined["data"]["id"], first.json()["id"]);
    assert_eq!(queue(&app, &bob, duel(40)).await.status, 201);

    let found = ada_socket.next_of("match.found").await;
    let data = &found["data"];
    assert_eq!(data["mode"], "duel");
    assert_eq!(data["region"], "eu");
    let teams = data["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 2);
    let names: Vec<&str> = teams
        .iter()
        .flat_map(|t| t.as_array().unwrap())
        .map(|p| p["display_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ada") && names.contains(&"bob"),
        "{names:?}"
    );
    assert!(data["quality"].as_f64().unwrap() > 0.0);
    let bob_found = bob_socket.next_of("match.found").await;
    assert_eq!(bob_found["data"]["match_id"], data["match_id"]);

    let mine = ticket(&app, &ada).await.json();
    assert_eq!(mine["state"], "matched");
    assert_eq!(mine["match_id"], data["match_id"]);
    assert_eq!(
        problem(&queue(&app, &ada, duel(25)).await),
        (409, "in_match".to_owned())
    );

    let store = &app.state().backends().store;
    let match_id: uuid::Uuid = data["match_id"].as_str().unwrap().parse().unwrap();
    let participants = store.match_participants(match_id).await.unwrap();
    assert_eq!(participants.len(), 2);
}

#[tokio::test]
async fn a_ticket_that_waits_too_long_times_out_and_its_player_is_told() {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(manual.clock(), &with(&[(
        "queues",
        "{lonely={team_size=1,max_party_size=1,min_teams=2,teams=2,rating_system=Glicko2,max_wait_ms=1500,tick_interval_ms=200}}",
    )]))
    .await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut socket, _) = connect_hello(addr, &ada.token, "").await;
    let answer = queue(
        &app,
        &ada,
        json!({"mode": "lonely", "regions": [{"region": "eu", "latency_ms": 20}]}),
    )
    .await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    // A round admits the ticket and reports its wait; its time is not up yet.
    manual.advance(Duration::from_millis(200));
    let status = socket.next_of("queue.status").await;
    assert_eq!(status["data"]["mode"], "lonely");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "searching");
    manual.advance(Duration::from_millis(1_400));
    let cancelled = socket.next_of("queue.cancelled").await;
    assert_eq!(cancelled["data"]["reason"], "timed_out");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "timed_out");
}

#[tokio::test]
async fn a_ticket_the_queue_can_no_longer_take_ends_and_its_player_is_told() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut socket, _) = connect_hello(addr, &ada.token, "").await;
    // A ticket stored under an older definition of the queue, which this one cannot read.
    let store = &app.state().backends().store;
    let ada_id: uuid::Uuid = ada.id.parse().unwrap();
    let stale = new_id();
    let mut tx = store.begin().await.unwrap();
    tx.create_ticket(&NewTicket {
        id: stale,
        owner_id: ada_id,
        party_id: None,
        mode: "duel".into(),
        region: "eu".into(),
        latencies: json!({"eu": 20}),
        spec: json!({"from": "an older queue"}),
        members: vec![ada_id],
        // Made before this node loaded its queue definitions.
        created_at: store.now().plus(time::Duration::minutes(-1)),
    })
    .await
    .unwrap();
    // Touched now, as a ticket put back in the queue is, so the matchmaker reads it next round.
    tx.set_ticket_state(
        stale,
        TicketState::Searching,
        TicketState::Searching,
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let cancelled = socket.next_of("queue.cancelled").await;
    assert_eq!(cancelled["data"]["reason"], "queue_changed");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "cancelled");
    let again = queue(&app, &ada, duel(20)).await;
    assert_eq!(
        again.status,
        201,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
}

#[tokio::test]
async fn a_player_whose_socket_stays_gone_past_the_grace_leaves_the_queue() {
    let mut app = spawn_app(&with(&[("ws_resume_grace_s", "0")])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (socket, _) = connect_hello(addr, &ada.token, "").await;
    assert_eq!(
        queue(
            &app,
            &ada,
            json!({"mode": "squad", "regions": [{"region": "na", "latency_ms": 20}]})
        )
        .await
        .status,
        201
    );
    socket.cut();
    let mut state = String::new();
    for _ in 0..100 {
        let now = ticket(&app, &ada).await.json();
        state = now["state"].as_str().unwrap().to_owned();
        if state == "cancelled" {
            assert_eq!(now["cancel_reason"], "disconnected");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "cancelled");
}

/// A duel queue whose rounds come every 200 ms.
const QUICK_QUEUE: &str = "{quick={team_size=1,max_party_size=1,min_teams=2,teams=2,rating_system=Glicko2,tick_interval_ms=200}}";

/// Stores a searching ticket for `who` shaped as `like`'s, stamped `at`: a commit that lands
/// after later-stamped changes were read.
async fn stamped_ticket(app: &TestApp, who: &Player, like: &Player, at: Timestamp) {
    let store = &app.state().backends().store;
    let model = store
        .latest_ticket_of_player(like.id.parse().unwrap())
        .await
        .unwrap()
        .expect("the model ticket is stored");
    let id: uuid::Uuid = who.id.parse().unwrap();
    let mut spec: TicketSpec = serde_json::from_value(model.spec.clone()).unwrap();
    spec.members[0].player_id = id;
    let mut tx = store.begin().await.unwrap();
    tx.create_ticket(&NewTicket {
        id: new_id(),
        owner_id: id,
        party_id: None,
        mode: model.mode,
        region: model.region,
        latencies: model.latencies,
        spec: serde_json::to_value(spec).unwrap(),
        members: vec![id],
        created_at: at,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Queues `ada` in the quick queue, lets a round read her ticket (so the matchmaker's cursor
/// is at its stamp), stores `bob`'s ticket stamped `before` earlier, then advances the clock
/// by `for_s` seconds a round at a time: both must be matched.
async fn a_late_ticket_is_matched_within(before: Duration, for_s: u64) {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(manual.clock(), &with(&[("queues", QUICK_QUEUE)])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;
    let body = json!({"mode": "quick", "regions": [{"region": "eu", "latency_ms": 20}]});
    assert_eq!(queue(&app, &ada, body).await.status, 201);
    manual.advance(Duration::from_millis(200));
    ada_socket.next_of("queue.status").await;

    let stamp = app
        .state()
        .backends()
        .store
        .now()
        .plus(time::Duration::try_from(before).unwrap() * -1);
    stamped_ticket(&app, &bob, &ada, stamp).await;
    for _ in 0..for_s * 5 {
        manual.advance(Duration::from_millis(200));
        tokio::task::yield_now().await;
    }
    // The rounds run on their own task and may lag the clock (a page of the pass is applied
    // the round after it was asked for): a few more rounds, then the two must be matched.
    let mut extra = 0;
    let found = loop {
        let wait = Duration::from_millis(500);
        if let Ok(found) = tokio::time::timeout(wait, bob_socket.next_of("match.found")).await {
            break found;
        }
        extra += 1;
        assert!(
            extra <= 5,
            "bob was not matched within {for_s} s and 5 more rounds"
        );
        manual.advance(Duration::from_millis(200));
    };
    assert_eq!(found["data"]["mode"], "quick");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "matched");
}

#[tokio::test]
async fn a_ticket_committed_after_later_stamped_ones_were_read_is_matched_by_the_overlap() {
    // Stamped a second before what the cursor has read: the read of the last 5 s finds it.
    a_late_ticket_is_matched_within(Duration::from_secs(1), 6).await;
}

#[tokio::test]
async fn a_ticket_older_than_the_overlap_is_matched_by_the_pass_over_the_queue() {
    // Stamped a minute early: only the pass over the whole queue (every 30 s) finds it.
    a_late_ticket_is_matched_within(Duration::from_secs(60), 31).await;
}

#[tokio::test]
async fn a_round_s_match_created_is_on_its_stream_without_the_relay() {
    // Not served: no outbox relay runs, so only the round itself can have published.
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    assert_eq!(queue(&app, &ada, duel(25)).await.status, 201);
    assert_eq!(queue(&app, &bob, duel(40)).await.status, 201);
    let state = app.state();
    let mut role = MatchmakerRole::new(
        state.backends(),
        state.clock().clone(),
        state.queues().clone(),
        state.settings().matchmaking.clone(),
        "round-test".to_owned(),
    );
    role.round().await;

    let envelope = first_event_on(&app, Stream::MatchCreated, "round-test").await;
    let Event::MatchCreated(created) = envelope.event else {
        panic!("not a match.created: {:?}", envelope.event);
    };
    let mut players: Vec<String> = created
        .teams
        .iter()
        .flatten()
        .map(|p| p.player_id.to_string())
        .collect();
    players.sort();
    let mut expected = vec![ada.id.clone(), bob.id.clone()];
    expected.sort();
    assert_eq!(players, expected);
}

/// In a queue tuned to a target wait, a lone player's region speeds its widening up, and
/// `queue.status` reports the band the engine applies, wider than the fixed schedule's at the
/// same wait.
#[tokio::test]
async fn a_tuned_queues_status_reports_the_band_its_region_applies() {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(
        manual.clock(),
        &with(&[
            ("queue_status_interval_s", "1"),
            (
                "queues",
                "{tuned={team_size=1,max_party_size=1,min_teams=2,teams=2,rating_system=Glicko2,\
             rating_band={start=100,step=50,every_ms=5000,max=600},target_wait_ms=1000,\
             tick_interval_ms=200}}",
            ),
        ]),
    )
    .await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut socket, _) = connect_hello(addr, &ada.token, "").await;
    let body = json!({"mode": "tuned", "regions": [{"region": "eu", "latency_ms": 20}]});
    assert_eq!(queue(&app, &ada, body).await.status, 201);
    // Nobody else arrives: the region's expected wait grows past the target, and its speed
    // with it. A status a second.
    let mut last = serde_json::Value::Null;
    for _ in 0..12 {
        manual.advance(Duration::from_millis(1_000));
        last = socket.next_of("queue.status").await;
    }
    let waited = last["data"]["waited_s"].as_f64().unwrap();
    let band = last["data"]["rating_band"].as_f64().unwrap();
    // On the fixed schedule the band after `waited` seconds is 100 + 50 per 5 s.
    let fixed = 100.0 + 50.0 * (waited / 5.0).floor();
    assert!(
        waited >= 5.0 && band > fixed,
        "after {waited} s the band is {band}; the fixed schedule's is {fixed}"
    );
}
