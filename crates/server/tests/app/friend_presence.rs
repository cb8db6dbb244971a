//! A friend's moves pushed: joining a party, queueing, leaving the queue, being matched and
//! leaving the party each reach their friends as `friend.presence` with where they are now,
//! and a change over the player's quota is told late rather than lost.

use std::time::Duration;

use rally_state::Quota;
use serde_json::{Value, json};

use crate::gateway::{Client, connect_hello};
use crate::harness::{TestApp, spawn_app};
use crate::party::{Player, create, player, post};
use crate::queue::{cancel, duel, queue, with};

/// Ada and Bob, friends.
async fn friends(app: &TestApp) -> (Player, Player) {
    let ada = player(app, "ada").await;
    let bob = player(app, "bob").await;
    let body = json!({"player_id": bob.id});
    let asked = app
        .call("POST", "/v1/friends/requests", Some(body), Some(&ada.token))
        .await;
    assert_eq!(asked.status, 201);
    let path = format!("/v1/friends/requests/{}/accept", ada.id);
    let accepted = app.call("POST", &path, None, Some(&bob.token)).await;
    assert_eq!(accepted.status, 200);
    (ada, bob)
}

/// The next status of `who` pushed to `socket`.
async fn next_status(socket: &mut Client, who: &Player) -> Value {
    loop {
        let pushed = socket.next_of("friend.presence").await;
        if pushed["data"]["player_id"] == who.id.as_str() {
            return pushed["data"]["presence"]["status"].clone();
        }
    }
}

#[tokio::test]
async fn a_friend_moving_through_party_queue_and_match_is_pushed_at_each_step() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let (ada, bob) = friends(&app).await;
    let cyd = player(&app, "cyd").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (_bob_socket, _) = connect_hello(addr, &bob.token, "").await;
    assert_eq!(next_status(&mut ada_socket, &bob).await, "online");

    let party = create(&app, &bob, json!({})).await;
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_party");
    assert_eq!(queue(&app, &bob, duel(20)).await.status, 201);
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_queue");
    assert_eq!(cancel(&app, &bob).await.status, 200);
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_party");
    assert_eq!(queue(&app, &bob, duel(20)).await.status, 201);
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_queue");
    assert_eq!(queue(&app, &cyd, duel(30)).await.status, 201);
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_match");
    let left = post(&app, &bob, &format!("/v1/party/{party}/leave"), json!({})).await;
    assert_eq!(left.status, 204, "{}", String::from_utf8_lossy(&left.body));
    // Still in the match, which is what Ada sees.
    let list = app
        .call("GET", "/v1/friends", None, Some(&ada.token))
        .await
        .json();
    assert_eq!(list["friends"][0]["presence"]["status"], "in_match");
}

#[tokio::test]
async fn a_move_over_the_quota_is_told_once_allowed_not_dropped() {
    let mut app = spawn_app(&with(&[("friend_presence_per_minute", "60")])).await;
    let addr = app.serve();
    let (ada, bob) = friends(&app).await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (_bob_socket, _) = connect_hello(addr, &bob.token, "").await;
    assert_eq!(next_status(&mut ada_socket, &bob).await, "online");

    // Bob's quota spent: his next move is put off about a second, then told.
    let state = &app.state().backends().state;
    let quota = Quota::new(60, Duration::from_secs(60)).unwrap();
    let key = format!("friend-presence:{}", bob.id);
    while state.rate_limit(&key, quota).await.unwrap().allowed {}
    create(&app, &bob, json!({})).await;
    assert_eq!(next_status(&mut ada_socket, &bob).await, "in_party");
    let metrics = app.state().metrics().render();
    let deferred = metrics
        .lines()
        .find(|l| l.starts_with("rally_friend_presence_pushes_deferred_total"))
        .unwrap_or_else(|| panic!("no deferral counted:\n{metrics}"));
    assert!(!deferred.ends_with(" 0"), "{deferred}");
}
