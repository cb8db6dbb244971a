//! Two `rally serve --roles api` processes sharing PostgreSQL, Redis and NATS: a player
//! connected to one node receives the changes other players make through the other, and
//! stays online while moving from one node to the other.

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
