use rally_clock::ManualClock;
use serde_json::json;

use super::{matched_pair, matched_pair_on, server_call, server_key};
use crate::accounts::problem;
use crate::harness::{spawn_app, spawn_app_on};
use crate::party::player;
use crate::queue::{ticket, with};

#[tokio::test]
async fn a_match_gets_a_server_tokens_verify_heartbeats_run_it_and_its_result_is_stored_once() {
    let mut app = spawn_app(&with(&[])).await;
    let (ada, bob, mut ada_socket, mut bob_socket, match_id) = matched_pair(&mut app).await;

    let ready = ada_socket.next_of("session.ready").await;
    assert_eq!(ready["data"]["match_id"], match_id.as_str());
    assert_eq!(ready["data"]["endpoint"], "127.0.0.1:7777");
    let ada_token = ready["data"]["token"].as_str().unwrap().to_owned();
    let bob_ready = bob_socket.next_of("session.ready").await;
    assert_ne!(
        bob_ready["data"]["token"].as_str().unwrap(),
        ada_token,
        "each player has their own"
    );

    let mine = app
        .call(
            "GET",
            &format!("/v1/session/{match_id}"),
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["state"], "ready");
    let cyd = player(&app, "cyd").await;
    let theirs = app
        .call(
            "GET",
            &format!("/v1/session/{match_id}"),
            None,
            Some(&cyd.token),
        )
        .await;
    assert_eq!(problem(&theirs), (403, "not_participant".to_owned()));
    let unknown = app
        .call(
            "GET",
            &format!("/v1/session/{}", uuid::Uuid::new_v4()),
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&unknown), (404, "session_not_found".to_owned()));

    let key = server_key(&app);
    let verify = format!("/v1/server/sessions/{match_id}/verify");
    let no_key = app
        .call("POST", &verify, Some(json!({"token": ada_token})), None)
        .await;
    assert_eq!(problem(&no_key), (401, "invalid_server_key".to_owned()));
    let player_token = server_call(&app, &ada.token, &verify, json!({"token": ada_token})).await;
    assert_eq!(
        problem(&player_token),
        (401, "invalid_server_key".to_owned())
    );
    let valid = server_call(&app, &key, &verify, json!({"token": ada_token}))
        .await
        .json();
    assert_eq!(valid["valid"], true);
    assert_eq!(valid["player_id"], ada.id.as_str());
    let garbage = server_call(&app, &key, &verify, json!({"token": "rst1.x.y.z"}))
        .await
        .json();
    assert_eq!(
        (garbage["valid"].as_bool(), garbage["reason"].as_str()),
        (Some(false), Some("unknown_key"))
    );
    let other_match = format!("/v1/server/sessions/{}/verify", uuid::Uuid::new_v4());
    assert_eq!(
        problem(&server_call(&app, &key, &other_match, json!({"token": ada_token})).await).0,
        404
    );

    let beat = server_call(
        &app,
        &key,
        &format!("/v1/server/sessions/{match_id}/heartbeat"),
        json!({}),
    )
    .await;
    assert_eq!(beat.status, 200, "{}", String::from_utf8_lossy(&beat.body));
    assert_eq!(beat.json()["state"], "active");
    let again = server_call(
        &app,
        &key,
        &format!("/v1/server/sessions/{match_id}/heartbeat"),
        json!({}),
    )
    .await;
    assert_eq!(
        (again.status, again.json()["state"].as_str()),
        (200, Some("active"))
    );

    let result_path = format!("/v1/server/sessions/{match_id}/result");
    let incomplete = json!({"outcomes": [{"team": 0, "outcome": "win"}], "duration_s": 300.0});
    assert_eq!(
        problem(&server_call(&app, &key, &result_path, incomplete).await),
        (422, "invalid".to_owned())
    );
    let report = json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 300.0});
    let stored = server_call(&app, &key, &result_path, report.clone()).await;
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    let again = server_call(&app, &key, &result_path, report).await;
    assert_eq!(
        again.status, 200,
        "the same report again is answered with the stored one"
    );
    assert_eq!(again.json(), stored.json());
    let different = json!({"outcomes": [{"team": 0, "outcome": "loss"}, {"team": 1, "outcome": "win"}], "duration_s": 300.0});
    assert_eq!(
        problem(&server_call(&app, &key, &result_path, different).await),
        (409, "result_conflict".to_owned())
    );
    let after_end = server_call(
        &app,
        &key,
        &format!("/v1/server/sessions/{match_id}/heartbeat"),
        json!({}),
    )
    .await;
    assert_eq!(
        problem(&after_end),
        (409, "session_not_running".to_owned()),
        "an ended session takes no heartbeat"
    );

    let store = &app.state().backends().store;
    let id: uuid::Uuid = match_id.parse().unwrap();
    let states: Vec<&str> = store
        .session_transitions(id)
        .await
        .unwrap()
        .iter()
        .map(|t| t.to_state.as_str())
        .collect();
    assert_eq!(states, ["allocating", "ready", "active", "ended"]);
    let outcomes: Vec<_> = store
        .match_participants(id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| p.outcome)
        .collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(
        app.call(
            "GET",
            &format!("/v1/session/{match_id}"),
            None,
            Some(&bob.token)
        )
        .await
        .json()["end_reason"],
        "completed"
    );
    assert_eq!(ticket(&app, &bob).await.json()["state"], "matched");
}

#[tokio::test]
async fn a_session_whose_server_stops_heartbeating_is_abandoned_and_its_players_told() {
    let manual = ManualClock::starting_now();
    let mut app = spawn_app_on(
        manual.clock(),
        &with(&[("session_heartbeat_timeout_s", "30")]),
    )
    .await;
    let (ada, _bob, mut ada_socket, _bob_socket, match_id) =
        matched_pair_on(&mut app, Some(&manual)).await;
    ada_socket.next_of("session.ready").await;
    // Its whole timeout has not passed yet: the session still runs.
    manual.advance(std::time::Duration::from_secs(29));
    let session = app
        .call(
            "GET",
            &format!("/v1/session/{match_id}"),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    assert_eq!(session["state"], "ready");
    manual.advance(std::time::Duration::from_secs(2));
    let ended = ada_socket.next_of("session.ended").await;
    assert_eq!(ended["data"]["reason"], "abandoned");
    let session = app
        .call(
            "GET",
            &format!("/v1/session/{match_id}"),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    assert_eq!(
        (session["state"].as_str(), session["end_reason"].as_str()),
        (Some("ended"), Some("abandoned"))
    );
    let key = server_key(&app);
    let late = server_call(
        &app,
        &key,
        &format!("/v1/server/sessions/{match_id}/heartbeat"),
        json!({}),
    )
    .await;
    assert_eq!(problem(&late), (409, "session_not_running".to_owned()));
}

#[tokio::test]
async fn a_failing_webhook_allocator_sends_the_players_back_to_the_queue_with_their_place() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}/allocate");
    let mut app = spawn_app(&with(&[
        ("allocator", "webhook"),
        ("allocator_webhook_url", &url),
        ("allocator_webhook_attempts", "2"),
        ("allocator_webhook_timeout_ms", "200"),
    ]))
    .await;
    let (ada, _bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    let first = ticket(&app, &ada).await.json();
    let cancelled = ada_socket.next_of("match.cancelled").await;
    assert_eq!(cancelled["data"]["match_id"], match_id.as_str());
    assert_eq!(cancelled["data"]["requeued"], true);
    assert!(
        cancelled["data"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("allocation_failed")
    );
    let again = ticket(&app, &ada).await.json();
    assert_eq!(
        again["id"], first["id"],
        "the same ticket, back in the queue"
    );
    assert_eq!(
        again["created_at"], first["created_at"],
        "with its place kept"
    );
    let store = &app.state().backends().store;
    let record = store.match_record(match_id.parse().unwrap()).await.unwrap();
    assert_eq!(record.state.as_str(), "failed");
}
