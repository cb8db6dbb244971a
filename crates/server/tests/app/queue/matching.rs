//! Tickets become matches: both players are told, the tickets and the match are stored, and a
//! player in a match cannot queue again.

use rally_clock::ManualClock;
use rally_store::{NewTicket, TicketState, new_id};
use serde_json::json;

use super::{duel, queue, ticket, with};
use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::{spawn_app, spawn_app_on};
use crate::party::player;

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
    manual.advance(std::time::Duration::from_millis(200));
    let status = socket.next_of("queue.status").await;
    assert_eq!(status["data"]["mode"], "lonely");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "searching");
    manual.advance(std::time::Duration::from_millis(1_400));
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
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "cancelled");
}
