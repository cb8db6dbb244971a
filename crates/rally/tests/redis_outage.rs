//! Redis is a cache: a node on a Redis of its own (killed with -9, restarted empty, paused with
//! SIGSTOP) answers 503 `backend_unavailable` quickly while Redis is gone, recovers by itself,
//! and rebuilds what Redis held from the store: a running game keeps running and is rated,
//! and rated players are ranked again without any command.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Node, Socket, http_answer, redis_server::RedisServer};

const SERVER_KEY: &str = "test-server-key-0123456789abcdef0123456789";

/// Calls `path` until it answers `status`, within 10 s; how long that took.
async fn until_status(node: &Node, path: &str, token: &str, status: u16) -> Duration {
    let started = Instant::now();
    loop {
        let answer = http_answer(node.addr, "GET", path, Some(token), None).await;
        if answer.status == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} still answers {} {}",
            answer.status,
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_or_killed_redis_answers_503_quickly_and_the_node_recovers() {
    let mut redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(dir.path(), &[("RALLY_REDIS_URL", redis.url().as_str())]);
    let (_, token) = node.register("ada").await;
    let me = "/v1/profile/me";
    assert_eq!(
        http_answer(node.addr, "GET", me, Some(&token), None)
            .await
            .status,
        200
    );

    for outage in ["paused", "killed"] {
        match outage {
            "paused" => redis.pause(),
            _ => redis.kill(),
        }
        let started = Instant::now();
        let answer = http_answer(node.addr, "GET", me, Some(&token), None).await;
        let elapsed = started.elapsed();
        eprintln!("redis {outage}: {} after {elapsed:?}", answer.status);
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert_eq!(answer.body["code"], "backend_unavailable");
        assert_eq!(answer.header("retry-after"), Some("1"));
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "a 503 took {elapsed:?}: backend calls are not bounded"
        );
        let ready = http_answer(node.addr, "GET", "/readyz", None, None).await;
        assert_eq!(ready.status, 503, "{}", ready.body);

        match outage {
            "paused" => redis.resume(),
            _ => redis.restart_empty(),
        }
        let back = until_status(&node, me, &token, 200).await;
        eprintln!("redis {outage}: serving again {back:?} after it returned");
    }
}

/// Two players queued for a duel; their sockets and the match id once found.
async fn duel(node: &Node, players: &[(String, String)]) -> (Vec<Socket>, String) {
    let mut sockets = Vec::new();
    for (_, token) in players {
        sockets.push(Socket::connect(node.addr, token).await.0);
    }
    let body = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    for (_, token) in players {
        let (status, ticket) = node
            .call("POST", "/v1/queue", Some(token), Some(body.clone()))
            .await;
        assert_eq!(status, 201, "{ticket}");
    }
    let found = sockets[0].next_of("match.found").await;
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    (sockets, match_id)
}

/// The result that `players[0]` won.
async fn first_wins(node: &Node, players: &[(String, String)], match_id: &str) -> Value {
    let (_, summary) = node
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            Some(&players[0].1),
            None,
        )
        .await;
    let team = summary["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player_id"] == players[0].0.as_str())
        .unwrap()["team"]
        .as_i64()
        .unwrap();
    json!({"outcomes": [{"team": team, "outcome": "win"}, {"team": 1 - team, "outcome": "loss"}], "duration_s": 60.0})
}

async fn server(node: &Node, match_id: &str, action: &str, body: Option<Value>) -> (u16, Value) {
    node.call(
        "POST",
        &format!("/v1/server/sessions/{match_id}/{action}"),
        Some(SERVER_KEY),
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_running_when_redis_loses_its_data_keeps_running_and_is_rated() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::embedded(
        dir.path(),
        &[
            ("RALLY_REDIS_URL", redis.url().as_str()),
            ("RALLY_SERVER_KEY", SERVER_KEY),
            ("RALLY_SESSION_HEARTBEAT_TIMEOUT_S", "3"),
        ],
    );
    let players = vec![node.register("ada").await, node.register("bob").await];

    // A first match, played and rated: both players are on the leaderboard.
    let (mut sockets, first) = duel(&node, &players).await;
    sockets[0].next_of("session.ready").await;
    assert_eq!(server(&node, &first, "heartbeat", None).await.0, 200);
    let result = first_wins(&node, &players, &first).await;
    assert_eq!(server(&node, &first, "result", Some(result)).await.0, 200);
    sockets[0].next_of("rating.updated").await;
    let me = "/v1/leaderboard/current/me?mode=duel";
    for (_, token) in &players {
        until_status(&node, me, token, 200).await;
    }
    drop(sockets);

    // A second match, running, when Redis dies and comes back empty.
    let (mut sockets, second) = duel(&node, &players).await;
    sockets[0].next_of("session.ready").await;
    let (status, beat) = server(&node, &second, "heartbeat", None).await;
    assert_eq!((status, beat["state"].as_str()), (200, Some("active")));
    redis.restart_empty();
    let lost_at = Instant::now();

    // Ranks come back by themselves.
    for (_, token) in &players {
        until_status(&node, me, token, 200).await;
    }
    eprintln!(
        "every rated player ranked again {:?} after Redis came back empty",
        lost_at.elapsed()
    );

    // The game goes on past two heartbeat timeouts; no heartbeat is refused.
    let deadline = lost_at + Duration::from_secs(7);
    while Instant::now() < deadline {
        let (status, beat) = server(&node, &second, "heartbeat", None).await;
        assert_eq!(
            (status, beat["state"].as_str()),
            (200, Some("active")),
            "{beat}"
        );
        tokio::time::sleep(Duration::from_millis(900)).await;
    }
    let (_, session) = node
        .call(
            "GET",
            &format!("/v1/session/{second}"),
            Some(&players[0].1),
            None,
        )
        .await;
    assert_eq!(session["state"], "active", "{session}");
    let result = first_wins(&node, &players, &second).await;
    let (status, stored) = server(&node, &second, "result", Some(result)).await;
    assert_eq!(status, 200, "{stored}");
    let rated = sockets[0].next_of("rating.updated").await;
    assert_eq!(rated["data"]["match_id"], second.as_str(), "{rated}");
}
