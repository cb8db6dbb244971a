//! The tickets a matchmaker feeds its engine, with what a round needs of them kept current as
//! they come and go, so that no round walks them all: the players waiting per queue and
//! region, and when each ticket's next `queue.status` is due.
//!
//! The status schedule keeps tickets in slots of [`SLOT`] by due time, so a round takes whole
//! slots off the front (a few tree operations however many tickets are due) and files each
//! ticket into its next slot with a push. A ticket that left is dropped when its slot comes
//! up, and one whose due time moved is found only in its current slot.

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use rally_engine::{Millis, Mode, TicketId};
use uuid::Uuid;

use super::Known;

/// The width of a slot of the status schedule.
pub(super) const SLOT: Duration = Duration::from_millis(100);

/// One player's status to send: its ticket, queue and enqueue time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DueStatus {
    /// The player told.
    pub(super) player: Uuid,
    /// The ticket's id.
    pub(super) ticket: Uuid,
    /// Its queue.
    pub(super) mode: Mode,
    /// When it was queued.
    pub(super) queued_at: Millis,
}

fn slot_of(at: Duration) -> u64 {
    u64::try_from(at.as_millis() / SLOT.as_millis()).unwrap_or(u64::MAX)
}

/// The engine's tickets on this node.
#[derive(Debug, Default)]
pub(super) struct KnownTickets {
    tickets: HashMap<TicketId, Known>,
    /// Players waiting per queue and region.
    depth: HashMap<(Mode, String), u64>,
    /// The tickets whose next status is due in each slot (on the clock's timer).
    status_due: BTreeMap<u64, Vec<TicketId>>,
}

impl KnownTickets {
    pub(super) fn len(&self) -> usize {
        self.tickets.len()
    }

    pub(super) fn get(&self, id: &TicketId) -> Option<&Known> {
        self.tickets.get(id)
    }

    pub(super) fn contains_key(&self, id: &TicketId) -> bool {
        self.tickets.contains_key(id)
    }

    /// Keeps `known`, its first status due at its `next_status`.
    pub(super) fn insert(&mut self, id: TicketId, known: Known) {
        // Admitted again (it cannot be: the role checks first), it is counted once.
        self.remove(&id);
        *self
            .depth
            .entry((known.mode, known.region.clone()))
            .or_default() += known.spec.members.len() as u64;
        self.schedule(id, known.next_status);
        self.tickets.insert(id, known);
    }

    pub(super) fn remove(&mut self, id: &TicketId) -> Option<Known> {
        let known = self.tickets.remove(id)?;
        if let Some(players) = self.depth.get_mut(&(known.mode, known.region.clone())) {
            *players = players.saturating_sub(known.spec.members.len() as u64);
        }
        Some(known)
    }

    /// The ids of the tickets of `mode`.
    pub(super) fn of_mode(&self, mode: Mode) -> Vec<TicketId> {
        self.tickets
            .iter()
            .filter(|(_, k)| k.mode == mode)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Players waiting in `mode` and `region`.
    pub(super) fn depth(&self, mode: Mode, region: &str) -> u64 {
        self.depth
            .get(&(mode, region.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Players waiting in `mode`, every region.
    pub(super) fn players_waiting(&self, mode: Mode) -> u64 {
        self.depth
            .iter()
            .filter(|((m, _), _)| *m == mode)
            .map(|(_, n)| *n)
            .sum()
    }

    fn schedule(&mut self, id: TicketId, at: Duration) {
        self.status_due.entry(slot_of(at)).or_default().push(id);
    }

    /// The statuses due at `now` (on the clock's timer), a [`DueStatus`] per player; each
    /// ticket is due again `interval` after it was due (not after `now`: rounds come when they
    /// come, and counting from them would gather the statuses into fewer and fewer rounds), or
    /// after `now` when it fell a whole interval behind.
    pub(super) fn statuses_due(&mut self, now: Duration, interval: Duration) -> Vec<DueStatus> {
        let mut due = Vec::new();
        let current = slot_of(now);
        while let Some(entry) = self.status_due.first_entry() {
            if *entry.key() > current {
                break;
            }
            let (slot, ids) = entry.remove_entry();
            for id in ids {
                let Some(known) = self.tickets.get_mut(&id) else {
                    continue;
                };
                if slot_of(known.next_status) != slot {
                    continue;
                }
                let next = known.next_status + interval;
                known.next_status = if next > now { next } else { now + interval };
                due.extend(known.spec.members.iter().map(|m| DueStatus {
                    player: m.player_id,
                    ticket: known.id,
                    mode: known.mode,
                    queued_at: known.queued_at,
                }));
                let at = known.next_status;
                self.schedule(id, at);
            }
        }
        due
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matchmaking::spec::{SpecMember, TicketSpec};

    fn known(mode: Mode, region: &str, players: usize, next_status: Duration) -> Known {
        let members = (0..players)
            .map(|_| SpecMember {
                player_id: Uuid::now_v7(),
                display_name: "p".into(),
                mu: 1500.0,
                sigma: 350.0,
                volatility: 0.06,
                roles: Vec::new(),
            })
            .collect();
        Known {
            id: Uuid::now_v7(),
            mode,
            party_id: None,
            region: region.to_owned(),
            spec: TicketSpec {
                members,
                latencies: vec![(region.to_owned(), 20)],
                season_id: None,
            },
            queued_at: Millis(0),
            next_status,
        }
    }

    #[test]
    fn depth_follows_tickets_in_and_out() {
        let duel = Mode::new("duel").unwrap();
        let mut tickets = KnownTickets::default();
        tickets.insert(TicketId(1), known(duel, "eu", 1, Duration::ZERO));
        tickets.insert(TicketId(2), known(duel, "eu", 3, Duration::ZERO));
        tickets.insert(TicketId(3), known(duel, "na", 1, Duration::ZERO));
        assert_eq!(tickets.depth(duel, "eu"), 4);
        assert_eq!(tickets.players_waiting(duel), 5);
        assert!(tickets.remove(&TicketId(2)).is_some());
        assert!(tickets.remove(&TicketId(2)).is_none());
        assert_eq!(tickets.depth(duel, "eu"), 1);
        assert_eq!(tickets.players_waiting(duel), 2);
    }

    #[test]
    fn a_status_is_due_once_per_interval_and_never_after_its_ticket_left() {
        let duel = Mode::new("duel").unwrap();
        let interval = Duration::from_secs(5);
        let mut tickets = KnownTickets::default();
        tickets.insert(TicketId(1), known(duel, "eu", 1, Duration::ZERO));
        tickets.insert(TicketId(2), known(duel, "eu", 1, Duration::from_secs(2)));
        let due = |t: &mut KnownTickets, at: u64| -> Vec<Uuid> {
            t.statuses_due(Duration::from_secs(at), interval)
                .iter()
                .map(|d| d.ticket)
                .collect()
        };
        let first = tickets.get(&TicketId(1)).unwrap().id;
        let second = tickets.get(&TicketId(2)).unwrap().id;
        assert_eq!(due(&mut tickets, 0), vec![first]);
        assert!(due(&mut tickets, 1).is_empty());
        // Read a second late, the second ticket keeps its own cadence: due again at 7, not 8.
        assert_eq!(due(&mut tickets, 3), vec![second]);
        assert!(due(&mut tickets, 4).is_empty());
        assert_eq!(due(&mut tickets, 5), vec![first]);
        assert_eq!(due(&mut tickets, 7), vec![second]);
        tickets.remove(&TicketId(2));
        assert!(due(&mut tickets, 100).contains(&first));
        assert!(!due(&mut tickets, 200).contains(&second));
    }
}
