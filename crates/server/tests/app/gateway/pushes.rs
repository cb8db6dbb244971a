//! Party changes pushed to every player concerned, in order, and resumed after a brief drop.

use rally_clock::ManualClock;
use rally_server::gateway::presence;
use serde_json::json;

use super::connect_hello;
use super::settings;
use crate::harness::{spawn_app, spawn_app_on, until};
use crate::party::{create, join, player, post};

#[tokio::test]
async fn a_party_change_reaches_every_member_and_an_invite_the_invitee() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (mut cyd_socket, _) = connect_hello(addr, &cyd.token, "").await;

    let party = create(&app, &ada, json!({"open": true})).await;
    let created = ada_socket.next_of("party.updated").await;
    assert_eq!(created["seq"], 1);
    assert_eq!(created["data"]["reason"], "created");

    join(&app, &bob, &party).await;
    let joined = ada_socket.next_of("party.updated").await;
    assert_eq!(joined["seq"], 2, "pushes are numbered without gaps");
    assert_eq!(joined["data"]["party_id"], party.as_str());
    assert_eq!(joined["data"]["reason"], "joined");
    assert_eq!(joined["data"]["player_id"], bob.id.as_str());
    assert_eq!(joined["data"]["member_ids"], json!([ada.id, bob.id]));

    let invited = post(
        &app,
        &ada,
        &format!("/v1/party/{party}/invite"),
        json!({"player_id": cyd.id}),
    )
    .await;
    assert_eq!(
        invited.status,
        201,
        "{}",
        String::from_utf8_lossy(&invited.body)
    );
    let invite = cyd_socket.next_of("party.invite").await;
    assert_eq!(invite["seq"], 1);
    assert_eq!(invite["data"]["answer"], "pending");
    assert_eq!(invite["data"]["player_id"], cyd.id.as_str());
    assert_eq!(
        ada_socket.next_of("party.invite").await["data"]["invite_id"],
        invite["data"]["invite_id"]
    );

    let left = post(&app, &ada, &format!("/v1/party/{party}/leave"), json!({})).await;
    assert_eq!(left.status, 204, "{}", String::from_utf8_lossy(&left.body));
    let after = ada_socket.next_of("party.updated").await;
    assert_eq!(after["data"]["reason"], "left");
    assert_eq!(
        after["data"]["leader_id"],
        bob.id.as_str(),
        "the player who left is told too"
    );
}

#[tokio::test]
async fn a_client_that_resumes_within_the_grace_receives_what_it_missed_in_order() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut socket, hello) = connect_hello(addr, &ada.token, "").await;
    let session = hello["data"]["session_id"].as_str().unwrap().to_owned();
    let party = create(&app, &ada, json!({"open": true})).await;
    assert_eq!(socket.next_of("party.updated").await["seq"], 1);

    socket.cut();
    join(&app, &bob, &party).await;
    let ready = post(
        &app,
        &bob,
        &format!("/v1/party/{party}/ready"),
        json!({"ready": true}),
    )
    .await;
    assert_eq!(
        ready.status,
        200,
        "{}",
        String::from_utf8_lossy(&ready.body)
    );

    let (mut resumed, hello) =
        connect_hello(addr, &ada.token, &format!("resume={session}&last_seq=1")).await;
    assert_eq!(hello["data"]["resumed"], true);
    assert_eq!(hello["data"]["session_id"], session.as_str());
    assert_eq!(hello["data"]["last_seq"], 1);
    let first = resumed.next_of("party.updated").await;
    let second = resumed.next_of("party.updated").await;
    assert_eq!(
        (first["seq"].as_u64(), first["data"]["reason"].as_str()),
        (Some(2), Some("joined"))
    );
    assert_eq!(
        (second["seq"].as_u64(), second["data"]["reason"].as_str()),
        (Some(3), Some("ready"))
    );
}

#[tokio::test]
async fn a_resume_the_node_cannot_honour_starts_a_new_session() {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(
        manual.clock(),
        &[
            ("ws_resume_grace_s", "30".to_owned()),
            ("register_limit_per_hour", "1000".to_owned()),
        ],
    )
    .await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;

    let unknown = uuid::Uuid::new_v4();
    let (_socket, hello) =
        connect_hello(addr, &ada.token, &format!("resume={unknown}&last_seq=4")).await;
    assert_eq!(hello["data"]["resumed"], false);
    assert_ne!(hello["data"]["session_id"], unknown.to_string().as_str());
    assert_eq!(hello["data"]["last_seq"], 0);

    // Once its grace has run out, a session ended with its socket.
    let session = hello["data"]["session_id"].as_str().unwrap().to_owned();
    let state = app.state().backends().state.clone();
    let id: uuid::Uuid = ada.id.parse().unwrap();
    _socket.cut();
    until("the node notices the socket is gone", || async {
        presence::node_of(&state, id).await.unwrap().is_none()
    })
    .await;
    assert_eq!(
        app.state().gateway().session_count(),
        1,
        "kept for its grace"
    );
    manual.advance(std::time::Duration::from_secs(31));
    until("the session ends past its grace", || async {
        app.state().gateway().session_count() == 0
    })
    .await;
    let (_again, hello) =
        connect_hello(addr, &ada.token, &format!("resume={session}&last_seq=0")).await;
    assert_eq!(hello["data"]["resumed"], false);
}

#[tokio::test]
async fn a_ready_check_that_runs_out_is_announced_at_its_deadline_without_a_read() {
    let mut extra = settings();
    extra.push(("party_ready_check_s", "30".to_owned()));
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(manual.clock(), &extra).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let party = create(&app, &ada, json!({"open": true})).await;
    join(&app, &bob, &party).await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    let started = post(
        &app,
        &ada,
        &format!("/v1/party/{party}/ready-check"),
        json!({}),
    )
    .await;
    assert_eq!(
        started.status,
        200,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let pending = bob_socket.next_of("party.ready_check").await;
    assert_eq!(pending["data"]["ready_check"], "pending");
    // Nobody reads or answers: past the deadline the sweeper ends the check and everyone is
    // told.
    manual.advance(std::time::Duration::from_secs(31));
    let expired = bob_socket.next_of("party.ready_check").await;
    assert_eq!(expired["data"]["ready_check"], "expired");
}
