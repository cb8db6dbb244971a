//! The tickets a matchmaker feeds its engine, with what a round needs of them kept current as
//! they come and go, so that no round walks them all: the players waiting per queue and
//! region, and the tickets that came and went since the teller was last told
//! ([`StatusChange`]).

use std::{collections::HashMap, time::Duration};

use rally_engine::{Mode, Region, TicketId};

use super::bucket::Bucket;

use super::{
    Known,
    status_schedule::{StatusChange, Watched},
};

/// The engine's tickets on this node.
#[derive(Debug, Default)]
pub(super) struct KnownTickets {
    tickets: HashMap<TicketId, Known>,
    /// Players waiting per queue and region.
    depth: HashMap<Bucket, u64>,
    /// Tickets that came and went since [`KnownTickets::take_changes`], in order.
    changes: Vec<StatusChange>,
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

    /// Keeps `known`, its first status due at `first_status` (on the clock's timer).
    pub(super) fn insert(&mut self, id: TicketId, known: Known, first_status: Duration) {
        // Admitted again (it cannot be: the role checks first), it is counted once.
        self.remove(&id);
        *self.depth.entry(known.bucket()).or_default() += known.spec.members.len() as u64;
        let watched = Watched {
            ticket: known.id,
            mode: known.mode,
            queued_at: known.queued_at,
            players: known.spec.members.iter().map(|m| m.player_id).collect(),
            widening: known.widening_from.map(|from| (known.region, from)),
        };
        self.changes
            .push(StatusChange::Joined(id, watched, first_status));
        self.tickets.insert(id, known);
    }

    pub(super) fn remove(&mut self, id: &TicketId) -> Option<Known> {
        let known = self.tickets.remove(id)?;
        if let Some(players) = self.depth.get_mut(&known.bucket()) {
            *players = players.saturating_sub(known.spec.members.len() as u64);
        }
        self.changes.push(StatusChange::Left(*id));
        Some(known)
    }

    /// The tickets that came and went since the last call, in order.
    pub(super) fn take_changes(&mut self) -> Vec<StatusChange> {
        std::mem::take(&mut self.changes)
    }

    /// The ids of the tickets of `bucket`.
    pub(super) fn of_bucket(&self, bucket: Bucket) -> Vec<TicketId> {
        self.tickets
            .iter()
            .filter(|(_, k)| k.bucket() == bucket)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Players waiting in `mode` and `region`.
    pub(super) fn depth(&self, mode: Mode, region: Region) -> u64 {
        self.depth
            .get(&Bucket::new(mode, region))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rally_engine::Millis;
    use uuid::Uuid;

    use super::*;
    use crate::matchmaking::spec::{SpecMember, TicketSpec};

    fn known(mode: Mode, region: &str, players: usize) -> Known {
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
            region: Region::new(region).unwrap(),
            widening_from: None,
            spec: TicketSpec {
                members,
                latencies: vec![(region.to_owned(), 20)],
                season_id: None,
                traceparent: None,
                avoid: Vec::new(),
            },
            queued_at: Millis(0),
            taken_in: Duration::ZERO,
        }
    }

    #[test]
    fn depth_follows_tickets_in_and_out() {
        let duel = Mode::new("duel").unwrap();
        let mut tickets = KnownTickets::default();
        tickets.insert(TicketId(1), known(duel, "eu", 1), Duration::ZERO);
        tickets.insert(TicketId(2), known(duel, "eu", 3), Duration::ZERO);
        tickets.insert(TicketId(3), known(duel, "na", 1), Duration::ZERO);
        assert_eq!(tickets.depth(duel, Region::new("eu").unwrap()), 4);
        assert_eq!(tickets.depth(duel, Region::new("na").unwrap()), 1);
        assert!(tickets.remove(&TicketId(2)).is_some());
        assert!(tickets.remove(&TicketId(2)).is_none());
        assert_eq!(tickets.depth(duel, Region::new("eu").unwrap()), 1);
    }

    #[test]
    fn the_teller_hears_of_each_ticket_that_came_and_went_once() {
        let duel = Mode::new("duel").unwrap();
        let mut tickets = KnownTickets::default();
        tickets.insert(TicketId(1), known(duel, "eu", 2), Duration::from_secs(1));
        tickets.insert(TicketId(2), known(duel, "eu", 1), Duration::from_secs(1));
        assert!(tickets.remove(&TicketId(1)).is_some());
        assert!(tickets.remove(&TicketId(1)).is_none());
        let changes = tickets.take_changes();
        assert_eq!(changes.len(), 3);
        assert!(
            matches!(&changes[0], StatusChange::Joined(TicketId(1), w, at) if w.players.len() == 2 && *at == Duration::from_secs(1))
        );
        assert!(matches!(
            &changes[1],
            StatusChange::Joined(TicketId(2), _, _)
        ));
        assert_eq!(changes[2], StatusChange::Left(TicketId(1)));
        assert!(tickets.take_changes().is_empty());
    }
}
