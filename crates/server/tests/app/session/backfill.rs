//! A running match asks for a player; one who queues next joins it and gets session.ready.

use serde_json::json;

use super::{matched_pair, participant_of, server_call, server_key};
use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::spawn_app;
use crate::party::player;
use crate::queue::{duel, queue, ticket, with};

#[tokio::test]
async fn a_backfill_request_brings_the_next_queued_player_into_the_running_match() {
    let mut app = spawn_app(&with(&[])).await;
    let (ada, _bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    let addr = app.addr();
    ada_socket.next_of("session.ready").await;
    let key = server_key(&app);
    let path = format!("/v1/server/sessions/{match_id}/backfill");
    let ada_team = participant_of(&app, &ada, &match_id).await["team"]
        .as_i64()
        .unwrap();

    let full = server_call(&app, &key, &path, json!({"team": ada_team, "slots": 1})).await;
    assert_eq!(
        problem(&full),
        (422, "invalid".to_owned()),
        "the team is full"
    );
    let nowhere = server_call(&app, &key, &path, json!({"team": 7, "slots": 1})).await;
    assert_eq!(problem(&nowhere), (422, "invalid".to_owned()));
    let opened = server_call(
        &app,
        &key,
        &path,
        json!({"team": ada_team, "slots": 1, "replacing": [ada.id]}),
    )
    .await;
    assert_eq!(
        opened.status,
        202,
        "{}",
        String::from_utf8_lossy(&opened.body)
    );
    assert_eq!(opened.json()["state"], "open");
    let twice = server_call(
        &app,
        &key,
        &path,
        json!({"team": ada_team, "slots": 1, "replacing": [ada.id]}),
    )
    .await;
    assert_eq!(problem(&twice), (409, "backfill_open".to_owned()));

    let cyd = player(&app, "cyd").await;
    let (mut cyd_socket, _) = connect_hello(addr, &cyd.token, "").await;
    assert_eq!(queue(&app, &cyd, duel(20)).await.status, 201);
    let ready = cyd_socket.next_of("session.ready").await;
    assert_eq!(ready["data"]["match_id"], match_id.as_str());
    assert!(ready["data"]["token"].is_string());
    let mine = ticket(&app, &cyd).await.json();
    assert_eq!(
        (mine["state"].as_str(), mine["match_id"].as_str()),
        (Some("matched"), Some(match_id.as_str()))
    );
    let after = app
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    assert_eq!(after["participants"].as_array().unwrap().len(), 3);
    let withdrawn = app.call("DELETE", &path, None, Some(&key)).await;
    assert_eq!(
        problem(&withdrawn),
        (404, "backfill_not_found".to_owned()),
        "it was filled"
    );
}
