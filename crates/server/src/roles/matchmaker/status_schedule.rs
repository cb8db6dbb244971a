//! When each waiting ticket's next `queue.status` is due: the teller's schedule.
//!
//! Tickets sit in slots of [`SLOT`] by due time, so the teller takes whole slots off the
//! front (a few tree operations however many tickets are due) and files each ticket into its
//! next slot with a push. A ticket that left is dropped when its slot comes up, and one whose
//! due time moved is found only in its current slot. The round only reports which tickets
//! came and went ([`StatusChange`]); it never walks the schedule.

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use rally_engine::{Millis, Mode, Region, TicketId};
use uuid::Uuid;

/// The width of a slot of the schedule.
pub(super) const SLOT: Duration = Duration::from_millis(100);

/// A waiting ticket as the teller needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Watched {
    /// The ticket's id.
    pub(super) ticket: Uuid,
    /// Its queue.
    pub(super) mode: Mode,
    /// When it was queued.
    pub(super) queued_at: Millis,
    /// Its players, each told.
    pub(super) players: Box<[Uuid]>,
    /// In a queue tuned to a target wait: its bucket's region, and where its widening started
    /// on that bucket's clock (ms).
    pub(super) widening: Option<(Region, i64)>,
}

/// A ticket entering or leaving the matchmaker, as the round reports it to the teller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StatusChange {
    /// A ticket entered; its first status is due at the time given (on the clock's timer).
    Joined(TicketId, Watched, Duration),
    /// A ticket left (matched, cancelled, timed out, or its queue was given up).
    Left(TicketId),
}

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
    /// As [`Watched::widening`].
    pub(super) widening: Option<(Region, i64)>,
}

fn slot_of(at: Duration) -> u64 {
    u64::try_from(at.as_millis() / SLOT.as_millis()).unwrap_or(u64::MAX)
}

/// The waiting tickets and when each one's next status is due.
#[derive(Debug, Default)]
pub(super) struct StatusSchedule {
    tickets: HashMap<TicketId, (Watched, Duration)>,
    slots: BTreeMap<u64, Vec<TicketId>>,
    /// Statuses skipped because they were taken a whole interval or more after they were due.
    skipped: u64,
}

impl StatusSchedule {
    /// Takes in a ticket that came or went.
    pub(super) fn apply(&mut self, change: StatusChange) {
        match change {
            StatusChange::Joined(id, watched, due) => {
                self.tickets.insert(id, (watched, due));
                self.slots.entry(slot_of(due)).or_default().push(id);
            }
            StatusChange::Left(id) => {
                self.tickets.remove(&id);
            }
        }
    }

    /// Tickets scheduled.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.tickets.len()
    }

    /// When the earliest slot starts (`None`: nothing is scheduled).
    pub(super) fn next_wake(&self) -> Option<Duration> {
        let (&slot, _) = self.slots.first_key_value()?;
        let millis = slot.saturating_mul(u64::try_from(SLOT.as_millis()).unwrap_or(u64::MAX));
        Some(Duration::from_millis(millis))
    }

    /// Statuses skipped so far because the teller came a whole interval late.
    pub(super) fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The statuses due at `now` (on the clock's timer), one per player; each ticket is due
    /// again `interval` after it was due (not after `now`: counting from when the teller came
    /// would gather the statuses into fewer and fewer wakes), or after `now` when it fell a
    /// whole interval behind.
    pub(super) fn due(&mut self, now: Duration, interval: Duration) -> Vec<DueStatus> {
        let mut due = Vec::new();
        let current = slot_of(now);
        while let Some(entry) = self.slots.first_entry() {
            if *entry.key() > current {
                break;
            }
            let (slot, ids) = entry.remove_entry();
            for id in ids {
                let Some((watched, at)) = self.tickets.get_mut(&id) else {
                    continue;
                };
                if slot_of(*at) != slot {
                    continue;
                }
                let next = *at + interval;
                *at = if next > now {
                    next
                } else {
                    // The statuses due at `at + interval`, `at + 2 * interval`... up to now.
                    let behind = (now - *at).as_millis() / interval.as_millis().max(1);
                    self.skipped = self.skipped.saturating_add(
                        u64::try_from(behind)
                            .unwrap_or(u64::MAX)
                            .saturating_mul(watched.players.len() as u64),
                    );
                    now + interval
                };
                due.extend(watched.players.iter().map(|&player| DueStatus {
                    player,
                    ticket: watched.ticket,
                    mode: watched.mode,
                    queued_at: watched.queued_at,
                    widening: watched.widening,
                }));
                let next_slot = slot_of(*at);
                self.slots.entry(next_slot).or_default().push(id);
            }
        }
        due
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn joined(id: u128, players: usize, due: Duration) -> StatusChange {
        StatusChange::Joined(
            TicketId(id),
            Watched {
                ticket: Uuid::from_u128(id),
                mode: Mode::new("duel").unwrap(),
                queued_at: Millis(0),
                players: (0..players).map(|_| Uuid::now_v7()).collect(),
                widening: None,
            },
            due,
        )
    }

    fn due(schedule: &mut StatusSchedule, at: u64) -> Vec<Uuid> {
        let mut tickets: Vec<Uuid> = schedule
            .due(Duration::from_secs(at), Duration::from_secs(5))
            .iter()
            .map(|d| d.ticket)
            .collect();
        tickets.dedup();
        tickets
    }

    #[test]
    fn a_status_is_due_once_per_interval_and_never_after_its_ticket_left() {
        let mut schedule = StatusSchedule::default();
        schedule.apply(joined(1, 1, Duration::ZERO));
        schedule.apply(joined(2, 1, Duration::from_secs(2)));
        let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(schedule.next_wake(), Some(Duration::ZERO));
        assert_eq!(due(&mut schedule, 0), vec![first]);
        assert_eq!(schedule.next_wake(), Some(Duration::from_secs(2)));
        assert!(due(&mut schedule, 1).is_empty());
        // Read a second late, the second ticket keeps its own cadence: due again at 7, not 8.
        assert_eq!(due(&mut schedule, 3), vec![second]);
        assert!(due(&mut schedule, 4).is_empty());
        assert_eq!(due(&mut schedule, 5), vec![first]);
        assert_eq!(due(&mut schedule, 7), vec![second]);
        schedule.apply(StatusChange::Left(TicketId(2)));
        assert_eq!(schedule.len(), 1);
        assert!(due(&mut schedule, 100).contains(&first));
        assert!(!due(&mut schedule, 200).contains(&second));
    }

    #[test]
    fn every_player_of_a_ticket_is_told_and_a_late_teller_counts_what_it_skipped() {
        let mut schedule = StatusSchedule::default();
        schedule.apply(joined(1, 3, Duration::ZERO));
        assert_eq!(
            schedule.due(Duration::ZERO, Duration::from_secs(5)).len(),
            3
        );
        assert_eq!(schedule.skipped(), 0);
        // Due at 5 s, taken at 21 s: the statuses of 10, 15 and 20 s never went, 3 players each.
        assert_eq!(
            schedule
                .due(Duration::from_secs(21), Duration::from_secs(5))
                .len(),
            3
        );
        assert_eq!(schedule.skipped(), 9);
        // The next is an interval after the teller came, not a burst of the missed ones.
        assert_eq!(schedule.next_wake(), Some(Duration::from_secs(26)));
    }

    #[test]
    fn an_empty_schedule_never_wakes() {
        let mut schedule = StatusSchedule::default();
        assert_eq!(schedule.next_wake(), None);
        schedule.apply(joined(1, 1, Duration::from_secs(3)));
        schedule.apply(StatusChange::Left(TicketId(1)));
        // Its slot stays until it comes up, then goes with nothing due.
        assert!(due(&mut schedule, 3).is_empty());
        assert_eq!(schedule.next_wake(), None);
    }
}
