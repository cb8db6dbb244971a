//! Every way to be refused a queue, each with its own code and nothing changed.

use serde_json::json;

use super::{cancel, duel, queue, ticket, with};
use crate::accounts::problem;
use crate::harness::spawn_app;
use crate::party::{create, join, player, post};

#[tokio::test]
async fn the_queues_are_listed_with_their_shapes_and_the_two_examples_by_default() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let answer = app.call("GET", "/v1/queues", None, Some(&ada.token)).await;
    assert_eq!(answer.status, 200);
    let queues = answer.json()["queues"].clone();
    let modes: Vec<&str> = queues
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["duel", "squad"]);
    assert_eq!(queues[0]["team_size"], 1);
    assert_eq!(queues[0]["rating_system"], "glicko2");
    assert_eq!(queues[1]["team_size"], 5);
    assert_eq!(queues[1]["rating_system"], "weng_lin");
    assert_eq!(queues[1]["regions"], json!(["eu", "na"]));
    assert_eq!(queues[0]["players_waiting"], 0);
}

#[tokio::test]
async fn bad_queue_requests_get_their_own_code_and_change_nothing() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;

    let unknown = queue(
        &app,
        &ada,
        json!({"mode": "chess", "regions": [{"region": "eu", "latency_ms": 10}]}),
    )
    .await;
    assert_eq!(problem(&unknown), (404, "unknown_queue".to_owned()));
    let region = queue(
        &app,
        &ada,
        json!({"mode": "duel", "regions": [{"region": "moon", "latency_ms": 10}]}),
    )
    .await;
    assert_eq!(problem(&region), (422, "unknown_region".to_owned()));
    let far = queue(&app, &ada, duel(900)).await;
    assert_eq!(problem(&far), (422, "no_region_in_reach".to_owned()));
    let none = queue(&app, &ada, json!({"mode": "duel", "regions": []})).await;
    assert_eq!(problem(&none), (422, "no_region_in_reach".to_owned()));
    let role = queue(&app, &ada, json!({"mode": "duel", "regions": [{"region": "eu", "latency_ms": 10}], "roles": ["healer"]})).await;
    assert_eq!(problem(&role), (422, "unknown_role".to_owned()));
    let typo = queue(&app, &ada, json!({"mode": "duel", "region": "eu"})).await;
    assert_eq!(problem(&typo).0, 400);
    assert_eq!(
        problem(&ticket(&app, &ada).await),
        (404, "not_queued".to_owned())
    );
    assert_eq!(
        problem(&cancel(&app, &ada).await),
        (404, "not_queued".to_owned())
    );

    let first = queue(&app, &ada, duel(30)).await;
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let again = queue(&app, &ada, duel(30)).await;
    assert_eq!(problem(&again), (409, "already_queued".to_owned()));
    let mine = ticket(&app, &ada).await.json();
    assert_eq!(
        mine["id"],
        first.json()["id"],
        "the first ticket is untouched"
    );
    assert_eq!(mine["state"], "searching");

    let cancelled = cancel(&app, &ada).await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(cancelled.json()["cancel_reason"], "by_player");
    assert_eq!(ticket(&app, &ada).await.json()["state"], "cancelled");
}

#[tokio::test]
async fn a_party_queues_through_its_leader_after_a_passed_ready_check() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let party = create(&app, &ada, json!({"open": true})).await;
    join(&app, &bob, &party).await;
    let squad = json!({"mode": "squad", "regions": [{"region": "eu", "latency_ms": 20}]});

    assert_eq!(
        problem(&queue(&app, &bob, squad.clone()).await),
        (403, "not_party_leader".to_owned())
    );
    assert_eq!(
        problem(&queue(&app, &ada, squad.clone()).await),
        (409, "party_not_ready".to_owned())
    );
    let duel_party = queue(&app, &ada, duel(20)).await;
    assert_eq!(
        problem(&duel_party).0,
        409,
        "a party of two is too large for a duel, or not ready"
    );

    post(
        &app,
        &ada,
        &format!("/v1/party/{party}/ready-check"),
        json!({}),
    )
    .await;
    for who in [&ada, &bob] {
        let answer = post(
            &app,
            who,
            &format!("/v1/party/{party}/ready"),
            json!({"ready": true}),
        )
        .await;
        assert_eq!(answer.status, 200);
    }
    assert_eq!(
        problem(&queue(&app, &ada, duel(20)).await),
        (409, "party_too_large".to_owned())
    );
    let queued = queue(&app, &ada, squad.clone()).await;
    assert_eq!(
        queued.status,
        201,
        "{}",
        String::from_utf8_lossy(&queued.body)
    );
    let ticket_json = queued.json();
    assert_eq!(ticket_json["party_id"], party.as_str());
    assert_eq!(ticket_json["member_ids"].as_array().unwrap().len(), 2);
    assert_eq!(
        ticket(&app, &bob).await.json()["id"],
        ticket_json["id"],
        "the member sees the party's ticket"
    );
    assert_eq!(
        problem(&cancel(&app, &bob).await),
        (403, "not_party_leader".to_owned())
    );
    let party_now = app
        .call("GET", &format!("/v1/party/{party}"), None, Some(&ada.token))
        .await
        .json();
    assert_eq!(party_now["state"], "queued");
    assert!(
        party_now["ready_check"].is_null(),
        "a passed check admits one queue"
    );

    // The party changes: its ticket leaves the queue.
    let left = post(&app, &bob, &format!("/v1/party/{party}/leave"), json!({})).await;
    assert_eq!(left.status, 204);
    let after = ticket(&app, &ada).await.json();
    assert_eq!(after["state"], "cancelled");
    assert_eq!(after["cancel_reason"], "party_changed");
    let party_now = app
        .call("GET", &format!("/v1/party/{party}"), None, Some(&ada.token))
        .await
        .json();
    assert_eq!(party_now["state"], "active");
}

#[tokio::test]
async fn a_bad_queue_definition_stops_the_node_naming_it() {
    let figment =
        rally_server::Settings::figment(None, &[("queues", "{duel={team_size=0}}".to_owned())])
            .unwrap();
    let error = rally_server::Settings::from_figment(figment)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("queues.duel") && error.contains("team_size"),
        "{error}"
    );
}
