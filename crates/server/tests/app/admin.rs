//! The admin API: an operator's login (refused alike for an unknown name, a wrong password or
//! a disabled operator), a second factor whose codes work once, tokens that never cross
//! between operators and players, roles checked per route, and the audit log paged newest
//! first.

use rally_server::{
    accounts::password::Hasher,
    operators::{self, Totp},
};
use rally_store::OperatorRole;
use serde_json::json;

use crate::accounts::problem;
use crate::harness::{TestApp, spawn_app};
use crate::party::player;
use crate::queue::with;

const PASSWORD: &str = "a long operator passphrase";

async fn add(app: &TestApp, name: &str, role: OperatorRole) {
    let store = &app.state().backends().store;
    operators::add(
        store,
        &Hasher::new(1, 4),
        name,
        role,
        PASSWORD.to_owned(),
        None,
        "cli",
    )
    .await
    .unwrap();
}

/// `name`'s operator token.
async fn login(app: &TestApp, name: &str) -> String {
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
        operators::disable(&app.state().backends().store, "root", "cli")
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
    let totp = operators::enrol_totp(store, "root", "cli").await.unwrap();
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
