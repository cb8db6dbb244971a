//! Two `rally serve --roles matchmaker` processes and an API node on PostgreSQL, Redis and
//! NATS: the matchmaker that owns the queue's buckets is killed while players queue; the other
//! takes them over, and every ticket ends in exactly one match.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, PgConnection, Row};
use support::Deployment;

const PLAYERS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_owning_matchmaker_loses_no_ticket_and_matches_none_twice() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let api = deployment.node("api", &[]);
    let lease = [("RALLY_MATCHMAKER_LEASE_S", "2")];
    let mut first = deployment.node("matchmaker", &lease);

    let mut players = Vec::new();
    for i in 0..PLAYERS {
        players.push(api.register(&format!("duellist{i}")).await);
    }
    // The first matchmaker owns every bucket (duel and squad, in eu and na) before the second
    // starts, and the second owns none of them: killing the first is killing the owner.
    support::until("the first matchmaker owns every bucket", || async {
        support::metric_sum(first.addr, "rally_matchmaker_leases_held").await == Some(4.0)
    })
    .await;
    let second = deployment.node("matchmaker", &lease);
    support::until("the second matchmaker has run a round", || async {
        support::metric_sum(second.addr, "rally_matchmaker_leases_held")
            .await
            .is_some()
    })
    .await;
    assert_eq!(
        support::metric_sum(second.addr, "rally_matchmaker_leases_held").await,
        Some(0.0)
    );

    let body = json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 20}]});
    for (i, (_, token)) in players.iter().enumerate() {
        if i == PLAYERS / 2 {
            first.kill();
        }
        let (status, ticket) = api
            .call("POST", "/v1/queue", Some(token), Some(body.clone()))
            .await;
        assert_eq!(status, 201, "{ticket}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Every ticket ends matched: none lost with the first matchmaker.
    support::until("every ticket is matched after the failover", || async {
        for (_, token) in &players {
            let (_, ticket) = api.call("GET", "/v1/queue", Some(token), None).await;
            if ticket["state"] != "matched" {
                return false;
            }
        }
        true
    })
    .await;

    // And none twice: each player in exactly one match, each match of two.
    let mut db = PgConnection::connect(&deployment.database_url)
        .await
        .unwrap();
    let rows =
        sqlx::query("SELECT player_id, count(*) AS n FROM match_participants GROUP BY player_id")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(rows.len(), PLAYERS);
    assert!(rows.iter().all(|row| row.get::<i64, _>("n") == 1));
    let matches: i64 = sqlx::query("SELECT count(*) AS n FROM matches")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(matches, (PLAYERS / 2) as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matchmaker_that_starts_later_rebuilds_the_queue_with_original_enqueue_times() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let api = deployment.node("api", &[]);
    let (_, token) = api.register("early").await;
    let (mut socket, _) = support::Socket::connect(api.addr, &token).await;
    let body = json!({"mode": "squad", "regions": [{"region": "eu", "latency_ms": 20}]});
    let (status, ticket) = api
        .call("POST", "/v1/queue", Some(&token), Some(body))
        .await;
    assert_eq!(status, 201, "{ticket}");

    // Nobody matches for three seconds; then a matchmaker starts and takes the queue over.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _matchmaker = deployment.node("matchmaker", &[("RALLY_QUEUE_STATUS_INTERVAL_S", "1")]);
    let status = socket.next_of("queue.status").await;
    let waited = status["data"]["waited_s"].as_f64().unwrap();
    assert!(
        waited >= 3.0,
        "the wait counts from the original enqueue time: {waited}"
    );
    let (_, still) = api.call("GET", "/v1/queue", Some(&token), None).await;
    assert_eq!(still["state"], "searching");
    assert_eq!(still["id"], ticket["id"]);
}
