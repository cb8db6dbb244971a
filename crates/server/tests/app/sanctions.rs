//! Sanctions through the admin API: a chat mute refuses a player's writes until it is lifted,
//! a queue cooldown cancels their search and refuses the next until it is lifted, a ban given
//! as a sanction is lifted by its id; each recorded with who and why, kept after it is lifted,
//! and in the audit log. Viewers only look.

use rally_store::OperatorRole;
use serde_json::{Value, json};

use crate::accounts::problem;
use crate::admin::{actions_by, add, login, staff};
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, player};
use crate::queue::{duel, queue, ticket, with};

async fn give(app: &TestApp, operator: &str, who: &Player, body: Value) -> Answer {
    let path = format!("/admin/v1/players/{}/sanctions", who.id);
    app.call("POST", &path, Some(body), Some(operator)).await
}

pub async fn given(app: &TestApp, operator: &str, who: &Player, body: Value) -> Value {
    give(app, operator, who, body).await.expect(201)
}

async fn lift(app: &TestApp, operator: &str, sanction: &Value, reason: &str) -> Answer {
    let path = format!(
        "/admin/v1/sanctions/{}/lift",
        sanction["id"].as_str().unwrap()
    );
    app.call(
        "POST",
        &path,
        Some(json!({ "reason": reason })),
        Some(operator),
    )
    .await
}

/// The player as operators see them.
async fn seen(app: &TestApp, operator: &str, who: &Player) -> Value {
    let path = format!("/admin/v1/players/{}", who.id);
    app.call("GET", &path, None, Some(operator)).await.json()
}

/// The player's sanctions, newest first.
async fn record(app: &TestApp, operator: &str, who: &Player) -> Value {
    let path = format!("/admin/v1/players/{}/sanctions", who.id);
    app.call("GET", &path, None, Some(operator)).await.json()["sanctions"].clone()
}

/// `who` sends `body` to `to` directly.
pub async fn say(app: &TestApp, who: &Player, to: &Player, body: &str) -> Answer {
    let path = format!("/v1/chat/channels/dm:{}/messages", to.id);
    app.call(
        "POST",
        &path,
        Some(json!({ "body": body })),
        Some(&who.token),
    )
    .await
}

#[tokio::test]
async fn a_muted_player_reads_but_cannot_write_until_the_mute_is_lifted() {
    let app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    assert_eq!(say(&app, &ada, &bob, "hello").await.status, 201);

    let mute = json!({"kind": "mute", "reason": "slurs in chat", "duration_s": 3600});
    let refused = give(&app, &viewer, &ada, mute.clone()).await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    let muted = given(&app, &moderator, &ada, mute).await;
    assert_eq!(
        (
            muted["kind"].clone(),
            muted["holds"].clone(),
            muted["given_by"].clone()
        ),
        (json!("mute"), json!(true), json!("mod"))
    );
    let silenced = say(&app, &ada, &bob, "hello again").await;
    assert_eq!(problem(&silenced), (403, "muted".to_owned()));
    assert!(silenced.json()["until_ms"].is_i64());
    // Reading goes on, and the other player still writes.
    let path = format!("/v1/chat/channels/dm:{}/messages", bob.id);
    let read = app.call("GET", &path, None, Some(&ada.token)).await;
    assert_eq!(read.status, 200);
    assert_eq!(say(&app, &bob, &ada, "hi").await.status, 201);

    let view = seen(&app, &viewer, &ada).await;
    assert_eq!(view["sanctions"][0]["id"], muted["id"]);

    let short = lift(&app, &moderator, &muted, " ").await;
    assert_eq!(problem(&short), (422, "invalid".to_owned()));
    let lifted = lift(&app, &moderator, &muted, "first offence").await;
    assert_eq!(
        lifted.status,
        200,
        "{}",
        String::from_utf8_lossy(&lifted.body)
    );
    assert_eq!(
        (
            lifted.json()["holds"].clone(),
            lifted.json()["lift_reason"].clone()
        ),
        (json!(false), json!("first offence"))
    );
    assert_eq!(say(&app, &ada, &bob, "sorry").await.status, 201);
    let twice = lift(&app, &moderator, &muted, "again").await;
    assert_eq!(problem(&twice), (409, "sanction_not_held".to_owned()));
    let nothing = json!({"id": uuid::Uuid::new_v4()});
    let missing = lift(&app, &moderator, &nothing, "none").await;
    assert_eq!(problem(&missing), (404, "sanction_not_found".to_owned()));

    // The record keeps it, lifted.
    let kept = record(&app, &viewer, &ada).await;
    assert_eq!(kept[0]["lifted_by"], "mod");
    let view = seen(&app, &viewer, &ada).await;
    assert_eq!(view["sanctions"], json!([]));
}

#[tokio::test]
async fn a_queue_cooldown_cancels_the_search_and_refuses_the_next_until_it_is_lifted() {
    let app = spawn_app(&with(&[])).await;
    add(&app, "mod", OperatorRole::Moderator).await;
    let moderator = login(&app, "mod").await;
    let ada = player(&app, "ada").await;
    assert_eq!(queue(&app, &ada, duel(30)).await.status, 201);

    let endless = json!({"kind": "cooldown", "reason": "leaver"});
    let refused = give(&app, &moderator, &ada, endless).await;
    assert_eq!(problem(&refused), (422, "invalid".to_owned()));
    let long = json!({"kind": "cooldown", "reason": "leaver", "duration_s": 31 * 86_400});
    let refused = give(&app, &moderator, &ada, long).await;
    assert_eq!(problem(&refused), (422, "invalid".to_owned()));
    let nobody = Player {
        id: uuid::Uuid::new_v4().to_string(),
        token: ada.token.clone(),
    };
    let cooldown = json!({"kind": "cooldown", "reason": "leaver", "duration_s": 1800});
    let missing = give(&app, &moderator, &nobody, cooldown.clone()).await;
    assert_eq!(problem(&missing), (404, "player_not_found".to_owned()));

    let cooled = given(&app, &moderator, &ada, cooldown).await;
    let now = ticket(&app, &ada).await.json();
    assert_eq!(
        (now["state"].clone(), now["cancel_reason"].clone()),
        (json!("cancelled"), json!("sanctioned"))
    );
    let again = queue(&app, &ada, duel(30)).await;
    assert_eq!(problem(&again), (403, "queue_cooldown".to_owned()));
    assert!(again.headers.get("retry-after").is_some());

    let lifted = lift(&app, &moderator, &cooled, "wrong player").await;
    assert_eq!(lifted.status, 200);
    assert_eq!(queue(&app, &ada, duel(30)).await.status, 201);

    let by_mod = actions_by(&app, "mod", "reason").await;
    assert_eq!(
        by_mod,
        [
            ("sanction.lift".to_owned(), "wrong player".to_owned()),
            ("player.cooldown".to_owned(), "leaver".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_ban_given_as_a_sanction_is_recorded_and_lifted_by_its_id() {
    let app = spawn_app(&with(&[])).await;
    add(&app, "mod", OperatorRole::Moderator).await;
    let moderator = login(&app, "mod").await;
    let ada = player(&app, "ada").await;

    let ban = given(
        &app,
        &moderator,
        &ada,
        json!({"kind": "ban", "reason": "aimbot"}),
    )
    .await;
    assert!(ban["until"].is_null(), "permanent");
    let theirs = app
        .call("GET", "/v1/profile/me", None, Some(&ada.token))
        .await;
    assert_eq!(problem(&theirs), (403, "account_banned".to_owned()));
    // A second ban supersedes the first.
    let second = given(
        &app,
        &moderator,
        &ada,
        json!({"kind": "ban", "reason": "aimbot, confirmed", "duration_s": 86_400}),
    )
    .await;
    let kept = record(&app, &moderator, &ada).await;
    assert_eq!(kept[0]["id"], second["id"]);
    assert_eq!(kept[1]["lift_reason"], "superseded");

    let lifted = lift(&app, &moderator, &second, "appeal upheld").await;
    assert_eq!(
        lifted.status,
        200,
        "{}",
        String::from_utf8_lossy(&lifted.body)
    );
    let player = seen(&app, &moderator, &ada).await;
    assert_eq!(player["status"], "active");
    let first = json!({"id": ban["id"]});
    let gone = lift(&app, &moderator, &first, "again").await;
    assert_eq!(problem(&gone), (409, "sanction_not_held".to_owned()));
}
