//! Two `rally serve --roles api` processes sharing PostgreSQL, Redis and NATS: a player
//! connected to one node receives the changes other players make through the other, and
//! stays online while moving from one node to the other; friends made across the two see each
//! change pushed, each other online, and each other's moves into a party.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use support::{Deployment, Socket};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_one_node_is_pushed_to_a_player_on_the_other() {
    let _ = rustls_provider();
    let deployment = Deployment::new().await;
    let first = deployment.node("api", &[]);
    let second = deployment.node("api", &[]);

    let (ada, ada_token) = first.register("ada").await;
    let (bob, bob_token) = second.register("bob").await;
    let (mut ada_socket, _) = Socket::connect(first.addr, &ada_token).await;
    let (mut bob_socket, _) = Socket::connect(second.addr, &bob_token).await;

    // Presence is shared: bob, on the second node, sees ada online on the first.
    let presence = bob_socket
        .request(
            json!({"v": 1, "id": "who", "type": "presence.query", "data": {"player_ids": [ada]}}),
        )
        .await;
    assert_eq!(presence["data"]["online"], json!([ada]));

    let (status, party) = first
        .call(
            "POST",
            "/v1/party",
            Some(&ada_token),
            Some(json!({"open": true})),
        )
        .await;
    assert_eq!(status, 201, "{party}");
    let party_id = party["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ada_socket.next_of("party.updated").await["data"]["reason"],
        "created"
    );

    // Bob joins through the second node; ada hears of it on the first.
    let (status, body) = second
        .call(
            "POST",
            &format!("/v1/party/{party_id}/join"),
            Some(&bob_token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let joined = ada_socket.next_of("party.updated").await;
    assert_eq!(joined["data"]["reason"], "joined");
    assert_eq!(joined["data"]["player_id"], bob.as_str());

    // Ada promotes bob through the first node; bob hears of it on the second.
    let (status, body) = first
        .call(
            "POST",
            &format!("/v1/party/{party_id}/promote"),
            Some(&ada_token),
            Some(json!({"player_id": bob})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let promoted = bob_socket.next_of("party.updated").await;
    let promoted = if promoted["data"]["reason"] == "joined" {
        bob_socket.next_of("party.updated").await
    } else {
        promoted
    };
    assert_eq!(promoted["data"]["reason"], "promoted");
    assert_eq!(promoted["data"]["leader_id"], bob.as_str());

    // Ada moves to the second node, then her old socket on the first closes: the first node's
    // clean-up must not mark her offline, since the second holds her now.
    let (_ada_moved, _) = Socket::connect(second.addr, &ada_token).await;
    drop(ada_socket);
    support::until("the first node is done with ada's old socket", || async {
        support::metric(first.addr, "rally_ws_connections").await == Some(0.0)
    })
    .await;
    let presence = bob_socket
        .request(
            json!({"v": 1, "id": "still", "type": "presence.query", "data": {"player_ids": [ada]}}),
        )
        .await;
    assert_eq!(presence["data"]["online"], json!([ada]));
}

fn rustls_provider() -> Result<(), std::sync::Arc<rustls::crypto::CryptoProvider>> {
    rustls::crypto::aws_lc_rs::default_provider().install_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friends_across_two_nodes_see_each_change_pushed_and_each_other_online() {
    let _ = rustls_provider();
    let deployment = Deployment::new().await;
    let one_request = [("RALLY_FRIEND_REQUESTS_MAX", "1")];
    let first = deployment.node("api", &one_request);
    let second = deployment.node("api", &one_request);
    let (ada, ada_token) = first.register("ada").await;
    let (bob, bob_token) = second.register("bob").await;
    let (mut ada_socket, _) = Socket::connect(first.addr, &ada_token).await;
    let (mut bob_socket, _) = Socket::connect(second.addr, &bob_token).await;

    // Two requests crossing at once, through the two nodes: one pair of friends, whichever
    // commits first.
    let (cyd, cyd_token) = first.register("cyd").await;
    let (dan, dan_token) = second.register("dan").await;
    let ((one, _), (other, _)) = tokio::join!(
        first.call(
            "POST",
            "/v1/friends/requests",
            Some(&cyd_token),
            Some(json!({"player_id": dan}))
        ),
        second.call(
            "POST",
            "/v1/friends/requests",
            Some(&dan_token),
            Some(json!({"player_id": cyd}))
        ),
    );
    assert_eq!((one, other), (201, 201));
    let (_, cyd_list) = first
        .call("GET", "/v1/friends", Some(&cyd_token), None)
        .await;
    assert_eq!(
        cyd_list["friends"].as_array().unwrap().len(),
        1,
        "{cyd_list}"
    );
    assert_eq!(cyd_list["friends"][0]["state"], "friend", "{cyd_list}");
    // Two requests at once past a limit of one waiting: one is refused.
    let (eve, _) = first.register("eve").await;
    let (fay, _) = second.register("fay").await;
    let ((to_eve, _), (to_fay, _)) = tokio::join!(
        first.call(
            "POST",
            "/v1/friends/requests",
            Some(&cyd_token),
            Some(json!({"player_id": eve}))
        ),
        second.call(
            "POST",
            "/v1/friends/requests",
            Some(&cyd_token),
            Some(json!({"player_id": fay}))
        ),
    );
    let mut statuses = [to_eve, to_fay];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);

    let (status, asked) = first
        .call(
            "POST",
            "/v1/friends/requests",
            Some(&ada_token),
            Some(json!({"player_id": bob})),
        )
        .await;
    assert_eq!(
        (status, asked["state"].as_str()),
        (201, Some("outgoing")),
        "{asked}"
    );
    let pushed = bob_socket.next_of("friend.updated").await;
    assert_eq!(
        (
            pushed["data"]["kind"].as_str(),
            pushed["data"]["actor_id"].as_str()
        ),
        (Some("requested"), Some(ada.as_str()))
    );
    // The same pair asked the other way through the other node accepts the first request.
    let (status, crossed) = second
        .call(
            "POST",
            "/v1/friends/requests",
            Some(&bob_token),
            Some(json!({"player_id": ada})),
        )
        .await;
    assert_eq!(
        (status, crossed["state"].as_str()),
        (201, Some("friend")),
        "{crossed}"
    );
    assert_eq!(
        crossed["presence"]["status"], "online",
        "ada is on the other node"
    );
    // Ada hears of her own request first, then of its acceptance.
    let own = ada_socket.next_of("friend.updated").await;
    assert_eq!(own["data"]["kind"], "requested");
    let accepted = ada_socket.next_of("friend.updated").await;
    assert_eq!(accepted["data"]["kind"], "accepted");
    let (_, listed) = first
        .call("GET", "/v1/friends", Some(&ada_token), None)
        .await;
    assert_eq!(listed["friends"][0]["player_id"], bob.as_str(), "{listed}");
    assert_eq!(
        listed["friends"][0]["presence"]["status"], "online",
        "{listed}"
    );

    // Bob makes a party through one node: Ada, on the other, is pushed where he is now.
    let (status, party) = second
        .call("POST", "/v1/party", Some(&bob_token), Some(json!({})))
        .await;
    assert_eq!(status, 201, "{party}");
    loop {
        let moved = ada_socket.next_of("friend.presence").await;
        if moved["data"]["presence"]["status"] == "in_party" {
            assert_eq!(moved["data"]["player_id"], bob.as_str(), "{moved}");
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_across_two_nodes_is_pushed_stored_once_and_kept_apart_by_a_block() {
    let _ = rustls_provider();
    let deployment = Deployment::new().await;
    let first = deployment.node("api", &[]);
    let second = deployment.node("api", &[]);
    let (ada, ada_token) = first.register("ada").await;
    let (bob, bob_token) = second.register("bob").await;
    let (mut bob_socket, _) = Socket::connect(second.addr, &bob_token).await;

    // Sent through one node, pushed by the other to its socket, each once (two nodes share
    // the dispatch, so two pushes may swap: a client orders a channel by id).
    let to_bob = format!("/v1/chat/channels/dm:{bob}/messages");
    let mut ids = Vec::new();
    for body in ["one", "two", "three"] {
        let (status, sent) = first
            .call(
                "POST",
                &to_bob,
                Some(&ada_token),
                Some(json!({ "body": body })),
            )
            .await;
        assert_eq!(status, 201, "{sent}");
        ids.push(sent["id"].clone());
    }
    let mut pushed = Vec::new();
    while pushed.len() < 3 {
        let push = bob_socket.next_of("chat.message").await;
        pushed.push(push["data"]["message"]["id"].clone());
    }
    let key = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    let mut pushed: Vec<String> = pushed.iter().map(key).collect();
    let mut ids: Vec<String> = ids.iter().map(key).collect();
    pushed.sort();
    ids.sort();
    assert_eq!(pushed, ids, "each once");
    let (_, unread) = second
        .call("GET", "/v1/chat/unread", Some(&bob_token), None)
        .await;
    assert_eq!(unread["channels"][0]["unread"], 3, "{unread}");
    let channel = format!("dm:{ada}");
    let (status, page) = second
        .call(
            "GET",
            &format!("/v1/chat/channels/{channel}/messages?limit=2"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["three", "two"]);

    // A block through one node refuses the next message through the other.
    let (status, _) = second
        .call("PUT", &format!("/v1/blocks/{ada}"), Some(&bob_token), None)
        .await;
    assert_eq!(status, 204);
    let (status, refused) = first
        .call(
            "POST",
            &to_bob,
            Some(&ada_token),
            Some(json!({ "body": "four" })),
        )
        .await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("blocked")));
}
