//! Friendships: one row per pair whoever asks, accepted once, deleted on decline or removal,
//! counted per player, and listed with where each friend is.

use rally_store::{FriendshipState, StoreError, new_id};

use crate::fixture::{conflict, invalid, player};
use crate::harness::conformance;

conformance! {
    async fn a_pair_holds_one_friendship_whoever_asks_and_is_counted_for_both(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.lock_players(&[bob.id, ada.id, new_id()]).await.unwrap().len(), 2);
        let asked = tx.create_friend_request(new_id(), ada.id, bob.id).await.unwrap();
        assert_eq!((asked.state, asked.other(ada.id)), (FriendshipState::Pending, bob.id));
        tx.commit().await.unwrap();
        assert!(store.with_friends(&[ada.id, bob.id]).await.unwrap().is_empty(), "only asked");

        // The other way round is the same pair: refused by the key.
        let mut tx = store.begin().await.unwrap();
        let crossing = tx.create_friend_request(new_id(), bob.id, ada.id).await;
        assert_eq!(conflict(crossing), "friendships_pair_key");
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let alone = tx.create_friend_request(new_id(), ada.id, ada.id).await;
        assert_eq!(invalid(alone), "friendships_pair_ordered");
        drop(tx);

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.friendship_between(bob.id, ada.id).await.unwrap(), Some(asked.clone()));
        let ada_counts = tx.friend_counts(ada.id).await.unwrap();
        let bob_counts = tx.friend_counts(bob.id).await.unwrap();
        assert_eq!((ada_counts.outgoing, ada_counts.incoming, ada_counts.friends), (1, 0, 0));
        assert_eq!((bob_counts.outgoing, bob_counts.incoming, bob_counts.friends), (0, 1, 0));
        let accepted = tx.accept_friendship(asked.id).await.unwrap();
        assert_eq!(accepted.state, FriendshipState::Accepted);
        assert!(matches!(tx.accept_friendship(asked.id).await, Err(StoreError::NotFound)));
        assert_eq!(tx.friend_counts(bob.id).await.unwrap().friends, 1);
        tx.commit().await.unwrap();
        assert_eq!(store.friend_ids(ada.id).await.unwrap(), vec![bob.id]);
        let cyd = player(store, "cyd").await;
        let mut with_friends = store.with_friends(&[cyd.id, bob.id, ada.id, bob.id]).await.unwrap();
        with_friends.sort_unstable();
        let mut both = vec![ada.id, bob.id];
        both.sort_unstable();
        assert_eq!(with_friends, both, "each player with a friend, once");
        assert!(store.with_friends(&[]).await.unwrap().is_empty());

        let mut tx = store.begin().await.unwrap();
        assert!(tx.delete_friendship(asked.id).await.unwrap());
        assert!(!tx.delete_friendship(asked.id).await.unwrap());
        tx.commit().await.unwrap();
        assert!(store.friend_ids(bob.id).await.unwrap().is_empty());
    }

    async fn a_friends_list_shows_each_friend_with_where_they_are(store: &Store) {
        let ada = player(store, "ada").await;
        let bob = player(store, "bob").await;
        let cyd = player(store, "cyd").await;
        let mut tx = store.begin().await.unwrap();
        let with_bob = tx.create_friend_request(new_id(), ada.id, bob.id).await.unwrap();
        tx.accept_friendship(with_bob.id).await.unwrap();
        tx.create_friend_request(new_id(), cyd.id, ada.id).await.unwrap();
        tx.commit().await.unwrap();
        let seen = store.now();
        store.mark_seen(bob.id, seen).await.unwrap();

        let list = store.friends_of(ada.id).await.unwrap();
        assert_eq!(list.len(), 2);
        let first = &list[0];
        assert_eq!((first.friend_id, first.friendship.state), (bob.id, FriendshipState::Accepted));
        assert_eq!(first.display_name, bob.display_name);
        let whereabouts = &first.whereabouts;
        assert_eq!(whereabouts.last_seen_at, Some(seen));
        assert!(!whereabouts.in_party && !whereabouts.in_queue && !whereabouts.in_match);
        assert_eq!(&store.whereabouts(bob.id).await.unwrap(), whereabouts);
        assert!(matches!(store.whereabouts(new_id()).await, Err(StoreError::NotFound)));
        assert_eq!((list[1].friend_id, list[1].friendship.state), (cyd.id, FriendshipState::Pending));
        assert_eq!(list[1].friendship.requester_id, cyd.id);
        assert_eq!(store.friends_of(cyd.id).await.unwrap()[0].friend_id, ada.id);
    }
}
