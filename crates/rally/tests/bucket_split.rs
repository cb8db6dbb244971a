//! Two `rally serve --roles matchmaker` processes split one queue's regions between them
//! (`RALLY_MATCHMAKER_REGIONS`), on PostgreSQL, Redis and NATS: each owns its region's
//! buckets, each region's players are matched in their region, and when one region's
//! matchmaker dies a third takes its buckets over without touching the other's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, Row};
use support::{Deployment, Node};

const PER_REGION: usize = 8;

/// Queues `players` for a duel close to `home` and far from the other region.
async fn queue(api: &Node, players: &[(String, String)], home: &str) {
    let far = if home == "eu" { "na" } else { "eu" };
    let body = json!({"mode": "duel", "regions": [
        {"region": home, "latency_ms": 20},
        {"region": far, "latency_ms": 180},
    ]});
    for (_, token) in players {
        let (status, ticket) = api
            .call("POST", "/v1/queue", Some(token), Some(body.clone()))
            .await;
        assert_eq!(status, 201, "{ticket}");
    }
}

/// The regions of the buckets `node` holds the lease of, one per bucket, sorted.
async fn held_regions(node: &Node) -> Vec<&'static str> {
    let (_, _, text) = support::http_text(node.addr, "GET", "/metrics", None, None).await;
    let mut held: Vec<&'static str> = text
        .lines()
        .filter(|l| l.starts_with("rally_matchmaker_leases_held{") && l.ends_with(" 1"))
        .filter_map(|l| {
            ["eu", "na"]
                .into_iter()
                .find(|r| l.contains(&format!("region=\"{r}\"")))
        })
        .collect();
    held.sort_unstable();
    held
}

/// The regions `node` made matches in.
async fn match_regions(node: &Node) -> Vec<&'static str> {
    let (_, _, text) = support::http_text(node.addr, "GET", "/metrics", None, None).await;
    let mut regions: Vec<&'static str> = ["eu", "na"]
        .into_iter()
        .filter(|r| {
            text.lines().any(|l| {
                l.starts_with("rally_matches_total{")
                    && l.contains(&format!("region=\"{r}\""))
                    && !l.ends_with(" 0")
            })
        })
        .collect();
    regions.sort_unstable();
    regions
}

/// Waits until every player's ticket is matched.
async fn all_matched(api: &Node, players: &[(String, String)], what: &str) {
    support::until(what, || async {
        for (_, token) in players {
            let (_, ticket): (u16, Value) = api.call("GET", "/v1/queue", Some(token), None).await;
            if ticket["state"] != "matched" {
                return false;
            }
        }
        true
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_matchmakers_split_a_queues_regions_and_a_third_takes_one_over() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let api = deployment.node("api", &[]);
    // The na matchmaker's leases lapse 2 s after it dies; the eu one's are long, so a slow
    // renewal on a loaded machine does not hand them to the spare below.
    let lease = ("RALLY_MATCHMAKER_LEASE_S", "2");
    let eu = deployment.node(
        "matchmaker",
        &[
            ("RALLY_MATCHMAKER_LEASE_S", "30"),
            ("RALLY_MATCHMAKER_REGIONS", "eu"),
        ],
    );
    let mut na = deployment.node("matchmaker", &[lease, ("RALLY_MATCHMAKER_REGIONS", "na")]);

    // Each owns the buckets of its region, of both queues (duel and squad), and no other.
    for (node, region) in [(&eu, "eu"), (&na, "na")] {
        support::until(
            &format!("the {region} matchmaker owns its buckets"),
            || async {
                support::metric_sum(node.addr, "rally_matchmaker_leases_held").await == Some(2.0)
            },
        )
        .await;
        assert_eq!(held_regions(node).await, vec![region; 2], "{region}");
    }

    let mut eu_players = Vec::new();
    let mut na_players = Vec::new();
    for i in 0..PER_REGION {
        eu_players.push(api.register(&format!("eu{i}")).await);
        na_players.push(api.register(&format!("na{i}")).await);
    }
    queue(&api, &eu_players, "eu").await;
    queue(&api, &na_players, "na").await;
    all_matched(&api, &eu_players, "every eu player is matched").await;
    all_matched(&api, &na_players, "every na player is matched").await;

    // The na matchmaker dies; a third, for every region, takes the na buckets over (the eu
    // ones stay with their owner) and matches the na players who queue next.
    na.kill();
    let spare = deployment.node("matchmaker", &[lease]);
    support::until("the spare matchmaker takes the na buckets", || async {
        held_regions(&spare).await == ["na", "na"]
    })
    .await;
    assert_eq!(
        held_regions(&eu).await,
        ["eu", "eu"],
        "the eu matchmaker keeps its buckets"
    );
    let mut late = Vec::new();
    for i in 0..PER_REGION {
        late.push(api.register(&format!("late_na{i}")).await);
    }
    queue(&api, &late, "na").await;
    all_matched(
        &api,
        &late,
        "the na players who queued after the failover are matched",
    )
    .await;

    // Each node made matches in its own region only: the split, not one node doing it all.
    assert_eq!(match_regions(&eu).await, ["eu"]);
    assert_eq!(match_regions(&spare).await, ["na"]);

    // Each region's players were matched in their region, each once, two to a match.
    let mut db = PgConnection::connect(&deployment.database_url)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT m.region, count(*) AS players, count(DISTINCT m.id) AS matches \
         FROM match_participants p JOIN matches m ON m.id = p.match_id GROUP BY m.region",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let by_region: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.get("region"), r.get("players"), r.get("matches")))
        .collect();
    let mut by_region = by_region;
    by_region.sort();
    let (eu_n, na_n) = (PER_REGION as i64, 2 * PER_REGION as i64);
    assert_eq!(
        by_region,
        vec![
            ("eu".to_owned(), eu_n, eu_n / 2),
            ("na".to_owned(), na_n, na_n / 2)
        ]
    );
    let twice: i64 = sqlx::query(
        "SELECT count(*) AS n FROM (SELECT player_id FROM match_participants \
         GROUP BY player_id HAVING count(*) > 1) t",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get("n");
    assert_eq!(twice, 0);
}
