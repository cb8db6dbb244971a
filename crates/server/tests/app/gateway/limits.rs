//! What closes a connection: silence, floods, oversized frames, a client that does not read.
//! Each closes only the offending connection.

use std::time::Duration;

use rally_protocol::gateway::{PartyEvent, ServerEvent};
use rally_server::gateway::{presence, push};
use serde_json::json;

use super::{connect, connect_hello};
use crate::harness::spawn_app;
use crate::party::player;

fn with(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut settings = vec![("register_limit_per_hour", "1000".to_owned())];
    settings.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    settings
}

#[tokio::test]
async fn a_silent_connection_is_closed_and_its_presence_removed() {
    let mut app = spawn_app(&with(&[
        ("ws_ping_interval_ms", "100"),
        ("ws_idle_timeout_ms", "300"),
    ]))
    .await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut silent, _) = connect_hello(addr, &ada.token, "").await;
    let state = app.state().backends().state.clone();
    let id: uuid::Uuid = ada.id.parse().unwrap();
    assert!(presence::node_of(&state, id).await.unwrap().is_some());

    // Not reading means not answering pings: the node hears nothing.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(silent.close_frame().await.0, 4000);
    let mut gone = false;
    for _ in 0..50 {
        if presence::node_of(&state, id).await.unwrap().is_none() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "presence is removed with the connection");
}

#[tokio::test]
async fn a_flood_is_closed_with_a_reason_and_other_connections_carry_on() {
    let mut app = spawn_app(&with(&[("ws_messages_per_second", "2")])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut flooder, _) = connect_hello(addr, &ada.token, "").await;
    let (mut calm, _) = connect_hello(addr, &bob.token, "").await;

    for i in 0..20 {
        flooder
            .send_text(&json!({"v": 1, "id": i.to_string(), "type": "ping"}).to_string())
            .await;
    }
    assert_eq!(
        flooder.close_frame().await,
        (1008, "too many messages".to_owned())
    );

    let pong = calm
        .request(json!({"v": 1, "id": "calm", "type": "ping"}))
        .await;
    assert_eq!(pong["type"], "pong");
}

#[tokio::test]
async fn an_oversized_frame_is_closed_as_too_big() {
    let mut app = spawn_app(&with(&[("ws_max_message_bytes", "1024")])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut client, _) = connect_hello(addr, &ada.token, "").await;
    client.send_text(&"x".repeat(4096)).await;
    assert_eq!(client.close_frame().await.0, 1009);
}

#[tokio::test]
async fn a_client_that_does_not_read_is_disconnected_as_a_slow_consumer() {
    let mut app = spawn_app(&with(&[("ws_outbound_queue", "8")])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let (mut reader_less, _) = connect_hello(addr, &ada.token, "").await;
    let events = app.state().backends().events.clone();
    let id: uuid::Uuid = ada.id.parse().unwrap();

    // Large pushes, far more than the socket's buffers and the queue of 8 hold.
    let crowd: Vec<uuid::Uuid> = (0..100).map(|_| uuid::Uuid::new_v4()).collect();
    for _ in 0..5_000 {
        let event = ServerEvent::PartyUpdated(PartyEvent {
            member_ids: crowd.clone(),
            ..PartyEvent::default()
        });
        push::send(&events, id, event, push::now_ms(), None)
            .await
            .unwrap();
    }
    assert_eq!(reader_less.close_frame().await.0, 4008);

    // The connection the client opens next works.
    let (mut fresh, _) = connect_hello(addr, &ada.token, "").await;
    let pong = fresh
        .request(json!({"v": 1, "id": "again", "type": "ping"}))
        .await;
    assert_eq!(pong["type"], "pong");
    let _ = connect(addr, None, "").await;
}
