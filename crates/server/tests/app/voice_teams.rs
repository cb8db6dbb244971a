//! Voice for the teams of a running match, for a queue that sets `team_voice`: each player's
//! access to their own team's room in `session.ready` and on asking, a room per team, none for
//! a stranger or once the match is over, and none for a queue without team voice.

use serde_json::json;

use crate::accounts::problem;
use crate::harness::{Answer, TestApp, spawn_app};
use crate::party::Player;
use crate::session::{matched_pair, server_call, server_key};
use crate::voice::{livekit_with, verified};

/// A duel queue with team voice on (or off).
fn duel_queue(team_voice: bool) -> String {
    format!(
        "{{duel={{team_size=1,max_party_size=1,min_teams=2,teams=2,rating_system=Glicko2,tick_interval_ms=200,team_voice={team_voice}}}}}"
    )
}

async fn team_voice(app: &TestApp, who: &Player, match_id: &str) -> Answer {
    let path = format!("/v1/matches/{match_id}/voice");
    app.call("GET", &path, None, Some(&who.token)).await
}

#[tokio::test]
async fn each_player_gets_their_own_teams_room_while_the_match_runs() {
    let queues = duel_queue(true);
    let mut app = spawn_app(&livekit_with(&[("queues", queues.as_str())])).await;
    let (ada, bob, mut ada_socket, mut bob_socket, match_id) = matched_pair(&mut app).await;

    let ada_ready = ada_socket.next_of("session.ready").await["data"].clone();
    let bob_ready = bob_socket.next_of("session.ready").await["data"].clone();
    let ada_room = ada_ready["voice"]["room"].as_str().unwrap().to_owned();
    let bob_room = bob_ready["voice"]["room"].as_str().unwrap().to_owned();
    assert!(
        ada_room.starts_with(&format!("match-{match_id}-team-")),
        "{ada_room}"
    );
    assert_ne!(ada_room, bob_room, "a duel's players are on two teams");
    let claims = verified(ada_ready["voice"]["token"].as_str().unwrap());
    assert_eq!(claims["sub"], ada.id.as_str());
    assert_eq!(claims["video"]["room"], ada_room.as_str());

    let asked = team_voice(&app, &bob, &match_id).await;
    assert_eq!(
        asked.status,
        200,
        "{}",
        String::from_utf8_lossy(&asked.body)
    );
    assert_eq!(asked.json()["room"], bob_room.as_str());
    assert_eq!(
        verified(asked.json()["token"].as_str().unwrap())["sub"],
        bob.id.as_str()
    );

    let cyd = crate::party::player(&app, "cyd").await;
    assert_eq!(
        problem(&team_voice(&app, &cyd, &match_id).await),
        (403, "not_participant".to_owned())
    );
    let nowhere = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        problem(&team_voice(&app, &ada, &nowhere).await),
        (404, "match_not_found".to_owned())
    );

    // The result ends the match: no more tokens for its rooms.
    let key = server_key(&app);
    let result = format!("/v1/server/sessions/{match_id}/result");
    let report = json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 60.0});
    let stored = server_call(&app, &key, &result, report).await;
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    assert_eq!(
        problem(&team_voice(&app, &ada, &match_id).await),
        (409, "match_over".to_owned())
    );
}

#[tokio::test]
async fn a_queue_without_team_voice_hands_out_none() {
    let queues = duel_queue(false);
    let mut app = spawn_app(&livekit_with(&[("queues", queues.as_str())])).await;
    let (ada, _bob, mut ada_socket, _bob_socket, match_id) = matched_pair(&mut app).await;
    let ready = ada_socket.next_of("session.ready").await["data"].clone();
    assert!(ready.get("voice").is_none(), "{ready}");
    assert_eq!(
        problem(&team_voice(&app, &ada, &match_id).await),
        (404, "voice_not_offered".to_owned())
    );
}
