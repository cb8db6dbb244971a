//! A free-for-all through the whole node: three players matched in a queue of three teams of
//! one, a result by placement from the game server, and each player's new rating as their
//! `rating.updated` push reports it, against the independently computed references of
//! `engine/tests/placement_reference.rs`. Results whose places cannot be read are refused with
//! their own problem codes, and nothing is stored.

use serde_json::{Value, json};

use crate::accounts::problem;
use crate::gateway::{Client, connect_hello};
use crate::harness::{TestApp, spawn_app};
use crate::party::{Player, player};
use crate::queue::{queue, with};
use crate::session::{participant_of, server_call, server_key};

const QUEUES: &str = "{ffa={teams=3,team_size=1,min_teams=3,max_party_size=1,rating_system=WengLin,tick_interval_ms=200},\
    ffa_glicko={teams=3,team_size=1,min_teams=3,max_party_size=1,rating_system=Glicko2,tick_interval_ms=200}}";

/// Three new players matched in `mode`, their sockets, and the match as `match.found` told it.
async fn three_matched(app: &mut TestApp, mode: &str) -> (Vec<(Player, Client)>, Value) {
    let addr = app.serve();
    let mut players = Vec::new();
    for name in ["ada", "bob", "cyd"] {
        let who = player(app, &format!("{mode}_{name}")).await;
        let (socket, _) = connect_hello(addr, &who.token, "").await;
        players.push((who, socket));
    }
    for (who, _) in &players {
        let body = json!({"mode": mode, "regions": [{"region": "eu", "latency_ms": 20}]});
        assert_eq!(queue(app, who, body).await.status, 201);
    }
    let found = players[0].1.next_of("match.found").await;
    (players, found["data"].clone())
}

/// A result giving each of `players` its place (and the outcome that goes with it).
fn by_place(players: &[(Player, Client)], places: [u32; 3]) -> Value {
    let lines: Vec<Value> = players
        .iter()
        .zip(places)
        .map(|((who, _), place)| {
            let outcome = if place == 1 { "win" } else { "loss" };
            json!({"player_id": who.id, "outcome": outcome, "placement": place})
        })
        .collect();
    json!({"outcomes": lines, "duration_s": 600.0})
}

async fn report(app: &TestApp, match_id: &str, body: Value) -> crate::harness::Answer {
    let key = server_key(app);
    server_call(
        app,
        &key,
        &format!("/v1/server/sessions/{match_id}/result"),
        body,
    )
    .await
}

/// Places 2, 1, 3 for ada, bob and cyd in `mode` (rated by `system`), and each one's (mean,
/// uncertainty) after, from their pushes, against `expected` (in the same order).
async fn rated_by_place(mode: &str, system: &str, expected: [(f64, f64); 3], tolerance: f64) {
    let mut app = spawn_app(&with(&[("queues", QUEUES)])).await;
    let (mut players, found) = three_matched(&mut app, mode).await;
    let match_id = found["match_id"].as_str().unwrap().to_owned();
    // Three new players: each has a third of the chances, from the queue's rating system, and
    // the quality's parts come with its total.
    let chances: Vec<f64> = serde_json::from_value(found["win_probabilities"].clone()).unwrap();
    assert_eq!(chances.len(), 3);
    for chance in &chances {
        assert!((chance - 1.0 / 3.0).abs() < 1e-9, "{chances:?}");
    }
    assert_eq!(found["quality_breakdown"]["total"], found["quality"]);
    for (_, socket) in &mut players {
        socket.next_of("session.ready").await;
    }

    // What cannot be read is refused, each with its code, and nothing is stored.
    let outcomes_only = json!({"outcomes": [
        {"player_id": players[0].0.id, "outcome": "loss"},
        {"player_id": players[1].0.id, "outcome": "win"},
        {"player_id": players[2].0.id, "outcome": "draw"},
    ], "duration_s": 600.0});
    let mut skipped = by_place(&players, [2, 1, 4]);
    skipped["outcomes"][2]["placement"] = json!(4);
    let mut contradicted = by_place(&players, [2, 1, 3]);
    contradicted["outcomes"][0]["outcome"] = json!("win");
    for (body, code) in [
        (outcomes_only, "placements_required"),
        (skipped, "placement_gap"),
        (contradicted, "placement_contradiction"),
    ] {
        let refused = report(&app, &match_id, body).await;
        assert_eq!(problem(&refused), (422, code.to_owned()));
    }
    let record = app
        .state()
        .backends()
        .store
        .match_record(match_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(record.result, None, "a refused result stores nothing");

    let stored = report(&app, &match_id, by_place(&players, [2, 1, 3])).await;
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    for ((who, socket), (mean, uncertainty)) in players.iter_mut().zip(expected) {
        let updated = socket.next_of("rating.updated").await;
        let got = (
            updated["data"]["mean_after"].as_f64().unwrap(),
            updated["data"]["uncertainty_after"].as_f64().unwrap(),
        );
        let close = |a: f64, b: f64| (a - b).abs() <= tolerance * b.abs().max(1.0);
        assert!(
            close(got.0, mean) && close(got.1, uncertainty),
            "{mode}: {} is rated {got:?}, the reference ({mean}, {uncertainty})",
            who.id
        );
    }
    let participants = app
        .state()
        .backends()
        .store
        .match_participants(match_id.parse().unwrap())
        .await
        .unwrap();
    for (place, (who, _)) in [2, 1, 3].into_iter().zip(&players) {
        let stored = participants
            .iter()
            .find(|p| p.player_id.to_string() == who.id)
            .unwrap();
        assert_eq!(stored.placement, Some(place), "each player's place is kept");
    }

    // The match shows the chances and quality it was made with, each player's place and whole
    // rating change; the profile, the rating
    // whole, in its queue's system (Glicko-2's volatility included).
    let (ada, _) = &players[0];
    let shown = participant_of(&app, ada, &match_id).await;
    let summary = app
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    assert_eq!(summary["win_probabilities"], found["win_probabilities"]);
    assert_eq!(summary["quality"], found["quality_breakdown"]);
    assert_eq!(shown["placement"], 2);
    let shown_uncertainty = shown["uncertainty_after"].as_f64().unwrap();
    assert!((shown_uncertainty - expected[0].1).abs() <= tolerance * expected[0].1);
    // Glicko-2's volatility is part of the rating the match changed; the others have none.
    assert_eq!(
        shown["volatility_before"].is_f64(),
        system == "glicko2",
        "{shown}"
    );
    assert_eq!(
        shown["volatility_after"].is_f64(),
        system == "glicko2",
        "{shown}"
    );
    if system == "glicko2" {
        // Glickman's algorithm: ada, placed second of three new players, to 0.0599984175.
        let after = shown["volatility_after"].as_f64().unwrap();
        assert!((after - 0.059_998_417_5).abs() < 1e-8, "{after}");
    }
    let profile = app
        .call(
            "GET",
            &format!("/v1/profile/{}", ada.id),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    let rating = &profile["ratings"][0];
    assert_eq!(rating["mode"], mode);
    assert_eq!(rating["system"], system);
    assert_eq!(
        rating["volatility"].is_f64(),
        system == "glicko2",
        "{rating}"
    );
}

#[tokio::test]
async fn a_weng_lin_free_for_all_is_rated_by_placement() {
    // openskill's Bradley-Terry full pairing, tau 0 (engine/tests/placement_reference.rs).
    rated_by_place(
        "ffa",
        "weng_lin",
        [
            (25.000000000000, 7.788474807873),
            (30.270462766947, 7.788474807873),
            (19.729537233053, 7.788474807873),
        ],
        1e-9,
    )
    .await;
}

#[tokio::test]
async fn a_glicko_2_free_for_all_is_rated_by_placement() {
    // Glickman's algorithm, each pair in one rating period (engine/tests/placement_reference.rs).
    rated_by_place(
        "ffa_glicko",
        "glicko2",
        [
            (1500.0000000000, 253.4045992046),
            (1747.3180719781, 253.4046024532),
            (1252.6819280219, 253.4046024532),
        ],
        1e-6,
    )
    .await;
}
