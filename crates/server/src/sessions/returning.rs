//! A found match that will not be played gives its tickets back: each goes back to the queue
//! with its original enqueue time (so its wait, and the widening that came with it, carry on),
//! except a ticket whose player queued again meanwhile; a ticket of a player who declined
//! the match (or let its time to accept pass), which ends with the whole party it holds; and a
//! party's ticket whose party changed since the match was made (a member left, or the party
//! closed: the party was out of the queue meanwhile, so nothing took its ticket out), which
//! ends as `party_changed`.

use std::collections::HashSet;

use rally_store::{PartyState, Store, StoreError, Ticket, TicketState, Transaction};
use uuid::Uuid;

use super::SessionsError;
use crate::matchmaking::queueing;

/// A cancelled match's tickets, read before the transaction that gives them back.
#[derive(Debug)]
pub(super) struct Returning {
    tickets: Vec<Ticket>,
    /// Players who queued again since the match was made: their tickets stay out.
    busy: HashSet<Uuid>,
}

impl Returning {
    /// Reads the tickets of `match_id` and which of `player_ids` are on another searching
    /// ticket.
    pub(super) async fn read(
        store: &Store,
        match_id: Uuid,
        player_ids: &[Uuid],
    ) -> Result<Self, SessionsError> {
        let tickets = store.tickets_of_match(match_id).await?;
        let mut busy = HashSet::new();
        for player in player_ids {
            if store.active_ticket_of_player(*player).await?.is_some() {
                busy.insert(*player);
            }
        }
        Ok(Self { tickets, busy })
    }

    /// Gives the tickets back in `tx`: those holding a player of `ended` end as cancelled for
    /// `why` (with their `queue.cancelled`), those of a changed party as `party_changed`, the
    /// others go back to the queue unless a player of theirs is busy. Whether every ticket not
    /// ended for `why` went back.
    pub(super) async fn give_back(
        &self,
        tx: &mut Transaction,
        ended: &HashSet<Uuid>,
        why: &str,
    ) -> Result<bool, SessionsError> {
        let matched: Vec<&Ticket> = self
            .tickets
            .iter()
            .filter(|t| t.state == TicketState::Matched)
            .collect();
        // The parties before the tickets, in id order: the order every writer of both takes.
        let mut parties: Vec<Uuid> = matched.iter().filter_map(|t| t.party_id).collect();
        parties.sort_unstable();
        parties.dedup();
        tx.lock_parties(&parties).await?;
        let mut requeued = true;
        for ticket in matched {
            let members = queueing::view(ticket).member_ids;
            if members.iter().any(|m| ended.contains(m)) {
                queueing::end_matched(tx, ticket, why).await?;
                continue;
            }
            if let Some(party_id) = ticket.party_id
                && !party_unchanged(tx, party_id, &members).await?
            {
                queueing::end_matched(tx, ticket, queueing::reason::PARTY_CHANGED).await?;
                requeued = false;
                continue;
            }
            if members.iter().any(|m| self.busy.contains(m)) {
                requeued = false;
                continue;
            }
            tx.set_ticket_state(
                ticket.id,
                TicketState::Matched,
                TicketState::Searching,
                None,
                None,
            )
            .await?;
            if let Some(party_id) = ticket.party_id {
                tx.set_party_queued(party_id, true).await?;
            }
        }
        Ok(requeued)
    }
}

/// Whether the party (locked in `tx`) is still open with exactly the players of its ticket.
async fn party_unchanged(
    tx: &mut Transaction,
    party_id: Uuid,
    ticket_members: &[Uuid],
) -> Result<bool, SessionsError> {
    let party = match tx.lock_party(party_id).await {
        Ok(party) => party,
        Err(StoreError::NotFound) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    if party.state == PartyState::Closed {
        return Ok(false);
    }
    let mut now: Vec<Uuid> = tx
        .party_members(party_id)
        .await?
        .into_iter()
        .map(|m| m.player_id)
        .collect();
    let mut then = ticket_members.to_vec();
    now.sort_unstable();
    then.sort_unstable();
    Ok(now == then)
}
