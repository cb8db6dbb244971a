//! Typed events on the bus: a request's id becomes the correlation id of the events it writes,
//! work that follows from an event carries its chain on, a message a reader cannot read is
//! moved to the dead-letter stream instead of being dropped, on both event buses, and an event
//! a handler could not settle is counted as it is retried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{body::Body, http::Request};
use rally_events::{ConsumerOptions, Events, Stream};
use rally_protocol::{
    event::{DeadLetter, Envelope, Event, SCHEMA_VERSION, SessionReady},
    session::SessionEnded,
};
use rally_server::{
    bus::{self, Cause, Handled, Handler, Reader, Reading},
    roles::outbox_relay::OutboxRelay,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::accounts::register;
use crate::harness::{TestApp, spawn_app};
use crate::readiness::env_or;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// The trace context of messages published raw: only in the message's header.
const OTHER_TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// Every stored envelope of `topic`, published or not, oldest first.
async fn envelopes(app: &TestApp, topic: &str) -> Vec<Envelope> {
    app.state()
        .backends()
        .store
        .next_unpublished(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.topic == topic)
        .map(|event| serde_json::from_str(&event.payload).unwrap())
        .collect()
}

#[tokio::test]
async fn a_request_id_and_trace_become_the_chain_of_the_events_it_writes() {
    let app = spawn_app(&[]).await;
    let ada = register(&app, "corr_ada").await;
    let token = ada["access_token"].as_str().unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/v1/party")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("x-request-id", "corr-party-1")
        .header("traceparent", TRACEPARENT)
        .body(Body::from("{}"))
        .unwrap();
    let answer = app.send(request).await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );

    let written = envelopes(&app, "party.updated").await;
    assert_eq!(written.len(), 1);
    let envelope = &written[0];
    assert_eq!(envelope.correlation_id, "corr-party-1");
    assert_eq!(envelope.causation_id, None, "a request is not an event");
    assert_eq!(envelope.traceparent.as_deref(), Some(TRACEPARENT));
    assert_eq!(envelope.schema_version, SCHEMA_VERSION);
    assert!(matches!(envelope.event, Event::PartyUpdated(_)));

    // A request without an id of its own gets one, and its events carry that one.
    register(&app, "corr_grace").await;
    let registered = envelopes(&app, "player.registered").await;
    let own = registered
        .iter()
        .find(|e| matches!(&e.event, Event::PlayerRegistered(p) if p.username == "corr_grace"))
        .expect("grace's registration event");
    assert!(Uuid::parse_str(&own.correlation_id).is_ok(), "{own:?}");
}

/// Records what it is handed and the cause it ran in, and writes a follow-up event the way a
/// role does.
#[derive(Debug, Clone, Default)]
struct Follower {
    seen: Arc<Mutex<Vec<(Envelope, Cause)>>>,
    store: Option<rally_store::Store>,
}

impl Handler for Follower {
    async fn handle(&self, envelope: Envelope) -> Handled {
        self.seen
            .lock()
            .unwrap()
            .push((envelope.clone(), Cause::current()));
        if let (Some(store), Event::SessionReady(ready)) = (&self.store, &envelope.event) {
            let mut tx = store.begin().await.unwrap();
            let ended = Event::SessionEnded(SessionEnded {
                match_id: ready.match_id,
                reason: "abandoned".into(),
                player_ids: ready.player_ids.clone(),
            });
            bus::outbox::enqueue(&mut tx, ready.match_id, ended)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        Handled::Done
    }
}

fn reading(stream: Stream, durable: &'static str) -> Reading {
    Reading {
        stream,
        durable,
        options: ConsumerOptions {
            ack_wait: Duration::from_secs(30),
            poll_wait: Duration::from_millis(200),
            batch: 1,
        },
    }
}

/// Publishes `payload` raw on `stream`, as a misbehaving writer would, with the
/// `traceparent` header `OTHER_TRACEPARENT`.
async fn publish_raw(events: &Events, stream: Stream, key: &str, payload: Vec<u8>) {
    events
        .publish_traced(stream, key, payload, None, Some(OTHER_TRACEPARENT))
        .await
        .unwrap();
}

/// The dead-letter count is process-wide: the two runs of the test below take turns, so each
/// sees only its own.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn events_follow_their_chain_and_unreadable_ones_are_dead_lettered(app: &TestApp) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let backends = app.state().backends().clone();
    let events = backends.events.clone();
    let match_id = Uuid::now_v7();

    // A good event, written by a request's work and relayed from the outbox.
    let ready = Event::SessionReady(SessionReady {
        match_id,
        endpoint: "203.0.113.7:7777".into(),
        player_ids: vec![Uuid::now_v7()],
    });
    let good_id = Cause::request("corr-chain-1", Some(TRACEPARENT))
        .scope(async {
            let mut tx = backends.store.begin().await.unwrap();
            let id = bus::outbox::enqueue(&mut tx, match_id, ready)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id
        })
        .await;
    OutboxRelay::new(backends.clone()).pass().await.unwrap();
    // The relay puts the envelope's trace context in the message's `traceparent` header too.
    let mut headers = events
        .consumer(
            Stream::SessionReady,
            "bus_test_headers",
            reading(Stream::SessionReady, "x").options,
        )
        .await
        .unwrap();
    let relayed = headers.next().await.unwrap().expect("the relayed event");
    assert_eq!(relayed.key(), match_id.to_string());
    assert_eq!(relayed.traceparent(), Some(TRACEPARENT));
    relayed.ack().await.unwrap();

    let counted_before = dead_lettered(app).await;
    // One written before events had envelopes (its body alone), read as its stream's event.
    let legacy_match = Uuid::now_v7();
    let legacy = serde_json::json!({
        "match_id": legacy_match,
        "endpoint": "203.0.113.8:7777",
        "player_ids": [],
    });
    publish_raw(
        &events,
        Stream::SessionReady,
        "old1",
        serde_json::to_vec(&legacy).unwrap(),
    )
    .await;
    // Three a reader cannot read: not JSON, the wrong type for the stream, a newer schema.
    publish_raw(&events, Stream::SessionReady, "bad1", b"{not json".to_vec()).await;
    let stray = bus::outbox::seal(
        Event::SessionEnded(SessionEnded {
            match_id,
            reason: "abandoned".into(),
            player_ids: vec![],
        }),
        backends.store.now(),
    );
    publish_raw(
        &events,
        Stream::SessionReady,
        "bad2",
        serde_json::to_vec(&stray).unwrap(),
    )
    .await;
    let mut future = serde_json::to_value(bus::outbox::seal(
        Event::SessionReady(SessionReady {
            match_id,
            endpoint: "x:1".into(),
            player_ids: vec![],
        }),
        backends.store.now(),
    ))
    .unwrap();
    future["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
    publish_raw(
        &events,
        Stream::SessionReady,
        "bad3",
        serde_json::to_vec(&future).unwrap(),
    )
    .await;

    let follower = Follower {
        store: Some(backends.store.clone()),
        ..Follower::default()
    };
    let stop = CancellationToken::new();
    let mut reader = Reader::open(
        events.clone(),
        reading(Stream::SessionReady, "bus_test"),
        follower.clone(),
        &stop,
    )
    .await
    .expect("the durable opens");
    for _ in 0..5 {
        assert!(reader.step().await.unwrap(), "a delivery is waiting");
    }
    assert!(
        !reader.step().await.unwrap(),
        "every delivery was settled once"
    );

    // Only the good event and the old one reached the handler, each inside its chain.
    let seen = follower.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (old, old_cause) = &seen[1];
    assert_eq!(old.schema_version, 0);
    assert_eq!(
        old_cause.traceparent.as_deref(),
        Some(OTHER_TRACEPARENT),
        "an envelope without trace context takes the message's header"
    );
    assert!(
        matches!(&old.event, Event::SessionReady(ready) if ready.match_id == legacy_match),
        "{old:?}"
    );
    let (envelope, cause) = &seen[0];
    assert_eq!(envelope.id, good_id);
    assert_eq!(envelope.correlation_id, "corr-chain-1");
    assert_eq!(cause.correlation_id, "corr-chain-1");
    assert_eq!(cause.causation_id, Some(good_id));
    assert_eq!(cause.traceparent.as_deref(), Some(TRACEPARENT));

    // What the handler wrote carries the chain on: same correlation, caused by the event.
    let followed = envelopes(app, "session.ended").await;
    let followed = followed
        .iter()
        .find(|e| matches!(&e.event, Event::SessionEnded(s) if s.match_id == match_id))
        .expect("the follow-up event");
    assert_eq!(followed.correlation_id, "corr-chain-1");
    assert_eq!(followed.causation_id, Some(good_id));
    assert_eq!(followed.traceparent.as_deref(), Some(TRACEPARENT));

    // The three unreadable ones wait on the dead-letter stream, as they came, with the reason.
    let mut letters = events
        .consumer(
            Stream::DeadLetter,
            "bus_test_letters",
            reading(Stream::DeadLetter, "x").options,
        )
        .await
        .unwrap();
    let mut reasons = Vec::new();
    while let Some(delivery) = letters.next().await.unwrap() {
        let letter: DeadLetter = serde_json::from_slice(delivery.payload()).unwrap();
        assert_eq!(letter.stream, "session.ready");
        assert_eq!(letter.reader, "bus_test");
        if letter.key == "bad1" {
            assert_eq!(letter.payload, "{not json");
        }
        assert_eq!(delivery.traceparent(), Some(OTHER_TRACEPARENT));
        reasons.push((letter.key.clone(), letter.reason.clone()));
        delivery.ack().await.unwrap();
    }
    reasons.sort();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].1.contains("not a Rally event"), "{reasons:?}");
    assert!(
        reasons[1]
            .1
            .contains("session.ended event on the session.ready"),
        "{reasons:?}"
    );
    assert!(reasons[2].1.contains("newer"), "{reasons:?}");

    assert_eq!(
        dead_lettered(app).await - counted_before,
        3.0,
        "each unreadable message is counted once"
    );
}

/// This node's count of messages moved to the dead-letter stream from `session.ready` by the
/// test's reader (whose durable no other test uses).
async fn dead_lettered(app: &TestApp) -> f64 {
    counter(
        app,
        "rally_events_dead_lettered_total",
        &[("stream", "session.ready")],
    )
    .await
}

/// The value of the counter `name` with these `labels` (among others) on this node; 0 before
/// it is first counted.
async fn counter(app: &TestApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    let metrics = app.get("/metrics").await;
    let text = String::from_utf8_lossy(&metrics.body).into_owned();
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| {
            labels
                .iter()
                .all(|(label, value)| l.contains(&format!("{label}=\"{value}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn events_follow_their_chain_and_unreadable_ones_are_dead_lettered_in_process() {
    let app = spawn_app(&[]).await;
    events_follow_their_chain_and_unreadable_ones_are_dead_lettered(&app).await;
}

#[tokio::test]
async fn events_follow_their_chain_and_unreadable_ones_are_dead_lettered_on_nats() {
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..12]);
    let app = spawn_app(&[
        (
            "nats_url",
            env_or("RALLY_TEST_NATS_URL", "nats://127.0.0.1:4222"),
        ),
        ("namespace", namespace),
    ])
    .await;
    events_follow_their_chain_and_unreadable_ones_are_dead_lettered(&app).await;
    app.state()
        .backends()
        .events
        .delete_streams()
        .await
        .unwrap();
}

/// Asks for every event to be retried, as a handler does while a backend it needs is down.
#[derive(Debug, Clone)]
struct Refuser;

impl Handler for Refuser {
    async fn handle(&self, _envelope: Envelope) -> Handled {
        Handled::Retry
    }
}

/// This node's count of `stream` events retried by the durable `durable`.
async fn retried(app: &TestApp, stream: &str, durable: &str) -> f64 {
    let labels = [("stream", stream), ("durable", durable)];
    counter(app, "rally_events_retried_total", &labels).await
}

#[tokio::test]
async fn an_event_its_handler_cannot_settle_is_counted_each_time_it_is_retried() {
    let app = spawn_app(&[]).await;
    let backends = app.state().backends().clone();
    let ended = Event::SessionEnded(SessionEnded {
        match_id: Uuid::now_v7(),
        reason: "abandoned".into(),
        player_ids: vec![],
    });
    let mut tx = backends.store.begin().await.unwrap();
    bus::outbox::enqueue(&mut tx, Uuid::now_v7(), ended)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    OutboxRelay::new(backends.clone()).pass().await.unwrap();

    let before = retried(&app, "session.ended", "retry_test").await;
    let stop = CancellationToken::new();
    let mut reader = Reader::open(
        backends.events.clone(),
        reading(Stream::SessionEnded, "retry_test"),
        Refuser,
        &stop,
    )
    .await
    .expect("the durable opens");
    assert!(reader.step().await.unwrap(), "the event is delivered");
    assert_eq!(
        retried(&app, "session.ended", "retry_test").await - before,
        1.0
    );
}
