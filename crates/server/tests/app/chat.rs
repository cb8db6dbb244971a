//! Chat over HTTP and the gateway: direct messages pushed to both players, paged history,
//! unread counts and read marks, edits and deletes within the window, party, match and team
//! channels open to their players only, blocks, the length and rate limits, the word filter,
//! reports and moderation, and the purge past retention; every refusal with its code.

use std::time::Duration;

use rally_clock::ManualClock;
use serde_json::{Value, json};

use crate::accounts::problem;
use crate::gateway::connect_hello;
use crate::harness::{Answer, TestApp, spawn_app, spawn_app_on};
use crate::party::{Player, create, join, player};
use crate::queue::{duel, queue, with};

async fn send(app: &TestApp, who: &Player, channel: &str, body: &str) -> Answer {
    let path = format!("/v1/chat/channels/{channel}/messages");
    app.call(
        "POST",
        &path,
        Some(json!({ "body": body })),
        Some(&who.token),
    )
    .await
}

async fn sent(app: &TestApp, who: &Player, channel: &str, body: &str) -> Value {
    let answer = send(app, who, channel, body).await;
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

async fn history(app: &TestApp, who: &Player, channel: &str, query: &str) -> Answer {
    let path = format!("/v1/chat/channels/{channel}/messages{query}");
    app.call("GET", &path, None, Some(&who.token)).await
}

fn bodies(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn unread(app: &TestApp, who: &Player) -> Value {
    let answer = app
        .call("GET", "/v1/chat/unread", None, Some(&who.token))
        .await;
    assert_eq!(answer.status, 200);
    answer.json()["channels"].clone()
}

#[tokio::test]
async fn a_direct_message_is_pushed_to_both_paged_counted_unread_edited_and_deleted() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let (mut bob_socket, _) = connect_hello(addr, &bob.token, "").await;

    let first = sent(&app, &ada, &format!("dm:{}", bob.id), "hello bob").await;
    let channel = first["channel"].as_str().unwrap().to_owned();
    let (low, high) = if ada.id < bob.id {
        (&ada.id, &bob.id)
    } else {
        (&bob.id, &ada.id)
    };
    assert_eq!(channel, format!("dm:{low}:{high}"));
    assert_eq!(first["sender_name"], "ada");
    let pushed = bob_socket.next_of("chat.message").await;
    assert_eq!(pushed["data"]["kind"], "posted");
    assert_eq!(pushed["data"]["message"]["id"], first["id"]);
    for i in 0..3 {
        sent(&app, &ada, &channel, &format!("more {i}")).await;
    }
    // Bob answers through his own short name of the same channel.
    let answer = sent(&app, &bob, &format!("dm:{}", ada.id), "hi ada").await;
    assert_eq!(answer["channel"], channel.as_str());

    let page = history(&app, &bob, &channel, "?limit=3").await.json();
    assert_eq!(bodies(&page), ["hi ada", "more 2", "more 1"]);
    let before = page["next_before"].as_str().unwrap();
    let older = history(&app, &ada, &channel, &format!("?before={before}"))
        .await
        .json();
    assert_eq!(bodies(&older), ["more 0", "hello bob"]);
    assert!(older.get("next_before").is_none());

    let counts = unread(&app, &bob).await;
    assert_eq!(counts[0]["unread"], 4, "{counts}");
    assert_eq!(counts[0]["player_id"], ada.id.as_str());
    assert_eq!(unread(&app, &ada).await[0]["unread"], 1);
    let mark = format!("/v1/chat/channels/{channel}/read");
    let read = app
        .call(
            "POST",
            &mark,
            Some(json!({ "message_id": answer["id"] })),
            Some(&bob.token),
        )
        .await;
    assert_eq!(read.status, 204);
    assert_eq!(unread(&app, &bob).await, json!([]));

    let path = format!("/v1/chat/messages/{}", first["id"].as_str().unwrap());
    let edited = app
        .call(
            "PATCH",
            &path,
            Some(json!({ "body": "hello, bob" })),
            Some(&ada.token),
        )
        .await;
    assert_eq!(edited.status, 200);
    assert!(edited.json()["edited_at"].is_string());
    let theirs = app
        .call(
            "PATCH",
            &path,
            Some(json!({ "body": "mine now" })),
            Some(&bob.token),
        )
        .await;
    assert_eq!(problem(&theirs), (403, "not_your_message".to_owned()));
    assert_eq!(
        app.call("DELETE", &path, None, Some(&ada.token))
            .await
            .status,
        204
    );
    let mut kinds = Vec::new();
    while kinds.last() != Some(&"deleted".to_owned()) {
        let push = bob_socket.next_of("chat.message").await;
        kinds.push(push["data"]["kind"].as_str().unwrap().to_owned());
        if push["data"]["kind"] == "deleted" {
            assert_eq!(push["data"]["message"]["body"], "");
        }
    }
    assert!(kinds.contains(&"edited".to_owned()), "{kinds:?}");
    let all = history(&app, &bob, &channel, "").await.json();
    assert!(
        !bodies(&all).iter().any(|b| b.starts_with("hello")),
        "{all}"
    );
    assert_eq!(
        problem(&app.call("DELETE", &path, None, Some(&ada.token)).await),
        (404, "message_not_found".to_owned())
    );

    // Nobody else reads or writes it.
    assert_eq!(
        problem(&history(&app, &cyd, &channel, "").await),
        (403, "not_in_channel".to_owned())
    );
    assert_eq!(
        problem(&send(&app, &cyd, &channel, "hey").await),
        (403, "not_in_channel".to_owned())
    );
    assert_eq!(
        problem(&send(&app, &ada, "lobby:1", "hey").await),
        (404, "channel_not_found".to_owned())
    );
    let nobody = format!("dm:{}", uuid::Uuid::new_v4());
    assert_eq!(
        problem(&send(&app, &ada, &nobody, "hey").await),
        (404, "channel_not_found".to_owned())
    );

    // After a block, either way, no more messages; the history stays readable.
    let block = format!("/v1/blocks/{}", ada.id);
    assert_eq!(
        app.call("PUT", &block, None, Some(&bob.token)).await.status,
        204
    );
    assert_eq!(
        problem(&send(&app, &ada, &channel, "still there?").await),
        (403, "blocked".to_owned())
    );
    // Nor edits of what was sent before, which would be pushed as well.
    let recent = format!("/v1/chat/messages/{}", answer["id"].as_str().unwrap());
    let edit = app
        .call(
            "PATCH",
            &recent,
            Some(json!({ "body": "changed" })),
            Some(&bob.token),
        )
        .await;
    assert_eq!(problem(&edit), (403, "blocked".to_owned()));
    assert_eq!(history(&app, &ada, &channel, "").await.status, 200);
}

#[tokio::test]
async fn party_match_and_team_channels_are_their_players_only() {
    let mut app = spawn_app(&with(&[])).await;
    let addr = app.serve();
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let cyd = player(&app, "cyd").await;
    let party = create(&app, &ada, json!({ "open": true })).await;
    join(&app, &bob, &party).await;
    let channel = format!("party:{party}");
    sent(&app, &bob, &channel, "ready?").await;
    assert_eq!(
        bodies(&history(&app, &ada, &channel, "").await.json()),
        ["ready?"]
    );
    assert_eq!(
        problem(&send(&app, &cyd, &channel, "me too").await),
        (403, "not_in_channel".to_owned())
    );

    let (mut cyd_socket, _) = connect_hello(addr, &cyd.token, "").await;
    let dan = player(&app, "dan").await;
    assert_eq!(queue(&app, &cyd, duel(25)).await.status, 201);
    assert_eq!(queue(&app, &dan, duel(25)).await.status, 201);
    let found = cyd_socket.next_of("match.found").await;
    let match_id = found["data"]["match_id"].as_str().unwrap().to_owned();
    let teams = found["data"]["teams"].as_array().unwrap().clone();
    let team_of = |who: &Player| {
        teams
            .iter()
            .position(|t| {
                t.as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["player_id"] == who.id.as_str())
            })
            .unwrap()
    };
    sent(&app, &cyd, &format!("match:{match_id}"), "glhf").await;
    assert_eq!(
        bodies(
            &history(&app, &dan, &format!("match:{match_id}"), "")
                .await
                .json()
        ),
        ["glhf"]
    );
    let mine = format!("team:{match_id}:{}", team_of(&cyd));
    let theirs = format!("team:{match_id}:{}", team_of(&dan));
    sent(&app, &cyd, &mine, "plan").await;
    assert_eq!(
        problem(&history(&app, &dan, &mine, "").await),
        (403, "not_in_channel".to_owned())
    );
    assert_eq!(
        problem(&send(&app, &cyd, &theirs, "hi").await),
        (403, "not_in_channel".to_owned())
    );
    assert_eq!(
        problem(&send(&app, &ada, &format!("match:{match_id}"), "hi").await),
        (403, "not_in_channel".to_owned())
    );
    let unknown = format!("match:{}", uuid::Uuid::new_v4());
    assert_eq!(
        problem(&send(&app, &cyd, &unknown, "hi").await),
        (404, "channel_not_found".to_owned())
    );
    for missing in [
        format!("team:{match_id}:7"),
        format!("party:{}", uuid::Uuid::new_v4()),
    ] {
        assert_eq!(
            problem(&send(&app, &cyd, &missing, "hi").await),
            (404, "channel_not_found".to_owned())
        );
    }
}

#[tokio::test]
async fn length_rate_and_word_filter_limits_refuse_with_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let words = dir.path().join("words.txt");
    std::fs::write(&words, "# refused\nbadword\n").unwrap();
    let app = spawn_app(&with(&[
        ("chat_message_max_chars", "10"),
        ("chat_messages_per_minute", "3"),
        ("chat_word_filter", words.to_str().unwrap()),
    ]))
    .await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let channel = format!("dm:{}", bob.id);
    let long = send(&app, &ada, &channel, "eleven char").await;
    assert_eq!(problem(&long), (422, "invalid".to_owned()));
    assert_eq!(
        problem(&send(&app, &ada, &channel, "   ").await),
        (422, "invalid".to_owned())
    );
    assert_eq!(
        problem(&send(&app, &ada, &channel, "nul\u{0}").await),
        (422, "invalid".to_owned())
    );
    let masked = sent(&app, &ada, &channel, "a BadWord").await;
    assert_eq!(masked["body"], "a *******");
    sent(&app, &ada, &channel, "two").await;
    sent(&app, &ada, &channel, "three").await;
    let limited = send(&app, &ada, &channel, "four").await;
    assert_eq!(problem(&limited), (429, "rate_limited".to_owned()));
    assert!(limited.headers.contains_key("retry-after"));
    // Refused messages stored nothing.
    let page = history(&app, &bob, &format!("dm:{}", ada.id), "").await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    let page = page.json();
    assert_eq!(bodies(&page), ["three", "two", "a *******"]);

    let strict = spawn_app(&with(&[
        ("chat_word_filter", words.to_str().unwrap()),
        ("chat_word_filter_mode", "refuse"),
    ]))
    .await;
    let ada = player(&strict, "ada").await;
    let bob = player(&strict, "bob").await;
    let refused = send(&strict, &ada, &format!("dm:{}", bob.id), "badword!").await;
    assert_eq!(problem(&refused), (422, "message_refused".to_owned()));
}

#[tokio::test]
async fn the_edit_window_closes_reports_reach_moderators_who_delete_and_old_messages_are_purged() {
    let manual = ManualClock::starting_now();
    let app = spawn_app_on(
        manual.clock(),
        &with(&[
            ("chat_edit_window_s", "60"),
            ("chat_retention_dm_days", "2"),
        ]),
    )
    .await;
    let ada = player(&app, "ada").await;
    let bob = player(&app, "bob").await;
    let said = sent(&app, &ada, &format!("dm:{}", bob.id), "rude").await;
    let channel = said["channel"].as_str().unwrap().to_owned();
    let id = said["id"].as_str().unwrap().to_owned();
    manual.advance(Duration::from_secs(61));
    let path = format!("/v1/chat/messages/{id}");
    let late = app
        .call(
            "PATCH",
            &path,
            Some(json!({ "body": "nice" })),
            Some(&ada.token),
        )
        .await;
    assert_eq!(problem(&late), (409, "edit_window_closed".to_owned()));
    assert_eq!(
        problem(&app.call("DELETE", &path, None, Some(&ada.token)).await),
        (409, "edit_window_closed".to_owned())
    );

    let report = format!("/v1/chat/messages/{id}/report");
    let reason = json!({ "reason": "insult" });
    assert_eq!(
        app.call("POST", &report, Some(reason.clone()), Some(&bob.token))
            .await
            .status,
        202
    );
    let again = app
        .call("POST", &report, Some(reason.clone()), Some(&bob.token))
        .await;
    assert_eq!(problem(&again), (409, "already_reported".to_owned()));
    let own = app
        .call("POST", &report, Some(reason), Some(&ada.token))
        .await;
    assert_eq!(problem(&own), (422, "cannot_report_own".to_owned()));
    let store = &app.state().backends().store;
    let reports = store.chat_reports(10).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].reported_body, "rude");

    // A moderator deletes it, past its sender's window: gone from history for both.
    let chat = app.state().chat();
    rally_server::chat::moderate(chat, id.parse().unwrap())
        .await
        .unwrap();
    assert!(bodies(&history(&app, &bob, &channel, "").await.json()).is_empty());
    assert!(
        rally_server::chat::moderate(chat, id.parse().unwrap())
            .await
            .is_err()
    );

    // Direct messages are kept two days here.
    sent(&app, &bob, &channel, "later").await;
    let now = app.state().now();
    assert_eq!(rally_server::chat::purge(chat, now).await.unwrap(), 0);
    manual.advance(Duration::from_secs(2 * 86_400 + 1));
    let purged = rally_server::chat::purge(chat, app.state().now())
        .await
        .unwrap();
    assert_eq!(purged, 2, "the deleted message and the later one");
    assert!(store.chat_reports(10).await.unwrap().is_empty());
}
