//! Reports and the moderation queue: a player reports a player (in general, about a match they
//! both played, or about a message the other sent), once per scope, with every refusal; a
//! report from chat lands in the queue too; operators page, read, assign, note and close
//! reports, viewers only read, and each change is in the audit log.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::accounts::problem;
use crate::admin::{actions_by, staff};
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::{Player, player};
use crate::queue::with;
use crate::ratings::finished_duel;
use crate::sanctions::say;

async fn report(app: &TestApp, who: &Player, body: Value) -> Answer {
    app.call("POST", "/v1/reports", Some(body), Some(&who.token))
        .await
}

async fn filed(app: &TestApp, who: &Player, body: Value) -> Value {
    report(app, who, body).await.expect(201)
}

/// `who` sends `body` to `to` directly; the message's id.
async fn message(app: &TestApp, who: &Player, to: &Player, body: &str) -> String {
    let sent = say(app, who, to, body).await.expect(201);
    sent["id"].as_str().unwrap().to_owned()
}

/// `operator` POSTs `body` to the report `report`'s `action` (`/assign`, `/notes`, `/resolve`).
async fn act(app: &TestApp, operator: &str, report: &str, action: &str, body: Value) -> Answer {
    let path = format!("/admin/v1/reports/{report}{action}");
    app.call("POST", &path, Some(body), Some(operator)).await
}

fn id(player: &Player) -> Uuid {
    player.id.parse().unwrap()
}

#[tokio::test]
async fn a_player_reports_once_per_scope_and_every_refusal_has_its_code() {
    let app = spawn_app(&with(&[])).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;

    let general = json!({"player_id": bob.id, "category": "cheating", "text": "wallhack"});
    let first = filed(&app, &ada, general.clone()).await;
    assert!(first["id"].is_string() && first["filed_at"].is_string());
    let again = report(&app, &ada, general).await;
    assert_eq!(problem(&again), (409, "already_reported".to_owned()));
    let own = report(
        &app,
        &ada,
        json!({"player_id": ada.id, "category": "other"}),
    )
    .await;
    assert_eq!(problem(&own), (422, "cannot_report_self".to_owned()));
    let nobody = json!({"player_id": Uuid::new_v4(), "category": "other"});
    assert_eq!(
        problem(&report(&app, &ada, nobody).await),
        (404, "player_not_found".to_owned())
    );
    let long = json!({"player_id": bob.id, "category": "abuse", "text": "x".repeat(1001)});
    assert_eq!(
        problem(&report(&app, &ada, long).await),
        (422, "invalid".to_owned())
    );
    let unknown = json!({"player_id": bob.id, "category": "witchcraft"});
    assert_eq!(
        problem(&report(&app, &ada, unknown).await).0,
        400,
        "no such category"
    );

    // About a match: both must have played in it; one report per match.
    let store = &app.state().backends().store;
    let duel = finished_duel(store, id(&ada), id(&bob)).await;
    let about = json!({"player_id": bob.id, "match_id": duel.match_id, "category": "griefing"});
    filed(&app, &ada, about.clone()).await;
    assert_eq!(
        problem(&report(&app, &ada, about).await),
        (409, "already_reported".to_owned())
    );
    let outsider = json!({"player_id": bob.id, "match_id": duel.match_id, "category": "griefing"});
    assert_eq!(
        problem(&report(&app, &cyd, outsider).await),
        (422, "invalid".to_owned())
    );
    let no_match = json!({"player_id": bob.id, "match_id": Uuid::new_v4(), "category": "other"});
    assert_eq!(
        problem(&report(&app, &ada, no_match).await),
        (404, "match_not_found".to_owned())
    );

    // About a message: the reported player sent it, where the reporter can read it.
    let insult = message(&app, &bob, &ada, "you are terrible").await;
    let about = json!({"player_id": bob.id, "message_id": insult, "category": "abuse"});
    filed(&app, &ada, about.clone()).await;
    let not_theirs = json!({"player_id": cyd.id, "message_id": insult, "category": "abuse"});
    assert_eq!(
        problem(&report(&app, &ada, not_theirs).await),
        (422, "invalid".to_owned())
    );
    let unseen = report(&app, &cyd, about).await;
    assert_eq!(
        problem(&unseen),
        (403, "not_in_channel".to_owned()),
        "a message cyd cannot read"
    );
}

#[tokio::test]
async fn moderators_work_the_queue_and_viewers_only_read_it() {
    let app = spawn_app(&with(&[])).await;
    let (moderator, viewer) = staff(&app).await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;

    let from_ada = filed(
        &app,
        &ada,
        json!({"player_id": bob.id, "category": "cheating", "text": "aimbot"}),
    )
    .await;
    let from_cyd = filed(
        &app,
        &cyd,
        json!({"player_id": bob.id, "category": "smurfing"}),
    )
    .await;
    // A report from chat lands in the queue too, with the message as evidence.
    let insult = message(&app, &ada, &cyd, "get lost").await;
    let from_chat = app
        .call(
            "POST",
            &format!("/v1/chat/messages/{insult}/report"),
            Some(json!({ "reason": "rude" })),
            Some(&cyd.token),
        )
        .await;
    assert_eq!(from_chat.status, 202);

    let open = app
        .call("GET", "/admin/v1/reports?state=open", None, Some(&viewer))
        .await;
    assert_eq!(open.status, 200, "{}", String::from_utf8_lossy(&open.body));
    let reports = open.json()["reports"].clone();
    assert_eq!(reports.as_array().unwrap().len(), 3);
    assert_eq!(reports[0]["category"], "chat");
    assert_eq!(reports[0]["evidence"], "get lost");
    assert_eq!(reports[0]["player_id"], json!(ada.id));
    let about_bob = app
        .call(
            "GET",
            &format!("/admin/v1/reports?player_id={}&limit=1", bob.id),
            None,
            Some(&viewer),
        )
        .await
        .json();
    assert_eq!(about_bob["reports"][0]["id"], from_cyd["id"]);
    assert_eq!(about_bob["next_before"], from_cyd["id"]);
    let seen = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}", bob.id),
            None,
            Some(&viewer),
        )
        .await
        .json();
    assert_eq!(
        (
            seen["reports_received"].clone(),
            seen["reports_made"].clone()
        ),
        (json!(2), json!(0))
    );

    let on = from_ada["id"].as_str().unwrap().to_owned();
    let refused = act(&app, &viewer, &on, "/assign", json!({})).await;
    assert_eq!(problem(&refused), (403, "role_required".to_owned()));
    let watcher_id = app
        .call("GET", "/admin/v1/me", None, Some(&viewer))
        .await
        .json()["id"]
        .clone();
    let to_viewer = json!({"operator_id": watcher_id});
    let to_viewer = act(&app, &moderator, &on, "/assign", to_viewer).await;
    assert_eq!(problem(&to_viewer), (422, "invalid".to_owned()));
    let assigned = act(&app, &moderator, &on, "/assign", json!({})).await;
    assert_eq!(assigned.expect(200)["state"], "in_review");
    let body = json!({"body": "replay at 12:40 shows it"});
    act(&app, &moderator, &on, "/notes", body).await.expect(201);
    let empty = act(&app, &moderator, &on, "/notes", json!({"body": "  "})).await;
    assert_eq!(problem(&empty), (422, "invalid".to_owned()));

    let resolution = json!({"outcome": "actioned", "resolution": "banned for 7 days"});
    let closed = act(&app, &moderator, &on, "/resolve", resolution.clone())
        .await
        .expect(200);
    assert_eq!(
        (closed["state"].clone(), closed["resolution"].clone()),
        (json!("actioned"), json!("banned for 7 days"))
    );
    let twice = act(&app, &moderator, &on, "/resolve", resolution).await;
    assert_eq!(problem(&twice), (409, "report_closed".to_owned()));
    let reassign = act(&app, &moderator, &on, "/assign", json!({})).await;
    assert_eq!(problem(&reassign), (409, "report_closed".to_owned()));

    let detail = app
        .call(
            "GET",
            &format!("/admin/v1/reports/{on}"),
            None,
            Some(&viewer),
        )
        .await
        .json();
    assert_eq!(detail["report"]["text"], "aimbot");
    assert_eq!(detail["notes"][0]["author"], "mod");
    assert_eq!(detail["notes"][0]["body"], "replay at 12:40 shows it");
    let missing = app
        .call(
            "GET",
            &format!("/admin/v1/reports/{}", Uuid::new_v4()),
            None,
            Some(&viewer),
        )
        .await;
    assert_eq!(problem(&missing), (404, "report_not_found".to_owned()));

    let by_mod = actions_by(&app, "mod", "target").await;
    let target = from_ada["id"].as_str().unwrap().to_owned();
    assert_eq!(
        by_mod,
        [
            ("report.resolve".to_owned(), target.clone()),
            ("report.note".to_owned(), target.clone()),
            ("report.assign".to_owned(), target),
        ]
    );
}

#[tokio::test]
async fn reports_from_enough_trusted_players_ban_for_a_while_pending_review() {
    let app = spawn_app(&with(&[("auto_ban_reports", "2")])).await;
    let (moderator, _viewer) = staff(&app).await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let dee = player(&app, "dee").await;
    let eve = player(&app, "eve").await;
    let zed = player(&app, "zed").await;

    // Dee cried wolf twice: her word weighs half.
    for target in [&cyd, &eve] {
        let filed = filed(
            &app,
            &dee,
            json!({"player_id": target.id, "category": "other"}),
        )
        .await;
        let on = filed["id"].as_str().unwrap().to_owned();
        let resolution = json!({"outcome": "dismissed", "resolution": "nothing there"});
        act(&app, &moderator, &on, "/resolve", resolution)
            .await
            .expect(200);
    }
    filed(
        &app,
        &cyd,
        json!({"player_id": bob.id, "category": "cheating"}),
    )
    .await;
    filed(
        &app,
        &dee,
        json!({"player_id": bob.id, "category": "cheating"}),
    )
    .await;
    let status = || async {
        let path = format!("/admin/v1/players/{}", bob.id);
        let seen = app
            .call("GET", &path, None, Some(&moderator))
            .await
            .expect(200);
        seen["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status().await, "active", "1.5 of 2: not yet");

    filed(
        &app,
        &eve,
        json!({"player_id": bob.id, "category": "cheating"}),
    )
    .await;
    assert_eq!(status().await, "banned");
    let login = crate::accounts::login(&app, "bob", crate::accounts::PASSWORD).await;
    assert_eq!(problem(&login), (403, "account_banned".to_owned()));
    let record = app
        .call(
            "GET",
            &format!("/admin/v1/players/{}/sanctions", bob.id),
            None,
            Some(&moderator),
        )
        .await
        .expect(200);
    let ban = record["sanctions"][0].clone();
    assert_eq!(
        (ban["kind"].clone(), ban["given_by"].clone()),
        (json!("ban"), json!("auto:reports"))
    );
    assert!(ban["until"].is_string(), "for a while");
    assert_eq!(
        actions_by(&app, "auto:reports", "target").await,
        [("player.ban".to_owned(), bob.id.clone())]
    );

    // Lifted on review, the same window's reports do not ban again.
    let path = format!("/admin/v1/sanctions/{}/lift", ban["id"].as_str().unwrap());
    app.call(
        "POST",
        &path,
        Some(json!({"reason": "replays are clean"})),
        Some(&moderator),
    )
    .await
    .expect(200);
    filed(
        &app,
        &zed,
        json!({"player_id": bob.id, "category": "cheating"}),
    )
    .await;
    assert_eq!(
        status().await,
        "active",
        "not banned again by the same window's reports"
    );
    let back = crate::accounts::login(&app, "bob", crate::accounts::PASSWORD).await;
    assert_eq!(back.status, 200, "{}", String::from_utf8_lossy(&back.body));
}
