//! The matchmaker: every queue, and the input/output surface the server drives.
//!
//! Inputs (`enqueue`, `cancel`, `request_backfill`, `cancel_backfill`) change state at once and
//! never fail halfway: on an error nothing changed. Output comes only from [`Matchmaker::tick`],
//! which takes the caller's `now`. Given the same calls with the same arguments, a matchmaker
//! returns the same outcomes, bit for bit (no clock, no randomness, no hash-order iteration).

use std::collections::{HashMap, HashSet};

use crate::{
    backfill::{BackfillError, BackfillRequest},
    bucket::Slot,
    config::{ConfigError, QueueConfig},
    id::{BackfillId, IdHash, Millis, PlayerId, TicketId},
    name::{Mode, Region},
    outcome::TickOutcome,
    queue::Queue,
    ticket::{Ticket, TicketError},
};

/// Holds every queue and bucket; the pure core the server's matchmaker role drives.
#[derive(Debug, Default)]
pub struct Matchmaker {
    queues: Vec<Queue>,
    tickets: HashMap<TicketId, (u16, Slot), IdHash>,
    players: HashSet<PlayerId, IdHash>,
    backfills: HashMap<BackfillId, (u16, Millis), IdHash>,
}

impl Matchmaker {
    /// An empty matchmaker with no queues.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a queue for `mode`, refusing an invalid configuration or a mode already present.
    pub fn add_queue(&mut self, mode: Mode, config: QueueConfig) -> Result<(), ConfigError> {
        config.validate()?;
        if self.queue_index(mode).is_some() {
            return Err(ConfigError {
                field: "mode",
                reason: format!("`{mode}` already has a queue"),
            });
        }
        if self.queues.len() >= usize::from(u16::MAX) {
            return Err(ConfigError {
                field: "mode",
                reason: "too many queues".into(),
            });
        }
        self.queues.push(Queue::new(mode, config));
        Ok(())
    }

    /// The configuration of `mode`'s queue.
    #[must_use]
    pub fn config(&self, mode: Mode) -> Option<&QueueConfig> {
        self.queue_index(mode).map(|q| &self.queues[q].config)
    }

    fn queue_index(&self, mode: Mode) -> Option<usize> {
        self.queues.iter().position(|q| q.mode == mode)
    }

    /// Queues a ticket that was queued at `queued_at`. On error the matchmaker is unchanged.
    ///
    /// `queued_at` is normally the caller's current time; a node that takes over a bucket
    /// after a failover passes each open ticket's original time, so its wait (and the
    /// widening, fallback and timeout that depend on it) carries on where it was. The ticket
    /// is first tried at the next tick.
    pub fn enqueue(&mut self, ticket: Ticket, queued_at: Millis) -> Result<(), TicketError> {
        let q = self
            .queue_index(ticket.mode)
            .ok_or(TicketError::UnknownMode(ticket.mode))?;
        if self.tickets.contains_key(&ticket.id) {
            return Err(TicketError::DuplicateTicket(ticket.id));
        }
        if let Some(m) = ticket
            .members
            .iter()
            .find(|m| self.players.contains(&m.player))
        {
            return Err(TicketError::DuplicatePlayer(m.player));
        }
        let id = ticket.id;
        let (entry, avoid) = self.queues[q].prepare(ticket, queued_at)?;
        self.players.extend(entry.members.iter().map(|m| m.player));
        let slot = self.queues[q].insert(entry, avoid);
        self.tickets.insert(id, (q as u16, slot));
        Ok(())
    }

    /// Removes a queued ticket at once; `false` if it was not queued (already matched, timed
    /// out, cancelled or unknown). A cancelled ticket is never matched.
    pub fn cancel(&mut self, id: TicketId) -> bool {
        let Some((q, slot)) = self.tickets.remove(&id) else {
            return false;
        };
        let entry = self.queues[usize::from(q)].remove(slot);
        for m in entry.members.iter() {
            self.players.remove(&m.player);
        }
        true
    }

    /// Opens a backfill request at `now`; it is served by later ticks, before new matches.
    pub fn request_backfill(
        &mut self,
        request: BackfillRequest,
        now: Millis,
    ) -> Result<(), BackfillError> {
        let q = self
            .queue_index(request.mode)
            .ok_or(BackfillError::UnknownMode(request.mode))?;
        if self.backfills.contains_key(&request.id) {
            return Err(BackfillError::Duplicate(request.id));
        }
        let region = self.queues[q].check_backfill(&request)?;
        self.backfills.insert(request.id, (q as u16, now));
        self.queues[q]
            .backfills
            .insert((now, request.id), (region, request));
        Ok(())
    }

    /// Withdraws an open backfill request; `false` if it was not open.
    pub fn cancel_backfill(&mut self, id: BackfillId) -> bool {
        let Some((q, at)) = self.backfills.remove(&id) else {
            return false;
        };
        self.queues[usize::from(q)]
            .backfills
            .remove(&(at, id))
            .is_some()
    }

    /// Advances every queue to `now`: expires tickets past their maximum wait, serves backfill
    /// requests, then proposes new matches, oldest anchors first.
    pub fn tick(&mut self, now: Millis) -> TickOutcome {
        let mut out = TickOutcome::default();
        for queue in &mut self.queues {
            queue.tick(now, &mut out);
        }
        let gone = out
            .matches
            .iter()
            .map(|m| m.players().count())
            .sum::<usize>()
            + out.backfills.iter().map(|b| b.players.len()).sum::<usize>()
            + out.timed_out.iter().map(|t| t.players.len()).sum::<usize>();
        if 2 * gone > self.players.len() {
            // Most of the matchmaker left in this tick (a burst matched): index again the few
            // tickets still queued rather than remove every one that left.
            self.tickets.clear();
            self.players.clear();
            for (q, queue) in self.queues.iter().enumerate() {
                for slot in queue.slots() {
                    let e = queue.entry(slot);
                    self.tickets.insert(e.id, (q as u16, slot));
                    self.players.extend(e.members.iter().map(|m| m.player));
                }
            }
        } else {
            let taken = out
                .matches
                .iter()
                .flat_map(|m| m.players().map(|p| (p.ticket, p.player)))
                .chain(
                    out.backfills
                        .iter()
                        .flat_map(|b| b.players.iter().map(|p| (p.ticket, p.player))),
                );
            for (ticket, player) in taken {
                self.tickets.remove(&ticket);
                self.players.remove(&player);
            }
            for t in &out.timed_out {
                self.tickets.remove(&t.ticket);
                for p in &t.players {
                    self.players.remove(p);
                }
            }
        }
        for fill in &out.backfills {
            self.backfills.remove(&fill.request);
        }
        out
    }

    /// Sets when every queue lays its buckets out for a tick (tests compare both ways).
    #[cfg(test)]
    pub(crate) fn set_ladder_rule(&mut self, rule: crate::queue::LadderRule) {
        for q in &mut self.queues {
            q.ladder_rule = rule;
        }
    }

    /// Whether a ticket is queued.
    #[must_use]
    pub fn is_queued(&self, id: TicketId) -> bool {
        self.tickets.contains_key(&id)
    }

    /// Tickets queued across every queue.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether no ticket is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    /// Tickets queued in `mode` (0 for an unknown mode).
    #[must_use]
    pub fn queue_len(&self, mode: Mode) -> usize {
        self.queue_index(mode).map_or(0, |q| self.queues[q].len())
    }

    /// Where a queued ticket's widening started on its home bucket's clock, for a queue tuned
    /// to a target wait (`None` otherwise, or when not queued): its limits have widened as for
    /// a wait of that bucket's clock ([`Matchmaker::widening_clocks`]) minus this.
    #[must_use]
    pub fn widening_start(&self, id: TicketId) -> Option<f64> {
        let &(q, slot) = self.tickets.get(&id)?;
        let queue = &self.queues[usize::from(q)];
        queue.config.target_wait_ms?;
        Some(queue.entry(slot).paced_from)
    }

    /// Each of `mode`'s regions' clock at `now` and its speed, for a queue tuned to a target
    /// wait (empty otherwise): a ticket's widened wait at a later `t` is `clock + (t - now) *
    /// speed - start`, until the speed next changes.
    #[must_use]
    pub fn widening_clocks(&self, mode: Mode, now: Millis) -> Vec<(Region, f64, f64)> {
        let Some(queue) = self.queue_index(mode).map(|q| &self.queues[q]) else {
            return Vec::new();
        };
        if queue.config.target_wait_ms.is_none() {
            return Vec::new();
        }
        queue
            .config
            .regions
            .iter()
            .copied()
            .zip(queue.clocks(now))
            .map(|(region, (clock, speed))| (region, clock, speed))
            .collect()
    }
}
