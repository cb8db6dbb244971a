//! A match played end to end on a real `rally serve` process over PostgreSQL, Redis and NATS:
//! a match made, a session allocated, a token checked by a test game server online and
//! offline, heartbeats, a result stored once under retries, ratings moved; a missed heartbeat
//! ends a session; a failing webhook allocator sends the players back to the queue; a queue
//! with an accept step allocates once both players accepted on different nodes, and a decline
//! sends the other back to the queue and holds the decliner in a cooldown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::{Deployment, Node, Socket};

const SERVER_KEY: &str = "test-server-key-0123456789abcdef0123456789";
const SESSION_KEY: &str = "test-session-key-0123456789abcdef012345678";

fn keys() -> Vec<(&'static str, &'static str)> {
    vec![
        ("RALLY_SERVER_KEY", SERVER_KEY),
        ("RALLY_SESSION_TOKEN_KEY", SESSION_KEY),
    ]
}

/// Two players queued for a duel on `node`, their sockets, and the match id.
async fn duel(node: &Node) -> (Vec<(String, String)>, Socket, Socket, String) {
    let ada = node.register("ada").await;
    let bob = node.register("bob").await;
    let (mut ada_socket, _) = Socket::connect(node.addr, &ada.1).await;
    let (bob_socket, _) = Socket::connect(node.addr, &bob.1).await;
    let body = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    for (_, token) in [&ada, &bob] {
        let (status, ticket) = node
            .call("POST", "/v1/queue", Some(token), Some(body.clone()))
            .await;
        assert_eq!(status, 201, "{ticket}");
    }
    let found = ada_socket.next_of("match.found").await;
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    (vec![ada, bob], ada_socket, bob_socket, match_id)
}

/// What a game server holding the key checks offline: the signature over the first three parts.
fn verifies_offline(token: &str, key: &str) -> Option<Value> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 4 || parts[0] != "rst1" {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{}.{}.{}", parts[0], parts[1], parts[2]).as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[3]).ok()?)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).ok()?).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_is_allocated_verified_played_and_rated_once() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let node = deployment.node("api,matchmaker,sessions,ratings", &keys());
    let (players, mut ada_socket, _bob_socket, match_id) = duel(&node).await;
    let (ada, ada_token) = &players[0];

    let ready = ada_socket.next_of("session.ready").await;
    let token = ready["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(ready["data"]["endpoint"], "127.0.0.1:7777");
    let claims = verifies_offline(&token, SESSION_KEY).expect("the token verifies offline");
    assert_eq!(
        (claims["m"].as_str(), claims["p"].as_str()),
        (Some(match_id.as_str()), Some(ada.as_str()))
    );
    assert!(verifies_offline(&token, "another key").is_none());

    let base = format!("/v1/server/sessions/{match_id}");
    let (status, online) = node
        .call(
            "POST",
            &format!("{base}/verify"),
            Some(SERVER_KEY),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(
        (status, online["valid"].as_bool()),
        (200, Some(true)),
        "{online}"
    );
    let (status, _) = node
        .call(
            "POST",
            &format!("{base}/verify"),
            Some(ada_token),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(status, 401, "a player's token is not the server key");
    let (status, beat) = node
        .call("POST", &format!("{base}/heartbeat"), Some(SERVER_KEY), None)
        .await;
    assert_eq!((status, beat["state"].as_str()), (200, Some("active")));

    let (_, summary) = node
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            Some(ada_token),
            None,
        )
        .await;
    let ada_team = summary["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player_id"] == ada.as_str())
        .unwrap()["team"]
        .as_i64()
        .unwrap();
    let report = json!({"outcomes": [{"team": ada_team, "outcome": "win"}, {"team": 1 - ada_team, "outcome": "loss"}], "duration_s": 95.0});
    // A game server retrying its report: stored once, answered the same.
    let (first_status, first) = node
        .call(
            "POST",
            &format!("{base}/result"),
            Some(SERVER_KEY),
            Some(report.clone()),
        )
        .await;
    let (second_status, second) = node
        .call(
            "POST",
            &format!("{base}/result"),
            Some(SERVER_KEY),
            Some(report),
        )
        .await;
    assert_eq!((first_status, second_status), (200, 200));
    assert_eq!(first, second);
    let other = json!({"outcomes": [{"team": ada_team, "outcome": "loss"}, {"team": 1 - ada_team, "outcome": "win"}], "duration_s": 95.0});
    let (status, _) = node
        .call(
            "POST",
            &format!("{base}/result"),
            Some(SERVER_KEY),
            Some(other),
        )
        .await;
    assert_eq!(status, 409);

    let rated = ada_socket.next_of("rating.updated").await;
    assert!(rated["data"]["mean_after"].as_f64() > rated["data"]["mean_before"].as_f64());
    let (_, history) = node
        .call("GET", "/v1/matches/history", Some(ada_token), None)
        .await;
    assert_eq!(history["entries"].as_array().unwrap().len(), 1, "{history}");
    let (_, board) = node
        .call(
            "GET",
            "/v1/leaderboard/current?mode=duel",
            Some(ada_token),
            None,
        )
        .await;
    assert_eq!(board["rows"][0]["player_id"], ada.as_str(), "{board}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_heartbeats_ends_abandoned() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let mut env = keys();
    env.push(("RALLY_SESSION_HEARTBEAT_TIMEOUT_S", "1"));
    let node = deployment.node("api,matchmaker,sessions", &env);
    let (_, mut ada_socket, _bob_socket, match_id) = duel(&node).await;
    ada_socket.next_of("session.ready").await;
    let ended = ada_socket.next_of("session.ended").await;
    assert_eq!(ended["data"]["match_id"], match_id.as_str());
    assert_eq!(ended["data"]["reason"], "abandoned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_sends_the_players_back_to_the_queue_in_their_place() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let closed = format!("http://127.0.0.1:{}/allocate", support::free_port());
    let mut env = keys();
    env.extend([
        ("RALLY_ALLOCATOR", "webhook"),
        ("RALLY_ALLOCATOR_WEBHOOK_URL", closed.as_str()),
        ("RALLY_ALLOCATOR_WEBHOOK_ATTEMPTS", "2"),
        ("RALLY_ALLOCATOR_WEBHOOK_TIMEOUT_MS", "200"),
    ]);
    let node = deployment.node("api,matchmaker,sessions", &env);
    let (players, mut ada_socket, _bob_socket, match_id) = duel(&node).await;
    let (_, before) = node
        .call("GET", "/v1/queue", Some(&players[0].1), None)
        .await;
    let cancelled = ada_socket.next_of("match.cancelled").await;
    assert_eq!(cancelled["data"]["match_id"], match_id.as_str());
    assert_eq!(cancelled["data"]["requeued"], true);
    let (_, after) = node
        .call("GET", "/v1/queue", Some(&players[0].1), None)
        .await;
    assert_eq!(after["id"], before["id"]);
    assert_eq!(
        after["created_at"], before["created_at"],
        "the place in the queue is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_is_allocated_once_both_accept_across_nodes_and_a_decline_cools_down() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[queues.duel]\nteam_size = 1\nmax_party_size = 1\naccept_timeout_ms = 60000\n",
    )
    .unwrap();
    let path = config.path().display().to_string();
    let mut env = keys();
    env.push(("RALLY_CONFIG", path.as_str()));
    // Ada's socket and calls on one api node, Bob's on another; allocation on a third.
    let front = deployment.node("api,matchmaker", &env);
    let back = deployment.node("api,sessions", &env);
    let ada = front.register("ada").await;
    let bob = back.register("bob").await;
    let (mut ada_socket, _) = Socket::connect(front.addr, &ada.1).await;
    let (mut bob_socket, _) = Socket::connect(back.addr, &bob.1).await;
    let body = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    assert_eq!(
        front
            .call("POST", "/v1/queue", Some(&ada.1), Some(body.clone()))
            .await
            .0,
        201
    );
    assert_eq!(
        back.call("POST", "/v1/queue", Some(&bob.1), Some(body.clone()))
            .await
            .0,
        201
    );
    let found = bob_socket.next_of("match.found").await;
    assert!(found["data"]["accept_deadline_ms"].is_i64(), "{found}");
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    let accept = format!("/v1/matches/{match_id}/accept");

    let (status, first) = front.call("POST", &accept, Some(&ada.1), None).await;
    assert_eq!(
        (status, first["state"].as_str()),
        (200, Some("pending")),
        "{first}"
    );
    let seen = bob_socket.next_of("match.accepted").await;
    assert_eq!(seen["data"]["accepted_ids"], json!([ada.0]));
    let (status, last) = back.call("POST", &accept, Some(&bob.1), None).await;
    assert_eq!(
        (status, last["state"].as_str()),
        (200, Some("accepted")),
        "{last}"
    );
    let ready = ada_socket.next_of("session.ready").await;
    assert_eq!(ready["data"]["match_id"], match_id.as_str());

    // The next match: Bob declines it on his node, Ada is back in the queue with her wait, and
    // Bob's cooldown holds on every node.
    let beat = format!("/v1/server/sessions/{match_id}/heartbeat");
    assert_eq!(
        back.call("POST", &beat, Some(SERVER_KEY), Some(json!({})))
            .await
            .0,
        200
    );
    let key = format!("/v1/server/sessions/{match_id}/result");
    let report = json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 60.0});
    let (status, _) = back
        .call("POST", &key, Some(SERVER_KEY), Some(report))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        front
            .call("POST", "/v1/queue", Some(&ada.1), Some(body.clone()))
            .await
            .0,
        201
    );
    let (_, queued) = front.call("GET", "/v1/queue", Some(&ada.1), None).await;
    assert_eq!(
        back.call("POST", "/v1/queue", Some(&bob.1), Some(body.clone()))
            .await
            .0,
        201
    );
    let found = ada_socket.next_of("match.found").await;
    let rematch = found["data"]["match_id"].as_str().unwrap().to_owned();
    let decline = format!("/v1/matches/{rematch}/decline");
    let (status, declined) = back.call("POST", &decline, Some(&bob.1), None).await;
    assert_eq!(
        (status, declined["state"].as_str()),
        (200, Some("declined")),
        "{declined}"
    );
    let cancelled = ada_socket.next_of("match.cancelled").await;
    assert_eq!(
        (
            cancelled["data"]["reason"].as_str(),
            cancelled["data"]["requeued"].as_bool()
        ),
        (Some("declined"), Some(true))
    );
    let (_, again) = front.call("GET", "/v1/queue", Some(&ada.1), None).await;
    assert_eq!(
        (&again["id"], &again["state"], &again["created_at"]),
        (&queued["id"], &json!("searching"), &queued["created_at"])
    );
    let (status, refused) = front
        .call("POST", "/v1/queue", Some(&bob.1), Some(body))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("queue_cooldown")),
        "{refused}"
    );
}
