//! The accept step of a queue with `accept_timeout_ms`: the server comes only once every player
//! accepted; a decline or the deadline cancels the match, sends the others back to the queue
//! with their wait, and puts whoever declined (or did not answer) in a queue cooldown that
//! grows with repeats.

use std::time::Duration;

use rally_clock::ManualClock;
use serde_json::json;

use super::matched_pair_on;
use crate::accounts::problem;
use crate::gateway::{Client, connect_hello};
use crate::harness::{Answer, TestApp, spawn_app_on};
use crate::party::{Player, create, join, player, post};
use crate::queue::{duel, queue, ticket, with};

/// A duel queue whose players have 20 s to accept, on `manual`.
async fn accepting_app(manual: &ManualClock) -> TestApp {
    spawn_app_on(
        manual.clock(),
        &with(&[(
            "queues",
            "{duel={team_size=1,max_party_size=1,accept_timeout_ms=20000}}",
        )]),
    )
    .await
}

async fn answer(app: &TestApp, who: &Player, match_id: &str, verb: &str) -> Answer {
    app.call(
        "POST",
        &format!("/v1/matches/{match_id}/{verb}"),
        None,
        Some(&who.token),
    )
    .await
}

fn ids(value: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_match_every_player_accepts_gets_its_server_and_each_acceptance_is_pushed() {
    let manual = ManualClock::starting_now();
    let mut app = accepting_app(&manual).await;
    let (ada, bob, mut ada_socket, mut bob_socket, match_id) =
        matched_pair_on(&mut app, Some(&manual)).await;
    let found = bob_socket.next_of("match.found").await;
    let created = found["data"]["created_at_ms"].as_i64().unwrap();
    assert_eq!(
        found["data"]["accept_deadline_ms"].as_i64(),
        Some(created + 20_000)
    );

    let first = answer(&app, &ada, &match_id, "accept").await;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.json()["state"], "pending");
    assert_eq!(ids(&first.json()["accepted_ids"]), vec![ada.id.clone()]);
    let pushed = bob_socket.next_of("match.accepted").await;
    assert_eq!(pushed["data"]["state"], "pending");
    assert_eq!(ids(&pushed["data"]["accepted_ids"]), vec![ada.id.clone()]);
    // Accepting again changes nothing, and reading the step answers the same.
    let again = answer(&app, &ada, &match_id, "accept").await;
    assert_eq!((again.status, again.json()), (200, first.json()));
    let path = format!("/v1/matches/{match_id}/acceptance");
    let read = app.call("GET", &path, None, Some(&bob.token)).await;
    assert_eq!((read.status, read.json()), (200, first.json()));
    // No session, so no server, while a player is still to accept.
    let store = &app.state().backends().store;
    let session = store.session(match_id.parse().unwrap()).await;
    assert!(
        matches!(session, Err(rally_store::StoreError::NotFound)),
        "{session:?}"
    );

    let last = answer(&app, &bob, &match_id, "accept").await;
    assert_eq!(last.json()["state"], "accepted");
    let mut both = vec![ada.id.clone(), bob.id.clone()];
    both.sort();
    assert_eq!(ids(&last.json()["accepted_ids"]), both);
    assert_eq!(ids(&last.json()["player_ids"]), both);
    let ready = ada_socket.next_of("session.ready").await;
    assert_eq!(ready["data"]["match_id"], match_id.as_str());
    bob_socket.next_of("session.ready").await;

    // The step is over: accepting answers the same, declining is refused.
    let late = answer(&app, &ada, &match_id, "accept").await;
    assert_eq!(late.json()["state"], "accepted");
    let declined = answer(&app, &bob, &match_id, "decline").await;
    assert_eq!(problem(&declined), (409, "accept_closed".to_owned()));
    assert_eq!(declined.json()["state"], "accepted");
    let cyd = player(&app, "cyd").await;
    let stranger = answer(&app, &cyd, &match_id, "accept").await;
    assert_eq!(problem(&stranger), (403, "not_participant".to_owned()));
    let peek = app.call("GET", &path, None, Some(&cyd.token)).await;
    assert_eq!(problem(&peek), (403, "not_participant".to_owned()));
    let unknown = answer(&app, &cyd, &uuid::Uuid::new_v4().to_string(), "accept").await;
    assert_eq!(problem(&unknown), (404, "match_not_found".to_owned()));
}

#[tokio::test]
async fn a_decline_requeues_the_other_with_its_wait_and_cools_the_decliner_down_longer_each_time() {
    let manual = ManualClock::starting_now();
    let mut app = accepting_app(&manual).await;
    let (ada, bob, mut ada_socket, mut bob_socket, match_id) =
        matched_pair_on(&mut app, Some(&manual)).await;
    bob_socket.next_of("match.found").await;
    let ada_ticket = ticket(&app, &ada).await.json();

    let declined = answer(&app, &bob, &match_id, "decline").await;
    assert_eq!(
        declined.status,
        200,
        "{}",
        String::from_utf8_lossy(&declined.body)
    );
    assert_eq!(declined.json()["state"], "declined");
    let cancelled = ada_socket.next_of("match.cancelled").await;
    assert_eq!(cancelled["data"]["reason"], "declined");
    assert_eq!(cancelled["data"]["requeued"], true);
    let back = ticket(&app, &ada).await.json();
    assert_eq!(
        (&back["id"], &back["state"], &back["created_at"]),
        (
            &ada_ticket["id"],
            &"searching".into(),
            &ada_ticket["created_at"]
        ),
        "the same ticket, searching again with its wait kept"
    );
    let ended = bob_socket.next_of("queue.cancelled").await;
    assert_eq!(ended["data"]["reason"], "declined");
    assert_eq!(ticket(&app, &bob).await.json()["state"], "cancelled");
    let record = app
        .state()
        .backends()
        .store
        .match_record(match_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(record.state.as_str(), "cancelled");
    let closed = answer(&app, &ada, &match_id, "accept").await;
    assert_eq!(problem(&closed), (409, "accept_closed".to_owned()));
    assert_eq!(closed.json()["state"], "declined");

    // A first decline: a minute before the decliner may queue again.
    let refused = queue(&app, &bob, duel(20)).await;
    assert_eq!(problem(&refused), (403, "queue_cooldown".to_owned()));
    assert_eq!(refused.headers["retry-after"], "60");
    assert_eq!(refused.json()["player_id"], bob.id.as_str());
    manual.advance(Duration::from_secs(61));
    assert_eq!(queue(&app, &bob, duel(20)).await.status, 201);
    manual.advance(Duration::from_secs(1));
    let found = bob_socket.next_of("match.found").await;
    let rematch = found["data"]["match_id"].as_str().unwrap().to_owned();
    assert_ne!(rematch, match_id);

    // A second decline soon after: five minutes.
    assert_eq!(answer(&app, &bob, &rematch, "decline").await.status, 200);
    let refused = queue(&app, &bob, duel(20)).await;
    assert_eq!(problem(&refused), (403, "queue_cooldown".to_owned()));
    assert_eq!(refused.headers["retry-after"], "300");
}

#[tokio::test]
async fn a_match_not_accepted_in_time_is_cancelled_and_only_the_silent_player_cools_down() {
    let manual = ManualClock::starting_now();
    let mut app = accepting_app(&manual).await;
    let (ada, bob, mut ada_socket, mut bob_socket, match_id) =
        matched_pair_on(&mut app, Some(&manual)).await;
    let ada_ticket = ticket(&app, &ada).await.json();
    assert_eq!(answer(&app, &ada, &match_id, "accept").await.status, 200);

    // Just before the deadline nothing happens; at it the match is cancelled.
    manual.advance(Duration::from_secs(18));
    let pending = app
        .state()
        .backends()
        .store
        .acceptance(match_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.state.as_str(), "pending");
    manual.advance(Duration::from_secs(2));
    let cancelled = ada_socket.next_of("match.cancelled").await;
    assert_eq!(cancelled["data"]["reason"], "accept_timeout");
    assert_eq!(cancelled["data"]["requeued"], true);
    let ended = bob_socket.next_of("queue.cancelled").await;
    assert_eq!(ended["data"]["reason"], "accept_timeout");

    let back = ticket(&app, &ada).await.json();
    assert_eq!(
        (&back["id"], &back["state"], &back["created_at"]),
        (
            &ada_ticket["id"],
            &"searching".into(),
            &ada_ticket["created_at"]
        )
    );
    let late = answer(&app, &bob, &match_id, "accept").await;
    assert_eq!(problem(&late), (409, "accept_closed".to_owned()));
    assert_eq!(late.json()["state"], "expired");
    assert_eq!(
        problem(&queue(&app, &bob, duel(20)).await),
        (403, "queue_cooldown".to_owned())
    );
}

#[tokio::test]
async fn a_match_of_a_queue_without_an_accept_step_cannot_be_answered() {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(manual.clock(), &with(&[])).await;
    let (ada, _bob, _ada_socket, _bob_socket, match_id) =
        matched_pair_on(&mut app, Some(&manual)).await;
    for verb in ["accept", "decline"] {
        let refused = answer(&app, &ada, &match_id, verb).await;
        assert_eq!(problem(&refused), (409, "no_accept_step".to_owned()));
    }
}

/// A 2v2 queue with an accept step, a party of two (ada leading ali) and two solo players
/// (cyd, dan) queued and matched: the node, the players, their sockets in that order, and the
/// match's id.
async fn party_match(manual: &ManualClock) -> (TestApp, Vec<Player>, Vec<Client>, String) {
    let mut app = spawn_app_on(
        manual.clock(),
        &with(&[(
            "queues",
            "{pair={team_size=2,max_party_size=2,accept_timeout_ms=20000}}",
        )]),
    )
    .await;
    let addr = app.serve();
    let mut sockets = Vec::new();
    let mut players = Vec::new();
    for name in ["ada", "ali", "cyd", "dan"] {
        let who = player(&app, name).await;
        sockets.push(connect_hello(addr, &who.token, "").await.0);
        players.push(who);
    }
    let party = create(&app, &players[0], json!({"open": true})).await;
    join(&app, &players[1], &party).await;
    post(
        &app,
        &players[0],
        &format!("/v1/party/{party}/ready-check"),
        json!({}),
    )
    .await;
    for who in &players[..2] {
        let path = format!("/v1/party/{party}/ready");
        assert_eq!(
            post(&app, who, &path, json!({"ready": true})).await.status,
            200
        );
    }
    let pair = json!({"mode": "pair", "regions": [{"region": "eu", "latency_ms": 20}]});
    for who in [&players[0], &players[2], &players[3]] {
        assert_eq!(queue(&app, who, pair.clone()).await.status, 201);
    }
    manual.advance(Duration::from_secs(1));
    let found = sockets[2].next_of("match.found").await;
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    (app, players, sockets, match_id)
}

fn id_of(who: &Player) -> uuid::Uuid {
    who.id.parse().unwrap()
}

#[tokio::test]
async fn a_party_member_who_declines_ends_the_party_s_ticket_and_alone_cools_down() {
    let manual = ManualClock::starting_now();
    let (app, players, mut sockets, match_id) = party_match(&manual).await;
    let [ada, ali, cyd, dan] = &players[..] else {
        unreachable!()
    };
    let cyd_ticket = ticket(&app, cyd).await.json();

    assert_eq!(answer(&app, ali, &match_id, "decline").await.status, 200);
    let cancelled = sockets[2].next_of("match.cancelled").await;
    assert_eq!(
        (
            cancelled["data"]["reason"].as_str(),
            cancelled["data"]["requeued"].as_bool()
        ),
        (Some("declined"), Some(true))
    );
    // The party's one ticket ends for both of its players; the solo players are back.
    for socket in &mut sockets[..2] {
        let ended = socket.next_of("queue.cancelled").await;
        assert_eq!(ended["data"]["reason"], "declined");
    }
    assert_eq!(ticket(&app, ada).await.json()["state"], "cancelled");
    for who in [cyd, dan] {
        assert_eq!(ticket(&app, who).await.json()["state"], "searching");
    }
    assert_eq!(
        ticket(&app, cyd).await.json()["created_at"],
        cyd_ticket["created_at"]
    );
    let store = &app.state().backends().store;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.queue_cooldown(id_of(ali)).await.unwrap().is_some());
    for who in [ada, cyd, dan] {
        assert!(tx.queue_cooldown(id_of(who)).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_party_that_changed_while_its_match_waited_is_not_put_back_in_the_queue() {
    let manual = ManualClock::starting_now();
    let (app, players, mut sockets, match_id) = party_match(&manual).await;
    let [ada, ali, cyd, dan] = &players[..] else {
        unreachable!()
    };
    let party = ticket(&app, ada).await.json()["party_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, ali, &format!("/v1/party/{party}/leave"), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(answer(&app, dan, &match_id, "decline").await.status, 200);
    let cancelled = sockets[2].next_of("match.cancelled").await;
    assert_eq!(cancelled["data"]["requeued"], false, "{cancelled}");
    // Its ticket held a roster the party no longer has: it ends, for both of its players.
    for socket in &mut sockets[..2] {
        let ended = socket.next_of("queue.cancelled").await;
        assert_eq!(ended["data"]["reason"], "party_changed");
    }
    assert_eq!(ticket(&app, ada).await.json()["state"], "cancelled");
    assert_eq!(ticket(&app, cyd).await.json()["state"], "searching");
    let party_now = app
        .call("GET", &format!("/v1/party/{party}"), None, Some(&ada.token))
        .await
        .json();
    assert_eq!(party_now["state"], "active", "{party_now}");
}
