//! Players and credentials.

use rally_store::{PlayerStatus, StoreError};

use crate::fixture::{HASH, conflict, invalid, new_player, player};
use crate::harness::conformance;

conformance! {
    async fn usernames_are_unique_without_regard_to_case(store: &Store) {
        player(store, "Alice").await;
        let mut again = new_player("aLICE");
        again.email = "other@example.com".to_owned();
        assert_eq!(conflict(store.create_player(&again, HASH).await), "players_username_key");
        assert!(store.find_player_by_email("other@example.com").await.unwrap().is_none());
    }

    async fn emails_are_unique_without_regard_to_case(store: &Store) {
        player(store, "bob").await;
        let mut again = new_player("robert");
        again.email = "BOB@Example.COM".to_owned();
        assert_eq!(conflict(store.create_player(&again, HASH).await), "players_email_key");
    }

    async fn players_are_found_by_username_email_or_login_without_regard_to_case(store: &Store) {
        let created = player(store, "Carol_9").await;
        assert_eq!(created.status, PlayerStatus::Active);
        assert_eq!(created.region.as_deref(), Some("eu"));
        let by_name = store.find_player_by_username("carol_9").await.unwrap().unwrap();
        assert_eq!(by_name, created);
        let by_email = store.find_player_by_email("CAROL_9@example.com").await.unwrap().unwrap();
        assert_eq!(by_email, created);
        assert_eq!(store.player(created.id).await.unwrap(), created);
        let login = store.find_credentials_by_login("CAROL_9").await.unwrap().unwrap();
        assert_eq!(login.player, created);
        assert_eq!(login.password_hash, HASH);
        let by_mail = store.find_credentials_by_login("carol_9@EXAMPLE.com").await.unwrap();
        assert_eq!(by_mail.unwrap().player.id, created.id);
        assert!(store.find_player_by_username("nobody").await.unwrap().is_none());
        assert!(store.find_credentials_by_login("nobody").await.unwrap().is_none());
        assert!(matches!(store.player(rally_store::new_id()).await, Err(StoreError::NotFound)));
    }

    async fn usernames_outside_3_to_24_characters_are_refused(store: &Store) {
        let short = store.create_player(&new_player("ab"), HASH).await;
        assert_eq!(invalid(short), "players_username_len");
        let long = store.create_player(&new_player(&"x".repeat(25)), HASH).await;
        assert_eq!(invalid(long), "players_username_len");
        player(store, &"y".repeat(24)).await;
    }

    async fn a_failed_credentials_insert_leaves_no_player_behind(store: &Store) {
        let result = store.create_player(&new_player("no_hash"), "plaintext").await;
        assert_eq!(invalid(result), "credentials_phc");
        assert!(store.find_player_by_username("no_hash").await.unwrap().is_none());
    }

    async fn of_simultaneous_registrations_of_one_name_exactly_one_wins(store: &Store) {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..8 {
            let store = store.clone();
            tasks.spawn(async move {
                let mut p = new_player(if n % 2 == 0 { "racer" } else { "RACER" });
                p.email = format!("racer{n}@example.com");
                store.create_player(&p, HASH).await
            });
        }
        let (mut won, mut conflicts) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            match result.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Conflict { constraint }) => {
                    assert_eq!(constraint, "players_username_key");
                    conflicts += 1;
                }
                Err(other) => panic!("a registration failed otherwise: {other:?}"),
            }
        }
        assert_eq!((won, conflicts), (1, 7));
    }
}
