//! The outbox relay carries events committed in the store onto the durable streams, once, on
//! the embedded backends and on PostgreSQL with NATS.

use rally_events::{ConsumerOptions, Stream};
use rally_server::roles::outbox_relay::OutboxRelay;
use rally_store::NewEvent;

use crate::harness::{TestApp, spawn_app};
use crate::readiness::{drop_database, env_or, fresh_database};

async fn relays_a_committed_event_once(app: &TestApp) {
    let backends = app.state().backends().clone();
    let match_id = uuid::Uuid::now_v7().to_string();
    backends
        .store
        .enqueue(&NewEvent {
            id: rally_store::new_id(),
            topic: "match.created".to_owned(),
            key: match_id.clone(),
            payload: serde_json::json!({ "match_id": match_id }).to_string(),
        })
        .await
        .unwrap();

    let relay = OutboxRelay::new(backends.clone());
    // The node's own relay loop is not running (the node is not serving), so passes are ours.
    assert_eq!(relay.pass().await.unwrap(), Some(1));
    assert_eq!(
        relay.pass().await.unwrap(),
        Some(0),
        "a published event is not published again"
    );

    let mut consumer = backends
        .events
        .consumer(
            Stream::MatchCreated,
            "outbox_test",
            ConsumerOptions::default(),
        )
        .await
        .unwrap();
    let delivery = consumer
        .next()
        .await
        .unwrap()
        .expect("the event reaches the stream");
    assert_eq!(delivery.key(), match_id);
    let payload: serde_json::Value = serde_json::from_slice(delivery.payload()).unwrap();
    assert_eq!(payload["match_id"], match_id);
    delivery.ack().await.unwrap();
}

#[tokio::test]
async fn the_relay_publishes_committed_events_once_on_the_embedded_backends() {
    let app = spawn_app(&[]).await;
    relays_a_committed_event_once(&app).await;
}

#[tokio::test]
async fn the_relay_publishes_committed_events_once_on_postgres_and_nats() {
    let (name, url) = fresh_database().await;
    let namespace = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let app = spawn_app(&[
        ("database_url", url),
        (
            "nats_url",
            env_or("RALLY_TEST_NATS_URL", "nats://127.0.0.1:4222"),
        ),
        ("namespace", namespace),
    ])
    .await;
    // While another node's relay holds the turn, this one publishes nothing.
    let turn = app.state().backends().store.outbox_turn(1).await.unwrap();
    let relay = OutboxRelay::new(app.state().backends().clone());
    assert_eq!(relay.pass().await.unwrap(), None);
    turn.expect("no other relay runs")
        .end(&[], &[])
        .await
        .unwrap();
    relays_a_committed_event_once(&app).await;
    app.state()
        .backends()
        .events
        .delete_streams()
        .await
        .unwrap();
    drop(app);
    drop_database(&name).await;
}
