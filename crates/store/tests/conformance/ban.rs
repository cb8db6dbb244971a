//! Bans: set with the player's status, lifted by hand or, for a temporary one, once its end
//! has passed.

use rally_store::{PlayerStatus, StoreError, status_at};

use crate::fixture::player;
use crate::harness::conformance;

conformance! {
    async fn a_ban_sets_the_status_and_keeps_why_and_until_when(store: &Store) {
        let banned = player(store, "cheater").await;
        let until = store.now().plus(time::Duration::hours(2));
        let mut tx = store.begin().await.unwrap();
        tx.ban_player(banned.id, Some(until), "aimbot").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.player(banned.id).await.unwrap().status, PlayerStatus::Banned);
        let ban = store.ban(banned.id).await.unwrap().unwrap();
        assert_eq!((ban.reason.as_str(), ban.until), ("aimbot", Some(until)));
        // Not over yet: nothing to lift.
        assert!(!store.lift_expired_ban(banned.id, store.now()).await.unwrap());
        assert_eq!(status_at(PlayerStatus::Banned, Some(&ban), store.now()), PlayerStatus::Banned);

        // A second ban replaces the first; unbanning lifts it.
        let mut tx = store.begin().await.unwrap();
        tx.ban_player(banned.id, None, "again").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.ban(banned.id).await.unwrap().unwrap().until, None);
        let mut tx = store.begin().await.unwrap();
        assert!(tx.unban_player(banned.id).await.unwrap());
        assert!(!tx.unban_player(banned.id).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.player(banned.id).await.unwrap().status, PlayerStatus::Active);
        assert!(store.ban(banned.id).await.unwrap().is_none());
    }

    async fn a_temporary_ban_is_lifted_once_its_end_has_passed(store: &Store) {
        let banned = player(store, "cooled").await;
        let until = store.now().plus(time::Duration::minutes(10));
        let mut tx = store.begin().await.unwrap();
        tx.ban_player(banned.id, Some(until), "spam").await.unwrap();
        tx.commit().await.unwrap();
        let later = until.plus(time::Duration::seconds(1));
        let ban = store.ban(banned.id).await.unwrap();
        assert_eq!(status_at(PlayerStatus::Banned, ban.as_ref(), later), PlayerStatus::Active);
        assert!(store.lift_expired_ban(banned.id, later).await.unwrap());
        assert_eq!(store.player(banned.id).await.unwrap().status, PlayerStatus::Active);
        assert!(store.ban(banned.id).await.unwrap().is_none());
        assert!(!store.lift_expired_ban(banned.id, later).await.unwrap());
    }

    async fn banning_nobody_is_not_found(store: &Store) {
        let mut tx = store.begin().await.unwrap();
        let result = tx.ban_player(rally_store::new_id(), None, "ghost").await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    }
}
