//! One duel traced across the processes of a deployment on PostgreSQL, Redis and NATS: every
//! role in a `rally serve` process of its own, each exporting its spans over OTLP/HTTP to a
//! collector in the test (a real HTTP server that decodes the exporter's protobuf).
//!
//! The match's trace starts in the matchmaker's round and runs through NATS to the sessions
//! process (`match.created`, the allocation) and on to the api process (`session.ready`, its
//! push). The game server's result starts a trace on the api process that runs to the ratings
//! process (the rating update) and back (`rating.updated`, its push).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../../server/tests/support/otlp_collector.rs"]
mod otlp_collector;

use otlp_collector::{Collector, attribute, find, parent_of};
use serde_json::json;
use support::{Deployment, Socket, until};

const SERVER_KEY: &str = "test-server-key-0123456789abcdef0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duel_is_traced_across_the_processes_of_a_deployment() {
    let (collector, endpoint) = Collector::start().await;

    let deployment = Deployment::new().await;
    let settings = [
        ("RALLY_SERVER_KEY", SERVER_KEY),
        ("RALLY_OTLP_ENDPOINT", endpoint.as_str()),
        // Export each batch of spans within a tenth of a second rather than five.
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let api = deployment.node("api", &settings);
    let _matchmaker = deployment.node("matchmaker", &settings);
    let _sessions = deployment.node("sessions", &settings);
    let _ratings = deployment.node("ratings", &settings);

    let ada = api.register("ada").await;
    let bob = api.register("bob").await;
    let (mut ada_socket, _) = Socket::connect(api.addr, &ada.1).await;
    let (_bob_socket, _) = Socket::connect(api.addr, &bob.1).await;
    let duel = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    for (_, token) in [&ada, &bob] {
        let (status, ticket) = api
            .call("POST", "/v1/queue", Some(token), Some(duel.clone()))
            .await;
        assert_eq!(status, 201, "{ticket}");
    }
    let ready = ada_socket.next_of("session.ready").await;
    let match_id = ready["data"]["match_id"].as_str().unwrap().to_owned();
    let server = |what: &str| format!("/v1/server/sessions/{match_id}/{what}");
    let (status, _) = api
        .call(
            "POST",
            &server("heartbeat"),
            Some(SERVER_KEY),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);
    let report = json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 300.0});
    let (status, _) = api
        .call("POST", &server("result"), Some(SERVER_KEY), Some(report))
        .await;
    assert_eq!(status, 200);
    ada_socket.next_of("rating.updated").await;

    // Each process exports on its own schedule: wait until the last steps have come in.
    until("the spans of both traces are exported", || {
        let spans = collector.spans();
        let id = match_id.clone();
        async move {
            find(&spans, "rating.apply", "match.id", &id).is_some()
                && find(&spans, "push", "push.type", "rating.updated").is_some()
                && find(&spans, "push", "push.type", "session.ready").is_some()
        }
    })
    .await;
    let spans = collector.spans();

    // The match: made in the matchmaker's round, allocated by the sessions process as a step of
    // its `match.created`, pushed to the player by the api process, all in one trace.
    let made = find(&spans, "match", "match.id", &match_id).expect("the match's span");
    assert_eq!(parent_of(&spans, made).name, "matchmaker.round");
    let allocation =
        find(&spans, "allocation", "match.id", &match_id).expect("the allocation's span");
    let handling = parent_of(&spans, allocation);
    assert_eq!(handling.name, "event");
    assert_eq!(attribute(handling, "event.stream"), Some("match.created"));
    assert_eq!(handling.parent_span_id, made.span_id, "across NATS");
    let ready_push = find(&spans, "push", "push.type", "session.ready").unwrap();
    assert_eq!(ready_push.trace_id, made.trace_id, "{ready_push:#?}");

    // The result: the game server's request, the ratings process's update, the push back.
    let result_request = spans
        .iter()
        .find(|s| {
            s.name == "request"
                && attribute(s, "http.route") == Some("/v1/server/sessions/{match_id}/result")
        })
        .expect("the result request's span");
    let rated = find(&spans, "rating.apply", "match.id", &match_id).unwrap();
    assert_eq!(rated.trace_id, result_request.trace_id);
    let rating_push = find(&spans, "push", "push.type", "rating.updated").unwrap();
    assert_eq!(rating_push.trace_id, result_request.trace_id);
}
