//! Queueing over HTTP with the matchmaker role running in the node: the queues, tickets and
//! their pushes, matches, parties in the queue, and every refusal.

mod matching;
mod refusals;

use serde_json::{Value, json};

use crate::gateway::settings;
use crate::harness::{Answer, TestApp};
use crate::party::Player;

/// A duel request from region `eu` at `ms`.
pub fn duel(ms: u32) -> Value {
    json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": ms}]})
}

pub async fn queue(app: &TestApp, who: &Player, body: Value) -> Answer {
    app.call("POST", "/v1/queue", Some(body), Some(&who.token))
        .await
}

pub async fn ticket(app: &TestApp, who: &Player) -> Answer {
    app.call("GET", "/v1/queue", None, Some(&who.token)).await
}

pub async fn cancel(app: &TestApp, who: &Player) -> Answer {
    app.call("DELETE", "/v1/queue", None, Some(&who.token))
        .await
}

/// Settings for queue tests, plus `extra`.
pub fn with(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut all = settings();
    all.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    all
}
