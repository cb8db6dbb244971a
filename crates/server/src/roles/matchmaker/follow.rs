//! Step 2 of a round, following the store: the owned queue's tickets changed since the cursor
//! (and, by id and state, those changed an [`OVERLAP`] ago, again), the pass over the whole
//! queue a page of ids a round, and how a stored ticket enters the engine (or is ended when
//! the queue can no longer take it).

use rally_engine::{Mode, Region, TicketError, TicketId};
use rally_store::{StoreError, Ticket, TicketState};

use super::{
    FULL_RESYNC, Known, MatchmakerRole, OVERLAP, RESYNC_PAGE,
    bucket::{Bucket, home_region},
};
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

    /// Reads a stored ticket and enqueues it, unless the engine has it already or it belongs
    /// to a bucket this node does not own.
    fn enqueue_stored(&mut self, mode: Mode, ticket: &Ticket) -> Result<(), Refusal> {
        let id = TicketId(ticket.id.as_u128());
        if self.known.contains_key(&id) {
            return Ok(());
        }
        let Some((_, config)) = self.queues.get(mode.as_str()) else {
            // Its queue is gone from this node's definitions: perhaps only for now.
            return Err(Refusal {
                lasting: false,
                why: TicketError::UnknownMode(mode).to_string(),
            });
        };
        let role_count = config.roles.len();
        // The bucket it belongs to is its stored region: a ticket of a bucket owned elsewhere
        // is passed over before its spec is read.
        let stored = Region::new(&ticket.region)
            .ok()
            .filter(|region| config.regions.contains(region));
        if let Some(region) = stored
            && self.epoch(Bucket::new(mode, region)).is_none()
        {
            return Ok(());
        }
        let spec = TicketSpec::of(&ticket.spec).map_err(Refusal::lasting)?;
        let home = match stored {
            Some(region) => region,
            // A region the queue no longer has: the home region by the engine's rule; in none
            // of the queue's regions, it can never be matched.
            None => {
                let home = home_region(config, &spec.latencies)
                    .ok_or_else(|| Refusal::lasting(TicketError::NoRegion))?;
                if self.epoch(Bucket::new(mode, home)).is_none() {
                    return Ok(());
                }
                home
            }
        };
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
                region: home,
                widening_from: self
                    .engine
                    .widening_start(id)
                    .map(|from| from.round() as i64),
                spec,
                queued_at,
                taken_in: self.clock.elapsed(),
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

    /// Follows the store for `mode`: the page of the pass read since the last round, then the
    /// changes since the cursor, the changes an [`OVERLAP`] ago and the backfill requests,
    /// read at once (they are independent: the round waits for the slowest, not for their
    /// sum) and applied in that order.
    pub(super) async fn follow(&mut self, mode: Mode) -> Result<(), StoreError> {
        let store = self.store.clone();
        self.resync(mode).await?;
        let Some(owned) = self.owned.get(&mode) else {
            return Ok(());
        };
        let overlap = time::Duration::try_from(OVERLAP).expect("BUG: a small duration");
        // Changes stamped an OVERLAP ago, read again by id and state (a round's worth each
        // round, so every change is read twice and no round reads many): a commit that landed
        // after a later-stamped one was read is found here. Never more than two overlaps back:
        // a round that came late reads a bounded window, and the pass over the whole queue
        // finds what lies before it.
        let until = self.now().plus(-overlap);
        let window = (until > owned.trail).then(|| (owned.trail.max(until.plus(-overlap)), until));
        let (cursor, backfill_since) = (owned.cursor, owned.backfill_cursor.plus(-overlap));
        let queue = mode.as_str();
        let (changed, overlapped, backfills) = tokio::join!(
            store.tickets_changed_since(queue, cursor),
            async {
                match window {
                    Some((from, until)) => store.ticket_changes_between(queue, from, until).await,
                    None => Ok(Vec::new()),
                }
            },
            store.backfills_changed_since(queue, backfill_since),
        );
        // Changes since the cursor, in full: the new tickets enter the engine.
        let changed = changed?;
        let mut cursor = cursor;
        for ticket in &changed {
            cursor = cursor.max(ticket.updated_at);
            if ticket.state == TicketState::Searching {
                self.admit(mode, ticket);
            } else {
                self.forget(ticket.id);
            }
        }
        if let Some(owned) = self.owned.get_mut(&mode) {
            owned.cursor = cursor;
        }
        for change in overlapped? {
            let id = TicketId(change.id.as_u128());
            match change.state {
                TicketState::Searching if !self.owns_region(mode, &change.region) => {}
                TicketState::Searching if !self.known.contains_key(&id) => {
                    self.admit_current(mode, change.id).await?;
                }
                TicketState::Searching => {}
                _ => self.forget(change.id),
            }
        }
        if let Some(owned) = self.owned.get_mut(&mode) {
            owned.trail = owned.trail.max(until);
        }
        self.apply_backfills(mode, &backfills?).await;
        Ok(())
    }

    /// The pass over the whole queue, a page a round: due every [`FULL_RESYNC`], or under way.
    /// A page of 2,000 ids takes milliseconds to read (more than the rest of the round), so
    /// it is read between rounds: asked for at one round, applied at the next (by then long
    /// read; the round waits only for a read still under way).
    async fn resync(&mut self, mode: Mode) -> Result<(), StoreError> {
        let Some(owned) = self.owned.get_mut(&mode) else {
            return Ok(());
        };
        if let Some(read) = owned.resync_read.take() {
            match read.await {
                Ok(page) => self.resync_page(mode, &page?).await?,
                // The read cannot panic or be aborted; were it to, the page is asked again.
                Err(error) => tracing::warn!(error = %error, "the pass's page was not read"),
            }
        }
        let elapsed = self.clock.elapsed();
        let Some(owned) = self.owned.get_mut(&mode) else {
            return Ok(());
        };
        if owned.resync_after.is_some() || elapsed >= owned.resync_at {
            let (store, after) = (self.store.clone(), owned.resync_after);
            owned.resync_read = Some(tokio::spawn(async move {
                store
                    .open_ticket_ids_page(mode.as_str(), after, RESYNC_PAGE)
                    .await
            }));
        }
        Ok(())
    }

    /// Applies one page of the pass: only a ticket the engine does not hold is read in full;
    /// the pass ends with a short page.
    async fn resync_page(
        &mut self,
        mode: Mode,
        page: &[(uuid::Uuid, String)],
    ) -> Result<(), StoreError> {
        for (id, region) in page {
            if self.owns_region(mode, region) && !self.known.contains_key(&TicketId(id.as_u128())) {
                self.admit_current(mode, *id).await?;
            }
        }
        let more = page.len() == RESYNC_PAGE as usize;
        let now = self.clock.elapsed();
        if let Some(owned) = self.owned.get_mut(&mode) {
            owned.resync_after = page.last().map(|(id, _)| *id).filter(|_| more);
            if !more {
                owned.resync_at = now + FULL_RESYNC;
            }
        }
        Ok(())
    }

    /// Whether this node owns the bucket of `mode` in the stored region `region` (the queue
    /// stores each ticket's home region).
    fn owns_region(&self, mode: Mode, region: &str) -> bool {
        Region::new(region).is_ok_and(|region| self.epoch(Bucket::new(mode, region)).is_some())
    }

    /// Reads a ticket as it is now and admits it if it is still searching.
    async fn admit_current(&mut self, mode: Mode, id: uuid::Uuid) -> Result<(), StoreError> {
        match self.store.ticket(id).await {
            Ok(ticket) if ticket.state == TicketState::Searching => {
                self.admit(mode, &ticket);
                Ok(())
            }
            Ok(_) | Err(StoreError::NotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
