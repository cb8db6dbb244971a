//! Who gets in, what the first frame says, and how requests are answered.

use serde_json::json;

use super::settings;
use super::{connect, connect_hello};
use crate::harness::spawn_app;
use crate::party::player;

#[tokio::test]
async fn a_missing_or_invalid_token_is_closed_as_a_policy_violation_before_any_event() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();

    let mut anonymous = connect(addr, None, "").await;
    assert_eq!(
        anonymous.close_frame().await,
        (1008, "unauthorized".to_owned())
    );

    let mut forged = connect(addr, Some("not.a.token"), "").await;
    assert_eq!(
        forged.close_frame().await,
        (1008, "invalid_token".to_owned())
    );

    let mut in_query = connect(addr, None, "token=still-not-a-token").await;
    assert_eq!(in_query.close_frame().await.0, 1008);
}

#[tokio::test]
async fn a_valid_token_in_the_header_or_the_query_opens_a_session_that_says_hello() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;

    let (_header, hello) = connect_hello(addr, &ada.token, "").await;
    assert_eq!(hello["v"], 1);
    assert_eq!(hello["data"]["player_id"], ada.id.as_str());
    assert_eq!(hello["data"]["resumed"], false);
    assert_eq!(hello["data"]["last_seq"], 0);
    assert_eq!(hello["data"]["ping_interval_ms"], 15_000);
    assert!(hello["data"]["session_id"].is_string());

    let mut browser = connect(addr, None, &format!("token={}", ada.token)).await;
    let hello = browser.next_json().await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["data"]["player_id"], ada.id.as_str());
}

#[tokio::test]
async fn a_plain_request_to_the_gateway_is_told_to_upgrade() {
    let app = spawn_app(&[]).await;
    let answer = app.get("/v1/ws").await;
    assert_eq!(answer.status, 426);
    assert_eq!(answer.json()["code"], "websocket_expected");
}

#[tokio::test]
async fn requests_get_a_reply_with_their_id_and_bad_frames_an_error_with_a_code() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut client, _) = connect_hello(addr, &ada.token, "").await;

    let pong = client
        .request(json!({"v": 1, "id": "p-1", "type": "ping"}))
        .await;
    assert_eq!(pong["type"], "pong");

    client.send_text("this is not json").await;
    let error = client.next_json().await;
    assert_eq!(
        (error["type"].as_str(), error["data"]["code"].as_str()),
        (Some("error"), Some("invalid_frame"))
    );

    let unknown = client
        .request(json!({"v": 1, "id": "u", "type": "dance"}))
        .await;
    assert_eq!(unknown["data"]["code"], "unknown_type");

    let version = client
        .request(json!({"v": 2, "id": "w", "type": "ping"}))
        .await;
    assert_eq!(version["data"]["code"], "unsupported_version");

    let malformed = client
        .request(json!({"v": 1, "id": "m", "type": "presence.query", "data": {"player_ids": "everyone"}}))
        .await;
    assert_eq!(malformed["data"]["code"], "invalid_request");

    // The connection survived all of that.
    let pong = client
        .request(json!({"v": 1, "id": "p-2", "type": "ping"}))
        .await;
    assert_eq!(pong["type"], "pong");
}

#[tokio::test]
async fn presence_lists_the_players_holding_a_socket() {
    let mut app = spawn_app(&settings()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut client, _) = connect_hello(addr, &ada.token, "").await;

    let presence = client
        .request(json!({"v": 1, "id": "q", "type": "presence.query", "data": {"player_ids": [ada.id, bob.id]}}))
        .await;
    assert_eq!(presence["type"], "presence");
    assert_eq!(presence["data"]["online"], json!([ada.id]));

    let (bob_socket, _) = connect_hello(addr, &bob.token, "").await;
    let presence = client
        .request(
            json!({"v": 1, "id": "r", "type": "presence.query", "data": {"player_ids": [bob.id]}}),
        )
        .await;
    assert_eq!(presence["data"]["online"], json!([bob.id]));

    bob_socket.cut();
    let mut offline = false;
    for attempt in 0..50 {
        let presence = client
            .request(json!({"v": 1, "id": format!("s{attempt}"), "type": "presence.query", "data": {"player_ids": [bob.id]}}))
            .await;
        if presence["data"]["online"] == json!([]) {
            offline = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(offline, "a player whose socket is gone is offline");
}
