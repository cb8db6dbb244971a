//! Small builders shared by the tests.

use rally_store::{
    MatchState, NewMatch, NewParticipant, NewPlayer, Player, Store, StoreError, Timestamp, new_id,
};
use serde_json::json;
use uuid::Uuid;

/// A PHC-shaped hash; the store only keeps it.
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

pub fn new_player(username: &str) -> NewPlayer {
    NewPlayer {
        id: new_id(),
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        display_name: username.to_owned(),
        region: Some("eu".to_owned()),
    }
}

pub async fn player(store: &Store, username: &str) -> Player {
    store
        .create_player(&new_player(username), HASH)
        .await
        .unwrap()
}

/// The constraint named by a conflict, or a panic describing what came instead.
pub fn conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Conflict { constraint }) => constraint,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The constraint named by a refused value, or a panic describing what came instead.
pub fn invalid<T: std::fmt::Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid { constraint }) => constraint,
        other => panic!("expected a refused value, got {other:?}"),
    }
}

/// A participant of `team` with a starting rating and no outcome yet.
pub fn participant(player_id: Uuid, team: i32) -> NewParticipant {
    NewParticipant {
        player_id,
        team,
        party_id: None,
        rating_mean_before: 25.0,
        rating_uncertainty_before: 25.0 / 3.0,
        rating_mean_after: None,
        rating_uncertainty_after: None,
        outcome: None,
    }
}

/// The trace context [`new_match`] gives its match.
pub const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A created duel at `created_at` between `participants`, made in trace [`TRACEPARENT`].
pub fn new_match(created_at: Timestamp, participants: Vec<NewParticipant>) -> NewMatch {
    NewMatch {
        id: new_id(),
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        season_id: None,
        state: MatchState::Created,
        quality: json!({"score": 0.8}),
        created_at,
        ended_at: None,
        traceparent: Some(TRACEPARENT.to_owned()),
        participants,
    }
}
