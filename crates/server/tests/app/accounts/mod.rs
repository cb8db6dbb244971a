//! Accounts over HTTP: registration, login, tokens, profiles, limits and hostile input. Each
//! test of [`on_both_backends!`] runs twice: on the embedded backends (SQLite, in-memory state)
//! and on PostgreSQL with Redis (a fresh database and a random Redis namespace per test).

mod backend;
mod hostile;
mod limits;
mod login;
mod profile;
mod registration;
mod tokens;

use serde_json::{Value, json};

pub use backend::Backend;

use crate::harness::{Answer, TestApp};

/// Generates `<name>::embedded` and `<name>::postgres_and_redis`, each calling the body with a
/// [`Backend`] to spawn nodes on.
macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: &$crate::accounts::Backend) $body

            #[tokio::test]
            async fn embedded() {
                run(&$crate::accounts::Backend::embedded()).await;
            }

            #[tokio::test]
            async fn postgres_and_redis() {
                let backend = $crate::accounts::Backend::networked().await;
                run(&backend).await;
            }
        }
    )*};
}
pub(crate) use on_both_backends;

pub const PASSWORD: &str = "correct horse battery";

/// Registers `username` (email `<username>@example.com`); panics unless 201.
pub async fn register(app: &TestApp, username: &str) -> Value {
    let answer = app
        .post(
            "/v1/auth/register",
            json!({ "username": username, "email": format!("{username}@example.com"), "password": PASSWORD }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", text(&answer));
    answer.json()
}

pub async fn login(app: &TestApp, login: &str, password: &str) -> Answer {
    app.post(
        "/v1/auth/login",
        json!({ "login": login, "password": password }),
    )
    .await
}

pub async fn refresh(app: &TestApp, token: &str) -> Answer {
    app.post("/v1/auth/refresh", json!({ "refresh_token": token }))
        .await
}

pub async fn me(app: &TestApp, token: &str) -> Answer {
    app.call("GET", "/v1/profile/me", None, Some(token)).await
}

pub fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.body).into_owned()
}

/// The status and problem code of an answer that must be a problem.
pub fn problem(answer: &Answer) -> (u16, String) {
    assert_eq!(
        answer.content_type(),
        "application/problem+json",
        "{} {}",
        answer.status,
        text(answer)
    );
    let code = answer.json()["code"].as_str().unwrap().to_owned();
    (answer.status, code)
}

pub fn token(auth: &Value, which: &str) -> String {
    auth[which].as_str().unwrap().to_owned()
}

/// The payloads of the unpublished outbox events with this topic (no relay runs in tests).
pub async fn outbox(app: &TestApp, topic: &str) -> Vec<Value> {
    app.state()
        .backends()
        .store
        .next_unpublished(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.topic == topic)
        .map(|event| {
            let payload: Value = serde_json::from_str(&event.payload).unwrap();
            assert_eq!(payload["type"], topic, "an event's type names its stream");
            assert_eq!(
                payload["id"],
                event.id.to_string(),
                "the envelope's id is the outbox id"
            );
            payload["data"].clone()
        })
        .collect()
}
