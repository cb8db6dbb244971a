//! Changes to a player: profile fields, password, status.

use rally_store::{PlayerStatus, ProfileChange, StoreError, new_id};

use crate::fixture::{HASH, conflict, player};
use crate::harness::conformance;

conformance! {
    async fn a_profile_change_sets_only_the_fields_it_names(store: &Store) {
        let p = player(store, "changer").await;
        let change = ProfileChange {
            display_name: Some("New Name".to_owned()),
            avatar_url: Some("https://example.com/a.png".to_owned()),
            ..ProfileChange::default()
        };
        let changed = store.update_profile(p.id, &change).await.unwrap();
        assert_eq!(changed.display_name, "New Name");
        assert_eq!(changed.avatar_url.as_deref(), Some("https://example.com/a.png"));
        assert_eq!(changed.region, p.region);
        assert_eq!(changed.email, p.email);
        assert!(changed.updated_at >= p.updated_at);
        assert!(matches!(
            store.update_profile(new_id(), &change).await,
            Err(StoreError::NotFound)
        ));
    }

    async fn an_email_taken_by_another_player_is_a_conflict_and_changes_nothing(store: &Store) {
        player(store, "owner").await;
        let p = player(store, "taker").await;
        let change = ProfileChange {
            email: Some("OWNER@example.com".to_owned()),
            display_name: Some("Changed".to_owned()),
            ..ProfileChange::default()
        };
        assert_eq!(conflict(store.update_profile(p.id, &change).await), "players_email_key");
        assert_eq!(store.player(p.id).await.unwrap(), p);
    }

    async fn a_password_hash_and_a_status_can_be_replaced(store: &Store) {
        let p = player(store, "secured").await;
        assert_eq!(store.password_hash(p.id).await.unwrap(), HASH);
        let mut tx = store.begin().await.unwrap();
        tx.set_password_hash(p.id, "$argon2id$new").await.unwrap();
        assert!(matches!(tx.set_password_hash(new_id(), "$x").await, Err(StoreError::NotFound)));
        tx.commit().await.unwrap();
        assert_eq!(store.password_hash(p.id).await.unwrap(), "$argon2id$new");

        let banned = store.set_player_status(p.id, PlayerStatus::Banned).await.unwrap();
        assert_eq!(banned.status, PlayerStatus::Banned);
        assert_eq!(store.player(p.id).await.unwrap().status, PlayerStatus::Banned);
        assert!(matches!(store.password_hash(new_id()).await, Err(StoreError::NotFound)));
    }
}
