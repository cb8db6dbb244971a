//! Parties over HTTP: lifecycle, hand-over, invites, kicks and promotions, ready checks and
//! the races the store decides. Each test runs on the embedded backends and on PostgreSQL
//! with Redis (see [`crate::accounts::on_both_backends`]).

mod invite;
mod lifecycle;
mod race;
mod ready;

pub use rally_clock::ManualClock;
use serde_json::{Value, json};

pub(crate) use crate::accounts::on_both_backends;
pub use crate::accounts::{outbox, problem, register, text, token};
use crate::harness::{Answer, TestApp};

/// Settings for party tests: enough registrations from one address for a crowd.
pub const SETTINGS: &[(&str, &str)] = &[("register_limit_per_hour", "1000")];

/// A registered player: id and access token.
pub struct Player {
    pub id: String,
    pub token: String,
}

pub async fn player(app: &TestApp, username: &str) -> Player {
    let auth = register(app, username).await;
    Player {
        id: auth["player"]["id"].as_str().unwrap().to_owned(),
        token: token(&auth, "access_token"),
    }
}

pub async fn post(app: &TestApp, who: &Player, path: &str, body: Value) -> Answer {
    app.call("POST", path, Some(body), Some(&who.token)).await
}

pub async fn get(app: &TestApp, who: &Player, path: &str) -> Answer {
    app.call("GET", path, None, Some(&who.token)).await
}

/// Creates a party led by `leader`; panics unless 201. Returns the party's id.
pub async fn create(app: &TestApp, leader: &Player, body: Value) -> String {
    let answer = post(app, leader, "/v1/party", body).await;
    assert_eq!(answer.status, 201, "{}", text(&answer));
    answer.json()["id"].as_str().unwrap().to_owned()
}

/// `who` joins; panics unless 200.
pub async fn join(app: &TestApp, who: &Player, party: &str) -> Value {
    let answer = post(app, who, &format!("/v1/party/{party}/join"), json!({})).await;
    assert_eq!(answer.status, 200, "{}", text(&answer));
    answer.json()
}

/// The ids of a party's members, longest-standing first.
pub fn member_ids(party: &Value) -> Vec<String> {
    party["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["player_id"].as_str().unwrap().to_owned())
        .collect()
}
