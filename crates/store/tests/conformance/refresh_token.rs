//! Refresh tokens.

use rally_store::{NewRefreshToken, StoreError, Timestamp, new_id};
use time::Duration;
use uuid::Uuid;

use crate::fixture::{conflict, invalid, player};
use crate::harness::conformance;

fn token(player_id: Uuid, family_id: Uuid, hash: &[u8], ttl: Duration) -> NewRefreshToken {
    NewRefreshToken {
        id: new_id(),
        player_id,
        family_id,
        token_hash: hash.to_vec(),
        issued_at: Timestamp::from(std::time::SystemTime::now()),
        expires_at: Timestamp::from(std::time::SystemTime::now()).plus(ttl),
    }
}

conformance! {
    async fn a_refresh_token_is_spent_once_and_its_family_can_be_revoked(store: &Store) {
        let p = player(store, "refresher").await;
        let family = new_id();
        let first = token(p.id, family, b"hash-1", Duration::days(30));
        store.insert_refresh_token(&first).await.unwrap();
        let dup = store.insert_refresh_token(&token(p.id, family, b"hash-1", Duration::days(30))).await;
        assert_eq!(conflict(dup), "refresh_tokens_hash_key");

        // Rotation: spend the old token and store its successor together.
        let mut tx = store.begin().await.unwrap();
        let spent = tx.spend_refresh_token(b"hash-1").await.unwrap();
        assert_eq!((spent.id, spent.family_id), (first.id, family));
        assert!(spent.spent_at.is_some());
        tx.insert_refresh_token(&token(p.id, family, b"hash-2", Duration::days(30))).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let reuse = tx.spend_refresh_token(b"hash-1").await;
        assert!(matches!(reuse, Err(StoreError::NotFound)), "{reuse:?}");
        drop(tx);
        let seen = store.refresh_token_by_hash(b"hash-1").await.unwrap().unwrap();
        assert!(seen.spent_at.is_some() && seen.revoked_at.is_none());

        let other_family = token(p.id, new_id(), b"hash-other", Duration::days(30));
        store.insert_refresh_token(&other_family).await.unwrap();
        assert_eq!(store.revoke_refresh_family(family).await.unwrap(), 2);
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(tx.spend_refresh_token(b"hash-2").await, Err(StoreError::NotFound)));
        tx.spend_refresh_token(b"hash-other").await.unwrap();
        tx.rollback().await.unwrap();

        assert_eq!(store.revoke_player_refresh_tokens(p.id).await.unwrap(), 1);
        let revoked = store.refresh_token_by_hash(b"hash-other").await.unwrap().unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(store.refresh_token_by_hash(b"unknown").await.unwrap().is_none());
    }

    async fn an_expired_refresh_token_cannot_be_spent(store: &Store) {
        let p = player(store, "expired").await;
        let mut stale = token(p.id, new_id(), b"stale", Duration::days(30));
        stale.issued_at = store.now().plus(-Duration::days(31));
        stale.expires_at = store.now().plus(-Duration::days(1));
        store.insert_refresh_token(&stale).await.unwrap();
        let backwards = token(p.id, new_id(), b"backwards", -Duration::days(1));
        assert_eq!(invalid(store.insert_refresh_token(&backwards).await), "refresh_tokens_expiry");
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(tx.spend_refresh_token(b"stale").await, Err(StoreError::NotFound)));
    }

    async fn a_password_change_can_revoke_every_family_but_the_current_one(store: &Store) {
        let p = player(store, "rotator").await;
        let (keep, other) = (new_id(), new_id());
        store.insert_refresh_token(&token(p.id, keep, b"keep", Duration::days(30))).await.unwrap();
        store.insert_refresh_token(&token(p.id, other, b"other", Duration::days(30))).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.revoke_other_refresh_families(p.id, keep).await.unwrap(), 1);
        tx.commit().await.unwrap();
        assert!(store.refresh_token_by_hash(b"keep").await.unwrap().unwrap().revoked_at.is_none());
        assert!(store.refresh_token_by_hash(b"other").await.unwrap().unwrap().revoked_at.is_some());
    }
}
