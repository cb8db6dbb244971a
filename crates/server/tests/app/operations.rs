//! Live operations through the admin API: queues and running sessions read by any operator,
//! a stuck session ended by a moderator (its players told), seasons started and ended and the
//! leaderboard rebuilt by admins only, a player's ratings and history; each change audited.

use rally_store::OperatorRole;
use serde_json::json;

use crate::accounts::problem;
use crate::admin::{actions_by, add, login, staff};
use crate::harness::spawn_app;
use crate::queue::with;
use crate::ratings::finished_duel;
use crate::session::matched_pair;

#[tokio::test]
async fn a_moderator_ends_a_stuck_session_and_its_players_are_told() {
    let mut app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    let (_ada, _bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    ada_socket.next_of("session.ready").await;

    let queues = app
        .call("GET", "/admin/v1/queues", None, Some(&viewer))
        .await
        .expect(200);
    assert!(
        queues["queues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["mode"] == "duel")
    );
    let running = app
        .call("GET", "/admin/v1/sessions", None, Some(&viewer))
        .await
        .expect(200);
    assert_eq!(running["sessions"][0]["match_id"], match_id.as_str());
    assert_eq!(running["sessions"][0]["state"], "ready");

    let path = format!("/admin/v1/sessions/{match_id}/end");
    let body = json!({"reason": "server hung, players stuck in loading"});
    let refused = app
        .call("POST", &path, Some(body.clone()), Some(&viewer))
        .await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    let empty = app
        .call("POST", &path, Some(json!({"reason": ""})), Some(&moderator))
        .await;
    assert_eq!(problem(&empty), (422, "invalid".to_owned()));
    let ended = app
        .call("POST", &path, Some(body.clone()), Some(&moderator))
        .await;
    assert_eq!(
        ended.status,
        204,
        "{}",
        String::from_utf8_lossy(&ended.body)
    );
    let told = ada_socket.next_of("session.ended").await;
    assert_eq!(told["data"]["reason"], "ended_by_operator");
    let again = app.call("POST", &path, Some(body), Some(&moderator)).await;
    assert_eq!(problem(&again), (404, "session_not_found".to_owned()));
    let running = app
        .call("GET", "/admin/v1/sessions", None, Some(&viewer))
        .await
        .expect(200);
    assert_eq!(running["sessions"], json!([]));
    assert_eq!(
        actions_by(&app, "mod", "target").await,
        [("session.end".to_owned(), match_id)]
    );
}

#[tokio::test]
async fn admins_run_seasons_and_rebuild_the_board_and_any_operator_reads_a_players_record() {
    let app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    add(&app, "root", OperatorRole::Admin).await;
    let admin = login(&app, "root").await;
    let ada = crate::party::player(&app, "ada").await;
    let bob = crate::party::player(&app, "bob").await;
    let store = &app.state().backends().store;
    let duel = finished_duel(store, ada.id.parse().unwrap(), bob.id.parse().unwrap()).await;

    let history = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}/history", ada.id),
            None,
            Some(&viewer),
        )
        .await
        .expect(200);
    assert_eq!(history["entries"][0]["match"]["id"], json!(duel.match_id));
    let ratings = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}/ratings", ada.id),
            None,
            Some(&viewer),
        )
        .await;
    assert!(ratings.expect(200).is_array());
    let nobody = format!("/admin/v1/players/{}/ratings", uuid::Uuid::new_v4());
    let missing = app.call("GET", &nobody, None, Some(&viewer)).await;
    assert_eq!(problem(&missing), (404, "player_not_found".to_owned()));

    let season = json!({"name": "winter"});
    for token in [&viewer, &moderator] {
        let refused = app
            .call(
                "POST",
                "/admin/v1/seasons",
                Some(season.clone()),
                Some(token),
            )
            .await;
        assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    }
    let started = app
        .call(
            "POST",
            "/admin/v1/seasons",
            Some(season.clone()),
            Some(&admin),
        )
        .await
        .expect(201);
    assert_eq!(
        (started["name"].clone(), started["state"].clone()),
        (json!("winter"), json!("active"))
    );
    let taken = app
        .call("POST", "/admin/v1/seasons", Some(season), Some(&admin))
        .await;
    assert_eq!(problem(&taken), (422, "invalid".to_owned()));
    let rebuilt = app
        .call("POST", "/admin/v1/leaderboards/rebuild", None, Some(&admin))
        .await
        .expect(200);
    assert_eq!(rebuilt["season"], "winter");
    let ended = app
        .call("POST", "/admin/v1/seasons/end", None, Some(&admin))
        .await
        .expect(200);
    assert_eq!(ended["state"], "ended");
    let none = app
        .call("POST", "/admin/v1/seasons/end", None, Some(&admin))
        .await;
    assert_eq!(problem(&none), (404, "season_not_found".to_owned()));
    let none = app
        .call("POST", "/admin/v1/leaderboards/rebuild", None, Some(&admin))
        .await;
    assert_eq!(problem(&none), (404, "season_not_found".to_owned()));
    let lines: Vec<String> = actions_by(&app, "root", "target")
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(lines, ["season.end", "leaderboard.rebuild", "season.start"]);
}
