//! Step 2 of a round, following the store: the owned queue's tickets changed since the cursor
//! (and, by id and state, those changed an [`OVERLAP`] ago, again), the pass over the whole
//! queue a page of ids a round, and how a stored ticket enters the engine (or is ended when
//! the queue can no longer take it).

use rally_engine::{Mode, TicketError, TicketId};
use rally_store::{StoreError, Ticket, TicketState};

use super::{FULL_RESYNC, Known, MatchmakerRole, OVERLAP, RESYNC_PAGE};
use crate::matchmaking::{engine_millis, spec::TicketSpec};

/// Why a stored ticket did not enter the engine.
struct Refusal {
    /// Whether it would be refused again (its shape), rather than only for now (its player
    /// still in a ticket on its way out of the engine).
    lasting: bool,
    why: String,
}

impl Refusal {
    fn lasting(error: impl std::fmt::Display) -> Self {
        Self {
            lasting: true,
            why: error.to_string(),
        }
    }
}

impl MatchmakerRole {
    /// Feeds a stored searching ticket to the engine (once).
    pub(super) fn admit(&mut self, mode: Mode, ticket: &Ticket) {
        let Err(refusal) = self.enqueue_stored(mode, ticket) else {
            return;
        };
        tracing::warn!(error = %refusal.why, ticket.id = %ticket.id, "a stored ticket was refused");
        // A ticket the queue cannot take (its definition changed since the ticket was made)
        // would wait for ever: it ends this round, and its players are told to queue again.
        // Only a ticket older than this role's definitions, refused for its shape: a newer
        // one may come from a node already on a newer definition, and a player still in a
        // ticket about to leave the engine is refused only until it leaves.
        if refusal.lasting && ticket.created_at < self.configured_at {
            self.unusable.push(ticket.id);
        }
    }

    /// Reads a stored ticket and enqueues it, unless the engine has it already.
    fn enqueue_stored(&mut self, mode: Mode, ticket: &Ticket) -> Result<(), Refusal> {
        let id = TicketId(ticket.id.as_u128());
        if self.known.contains_key(&id) {
            return Ok(());
        }
        let role_count = self
            .queues
            .get(mode.as_str())
            .map_or(0, |(_, config)| config.roles.len());
        let spec = TicketSpec::of(&ticket.spec).map_err(Refusal::lasting)?;
        let engine_ticket = spec
            .engine_ticket(ticket.id, mode, role_count)
            .map_err(Refusal::lasting)?;
        let queued_at = engine_millis(ticket.created_at);
        self.engine
            .enqueue(engine_ticket, queued_at)
            .map_err(|error| Refusal {
                lasting: !matches!(
                    error,
                    TicketError::DuplicatePlayer(_)
                        | TicketError::DuplicateTicket(_)
                        | TicketError::UnknownMode(_)
                ),
                why: error.to_string(),
            })?;
        self.known.insert(
            id,
            Known {
                id: ticket.id,
                mode,
                party_id: ticket.party_id,
                region: ticket.region.clone(),
                spec,
                queued_at,
            },
            self.clock.elapsed(),
        );
        Ok(())
    }

    /// Takes a ticket that is no longer searching out of the engine, if it is there.
    fn forget(&mut self, ticket: uuid::Uuid) {
        let id = TicketId(ticket.as_u128());
        if self.known.remove(&id).is_some() {
            self.engine.cancel(id);
        }
    }

    pub(super) async fn follow(&mut self, mode: Mode) -> Result<(), StoreError> {
        let store = self.store.clone();
        let Some(owned) = self.owned.get(&mode) else {
            return Ok(());
        };
        // A pass over the whole queue, a page a round: due every FULL_RESYNC, or under way.
        if owned.resync_after.is_some() || self.clock.elapsed() >= owned.resync_at {
            let page = store
                .open_ticket_ids_page(mode.as_str(), owned.resync_after, RESYNC_PAGE)
                .await?;
            // Only a ticket the engine does not hold is read in full.
            for &id in &page {
                if !self.known.contains_key(&TicketId(id.as_u128())) {
                    match store.ticket(id).await {
                        Ok(ticket) if ticket.state == TicketState::Searching => {
                            self.admit(mode, &ticket);
                        }
                        Ok(_) | Err(StoreError::NotFound) => {}
                        Err(error) => return Err(error),
                    }
                }
            }
            let more = page.len() == RESYNC_PAGE as usize;
            let now = self.clock.elapsed();
            if let Some(owned) = self.owned.get_mut(&mode) {
                owned.resync_after = page.last().copied().filter(|_| more);
                if !more {
                    owned.resync_at = now + FULL_RESYNC;
                }
            }
        }
        let Some(owned) = self.owned.get(&mode) else {
            return Ok(());
        };
        // Changes since the cursor, in full: the new tickets enter the engine.
        let changed = store
            .tickets_changed_since(mode.as_str(), owned.cursor)
            .await?;
        let (mut cursor, trail) = (owned.cursor, owned.trail);
        for ticket in &changed {
            cursor = cursor.max(ticket.updated_at);
            if ticket.state == TicketState::Searching {
                self.admit(mode, ticket);
            } else {
                self.forget(ticket.id);
            }
        }
        // Changes stamped an OVERLAP ago, read again by id and state (a round's worth each
        // round, so every change is read twice and no round reads many): a commit that landed
        // after a later-stamped one was read is found here. Never more than two overlaps back:
        // a round that came late reads a bounded window, and the pass over the whole queue
        // finds what lies before it.
        let overlap = time::Duration::try_from(OVERLAP).expect("BUG: a small duration");
        let until = self.now().plus(-overlap);
        if until > trail {
            let from = trail.max(until.plus(-overlap));
            for change in store
                .ticket_changes_between(mode.as_str(), from, until)
                .await?
            {
                let id = TicketId(change.id.as_u128());
                match change.state {
                    TicketState::Searching if !self.known.contains_key(&id) => {
                        match store.ticket(change.id).await {
                            Ok(ticket) if ticket.state == TicketState::Searching => {
                                self.admit(mode, &ticket);
                            }
                            Ok(_) | Err(StoreError::NotFound) => {}
                            Err(error) => return Err(error),
                        }
                    }
                    TicketState::Searching => {}
                    _ => self.forget(change.id),
                }
            }
        }
        if let Some(owned) = self.owned.get_mut(&mode) {
            owned.cursor = cursor;
            owned.trail = owned.trail.max(until);
        }
        self.follow_backfills(mode, &store).await
    }
}
