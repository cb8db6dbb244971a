//! The leaderboard's names come from the ratings service's short memory: a renamed player
//! shows under the new name once it has passed, and the database is not asked on every read.

use rally_clock::ManualClock;
use rally_server::ratings::{board, recent::NAME_FOR};
use serde_json::json;
use uuid::Uuid;

use super::finished_duel;
use crate::harness::spawn_app_on;
use crate::party::player;

#[tokio::test]
async fn a_renamed_player_shows_under_the_new_name_once_the_kept_one_has_passed() {
    let manual = ManualClock::starting_now();
    let app = spawn_app_on(
        manual.clock(),
        &[("register_limit_per_hour", "1000".to_owned())],
    )
    .await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let store = app.state().backends().store.clone();
    let completed = finished_duel(
        &store,
        ada.id.parse::<Uuid>().unwrap(),
        bob.id.parse::<Uuid>().unwrap(),
    )
    .await;
    let applied = app
        .state()
        .ratings()
        .apply(&completed)
        .await
        .unwrap()
        .unwrap();
    board::record_all(&app.state().backends().state, &[applied])
        .await
        .unwrap();
    let first_name = || async {
        let board = app
            .call(
                "GET",
                "/v1/leaderboard/current?mode=duel",
                None,
                Some(&bob.token),
            )
            .await
            .json();
        assert_eq!(board["rows"][0]["player_id"], ada.id.as_str(), "{board}");
        board["rows"][0]["display_name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(first_name().await, "ada");

    let renamed = app
        .call(
            "PATCH",
            "/v1/profile/me",
            Some(json!({ "display_name": "Ada Lovelace" })),
            Some(&ada.token),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(first_name().await, "ada", "kept for a while");
    manual.advance(NAME_FOR);
    assert_eq!(
        first_name().await,
        "Ada Lovelace",
        "read again once it passed"
    );
}
