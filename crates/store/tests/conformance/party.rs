//! Parties and their members.

use rally_store::{NewParty, PartyState, StoreError, new_id};

use crate::fixture::{conflict, player};
use crate::harness::conformance;

fn new_party(leader_id: uuid::Uuid, max_size: i32) -> NewParty {
    NewParty {
        id: new_id(),
        leader_id,
        max_size,
        open: false,
    }
}

conformance! {
    async fn a_player_is_in_at_most_one_party(store: &Store) {
        let (a, b) = (player(store, "leader_a").await, player(store, "leader_b").await);
        let party_a = store.create_party(&new_party(a.id, 4)).await.unwrap();
        let party_b = store.create_party(&new_party(b.id, 4)).await.unwrap();
        assert_eq!(party_a.member_count, 1);
        assert_eq!(party_a.state, PartyState::Active);

        let joined_twice = store.add_party_member(party_b.id, a.id).await;
        assert_eq!(conflict(joined_twice), "party_members_player_key");
        let lead_twice = store.create_party(&new_party(a.id, 4)).await;
        assert_eq!(conflict(lead_twice), "party_members_player_key");

        store.remove_party_member(party_a.id, a.id).await.unwrap();
        assert_eq!(store.party(party_a.id).await.unwrap().state, PartyState::Closed);
        let member = store.add_party_member(party_b.id, a.id).await.unwrap();
        assert_eq!((member.party_id, member.player_id, member.ready), (party_b.id, a.id, false));
        assert_eq!(store.party_of_player(a.id).await.unwrap().unwrap().id, party_b.id);
        let members: Vec<_> = store.party_members(party_b.id).await.unwrap();
        assert_eq!(members.iter().map(|m| m.player_id).collect::<Vec<_>>(), vec![b.id, a.id]);
        assert_eq!(store.party(party_b.id).await.unwrap().member_count, 2);
    }

    async fn a_full_party_refuses_another_member(store: &Store) {
        let leader = player(store, "full_leader").await;
        let second = player(store, "full_second").await;
        let third = player(store, "full_third").await;
        let party = store.create_party(&new_party(leader.id, 2)).await.unwrap();
        store.add_party_member(party.id, second.id).await.unwrap();
        let over = store.add_party_member(party.id, third.id).await;
        assert_eq!(conflict(over), "parties_member_count_max");
        assert!(store.party_of_player(third.id).await.unwrap().is_none());
        assert_eq!(store.party(party.id).await.unwrap().member_count, 2);
    }

    async fn joining_a_missing_party_is_a_conflict_and_leaving_one_not_joined_is_not_found(
        store: &Store
    ) {
        let p = player(store, "lonely").await;
        let missing = store.add_party_member(new_id(), p.id).await;
        assert!(matches!(missing, Err(StoreError::Conflict { .. })), "{missing:?}");
        let leave = store.remove_party_member(new_id(), p.id).await;
        assert!(matches!(leave, Err(StoreError::NotFound)), "{leave:?}");
        assert!(matches!(store.party(new_id()).await, Err(StoreError::NotFound)));
    }
}
