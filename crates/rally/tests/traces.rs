//! One duel traced and logged across the processes of a deployment on PostgreSQL, Redis and
//! NATS: every role in a `rally serve` process of its own, each exporting its spans over
//! OTLP/HTTP to a collector in the test (a real HTTP server that decodes the exporter's
//! protobuf) and writing JSON log lines to a file of its own.
//!
//! The match's trace starts in the matchmaker's round and runs through NATS to the sessions
//! process (`match.created`, the allocation) and on to the api process (`session.ready`, its
//! push). The game server's result starts a trace on the api process that runs to the ratings
//! process (the rating update) and back (`rating.updated`, its push). Each role's log lines about
//! the duel carry its chain's correlation id and trace id. The traces link: the match to both
//! queue requests, the result to the match.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../../server/tests/support/otlp_collector.rs"]
mod otlp_collector;

use otlp_collector::{Collector, attribute, find, links_to, parent_of, tree};
use serde_json::json;
use support::{Deployment, Socket, until};

const SERVER_KEY: &str = "test-server-key-0123456789abcdef0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duel_is_traced_and_logged_across_the_processes_of_a_deployment() {
    let (collector, endpoint) = Collector::start().await;

    let deployment = Deployment::new().await;
    let settings = [
        ("RALLY_SERVER_KEY", SERVER_KEY),
        ("RALLY_OTLP_ENDPOINT", endpoint.as_str()),
        // Export each batch of spans within a tenth of a second rather than five.
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("RALLY_LOG_FORMAT", "json"),
        ("RALLY_LOG_LEVEL", "rally=debug,warn"),
    ];
    let (api, api_log) = deployment.node_logged("api", &settings);
    let (_matchmaker, matchmaker_log) = deployment.node_logged("matchmaker", &settings);
    let (_sessions, sessions_log) = deployment.node_logged("sessions", &settings);
    let (_ratings, ratings_log) = deployment.node_logged("ratings", &settings);

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
    // It links to both players' queue requests, made on the api process in traces of their own.
    let queue_requests: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "request" && attribute(s, "http.route") == Some("/v1/queue"))
        .collect();
    assert_eq!(queue_requests.len(), 2);
    for request in queue_requests {
        assert!(links_to(made, request), "{request:#?}");
    }
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
    assert!(
        links_to(result_request, made),
        "the result links to the match it reports on"
    );
    let rated = find(&spans, "rating.apply", "match.id", &match_id).unwrap();
    assert_eq!(rated.trace_id, result_request.trace_id);
    let rating_push = find(&spans, "push", "push.type", "rating.updated").unwrap();
    assert_eq!(rating_push.trace_id, result_request.trace_id);
    // The duel's traces across the processes (`--nocapture` prints them).
    for (what, trace) in [
        ("match", &made.trace_id),
        ("result", &result_request.trace_id),
    ] {
        eprintln!("{what}'s trace:\n{}", tree(&spans, trace));
    }

    // The logs: the match's chain (its correlation id, from the matchmaker's round) and its trace
    // through the matchmaker, sessions and api processes; the result's (the game server's
    // request id) through the api and ratings processes.
    let match_trace = hex(&made.trace_id);
    let made_line = lines(&matchmaker_log)
        .into_iter()
        .find(|line| line["message"] == "match made" && line.to_string().contains(&match_id))
        .expect("the matchmaker logged the match");
    let chain = made_line["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|span| span["correlation_id"].as_str())
        .expect("the round's correlation id is on the line")
        .to_owned();
    for (role, log) in [
        ("matchmaker", &matchmaker_log),
        ("sessions", &sessions_log),
        ("api", &api_log),
    ] {
        let carried = lines(log)
            .iter()
            .filter(|line| {
                let text = line.to_string();
                text.contains(&chain) && text.contains(&match_trace)
            })
            .count();
        assert!(
            carried > 0,
            "no {role} line carries the match's chain and trace"
        );
    }
    // The gateway's delivery of each push to the player's socket is a line of its chain too.
    let delivered = |chain: &str, trace: &str| {
        lines(&api_log).iter().any(|line| {
            let text = line.to_string();
            line["message"] == "push delivered" && text.contains(chain) && text.contains(trace)
        })
    };
    assert!(
        delivered(&chain, &match_trace),
        "the session.ready push's delivery is logged in the match's chain"
    );
    let result_trace = hex(&result_request.trace_id);
    let result_id = attribute(result_request, "request.id").expect("the request's id");
    for (role, log) in [("api", &api_log), ("ratings", &ratings_log)] {
        let carried = lines(log)
            .iter()
            .filter(|line| {
                let text = line.to_string();
                text.contains(result_id) && text.contains(&result_trace)
            })
            .count();
        assert!(
            carried > 0,
            "no {role} line carries the result's chain and trace"
        );
    }
    assert!(
        delivered(result_id, &result_trace),
        "the rating.updated push's delivery is logged in the result's chain"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A node's JSON log lines.
fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
