//! A reported result through the whole node: rating.updated, history, one match, leaderboard.

use serde_json::json;

use crate::accounts::problem;
use crate::harness::spawn_app;
use crate::queue::with;
use crate::session::{matched_pair, server_call, server_key};

#[tokio::test]
async fn a_reported_result_moves_ratings_history_and_the_leaderboard() {
    let mut app = spawn_app(&with(&[])).await;
    let (ada, bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    ada_socket.next_of("session.ready").await;
    let key = server_key(&app);
    // Ada's team wins (ada is on team 0 or 1: read it from the match).
    let summary = app
        .call(
            "GET",
            &format!("/v1/matches/{match_id}"),
            None,
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        summary.status,
        200,
        "{}",
        String::from_utf8_lossy(&summary.body)
    );
    let participants = summary.json()["participants"].clone();
    let ada_team = participants
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player_id"] == ada.id.as_str())
        .unwrap()["team"]
        .as_i64()
        .unwrap();
    let report = json!({"outcomes": [{"team": ada_team, "outcome": "win"}, {"team": 1 - ada_team, "outcome": "loss"}], "duration_s": 120.0});
    let stored = server_call(
        &app,
        &key,
        &format!("/v1/server/sessions/{match_id}/result"),
        report,
    )
    .await;
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );

    let updated = ada_socket.next_of("rating.updated").await;
    assert_eq!(updated["data"]["match_id"], match_id.as_str());
    assert!(updated["data"]["mmr_after"].as_i64() > updated["data"]["mmr_before"].as_i64());
    // Glicko-2's volatility moved and is kept, so the next result continues from it.
    let season_id: uuid::Uuid = updated["data"]["season_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let key = rally_store::RatingKey {
        player_id: ada.id.parse().unwrap(),
        season_id,
        mode: "duel".into(),
    };
    let stored = app
        .state()
        .backends()
        .store
        .rating(&key)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.volatility,
        rally_store::RatingValue::START_VOLATILITY
    );
    assert!((stored.volatility - 0.06).abs() < 0.001, "{stored:?}");

    let history = app
        .call("GET", "/v1/matches/history", None, Some(&ada.token))
        .await
        .json();
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["outcome"], "win");
    assert!(entries[0]["rating_change"].as_f64().unwrap() > 0.0);
    assert_eq!(entries[0]["match"]["duration_s"], 120.0);
    let theirs = app
        .call(
            "GET",
            &format!("/v1/matches/history?player_id={}", bob.id),
            None,
            Some(&ada.token),
        )
        .await
        .json();
    assert_eq!(theirs["entries"][0]["outcome"], "loss");
    let bad_cursor = app
        .call(
            "GET",
            "/v1/matches/history?cursor=nonsense",
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&bad_cursor).0, 400);

    let board = || async {
        app.call(
            "GET",
            "/v1/leaderboard/current?mode=duel",
            None,
            Some(&ada.token),
        )
        .await
        .json()
    };
    crate::harness::until("both players are on the board", || async {
        board().await["total"] == 2
    })
    .await;
    let board = board().await;
    assert_eq!(board["total"], 2, "{board}");
    assert_eq!(
        board["rows"][0]["player_id"],
        ada.id.as_str(),
        "the winner ranks first"
    );
    assert_eq!(board["rows"][0]["rank"], 1);
    let me = app
        .call(
            "GET",
            "/v1/leaderboard/current/me?mode=duel",
            None,
            Some(&bob.token),
        )
        .await
        .json();
    assert_eq!(me["rows"].as_array().unwrap().len(), 2);
    let around = app
        .call(
            "GET",
            &format!(
                "/v1/leaderboard/current?mode=duel&around={}&radius=0",
                ada.id
            ),
            None,
            Some(&bob.token),
        )
        .await
        .json();
    assert_eq!(around["rows"][0]["player_id"], ada.id.as_str());
    use base64::Engine;
    let far = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("999999999999999999:{}", uuid::Uuid::nil()));
    let far_cursor = app
        .call(
            "GET",
            &format!("/v1/matches/history?cursor={far}"),
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(
        problem(&far_cursor).0,
        400,
        "a cursor out of range is refused, not a crash"
    );
    let unknown = app
        .call(
            "GET",
            "/v1/leaderboard/nope?mode=duel",
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&unknown), (404, "season_not_found".to_owned()));
    let none = app
        .call(
            "GET",
            &format!("/v1/matches/{}", uuid::Uuid::new_v4()),
            None,
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&none), (404, "match_not_found".to_owned()));
}
