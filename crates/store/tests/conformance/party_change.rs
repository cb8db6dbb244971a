//! Changes of a party under its lock: hand-over, the lead, readiness, ready checks, invites.

use rally_store::{
    InviteState, NewParty, NewPartyInvite, PartyState, ReadyCheckState, StoreError, new_id,
};
use time::Duration;

use crate::fixture::{conflict, player};
use crate::harness::conformance;

fn new_party(leader_id: uuid::Uuid, max_size: i32) -> NewParty {
    NewParty {
        id: new_id(),
        leader_id,
        max_size,
        open: true,
    }
}

conformance! {
    async fn the_longest_standing_member_leads_when_the_leader_leaves(store: &Store) {
        let (a, b, c) = (player(store, "lead_a").await, player(store, "lead_b").await,
                         player(store, "lead_c").await);
        let party = store.create_party(&new_party(a.id, 4)).await.unwrap();
        store.add_party_member(party.id, b.id).await.unwrap();
        store.add_party_member(party.id, c.id).await.unwrap();
        let after = store.remove_party_member(party.id, a.id).await.unwrap();
        assert_eq!((after.leader_id, after.member_count, after.state), (b.id, 2, PartyState::Active));
        let after = store.remove_party_member(party.id, c.id).await.unwrap();
        assert_eq!(after.leader_id, b.id);
        let after = store.remove_party_member(party.id, b.id).await.unwrap();
        assert_eq!((after.member_count, after.state), (0, PartyState::Closed));
        let reopen = store.add_party_member(party.id, a.id).await;
        assert!(matches!(reopen, Err(StoreError::NotFound)), "{reopen:?}");
    }

    async fn only_the_leader_hands_the_lead_to_a_member(store: &Store) {
        let (a, b, c) = (player(store, "promo_a").await, player(store, "promo_b").await,
                         player(store, "promo_c").await);
        let party = store.create_party(&new_party(a.id, 4)).await.unwrap();
        store.add_party_member(party.id, b.id).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.lock_party(party.id).await.unwrap();
        assert!(matches!(tx.set_party_leader(party.id, b.id, b.id).await, Err(StoreError::NotFound)));
        assert!(matches!(tx.set_party_leader(party.id, a.id, c.id).await, Err(StoreError::NotFound)));
        tx.set_party_leader(party.id, a.id, b.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.party(party.id).await.unwrap().leader_id, b.id);
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(tx.lock_party(new_id()).await, Err(StoreError::NotFound)));
    }

    async fn a_ready_check_is_stored_with_its_deadline_and_ends_once(store: &Store) {
        let (a, b) = (player(store, "ready_a").await, player(store, "ready_b").await);
        let party = store.create_party(&new_party(a.id, 4)).await.unwrap();
        store.add_party_member(party.id, b.id).await.unwrap();
        let deadline = store.now().plus(Duration::seconds(30));
        let mut tx = store.begin().await.unwrap();
        tx.set_member_ready(party.id, a.id, true).await.unwrap();
        tx.start_ready_check(party.id, deadline).await.unwrap();
        assert!(tx.party_members(party.id).await.unwrap().iter().all(|m| !m.ready));
        tx.set_member_ready(party.id, b.id, true).await.unwrap();
        assert!(matches!(tx.set_member_ready(party.id, new_id(), true).await, Err(StoreError::NotFound)));
        assert!(!tx.expire_ready_check(party.id, store.now()).await.unwrap());
        assert!(tx.finish_ready_check(party.id, ReadyCheckState::Passed).await.unwrap());
        assert!(!tx.finish_ready_check(party.id, ReadyCheckState::Failed).await.unwrap());
        tx.commit().await.unwrap();
        let stored = store.party(party.id).await.unwrap();
        assert_eq!(stored.ready_check_state, Some(ReadyCheckState::Passed));
        assert_eq!(stored.ready_check_deadline, Some(deadline));

        let mut tx = store.begin().await.unwrap();
        tx.start_ready_check(party.id, deadline).await.unwrap();
        assert!(tx.expire_ready_check(party.id, deadline).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.party(party.id).await.unwrap().ready_check_state, Some(ReadyCheckState::Expired));
    }

    async fn overdue_ready_checks_are_listed_most_overdue_first_until_settled(store: &Store) {
        let now = store.now();
        let mut parties = Vec::new();
        for (name, offset) in [("due_a", -5), ("due_b", -20), ("due_c", 60)] {
            let leader = player(store, name).await;
            let party = store.create_party(&new_party(leader.id, 4)).await.unwrap();
            let mut tx = store.begin().await.unwrap();
            tx.start_ready_check(party.id, now.plus(Duration::seconds(offset))).await.unwrap();
            tx.commit().await.unwrap();
            parties.push(party.id);
        }
        assert_eq!(store.overdue_ready_checks(now, 10).await.unwrap(), vec![parties[1], parties[0]]);
        assert_eq!(store.overdue_ready_checks(now, 1).await.unwrap(), vec![parties[1]]);
        let mut tx = store.begin().await.unwrap();
        assert!(tx.expire_ready_check(parties[1], now).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.overdue_ready_checks(now, 10).await.unwrap(), vec![parties[0]]);
    }

    async fn an_invite_admits_once_until_it_expires(store: &Store) {
        let (a, b) = (player(store, "inv_a").await, player(store, "inv_b").await);
        let party = store.create_party(&new_party(a.id, 4)).await.unwrap();
        let now = store.now();
        let invite = NewPartyInvite {
            id: new_id(), party_id: party.id, inviter_id: a.id, invitee_id: b.id,
            expires_at: now.plus(Duration::minutes(5)),
        };
        let mut tx = store.begin().await.unwrap();
        let sent = tx.create_party_invite(&invite).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sent.state, InviteState::Pending);
        let mut tx = store.begin().await.unwrap();
        let again = tx.create_party_invite(&NewPartyInvite { id: new_id(), ..invite.clone() }).await;
        assert_eq!(conflict(again), "party_invites_pending_key");
        drop(tx);

        // Past its expiry it no longer admits, and a new invite replaces it.
        let late = now.plus(Duration::minutes(6));
        let mut tx = store.begin().await.unwrap();
        let answer = tx.answer_party_invite(party.id, b.id, late, InviteState::Accepted).await;
        assert!(matches!(answer, Err(StoreError::NotFound)), "{answer:?}");
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let answered = tx.answer_party_invite(party.id, b.id, now, InviteState::Declined).await.unwrap();
        assert_eq!(answered.state, InviteState::Declined);
        tx.commit().await.unwrap();
        let latest = store.latest_party_invite(party.id, b.id).await.unwrap().unwrap();
        assert_eq!((latest.id, latest.state), (sent.id, InviteState::Declined));
        assert!(store.latest_party_invite(party.id, a.id).await.unwrap().is_none());

        let mut tx = store.begin().await.unwrap();
        tx.create_party_invite(&NewPartyInvite { id: new_id(), ..invite.clone() }).await.unwrap();
        assert_eq!(tx.revoke_party_invites(party.id).await.unwrap(), 1);
        tx.commit().await.unwrap();
    }
}
