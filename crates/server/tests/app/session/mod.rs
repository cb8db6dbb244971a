//! Game sessions through the whole path in one node: a match made, a server allocated, tokens
//! verified by a game server, heartbeats, a result stored once; a missed heartbeat; a failing
//! allocator that sends the players back to the queue with their place kept; a batch of new
//! matches allocated together.

use rally_clock::ManualClock;
use serde_json::Value;

use crate::gateway::{Client, connect_hello};
use crate::harness::{Answer, TestApp};
use crate::party::{Player, player};
use crate::queue::{duel, queue};

/// A game server's call with `key`.
pub async fn server_call(app: &TestApp, key: &str, path: &str, body: Value) -> Answer {
    app.call("POST", path, Some(body), Some(key)).await
}

/// `who`'s entry among the participants of `GET /v1/matches/{match_id}`, as `who` sees it.
pub async fn participant_of(app: &TestApp, who: &Player, match_id: &str) -> Value {
    let summary = app
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            None,
            Some(&who.token),
        )
        .await
        .json();
    summary["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player_id"] == who.id.as_str())
        .unwrap()
        .clone()
}

pub fn server_key(app: &TestApp) -> String {
    app.state().secrets().server_key.expose().to_owned()
}

/// Two players with sockets, queued for a duel; waits for `match.found` and returns its id.
pub async fn matched_pair(app: &mut TestApp) -> (Player, Player, Client, Client, String) {
    matched_pair_on(app, None).await
}

/// [`matched_pair`] on a node whose clock is `manual`: it is advanced past a matchmaker round
/// once both have queued.
pub async fn matched_pair_on(
    app: &mut TestApp,
    manual: Option<&ManualClock>,
) -> (Player, Player, Client, Client, String) {
    let addr = app.serve();
    let ada = player(app, "ada").await;
    let bob = player(app, "bob").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (bob_socket, _) = connect_hello(addr, &bob.token, "").await;
    assert_eq!(queue(app, &ada, duel(20)).await.status, 201);
    assert_eq!(queue(app, &bob, duel(20)).await.status, 201);
    if let Some(manual) = manual {
        manual.advance(std::time::Duration::from_secs(1));
    }
    let found = ada_socket.next_of("match.found").await;
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    (ada, bob, ada_socket, bob_socket, match_id)
}

mod acceptance;
mod backfill;
mod batch;
mod lifecycle;
