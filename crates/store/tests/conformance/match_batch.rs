//! A round's matches written in one transaction: parties and searching tickets locked, matches
//! and participants inserted, tickets moved into their matches, parties freed.

use rally_store::{
    NewParty, NewTicket, PartyState, StoreError, TicketClaim, TicketState, Timestamp, new_id,
};
use std::time::{Duration, SystemTime};

use rally_clock::ManualClock;
use serde_json::json;
use uuid::Uuid;

use crate::fixture::{new_match, participant, player};
use crate::harness::conformance;

fn new_ticket(owner_id: Uuid, party_id: Option<Uuid>, created_at: Timestamp) -> NewTicket {
    NewTicket {
        id: new_id(),
        owner_id,
        party_id,
        mode: "duel".to_owned(),
        region: "eu".to_owned(),
        latencies: json!({"eu": 31}),
        spec: json!({"members": 1}),
        members: vec![owner_id],
        created_at,
    }
}

conformance! {
    async fn a_round_writes_its_matches_moves_their_tickets_and_frees_their_parties(store: &Store) {
        let names = ["round_a", "round_b", "round_c", "round_d", "round_e"];
        let mut players = Vec::new();
        for name in names {
            players.push(player(store, name).await);
        }
        let party = store
            .create_party(&NewParty { id: new_id(), leader_id: players[0].id, max_size: 2, open: false })
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(tx.set_party_queued(party.id, true).await.unwrap());
        tx.commit().await.unwrap();
        let mut tickets = Vec::new();
        for (n, p) in players.iter().enumerate() {
            let party_id = (n == 0).then_some(party.id);
            tickets.push(store.create_ticket(&new_ticket(p.id, party_id, store.now())).await.unwrap());
        }
        // The last player left the queue before the round's write.
        store
            .set_ticket_state(tickets[4].id, TicketState::Searching, TicketState::Cancelled, None,
                Some("by player"))
            .await
            .unwrap();

        let first = new_match(store.now(), vec![participant(players[0].id, 0), participant(players[1].id, 1)]);
        let second = new_match(store.now(), vec![participant(players[2].id, 0), participant(players[3].id, 1)]);
        // The round's write, at a time of its own.
        let round = ManualClock::new(SystemTime::now() + Duration::from_secs(3600));
        let writer = store.clone().with_clock(round.clock());
        let mut tx = writer.begin().await.unwrap();
        // A party that no longer exists is no error.
        tx.lock_parties(&[party.id, new_id(), party.id]).await.unwrap();
        let ids: Vec<Uuid> = tickets.iter().map(|t| t.id).collect();
        let searching = tx.lock_searching_tickets(&ids).await.unwrap();
        assert_eq!(searching.len(), 4);
        assert!(!searching.contains(&tickets[4].id));
        tx.create_matches(&[&first, &second]).await.unwrap();
        let claims: Vec<TicketClaim> = [(0, &first), (1, &first), (2, &second), (3, &second)]
            .into_iter()
            .map(|(n, m)| TicketClaim { ticket_id: tickets[n].id, match_id: m.id })
            .collect();
        assert_eq!(tx.match_tickets(&claims).await.unwrap(), 4);
        // A ticket no longer searching is not moved.
        let late = TicketClaim { ticket_id: tickets[4].id, match_id: second.id };
        assert_eq!(tx.match_tickets(&[late]).await.unwrap(), 0);
        tx.free_parties(&[party.id]).await.unwrap();
        tx.commit().await.unwrap();

        for m in [&first, &second] {
            let record = store.match_record(m.id).await.unwrap();
            assert_eq!((record.quality.clone(), record.created_at), (m.quality.clone(), m.created_at));
            assert_eq!(record.traceparent, m.traceparent);
            let rows = store.match_participants(m.id).await.unwrap();
            let stored: Vec<(Uuid, i32, Timestamp, f64)> = rows
                .iter()
                .map(|r| (r.player_id, r.team, r.played_at, r.rating_mean_before))
                .collect();
            let expected: Vec<(Uuid, i32, Timestamp, f64)> = m
                .participants
                .iter()
                .map(|p| (p.player_id, p.team, m.created_at, p.rating_mean_before))
                .collect();
            assert_eq!(stored, expected);
        }
        for (n, m) in [(0, &first), (1, &first), (2, &second), (3, &second)] {
            let ticket = store.ticket(tickets[n].id).await.unwrap();
            assert_eq!((ticket.state, ticket.match_id), (TicketState::Matched, Some(m.id)));
        }
        assert_eq!(store.ticket(tickets[4].id).await.unwrap().state, TicketState::Cancelled);
        let freed = store.party(party.id).await.unwrap();
        assert_eq!((freed.state, freed.updated_at), (PartyState::Active, writer.now()));
        assert_eq!(store.ticket(tickets[0].id).await.unwrap().updated_at, writer.now());
    }

    async fn a_round_that_fails_writes_nothing(store: &Store) {
        let (a, b) = (player(store, "failed_a").await, player(store, "failed_b").await);
        let ticket = store.create_ticket(&new_ticket(a.id, None, store.now())).await.unwrap();
        let fine = new_match(store.now(), vec![participant(a.id, 0), participant(b.id, 1)]);
        let doubled = new_match(store.now(), vec![participant(b.id, 0), participant(b.id, 1)]);
        let mut tx = store.begin().await.unwrap();
        tx.lock_parties(&[]).await.unwrap();
        tx.create_matches(&[&fine]).await.unwrap();
        let claim = TicketClaim { ticket_id: ticket.id, match_id: fine.id };
        assert_eq!(tx.match_tickets(&[claim]).await.unwrap(), 1);
        let result = tx.create_matches(&[&doubled]).await;
        assert!(matches!(result, Err(StoreError::Conflict { ref constraint })
            if constraint == "match_participants_pkey"), "{result:?}");
        drop(tx);
        assert!(matches!(store.match_record(fine.id).await, Err(StoreError::NotFound)));
        assert_eq!(store.ticket(ticket.id).await.unwrap().state, TicketState::Searching);
    }
}
