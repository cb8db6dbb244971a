//! One duel's journey as an operator's trace backend sees it: the spans a node exports over
//! OTLP/HTTP, received here by a real HTTP server and decoded from the exporter's protobuf.
//!
//! A player queues with a `traceparent` of their own; the request joins that trace. The
//! matchmaker's round makes the match in a trace of its own, and the match's trace runs on
//! through `match.created`, the allocation (a call to the studio's fleet manager, which
//! receives the trace context), `session.ready` and its push to the player. The
//! game server's result starts a third trace, which runs on through the rating update and the
//! `rating.updated` push. The traces link: the match to each queue request, the result to the
//! match. Its own test binary: the exporter is the process's one subscriber.

#![allow(clippy::unwrap_used)]

#[path = "app/harness.rs"]
#[allow(dead_code)]
mod harness;

#[path = "support/otlp_collector.rs"]
mod otlp_collector;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::http::Request;
use futures::StreamExt;
use opentelemetry_proto::tonic::trace::v1::Span;
use otlp_collector::{Collector, attribute, find, links_to, parent_of, tree};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tracing_subscriber::layer::SubscriberExt;

use harness::{TestApp, spawn_app};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A studio's fleet manager: answers every allocation with one endpoint and keeps the
/// `traceparent` header of each call.
async fn fleet_manager() -> (Arc<Mutex<Vec<Option<String>>>>, String) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let kept = seen.clone();
    let manager = axum::Router::new().route(
        "/allocate",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                let traceparent = headers
                    .get("traceparent")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                kept.lock().unwrap().push(traceparent);
                axum::Json(json!({"endpoint": "127.0.0.1:7777"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/allocate", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, manager).await });
    (seen, url)
}

/// The one span named `name` whose attribute `key` is `value`.
fn the<'a>(spans: &'a [Span], name: &str, key: &str, value: &str) -> &'a Span {
    let matching = spans
        .iter()
        .filter(|s| s.name == name && attribute(s, key) == Some(value))
        .count();
    assert_eq!(matching, 1, "one `{name}` span with {key} = {value}");
    find(spans, name, key, value).expect("counted")
}

/// Registers `username` and returns their id and access token.
async fn player(app: &TestApp, username: &str) -> (String, String) {
    let answer = app
        .post(
            "/v1/auth/register",
            json!({"username": username, "email": format!("{username}@example.com"), "password": "a long enough password"}),
        )
        .await;
    assert_eq!(answer.status, 201);
    let auth = answer.json();
    (
        auth["player"]["id"].as_str().unwrap().to_owned(),
        auth["access_token"].as_str().unwrap().to_owned(),
    )
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn socket(addr: SocketAddr, token: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/v1/ws?token={token}"))
        .await
        .unwrap();
    socket
}

/// Reads frames until one of `kind` comes (within a bound).
async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    let wait = async {
        while let Some(frame) = socket.next().await {
            if let tungstenite::Message::Text(text) = frame.unwrap() {
                let frame: Value = serde_json::from_str(&text).unwrap();
                if frame["type"] == kind {
                    return frame;
                }
            }
        }
        panic!("the socket closed before `{kind}`");
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no `{kind}` within 20 s"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_duel_is_traced_from_the_queue_to_the_rating_push() {
    let (collector, endpoint) = Collector::start().await;
    let (layer, provider) = tokio::task::spawn_blocking(move || {
        rally_server::telemetry::otlp::layer(&endpoint, 1.0).unwrap()
    })
    .await
    .unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    let (fleet_calls, fleet_url) = fleet_manager().await;
    let mut app = spawn_app(&[
        ("allocator", "webhook".to_owned()),
        ("allocator_webhook_url", fleet_url),
    ])
    .await;
    let addr = app.serve();
    let (_, ada) = player(&app, "ada").await;
    let (_, bob) = player(&app, "bob").await;
    let mut ada_socket = socket(addr, &ada).await;
    let _bob_socket = socket(addr, &bob).await;
    next_of(&mut ada_socket, "hello").await;

    // Ada's client traces its own work and sends its context along.
    let client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let client_span = "00f067aa0ba902b7";
    let duel = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    let queued = app
        .send(
            Request::post("/v1/queue")
                .header("authorization", format!("Bearer {ada}"))
                .header("content-type", "application/json")
                .header("traceparent", format!("00-{client_trace}-{client_span}-01"))
                .body(axum::body::Body::from(duel.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(queued.status, 201);
    let bob_queued = app
        .call("POST", "/v1/queue", Some(duel.clone()), Some(&bob))
        .await;
    assert_eq!(bob_queued.status, 201);

    let ready = next_of(&mut ada_socket, "session.ready").await;
    let match_id = ready["data"]["match_id"].as_str().unwrap().to_owned();
    let key = app.state().secrets().server_key.expose().to_owned();
    let beat = app
        .call(
            "POST",
            &format!("/v1/server/sessions/{match_id}/heartbeat"),
            Some(json!({})),
            Some(&key),
        )
        .await;
    assert_eq!(beat.status, 200);
    let report = json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 300.0});
    let result = app
        .call(
            "POST",
            &format!("/v1/server/sessions/{match_id}/result"),
            Some(report),
            Some(&key),
        )
        .await;
    assert_eq!(result.status, 200);
    next_of(&mut ada_socket, "rating.updated").await;
    // A push's span ends once its frame is written, which may be after the player read it;
    // the connection answers a ping only once it is done with the push before.
    use futures::SinkExt;
    ada_socket
        .send(tungstenite::Message::Text(
            json!({"v": 1, "id": "after", "type": "ping"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    next_of(&mut ada_socket, "pong").await;
    tokio::task::spawn_blocking(move || provider.shutdown().unwrap())
        .await
        .unwrap();
    let spans = collector.spans();

    // The queue request continues the client's trace.
    let queue_request = spans
        .iter()
        .find(|s| s.name == "request" && hex(&s.trace_id) == client_trace)
        .expect("the queue request joined the client's trace");
    assert_eq!(attribute(queue_request, "http.route"), Some("/v1/queue"));
    assert_eq!(hex(&queue_request.parent_span_id), client_span);
    // The ticket and its event are one statement on PostgreSQL, a transaction on SQLite.
    let announced = spans
        .iter()
        .find(|s| {
            s.name == "db.query"
                && s.parent_span_id == queue_request.span_id
                && attribute(s, "db.operation.name") == Some("create_ticket_announced")
        })
        .expect("the queue request's ticket was traced");
    let stored = spans
        .iter()
        .find(|s| s.name == "db.transaction" && s.parent_span_id == announced.span_id)
        .expect("the queue request's transaction was traced");
    assert_eq!(attribute(stored, "db.system"), Some("sqlite"));
    assert_eq!(attribute(stored, "db.outcome"), Some("commit"));
    let statement = spans
        .iter()
        .find(|s| s.name == "db.query" && s.parent_span_id == stored.span_id)
        .expect("the statements of the queue request's transaction were traced");
    assert_eq!(attribute(statement, "db.system"), Some("sqlite"));
    assert!(attribute(statement, "db.operation.name").is_some_and(|name| !name.is_empty()));
    // A store span is traced only within a unit of work: the pollers' own queries are not.
    for store_span in spans.iter().filter(|s| s.name.starts_with("db.")) {
        assert!(
            !store_span.parent_span_id.is_empty(),
            "a store span without a unit of work: {store_span:#?}"
        );
    }

    // The match is made in a round, and its trace runs on to the player's session.ready push.
    let made = the(&spans, "match", "match.id", &match_id);
    assert_eq!(parent_of(&spans, made).name, "matchmaker.round");
    // Only rounds that write are traced: the idle ones before and after it are not.
    for round in spans.iter().filter(|s| s.name == "matchmaker.round") {
        assert!(
            spans
                .iter()
                .any(|s| s.name == "match" && s.parent_span_id == round.span_id),
            "a round that made no match was exported: {round:#?}"
        );
    }
    // It links to both players' queue requests, each in the trace it came with.
    let queue_requests: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "request" && attribute(s, "http.route") == Some("/v1/queue"))
        .collect();
    assert_eq!(queue_requests.len(), 2);
    for request in queue_requests {
        assert!(
            links_to(made, request),
            "the match links to the queue request {request:#?}"
        );
    }
    // Its `match.created` is published as a step of the match, and handled as one.
    let published = spans
        .iter()
        .find(|s| {
            s.name == "event.publish" && attribute(s, "event.stream") == Some("match.created")
        })
        .expect("the publication of match.created was traced");
    assert_eq!(published.parent_span_id, made.span_id);
    assert_eq!(attribute(published, "messaging.system"), Some("in-process"));
    let allocation = the(&spans, "allocation", "match.id", &match_id);
    assert_eq!(
        allocation.trace_id, made.trace_id,
        "allocation is in the match's trace"
    );
    let call = spans
        .iter()
        .find(|s| s.name == "allocation.webhook" && s.parent_span_id == allocation.span_id)
        .expect("the call to the fleet manager was traced");
    assert_eq!(attribute(call, "http.request.method"), Some("POST"));
    let sent = fleet_calls.lock().unwrap().clone();
    assert_eq!(
        sent,
        vec![Some(format!(
            "00-{}-{}-01",
            hex(&call.trace_id),
            hex(&call.span_id)
        ))],
        "the fleet manager was called once, within the call's span"
    );
    let handling = parent_of(&spans, allocation);
    assert_eq!(handling.name, "event");
    assert_eq!(attribute(handling, "event.stream"), Some("match.created"));
    assert_eq!(handling.parent_span_id, made.span_id);
    let ready_push = spans
        .iter()
        .find(|s| s.name == "push" && attribute(s, "push.type") == Some("session.ready"))
        .expect("the session.ready push was traced");
    assert_eq!(ready_push.trace_id, made.trace_id, "{ready_push:#?}");

    // The result starts the game server's trace; the rating update and its push follow it.
    let result_request = spans
        .iter()
        .find(|s| {
            s.name == "request"
                && attribute(s, "http.route") == Some("/v1/server/sessions/{match_id}/result")
        })
        .expect("the result request was traced");
    assert!(
        links_to(result_request, made),
        "the result links to the match it reports on"
    );
    let rated = the(&spans, "rating.apply", "match.id", &match_id);
    assert_eq!(rated.trace_id, result_request.trace_id);
    let rating_push = spans
        .iter()
        .find(|s| s.name == "push" && attribute(s, "push.type") == Some("rating.updated"))
        .expect("the rating.updated push was traced");
    assert_eq!(rating_push.trace_id, result_request.trace_id);

    // The duel as an operator's trace backend shows it (`--nocapture` prints it).
    for (what, trace) in [
        ("queue request", &queue_request.trace_id),
        ("match", &made.trace_id),
        ("result", &result_request.trace_id),
    ] {
        eprintln!("{what}'s trace:\n{}", tree(&spans, trace));
    }
}
