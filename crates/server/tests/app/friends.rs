//! Friends over HTTP and the gateway: requests asked, crossed, accepted, declined, cancelled and
//! removed, each pushed to both players; the list with each friend's presence, and a friend
//! coming online and going offline pushed; the limits and every refusal with its code.

use std::time::Duration;

use serde_json::{Value, json};

use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, player};
use crate::queue::{queue, with};

async fn ask(app: &TestApp, who: &Player, other: &Player) -> Answer {
    let body = json!({"player_id": other.id});
    app.call("POST", "/v1/friends/requests", Some(body), Some(&who.token))
        .await
}

async fn act(app: &TestApp, who: &Player, method: &str, path: String) -> Answer {
    app.call(method, &path, None, Some(&who.token)).await
}

/// `who` accepts the request `from` sent.
async fn accept(app: &TestApp, who: &Player, from: &Player) -> Answer {
    let path = format!("/v1/friends/requests/{}/accept", from.id);
    act(app, who, "POST", path).await
}

async fn list(app: &TestApp, who: &Player) -> Vec<Value> {
    let answer = app.call("GET", "/v1/friends", None, Some(&who.token)).await;
    assert_eq!(answer.status, 200);
    answer.json()["friends"].as_array().unwrap().clone()
}

fn entry<'a>(list: &'a [Value], who: &Player) -> &'a Value {
    list.iter()
        .find(|e| e["player_id"] == who.id.as_str())
        .unwrap_or_else(|| panic!("{} is not listed: {list:?}", who.id))
}

#[tokio::test]
async fn a_friendship_is_asked_accepted_listed_with_presence_removed_and_pushed_to_both() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    let asked = ask(&app, &ada, &bob).await;
    assert_eq!(
        asked.status,
        201,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    assert_eq!(asked.json()["state"], "outgoing");
    assert!(
        asked.json().get("presence").is_none(),
        "a request shows no presence"
    );
    for socket in [&mut ada_socket, &mut bob_socket] {
        let pushed = socket.next_of("friend.updated").await;
        assert_eq!(pushed["data"]["kind"], "requested");
        assert_eq!(pushed["data"]["actor_id"], ada.id.as_str());
        assert_eq!(pushed["data"]["player_id"], bob.id.as_str());
    }
    assert_eq!(entry(&list(&app, &bob).await, &ada)["state"], "incoming");
    assert_eq!(
        problem(&ask(&app, &ada, &bob).await),
        (409, "friend_request_exists".to_owned())
    );

    let accepted = accept(&app, &bob, &ada).await;
    assert_eq!(accepted.status, 200);
    assert_eq!(accepted.json()["state"], "friend");
    assert_eq!(accepted.json()["presence"]["status"], "online");
    assert_eq!(
        ada_socket.next_of("friend.updated").await["data"]["kind"],
        "accepted"
    );
    assert_eq!(
        problem(&ask(&app, &bob, &ada).await),
        (409, "already_friends".to_owned())
    );
    // Bob queues: Ada's list shows where he is.
    let duel = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    assert_eq!(queue(&app, &bob, duel).await.status, 201);
    let seen = entry(&list(&app, &ada).await, &bob).clone();
    assert_eq!(seen["state"], "friend");
    assert_eq!(seen["display_name"], "bob");
    assert_eq!(seen["presence"]["status"], "in_queue");

    let removed = act(&app, &ada, "DELETE", format!("/v1/friends/{}", bob.id)).await;
    assert_eq!(removed.status, 204);
    // Bob hears of his own acceptance, then of the removal.
    for kind in ["accepted", "removed"] {
        assert_eq!(
            bob_socket.next_of("friend.updated").await["data"]["kind"],
            kind
        );
    }
    assert!(list(&app, &ada).await.is_empty());
    assert!(list(&app, &bob).await.is_empty());
    let again = act(&app, &ada, "DELETE", format!("/v1/friends/{}", bob.id)).await;
    assert_eq!(problem(&again), (404, "not_friends".to_owned()));
}

#[tokio::test]
async fn crossed_requests_make_friends_and_a_declined_or_cancelled_one_may_be_asked_again() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    assert_eq!(ask(&app, &ada, &bob).await.status, 201);
    let crossed = ask(&app, &bob, &ada).await;
    assert_eq!(crossed.status, 201);
    assert_eq!(
        crossed.json()["state"],
        "friend",
        "the second request accepts the first"
    );

    assert_eq!(ask(&app, &cyd, &ada).await.status, 201);
    let declined = act(
        &app,
        &ada,
        "POST",
        format!("/v1/friends/requests/{}/decline", cyd.id),
    )
    .await;
    assert_eq!(declined.status, 204);
    let gone = accept(&app, &ada, &cyd).await;
    assert_eq!(problem(&gone), (404, "friend_request_not_found".to_owned()));
    assert_eq!(ask(&app, &cyd, &ada).await.status, 201, "asked again");
    // Only the one who asked may withdraw; only the one asked may accept.
    let not_theirs = act(
        &app,
        &ada,
        "DELETE",
        format!("/v1/friends/requests/{}", cyd.id),
    )
    .await;
    assert_eq!(
        problem(&not_theirs),
        (404, "friend_request_not_found".to_owned())
    );
    let own = accept(&app, &cyd, &ada).await;
    assert_eq!(problem(&own), (404, "friend_request_not_found".to_owned()));
    let cancelled = act(
        &app,
        &cyd,
        "DELETE",
        format!("/v1/friends/requests/{}", ada.id),
    )
    .await;
    assert_eq!(cancelled.status, 204);
    let ada_list = list(&app, &ada).await;
    assert_eq!(ada_list.len(), 1, "{ada_list:?}");
    assert_eq!(entry(&ada_list, &bob)["state"], "friend");

    assert_eq!(
        problem(&ask(&app, &ada, &ada).await),
        (422, "cannot_befriend_self".to_owned())
    );
    let nobody = Player {
        id: uuid::Uuid::new_v4().to_string(),
        token: String::new(),
    };
    assert_eq!(
        problem(&ask(&app, &ada, &nobody).await),
        (404, "player_not_found".to_owned())
    );
    let junk = app
        .call(
            "POST",
            "/v1/friends/requests",
            Some(json!({"player_id": "x"})),
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&junk).0, 400);
}

#[tokio::test]
async fn the_limits_on_friends_and_waiting_requests_refuse_with_their_codes() {
    let app = spawn_app(&with(&[("friends_max", "1"), ("friend_requests_max", "1")])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let dan = player(&app, "dan").await;
    assert_eq!(ask(&app, &ada, &bob).await.status, 201);
    let sent = ask(&app, &ada, &cyd).await;
    assert_eq!(problem(&sent), (409, "friend_requests_limit".to_owned()));
    let received = ask(&app, &dan, &bob).await;
    assert_eq!(
        problem(&received),
        (409, "friend_requests_limit".to_owned())
    );
    let accepted = accept(&app, &bob, &ada).await;
    assert_eq!(accepted.status, 200);
    let full = ask(&app, &cyd, &ada).await;
    assert_eq!(problem(&full), (409, "friends_limit".to_owned()));
    let mine = ask(&app, &ada, &dan).await;
    assert_eq!(problem(&mine), (409, "friends_limit".to_owned()));
    // An accept that would pass the limit is refused too: Dan waits on Cyd's request, and
    // meanwhile makes a friend of Eve.
    let eve = player(&app, "eve").await;
    assert_eq!(ask(&app, &cyd, &dan).await.status, 201);
    assert_eq!(ask(&app, &dan, &eve).await.status, 201);
    assert_eq!(accept(&app, &eve, &dan).await.status, 200);
    let late = accept(&app, &dan, &cyd).await;
    assert_eq!(problem(&late), (409, "friends_limit".to_owned()));
}

#[tokio::test]
async fn a_friend_coming_and_going_is_pushed_and_shows_offline_with_when_last_seen() {
    let mut app = spawn_app(&with(&[("ws_resume_grace_s", "0")])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    assert_eq!(ask(&app, &ada, &bob).await.status, 201);
    assert_eq!(accept(&app, &bob, &ada).await.status, 200);
    let offline = entry(&list(&app, &ada).await, &bob)["presence"].clone();
    assert_eq!(offline["status"], "offline");
    assert!(
        offline["last_seen_at"].is_null(),
        "never connected: {offline}"
    );

    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (socket, _) = connect_hello(addr, &bob.token, "").await;
    // Ada is told as Bob comes online, and as he goes.
    let came = ada_socket.next_of("friend.presence").await;
    assert_eq!(came["data"]["player_id"], bob.id.as_str());
    assert_eq!(came["data"]["presence"]["status"], "online");
    assert_eq!(
        entry(&list(&app, &ada).await, &bob)["presence"]["status"],
        "online"
    );
    socket.cut();
    let went = ada_socket.next_of("friend.presence").await;
    assert_eq!(went["data"]["presence"]["status"], "offline", "{went}");
    let mut presence = Value::Null;
    for _ in 0..100 {
        presence = entry(&list(&app, &ada).await, &bob)["presence"].clone();
        if presence["last_seen_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(presence["status"], "offline", "{presence}");
    assert!(presence["last_seen_at"].is_string(), "{presence}");
}
