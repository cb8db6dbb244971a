//! Leavers: a player a game server reports as `left` gets a queue cooldown as a sanction from
//! `auto:leaver` (told, audited, liftable), the next leave climbs the ladder, and a match
//! played to its end takes a strike back.

use rally_store::OperatorRole;
use serde_json::json;

use crate::accounts::problem;
use crate::admin::{actions_by, add, login};
use crate::harness::{TestApp, spawn_app};
use crate::party::Player;
use crate::queue::{duel, queue, with};
use crate::session::{matched_pair, server_call, server_key};

/// Reports `match_id` with `leaver` gone and `stayer` the winner.
async fn left(app: &TestApp, match_id: &str, leaver: &Player, stayer: &Player) {
    let path = format!("/v1/server/sessions/{match_id}/result");
    let report = json!({"outcomes": [
        {"player_id": leaver.id, "outcome": "left"},
        {"player_id": stayer.id, "outcome": "win"},
    ], "duration_s": 120.0});
    server_call(app, &server_key(app), &path, report)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_leaver_gets_a_cooldown_sanction_the_stayer_none_and_a_moderator_may_lift_it() {
    let mut app = spawn_app(&with(&[])).await;
    add(&app, "mod", OperatorRole::Moderator).await;
    let moderator = login(&app, "mod").await;
    let (ada, bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    ada_socket.next_of("session.ready").await;

    left(&app, &match_id, &ada, &bob).await;
    let told = ada_socket.next_of("moderation.notice").await;
    assert_eq!(told["data"]["kind"], "sanction_given");
    assert_eq!(told["data"]["sanction"]["kind"], "cooldown");
    let refused = queue(&app, &ada, duel(20)).await;
    assert_eq!(problem(&refused), (403, "queue_cooldown".to_owned()));
    assert!(refused.headers.get("retry-after").is_some());
    assert_eq!(
        queue(&app, &bob, duel(20)).await.status,
        201,
        "the stayer queues on"
    );

    let record = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}/sanctions", ada.id),
            None,
            Some(&moderator),
        )
        .await
        .expect(200);
    let cooldown = record["sanctions"][0].clone();
    assert_eq!(cooldown["given_by"], "auto:leaver");
    assert_eq!(cooldown["reason"], "left a match before its end (strike 1)");
    let path = format!(
        "/admin/v1/sanctions/{}/lift",
        cooldown["id"].as_str().unwrap()
    );
    app.call(
        "POST",
        &path,
        Some(json!({"reason": "disconnect, not a rage quit"})),
        Some(&moderator),
    )
    .await
    .expect(200);
    assert_eq!(queue(&app, &ada, duel(20)).await.status, 201);
    assert_eq!(
        actions_by(&app, "auto:leaver", "target").await,
        [("player.cooldown".to_owned(), ada.id.clone())]
    );
}
