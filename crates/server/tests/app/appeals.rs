//! Appeals: a banned player's login answers an appeal token that reads their sanctions and
//! appeals them and does nothing else; a sanction is appealed once, while it holds; moderators
//! page appeals and decide each once, an overturn lifting the sanction; the player is told by
//! a `moderation.notice` push (and reads the decision back), and every decision is audited.

use rally_store::OperatorRole;
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, login as player_login, problem};
use crate::admin::{actions_by, add, login, staff};
use crate::gateway::connect_hello;
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, player};
use crate::queue::with;
use crate::sanctions::{given, say};

async fn appeal(app: &TestApp, token: &str, body: Value) -> Answer {
    app.call("POST", "/v1/appeals", Some(body), Some(token))
        .await
}

async fn decide(app: &TestApp, operator: &str, appeal: &Value, body: Value) -> Answer {
    let path = format!(
        "/admin/v1/appeals/{}/decide",
        appeal["id"].as_str().unwrap()
    );
    app.call("POST", &path, Some(body), Some(operator)).await
}

#[tokio::test]
async fn a_banned_player_appeals_with_the_token_their_login_answers_and_an_overturn_lets_them_back()
{
    let app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    let ada = player(&app, "ada").await;
    let ban = given(
        &app,
        &moderator,
        &ada,
        json!({"kind": "ban", "reason": "aimbot"}),
    )
    .await;

    // A wrong password says nothing of the ban; the right one answers an appeal token.
    let wrong = player_login(&app, "ada", "not the password").await;
    assert_eq!(problem(&wrong), (401, "invalid_credentials".to_owned()));
    let refused = player_login(&app, "ada", PASSWORD).await;
    assert_eq!(problem(&refused), (403, "account_banned".to_owned()));
    let token = refused.json()["appeal_token"].as_str().unwrap().to_owned();
    assert_eq!(refused.json()["appeal_expires_in"], 900);
    // Good for the appeal routes only.
    let elsewhere = app.call("GET", "/v1/profile/me", None, Some(&token)).await;
    assert_eq!(problem(&elsewhere), (401, "invalid_token".to_owned()));
    let as_operator = app.call("GET", "/admin/v1/me", None, Some(&token)).await;
    assert_eq!(problem(&as_operator).0, 401);

    let mine = app
        .call("GET", "/v1/sanctions", None, Some(&token))
        .await
        .expect(200);
    assert_eq!(mine["sanctions"][0]["id"], ban["id"]);
    assert_eq!(mine["sanctions"][0]["holds"], true);
    assert!(
        mine["sanctions"][0].get("given_by").is_none(),
        "who gave it stays with operators"
    );

    let empty = appeal(&app, &token, json!({"sanction_id": ban["id"], "text": " "})).await;
    assert_eq!(problem(&empty), (422, "invalid".to_owned()));
    let nobody = json!({"sanction_id": uuid::Uuid::new_v4(), "text": "why"});
    assert_eq!(
        problem(&appeal(&app, &token, nobody).await),
        (404, "sanction_not_found".to_owned())
    );
    let body = json!({"sanction_id": ban["id"], "text": "my little brother played"});
    let filed = appeal(&app, &token, body.clone()).await.expect(201);
    assert_eq!(filed["state"], "pending");
    assert_eq!(
        problem(&appeal(&app, &token, body).await),
        (409, "already_appealed".to_owned())
    );

    let pending = app
        .call(
            "GET",
            "/admin/v1/appeals?state=pending",
            None,
            Some(&viewer),
        )
        .await
        .expect(200);
    assert_eq!(pending["appeals"][0]["id"], filed["id"]);
    let verdict = json!({"decision": "overturn", "reason": "account shared, first offence"});
    let refused = decide(&app, &viewer, &filed, verdict.clone()).await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    let decided = decide(&app, &moderator, &filed, verdict.clone())
        .await
        .expect(200);
    assert_eq!(
        (decided["state"].clone(), decided["decided_by"].clone()),
        (json!("overturned"), json!("mod"))
    );
    assert_eq!(
        problem(&decide(&app, &moderator, &filed, verdict).await),
        (409, "appeal_decided".to_owned())
    );

    // The ban is lifted: the login works again, and the decision reads back without its author.
    let back = player_login(&app, "ada", PASSWORD).await;
    assert_eq!(back.status, 200, "{}", String::from_utf8_lossy(&back.body));
    let access = back.json()["access_token"].as_str().unwrap().to_owned();
    let appeals = app
        .call("GET", "/v1/appeals", None, Some(&access))
        .await
        .expect(200);
    assert_eq!(appeals["appeals"][0]["state"], "overturned");
    assert_eq!(
        appeals["appeals"][0]["decision_reason"],
        "account shared, first offence"
    );
    assert!(appeals["appeals"][0].get("decided_by").is_none());
    let mine = app
        .call("GET", "/v1/sanctions", None, Some(&access))
        .await
        .expect(200);
    assert_eq!(mine["sanctions"][0]["holds"], false);
    assert_eq!(mine["sanctions"][0]["appeal"]["state"], "overturned");

    assert_eq!(
        actions_by(&app, "mod", "reason").await[..2],
        [
            (
                "player.unban".to_owned(),
                "account shared, first offence".to_owned()
            ),
            (
                "appeal.decide".to_owned(),
                "account shared, first offence".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_muted_player_is_told_of_the_mute_and_of_their_upheld_appeal() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    add(&app, "mod", OperatorRole::Moderator).await;
    let moderator = login(&app, "mod").await;
    let ada = player(&app, "ada").await;
    let bob: Player = player(&app, "bob").await;
    let (mut socket, _) = connect_hello(addr, &ada.token, "").await;

    let mute = given(
        &app,
        &moderator,
        &ada,
        json!({"kind": "mute", "reason": "spam"}),
    )
    .await;
    let told = socket.next_of("moderation.notice").await;
    assert_eq!(told["data"]["kind"], "sanction_given");
    assert_eq!(told["data"]["sanction"]["id"], mute["id"]);
    assert_eq!(
        problem(&say(&app, &ada, &bob, "hi").await),
        (403, "muted".to_owned())
    );

    let filed = appeal(
        &app,
        &ada.token,
        json!({"sanction_id": mute["id"], "text": "it was a joke"}),
    )
    .await
    .expect(201);
    let verdict = json!({"decision": "uphold", "reason": "repeated spam in three channels"});
    decide(&app, &moderator, &filed, verdict).await.expect(200);
    let told = socket.next_of("moderation.notice").await;
    assert_eq!(told["data"]["kind"], "appeal_decided");
    assert_eq!(told["data"]["sanction"]["holds"], true);
    assert_eq!(told["data"]["sanction"]["appeal"]["state"], "upheld");
    assert_eq!(
        told["data"]["sanction"]["appeal"]["decision_reason"],
        "repeated spam in three channels"
    );
    assert_eq!(
        problem(&say(&app, &ada, &bob, "hi").await),
        (403, "muted".to_owned())
    );

    // Lifted by hand later: told too; a lifted sanction cannot be appealed.
    let path = format!("/admin/v1/sanctions/{}/lift", mute["id"].as_str().unwrap());
    app.call(
        "POST",
        &path,
        Some(json!({"reason": "served"})),
        Some(&moderator),
    )
    .await
    .expect(200);
    let told = socket.next_of("moderation.notice").await;
    assert_eq!(told["data"]["kind"], "sanction_lifted");
    let cooldown = json!({"kind": "cooldown", "reason": "leaver", "duration_s": 600});
    let cooled = given(&app, &moderator, &ada, cooldown).await;
    let path = format!(
        "/admin/v1/sanctions/{}/lift",
        cooled["id"].as_str().unwrap()
    );
    app.call(
        "POST",
        &path,
        Some(json!({"reason": "mistake"})),
        Some(&moderator),
    )
    .await
    .expect(200);
    let late = appeal(
        &app,
        &ada.token,
        json!({"sanction_id": cooled["id"], "text": "unfair"}),
    )
    .await;
    assert_eq!(problem(&late), (409, "sanction_not_held".to_owned()));
}
