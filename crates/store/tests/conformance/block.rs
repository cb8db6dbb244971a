//! Blocks: one row per blocker and blocked, idempotent, counted and listed for the blocker,
//! and seen from either side by the checks that keep two players apart.

use rally_store::new_id;

use crate::fixture::{conflict, invalid, player};
use crate::harness::conformance;

conformance! {
    async fn a_block_is_stored_once_and_seen_from_either_side(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let cyd = player(store, "cyd").await;
        let mut tx = store.begin().await.unwrap();
        assert!(tx.block(ada.id, bob.id).await.unwrap());
        assert!(!tx.block(ada.id, bob.id).await.unwrap(), "a second block changes nothing");
        assert_eq!(tx.block_count(ada.id).await.unwrap(), 1);
        assert_eq!(tx.block_count(bob.id).await.unwrap(), 0);
        // Either way round, and only among the players asked about.
        assert_eq!(tx.blocks_between(bob.id, &[ada.id, cyd.id]).await.unwrap(), vec![ada.id]);
        assert_eq!(tx.blocks_between(ada.id, &[bob.id, bob.id]).await.unwrap(), vec![bob.id]);
        assert!(tx.blocks_between(cyd.id, &[ada.id, bob.id]).await.unwrap().is_empty());
        assert!(tx.blocks_between(ada.id, &[]).await.unwrap().is_empty());
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(invalid(tx.block(cyd.id, cyd.id).await), "player_blocks_not_self");
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        assert!(!conflict(tx.block(cyd.id, new_id()).await).is_empty());
        drop(tx);

        let list = store.blocks_of(ada.id).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].blocked_id, list[0].display_name.as_str()), (bob.id, "bob"));
        assert!(store.blocks_of(bob.id).await.unwrap().is_empty());

        let mut tx = store.begin().await.unwrap();
        assert!(tx.unblock(ada.id, bob.id).await.unwrap());
        assert!(!tx.unblock(ada.id, bob.id).await.unwrap());
        tx.commit().await.unwrap();
        assert!(store.blocks_of(ada.id).await.unwrap().is_empty());
    }

    async fn the_players_a_group_avoids_are_every_block_either_way(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let cyd = player(store, "cyd").await;
        let dan = player(store, "dan").await;
        let eve = player(store, "eve").await;
        let mut tx = store.begin().await.unwrap();
        tx.block(ada.id, cyd.id).await.unwrap();
        tx.block(dan.id, bob.id).await.unwrap();
        tx.block(cyd.id, ada.id).await.unwrap();
        tx.block(eve.id, dan.id).await.unwrap();
        tx.commit().await.unwrap();
        let mut avoided = store.avoided_by(&[ada.id, bob.id, ada.id]).await.unwrap();
        avoided.sort_unstable();
        let mut expected = vec![cyd.id, dan.id];
        expected.sort_unstable();
        assert_eq!(avoided, expected);
        assert!(store.avoided_by(&[]).await.unwrap().is_empty());
        assert!(store.avoided_by(&[new_id()]).await.unwrap().is_empty());
    }
}
