//! `rally player ban` on a deployment of two `api` nodes over PostgreSQL, Redis and NATS: the
//! banned players' sockets close (4003) on whichever node holds them, within a second or so;
//! the party they were in is told and goes on without them; their ticket leaves the queue;
//! their tokens, refresh tokens and logins are refused; `unban` lets them back in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{Deployment, Socket};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_closes_sockets_leaves_the_party_and_the_queue_and_refuses_every_token() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let one = deployment.node("api", &[]);
    let two = deployment.node("api", &[]);
    let (ada, ada_token) = one.register("ada").await;
    let (_, bob_token) = one.register("bob").await;
    let (_, carl_token) = one.register("carl").await;

    // Ada leads a party Bob is in; Carl waits in the queue alone. Ada and Carl are connected
    // to node two, Bob to node one.
    let (_, party) = one
        .call(
            "POST",
            "/v1/party",
            Some(&ada_token),
            Some(json!({"open": true})),
        )
        .await;
    let party_id = party["id"].as_str().unwrap().to_owned();
    let (status, _) = one
        .call(
            "POST",
            &format!("/v1/party/{party_id}/join"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let queue = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    let (status, ticket) = one
        .call("POST", "/v1/queue", Some(&carl_token), Some(queue))
        .await;
    assert_eq!(status, 201, "{ticket}");
    let (mut ada_socket, _) = Socket::connect(two.addr, &ada_token).await;
    let (mut bob_socket, _) = Socket::connect(one.addr, &bob_token).await;
    let (mut carl_socket, _) = Socket::connect(two.addr, &carl_token).await;
    let (_, login) = one
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"login": "ada", "password": "correct horse battery"})),
        )
        .await;
    let ada_refresh = login["refresh_token"].as_str().unwrap().to_owned();

    let ban = deployment.cli(&["player", "ban", "ada", "--reason", "aimbot", "--for", "7d"]);
    assert!(
        ban.status.success(),
        "{}",
        String::from_utf8_lossy(&ban.stderr)
    );
    let banned_at = Instant::now();
    let (code, frames) = ada_socket
        .until_closed(Duration::from_secs(10))
        .await
        .expect("the banned player's socket stayed open");
    eprintln!(
        "ada's socket closed {:?} after the ban",
        banned_at.elapsed()
    );
    assert_eq!(code, 4003);
    let pushed = frames
        .iter()
        .find(|f| f["type"] == "account.banned")
        .unwrap();
    assert_eq!(pushed["data"]["player_id"], ada.as_str());
    assert!(pushed["data"]["until"].is_string(), "{pushed}");

    // The party goes on without Ada, led by Bob. (Bob's own join may still be on its way to
    // him: his socket opened just after it.)
    let mut left = bob_socket.next_of("party.updated").await;
    if left["data"]["reason"] == "joined" {
        left = bob_socket.next_of("party.updated").await;
    }
    assert_eq!(left["data"]["reason"], "banned", "{left}");
    assert_eq!(
        left["data"]["leader_id"],
        player_id_of(&one, &bob_token).await
    );
    let (_, mine) = one
        .call("GET", "/v1/party/me", Some(&bob_token), None)
        .await;
    assert_eq!(mine["members"].as_array().unwrap().len(), 1, "{mine}");

    // Tokens, refresh tokens and logins are refused, on both nodes.
    for node in [&one, &two] {
        let (status, body) = node
            .call("GET", "/v1/profile/me", Some(&ada_token), None)
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("account_banned"))
        );
    }
    let (status, body) = two
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": ada_refresh})),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = two
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"login": "ada", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_banned"))
    );

    // Carl's socket closes and his ticket leaves the queue with the reason (seen once he is
    // let back in: the push may come after the socket closed, on another stream).
    let ban = deployment.cli(&["player", "ban", "carl", "--reason", "boosting"]);
    assert!(
        ban.status.success(),
        "{}",
        String::from_utf8_lossy(&ban.stderr)
    );
    let (code, _) = carl_socket
        .until_closed(Duration::from_secs(10))
        .await
        .expect("the banned player's socket stayed open");
    assert_eq!(code, 4003);
    let unban = deployment.cli(&["player", "unban", "carl"]);
    assert!(
        unban.status.success(),
        "{}",
        String::from_utf8_lossy(&unban.stderr)
    );
    let (_, login) = one
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"login": "carl", "password": "correct horse battery"})),
        )
        .await;
    let carl_again = login["access_token"].as_str().unwrap().to_owned();
    let (status, ticket) = one.call("GET", "/v1/queue", Some(&carl_again), None).await;
    assert_eq!(
        status, 200,
        "unban forgets the cached status on shared Redis: {ticket}"
    );
    assert_eq!(
        (ticket["state"].as_str(), ticket["cancel_reason"].as_str()),
        (Some("cancelled"), Some("banned")),
        "{ticket}"
    );

    let show = deployment.cli(&["player", "show", "ada"]);
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["status"], "banned");
    assert_eq!(shown["ban"]["reason"], "aimbot");
    assert!(shown["ban"]["until"].is_string(), "{shown}");

    let unban = deployment.cli(&["player", "unban", "ada"]);
    assert!(
        unban.status.success(),
        "{}",
        String::from_utf8_lossy(&unban.stderr)
    );
    let (status, body) = two
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"login": "ada", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The id of the player whose token this is.
async fn player_id_of(node: &support::Node, token: &str) -> serde_json::Value {
    let (_, me) = node.call("GET", "/v1/profile/me", Some(token), None).await;
    me["id"].clone()
}
