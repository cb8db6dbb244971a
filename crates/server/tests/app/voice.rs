//! Voice for parties: each member's LiveKit token, checked with another JWT library than the
//! one that signs it (issuer, identity, the room grant, lifetime, signature); a new room once a
//! member leaves; each member's access in the party as answered and in the push of a new room;
//! a webhook provider asked for each member's token; and the refusals.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::{Json, Router, routing};
use jwt::VerifyWithKey;
use jwt_hmac::{Hmac, Mac};
use jwt_sha2::Sha256;
use serde_json::{Value, json};

use crate::accounts::problem;
use crate::gateway::{Client, connect_hello};
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, create, get, join, player, post};
use crate::queue::with;

const SECRET: &str = "livekit-test-secret-0123456789abcdef";

async fn voice(app: &TestApp, who: &Player, party: &str) -> Answer {
    let path = format!("/v1/party/{party}/voice");
    app.call("GET", &path, None, Some(&who.token)).await
}

/// The claims of a LiveKit token, once its HS256 signature checks out with `SECRET`.
pub fn verified(token: &str) -> BTreeMap<String, Value> {
    let key: Hmac<Sha256> = Hmac::new_from_slice(SECRET.as_bytes()).unwrap();
    token
        .verify_with_key(&key)
        .expect("signed with the API secret")
}

/// Settings for a node with LiveKit voice, plus `extra`.
pub fn livekit_with(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut all = vec![
        ("voice_provider", "livekit"),
        ("voice_url", "wss://voice.example.com"),
        ("livekit_api_key", "APIrally"),
        ("livekit_api_secret", SECRET),
        ("voice_token_ttl_s", "600"),
    ];
    all.extend_from_slice(extra);
    with(&all)
}

fn livekit() -> Vec<(&'static str, String)> {
    livekit_with(&[])
}

#[tokio::test]
async fn each_member_gets_a_livekit_token_for_the_partys_room_and_a_new_room_after_a_leave() {
    let app = spawn_app(&livekit()).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let party = create(&app, &ada, json!({ "open": true })).await;
    join(&app, &bob, &party).await;

    let mine = voice(&app, &ada, &party).await;
    assert_eq!(mine.status, 200, "{}", String::from_utf8_lossy(&mine.body));
    let mine = mine.json();
    let theirs = voice(&app, &bob, &party).await.json();
    assert_eq!(mine["provider"], "livekit");
    assert_eq!(mine["url"], "wss://voice.example.com");
    assert_eq!(mine["room"], theirs["room"]);
    assert_ne!(mine["token"], theirs["token"]);
    let room = mine["room"].as_str().unwrap().to_owned();
    assert!(room.starts_with(&format!("party-{party}-")), "{room}");

    let claims = verified(mine["token"].as_str().unwrap());
    assert_eq!(claims["iss"], "APIrally");
    assert_eq!(claims["sub"], ada.id.as_str());
    assert_eq!(claims["name"], "ada");
    let grant = &claims["video"];
    assert_eq!(grant["room"], room.as_str());
    assert_eq!(
        (
            &grant["roomJoin"],
            &grant["canPublish"],
            &grant["canSubscribe"]
        ),
        (&json!(true), &json!(true), &json!(true))
    );
    let lifetime = claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap();
    assert_eq!(lifetime, 600);
    // A token signed with another secret does not verify.
    let forged: Hmac<Sha256> = Hmac::new_from_slice(b"another secret").unwrap();
    let refused: Result<BTreeMap<String, Value>, _> =
        mine["token"].as_str().unwrap().verify_with_key(&forged);
    assert!(refused.is_err());

    // Bob leaves: Ada is handed a new room, Bob nothing.
    let left = post(&app, &bob, &format!("/v1/party/{party}/leave"), json!({})).await;
    assert_eq!(left.status, 204);
    let after = voice(&app, &ada, &party).await.json();
    assert_ne!(after["room"], room.as_str());
    assert_eq!(
        problem(&voice(&app, &bob, &party).await),
        (404, "not_in_party".to_owned())
    );
    assert_eq!(
        problem(&voice(&app, &cyd, &party).await),
        (404, "not_in_party".to_owned())
    );
    let nowhere = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        problem(&voice(&app, &ada, &nowhere).await),
        (404, "party_not_found".to_owned())
    );
}

#[tokio::test]
async fn members_get_their_access_in_the_party_answered_and_in_the_push_of_a_new_room() {
    let mut app = spawn_app(&livekit()).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let (mut ada_socket, _) = connect_hello(addr, &ada.token, "").await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    let created = post(&app, &ada, "/v1/party", json!({ "open": true })).await;
    assert_eq!(created.status, 201);
    let created = created.json();
    let party = created["id"].as_str().unwrap().to_owned();
    let first_room = created["voice"]["room"].as_str().unwrap().to_owned();
    assert!(first_room.starts_with(&format!("party-{party}-")));
    assert_eq!(
        verified(created["voice"]["token"].as_str().unwrap())["sub"],
        ada.id.as_str()
    );
    let read = get(&app, &ada, &format!("/v1/party/{party}")).await.json();
    assert_eq!(read["voice"]["room"], first_room.as_str());
    let outsider = get(&app, &cyd, &format!("/v1/party/{party}")).await.json();
    assert!(
        outsider.get("voice").is_none(),
        "no access for a non-member: {outsider}"
    );

    // Bob joins: his answer carries his access, and Ada's push hers, to the same room.
    let joined = join(&app, &bob, &party).await;
    assert_eq!(
        verified(joined["voice"]["token"].as_str().unwrap())["sub"],
        bob.id.as_str()
    );
    let pushed = next_party_update(&mut ada_socket, "joined").await;
    assert_eq!(pushed["voice"]["room"], joined["voice"]["room"]);
    assert_eq!(
        verified(pushed["voice"]["token"].as_str().unwrap())["sub"],
        ada.id.as_str()
    );

    // Bob leaves: Ada is pushed her access to the new room; Bob, told he left, none.
    let left = post(&app, &bob, &format!("/v1/party/{party}/leave"), json!({})).await;
    assert_eq!(left.status, 204);
    let moved = next_party_update(&mut ada_socket, "left").await;
    let new_room = moved["voice"]["room"].as_str().unwrap();
    assert_ne!(new_room, joined["voice"]["room"].as_str().unwrap());
    assert_eq!(
        verified(moved["voice"]["token"].as_str().unwrap())["video"]["room"],
        new_room
    );
    let told = next_party_update(&mut bob_socket, "left").await;
    assert!(told.get("voice").is_none(), "{told}");
    // Any answer of the party carries the caller's access; a push that changes no members
    // hands out none.
    let ready = post(
        &app,
        &ada,
        &format!("/v1/party/{party}/ready"),
        json!({"ready": true}),
    )
    .await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["voice"]["room"], new_room);
    let pushed = next_party_update(&mut ada_socket, "ready").await;
    assert!(pushed.get("voice").is_none(), "{pushed}");
}

/// The data of the next `party.updated` pushed to `socket` for `reason`.
async fn next_party_update(socket: &mut Client, reason: &str) -> Value {
    loop {
        let pushed = socket.next_of("party.updated").await;
        if pushed["data"]["reason"] == reason {
            return pushed["data"].clone();
        }
    }
}

/// A stand-in for an operator's voice service: answers each request with a token naming the
/// player, and keeps what it was asked.
async fn voice_service() -> (SocketAddr, Arc<Mutex<Vec<Value>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let app = Router::new().route(
        "/token",
        routing::post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let token = format!("token-for-{}", body["player_id"].as_str().unwrap_or(""));
                seen.lock().unwrap().push(body);
                Json(json!({ "url": "https://voice.example.net", "token": token }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, asked)
}

#[tokio::test]
async fn a_webhook_provider_is_asked_for_each_members_token_and_its_silence_is_a_503() {
    let (addr, asked) = voice_service().await;
    let url = format!("http://{addr}/token");
    let app = spawn_app(&with(&[
        ("voice_provider", "webhook"),
        ("voice_webhook_url", url.as_str()),
    ]))
    .await;
    let ada = player(&app, "ada").await;
    let party = create(&app, &ada, json!({})).await;
    let access = voice(&app, &ada, &party).await;
    assert_eq!(
        access.status,
        200,
        "{}",
        String::from_utf8_lossy(&access.body)
    );
    let access = access.json();
    assert_eq!(access["provider"], "webhook");
    assert_eq!(access["url"], "https://voice.example.net");
    assert_eq!(access["token"], format!("token-for-{}", ada.id));
    // Asked for the party's answer, its push and this call: each time for Ada's seat.
    let seen = asked.lock().unwrap().clone();
    assert!(!seen.is_empty());
    for asked in &seen {
        assert_eq!(asked["kind"], "party");
        assert_eq!(asked["party_id"], party.as_str());
        assert_eq!(asked["room"], access["room"]);
        assert_eq!(asked["display_name"], "ada");
    }

    // A webhook that does not answer: 503 with Retry-After, never a 500.
    let silent = spawn_app(&with(&[
        ("voice_provider", "webhook"),
        ("voice_webhook_url", "http://127.0.0.1:9/token"),
    ]))
    .await;
    let ada = player(&silent, "ada").await;
    let party = create(&silent, &ada, json!({})).await;
    // The party is answered all the same, without voice.
    let mine = silent
        .call("GET", "/v1/party/me", None, Some(&ada.token))
        .await;
    assert_eq!(mine.status, 200);
    assert!(mine.json().get("voice").is_none(), "{}", mine.json());
    let down = voice(&silent, &ada, &party).await;
    assert_eq!(problem(&down), (503, "backend_unavailable".to_owned()));
    assert!(down.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn without_a_provider_voice_is_not_configured() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let party = create(&app, &ada, json!({})).await;
    assert_eq!(
        problem(&voice(&app, &ada, &party).await),
        (404, "voice_not_configured".to_owned())
    );
}
