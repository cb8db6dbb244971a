//! Small builders shared by the tests.

use rally_store::{NewPlayer, Player, Store, StoreError, new_id};

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
