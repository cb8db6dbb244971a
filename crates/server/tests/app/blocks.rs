//! Blocks over HTTP: a block ends the pair's friendship (the other sees it removed, never that
//! they were blocked), refuses friend requests and party invites either way, is listed and
//! lifted; the matchmaker never puts the two in one match; and every refusal has its code.

use serde_json::{Value, json};

use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, create, player, post};
use crate::queue::{duel, queue, ticket, with};

async fn call(app: &TestApp, who: &Player, method: &str, path: &str) -> Answer {
    app.call(method, path, None, Some(&who.token)).await
}

async fn block(app: &TestApp, who: &Player, other: &Player) -> Answer {
    call(app, who, "PUT", &format!("/v1/blocks/{}", other.id)).await
}

async fn ask(app: &TestApp, who: &Player, other: &Player) -> Answer {
    let body = json!({"player_id": other.id});
    app.call("POST", "/v1/friends/requests", Some(body), Some(&who.token))
        .await
}

async fn blocked(app: &TestApp, who: &Player) -> Vec<Value> {
    let answer = call(app, who, "GET", "/v1/blocks").await;
    assert_eq!(answer.status, 200);
    answer.json()["blocked"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_block_ends_the_friendship_refuses_requests_either_way_and_is_lifted() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    assert_eq!(ask(&app, &ada, &bob).await.status, 201);
    let accept = format!("/v1/friends/requests/{}/accept", ada.id);
    assert_eq!(call(&app, &bob, "POST", &accept).await.status, 200);
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    assert_eq!(block(&app, &ada, &bob).await.status, 204);
    // The request's and the acceptance's pushes may still be on their way to the new socket;
    // the removal follows them.
    let mut told = bob_socket.next_of("friend.updated").await;
    for _ in 0..2 {
        if told["data"]["kind"] != "removed" {
            told = bob_socket.next_of("friend.updated").await;
        }
    }
    assert_eq!(told["data"]["kind"], "removed", "{told}");
    assert_eq!(told["data"]["actor_id"], ada.id.as_str());
    let friends = app.call("GET", "/v1/friends", None, Some(&bob.token)).await;
    assert_eq!(friends.json()["friends"], json!([]));
    let list = blocked(&app, &ada).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["player_id"], bob.id.as_str());
    assert_eq!(list[0]["display_name"], "bob");
    assert!(
        blocked(&app, &bob).await.is_empty(),
        "a block is the blocker's"
    );
    // Blocking again changes nothing.
    assert_eq!(block(&app, &ada, &bob).await.status, 204);
    assert_eq!(blocked(&app, &ada).await.len(), 1);

    for (from, to) in [(&bob, &ada), (&ada, &bob)] {
        assert_eq!(
            problem(&ask(&app, from, to).await),
            (403, "blocked".to_owned())
        );
    }
    let lift = format!("/v1/blocks/{}", bob.id);
    assert_eq!(call(&app, &ada, "DELETE", &lift).await.status, 204);
    assert_eq!(
        problem(&call(&app, &ada, "DELETE", &lift).await),
        (404, "not_blocked".to_owned())
    );
    assert!(blocked(&app, &ada).await.is_empty());
    assert_eq!(ask(&app, &bob, &ada).await.status, 201);
}

#[tokio::test]
async fn a_pending_request_ends_with_the_block_as_its_sender_would_see_it_ended() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    assert_eq!(ask(&app, &bob, &ada).await.status, 201);
    assert_eq!(block(&app, &ada, &bob).await.status, 204);
    let mine = app.call("GET", "/v1/friends", None, Some(&bob.token)).await;
    assert_eq!(mine.json()["friends"], json!([]));
    let accept = format!("/v1/friends/requests/{}/accept", bob.id);
    assert_eq!(
        problem(&call(&app, &ada, "POST", &accept).await),
        (404, "friend_request_not_found".to_owned())
    );
}

#[tokio::test]
async fn refusals_have_their_codes_and_the_limit_counts_each_player_once() {
    let app = spawn_app(&with(&[("blocks_max", "1")])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    assert_eq!(
        problem(&block(&app, &ada, &ada).await),
        (422, "cannot_block_self".to_owned())
    );
    let nobody = format!("/v1/blocks/{}", uuid::Uuid::new_v4());
    assert_eq!(
        problem(&call(&app, &ada, "PUT", &nobody).await),
        (404, "player_not_found".to_owned())
    );
    assert_eq!(block(&app, &ada, &bob).await.status, 204);
    assert_eq!(block(&app, &ada, &bob).await.status, 204, "not a second");
    assert_eq!(
        problem(&block(&app, &ada, &cyd).await),
        (409, "blocks_limit".to_owned())
    );
    assert_eq!(
        blocked(&app, &ada).await.len(),
        1,
        "the refused block left nothing"
    );
    let answer = app.call("GET", "/v1/blocks", None, None).await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn nobody_is_invited_to_or_joins_a_party_beside_a_player_either_blocked() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let party = create(&app, &ada, json!({ "open": true })).await;
    let invite = format!("/v1/party/{party}/invite");
    // Bob blocked Ada: Ada cannot invite him.
    assert_eq!(block(&app, &bob, &ada).await.status, 204);
    let sent = post(&app, &ada, &invite, json!({ "player_id": bob.id })).await;
    assert_eq!(problem(&sent), (403, "blocked".to_owned()));
    // Nor can another member, and Bob cannot walk into the open party.
    let joined = post(&app, &cyd, &format!("/v1/party/{party}/join"), json!({})).await;
    assert_eq!(joined.status, 200);
    let sent = post(&app, &cyd, &invite, json!({ "player_id": bob.id })).await;
    assert_eq!(problem(&sent), (403, "blocked".to_owned()));
    let walked = post(&app, &bob, &format!("/v1/party/{party}/join"), json!({})).await;
    assert_eq!(problem(&walked), (403, "blocked".to_owned()));
}

#[tokio::test]
async fn the_matchmaker_never_puts_two_players_either_blocked_in_one_match() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    assert_eq!(block(&app, &bob, &ada).await.status, 204);
    let (mut cyd_socket, _) = connect_hello(addr, &cyd.token, "").await;
    assert_eq!(queue(&app, &ada, duel(25)).await.status, 201);
    assert_eq!(queue(&app, &bob, duel(25)).await.status, 201);
    assert_eq!(queue(&app, &cyd, duel(25)).await.status, 201);
    let found = cyd_socket.next_of("match.found").await;
    let players: Vec<String> = found["data"]["teams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t.as_array().unwrap())
        .map(|p| p["player_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(players.len(), 2);
    assert!(players.contains(&cyd.id), "{players:?}");
    // Cyd played one of the two; the other still waits, for anyone but the one they avoid.
    let (matched, waiting) = if players.contains(&ada.id) {
        (&ada, &bob)
    } else {
        (&bob, &ada)
    };
    assert_eq!(ticket(&app, matched).await.json()["state"], "matched");
    assert_eq!(ticket(&app, waiting).await.json()["state"], "searching");
}
