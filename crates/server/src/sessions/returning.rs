//! A found match that will not be played gives its tickets back: each goes back to the queue
//! with its original enqueue time (so its wait, and the widening that came with it, carry on),
//! except a ticket whose player queued again meanwhile, and a ticket of a player who declined
//! the match (or let its time to accept pass), which ends with the whole party it holds.

use std::collections::HashSet;

use rally_store::{Store, Ticket, TicketState, Transaction};
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
    /// `why` (with their `queue.cancelled`), the others go back to the queue unless a player
    /// of theirs is busy. Whether every ticket not ended went back.
    pub(super) async fn give_back(
        &self,
        tx: &mut Transaction,
        ended: &HashSet<Uuid>,
        why: &str,
    ) -> Result<bool, SessionsError> {
        let mut requeued = true;
        for ticket in self
            .tickets
            .iter()
            .filter(|t| t.state == TicketState::Matched)
        {
            let members = queueing::view(ticket).member_ids;
            if members.iter().any(|m| ended.contains(m)) {
                queueing::end_matched(tx, ticket, why).await?;
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
