//! The admin API: an operator's login (refused alike for an unknown name, a wrong password or
//! a disabled operator), a second factor whose codes work once, tokens that never cross
//! between operators and players, roles checked per route, and the audit log paged newest
//! first.

use rally_server::{
    accounts::password::Hasher,
    operators::{self, Actor, Totp},
};
use rally_store::OperatorRole;
use serde_json::json;

use crate::accounts::problem;
use crate::harness::{TestApp, spawn_app};
use crate::party::player;
use crate::queue::with;

const PASSWORD: &str = "a long operator passphrase";

pub async fn add(app: &TestApp, name: &str, role: OperatorRole) {
    let store = &app.state().backends().store;
    operators::add(
        store,
        &Hasher::new(1, 4),
        name,
        role,
        PASSWORD.to_owned(),
        None,
        &Actor::cli(),
    )
    .await
    .unwrap();
}

/// `name`'s operator token.
pub async fn login(app: &TestApp, name: &str) -> String {
    let answer = app
        .post(
            "/admin/v1/login",
            json!({"name": name, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["access_token"].as_str().unwrap().to_owned()
}

/// The tokens of a moderator (`mod`) and a viewer (`watcher`), added for the purpose.
pub async fn staff(app: &TestApp) -> (String, String) {
    add(app, "mod", OperatorRole::Moderator).await;
    add(app, "watcher", OperatorRole::Viewer).await;
    (login(app, "mod").await, login(app, "watcher").await)
}

/// `(action, field)` of each audit line by `actor` but their logins, newest first, as an
/// admin added for the purpose reads them.
pub async fn actions_by(app: &TestApp, actor: &str, field: &str) -> Vec<(String, String)> {
    add(app, "auditor", OperatorRole::Admin).await;
    let admin = login(app, "auditor").await;
    let lines = app
        .call("GET", "/admin/v1/audit", None, Some(&admin))
        .await
        .json()["lines"]
        .clone();
    lines
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["actor"] == actor && l["action"] != "operator.login")
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_owned(),
                l[field].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_operator_logs_in_and_their_token_never_works_as_a_players_nor_a_players_as_theirs() {
    let app = spawn_app(&with(&[])).await;
    add(&app, "Root", OperatorRole::Admin).await;
    let token = login(&app, "root").await;
    let me = app.call("GET", "/admin/v1/me", None, Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        (me.json()["name"].clone(), me.json()["role"].clone()),
        (json!("Root"), json!("admin"))
    );

    let wrong = app
        .post(
            "/admin/v1/login",
            json!({"name": "root", "password": "not the passphrase"}),
        )
        .await;
    assert_eq!(problem(&wrong), (401, "invalid_credentials".to_owned()));
    let nobody = app
        .post(
            "/admin/v1/login",
            json!({"name": "nobody", "password": PASSWORD}),
        )
        .await;
    assert_eq!(problem(&nobody), (401, "invalid_credentials".to_owned()));

    let ada = player(&app, "ada").await;
    let as_player = app.call("GET", "/v1/profile/me", None, Some(&token)).await;
    assert_eq!(problem(&as_player), (401, "invalid_token".to_owned()));
    let as_operator = app
        .call("GET", "/admin/v1/me", None, Some(&ada.token))
        .await;
    assert_eq!(problem(&as_operator), (401, "invalid_token".to_owned()));
    let bare = app.call("GET", "/admin/v1/me", None, None).await;
    assert_eq!(problem(&bare).0, 401);

    // Disabled: the token stops at once, and so does the login.
    assert!(
        operators::disable(&app.state().backends().store, "root", &Actor::cli())
            .await
            .unwrap()
    );
    let after = app.call("GET", "/admin/v1/me", None, Some(&token)).await;
    assert_eq!(problem(&after), (401, "invalid_token".to_owned()));
    let again = app
        .post(
            "/admin/v1/login",
            json!({"name": "root", "password": PASSWORD}),
        )
        .await;
    assert_eq!(problem(&again), (401, "invalid_credentials".to_owned()));
}

#[tokio::test]
async fn the_audit_log_is_for_admins_and_pages_newest_first() {
    let app = spawn_app(&with(&[])).await;
    add(&app, "root", OperatorRole::Admin).await;
    add(&app, "watcher", OperatorRole::Viewer).await;
    let viewer = login(&app, "watcher").await;
    let refused = app
        .call("GET", "/admin/v1/audit", None, Some(&viewer))
        .await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));

    let admin = login(&app, "root").await;
    let all = app
        .call("GET", "/admin/v1/audit", None, Some(&admin))
        .await
        .json();
    let seen: Vec<(String, String)> = all["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_owned(),
                l["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("operator.login", "root"),
        ("operator.login", "watcher"),
        ("operator.add", "cli"),
        ("operator.add", "cli"),
    ];
    assert_eq!(
        seen,
        expected.map(|(a, b)| (a.to_owned(), b.to_owned())),
        "newest first"
    );
    assert!(all.get("next_before").is_none(), "one page holds them all");

    let first = app
        .call("GET", "/admin/v1/audit?limit=3", None, Some(&admin))
        .await
        .json();
    assert_eq!(first["lines"].as_array().unwrap().len(), 3);
    let before = first["next_before"].as_str().unwrap();
    let rest = app
        .call(
            "GET",
            &format!("/admin/v1/audit?limit=3&before={before}"),
            None,
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(rest["lines"].as_array().unwrap().len(), 1);
    assert_eq!(rest["lines"][0]["target"], "root");
}

#[tokio::test]
async fn an_operator_with_a_second_factor_logs_in_with_each_code_once() {
    let app = spawn_app(&with(&[])).await;
    add(&app, "root", OperatorRole::Admin).await;
    let store = &app.state().backends().store;
    let totp = operators::enrol_totp(store, "root", &Actor::cli())
        .await
        .unwrap();
    let body = |totp: Option<String>| json!({"name": "root", "password": PASSWORD, "totp": totp});

    // The password alone is right, so the code is asked for; a wrong password never says so.
    let asked = app.post("/admin/v1/login", body(None)).await;
    assert_eq!(problem(&asked), (401, "totp_required".to_owned()));
    let wrong_password =
        json!({"name": "root", "password": "not the passphrase", "totp": "000000"});
    let refused = app.post("/admin/v1/login", wrong_password).await;
    assert_eq!(problem(&refused), (401, "invalid_credentials".to_owned()));

    let now = u64::try_from(app.state().now().unix_millis() / 1000).unwrap();
    let code = format!("{:06}", totp.code(Totp::step_of(now)));
    let wrong = format!("{:06}", (totp.code(Totp::step_of(now)) + 1) % 1_000_000);
    let refused = app.post("/admin/v1/login", body(Some(wrong))).await;
    assert_eq!(problem(&refused), (401, "invalid_credentials".to_owned()));
    let answer = app.post("/admin/v1/login", body(Some(code.clone()))).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let replayed = app.post("/admin/v1/login", body(Some(code))).await;
    assert_eq!(
        problem(&replayed),
        (401, "invalid_credentials".to_owned()),
        "each code once"
    );
}

#[tokio::test]
async fn a_moderator_finds_bans_and_unbans_a_player_and_a_viewer_only_looks() {
    let app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    let ada = player(&app, "ada_lovelace").await;
    player(&app, "adamant").await;

    let found = app
        .call(
            "GET",
            "/admin/v1/players?q=ADA&limit=1",
            None,
            Some(&viewer),
        )
        .await;
    assert_eq!(
        found.status,
        200,
        "{}",
        String::from_utf8_lossy(&found.body)
    );
    let players = found.json()["players"].clone();
    assert_eq!(players.as_array().unwrap().len(), 1);
    assert_eq!(players[0]["username"], "ada_lovelace");
    assert_eq!(players[0]["status"], "active");

    let path = format!("/admin/v1/players/{}/ban", ada.id);
    let body = json!({"reason": "aimbot", "duration_s": 86_400});
    let refused = app
        .call("POST", &path, Some(body.clone()), Some(&viewer))
        .await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    let short = json!({"reason": "aimbot", "duration_s": 5});
    let invalid = app.call("POST", &path, Some(short), Some(&moderator)).await;
    assert_eq!(problem(&invalid), (422, "invalid".to_owned()));
    let banned = app.call("POST", &path, Some(body), Some(&moderator)).await;
    assert_eq!(
        banned.status,
        200,
        "{}",
        String::from_utf8_lossy(&banned.body)
    );
    assert_eq!(banned.json()["status"], "banned");
    assert_eq!(banned.json()["ban"]["reason"], "aimbot");
    assert!(banned.json()["ban"]["until"].is_string());
    let theirs = app
        .call("GET", "/v1/profile/me", None, Some(&ada.token))
        .await;
    assert_eq!(problem(&theirs), (403, "account_banned".to_owned()));

    let admin_view = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}", ada.id),
            None,
            Some(&viewer),
        )
        .await;
    assert_eq!(admin_view.json()["ban"]["reason"], "aimbot");
    let lifted = app.call("DELETE", &path, None, Some(&moderator)).await;
    assert_eq!(lifted.status, 200);
    assert_eq!(lifted.json()["status"], "active");
    assert!(lifted.json().get("ban").is_none());
    let again = app.call("DELETE", &path, None, Some(&moderator)).await;
    assert_eq!(problem(&again), (404, "not_banned".to_owned()));
    let nobody = format!("/admin/v1/players/{}", uuid::Uuid::new_v4());
    let missing = app.call("GET", &nobody, None, Some(&viewer)).await;
    assert_eq!(problem(&missing), (404, "player_not_found".to_owned()));

    // Both in the audit log, by the moderator, with the target and reason.
    let by_mod = actions_by(&app, "mod", "target").await;
    let target = ada.id.clone();
    assert_eq!(
        by_mod,
        [
            ("player.unban".to_owned(), target.clone()),
            ("player.ban".to_owned(), target)
        ]
    );
}
