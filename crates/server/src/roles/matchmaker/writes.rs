//! Writing what a tick produced: each match in one fenced transaction with its tickets, parties
//! and `match.created`; timed-out tickets ended with `queue.cancelled`; and, when a write fails,
//! the tickets that are still searching put back in the engine.

use futures::future::join_all;
use rally_engine::{Match, Mode, TicketId, TimedOut};
use rally_protocol::{
    event::Event,
    queue::{MatchFound, MatchPlayer},
};
use rally_store::{MatchState, NewMatch, NewParticipant, StoreError, TicketState, new_id};
use serde_json::json;
use uuid::Uuid;

use super::{Known, MatchmakerRole};

use crate::{
    bus,
    matchmaking::{
        QueueError, engine_millis,
        queueing::{self, reason},
    },
};

/// A match as its transaction writes it.
struct Prepared {
    mode: Mode,
    region: String,
    quality: f64,
    /// The queue's epoch the write is checked against.
    fence: u64,
    new: NewMatch,
    tickets: Vec<Known>,
    found: MatchFound,
}

/// The matched waits a queue keeps for its median (within the status window, newest kept).
const MAX_WAIT_SAMPLES: usize = 1024;

impl MatchmakerRole {
    /// Writes a round's matches, each in its own fenced transaction, all at once: they share
    /// no ticket and no player, and one at a time a round with many matches spent its interval
    /// waiting on the store (and players waited rounds for their match).
    pub(super) async fn write_matches(&mut self, made: Vec<Match>) {
        let prepared: Vec<Prepared> = made.into_iter().filter_map(|m| self.prepare(m)).collect();
        let written = join_all(prepared.iter().map(|p| self.store_match(p))).await;
        for (prepared, result) in prepared.into_iter().zip(written) {
            self.settle(prepared, result).await;
        }
    }

    /// What a match's transaction writes (`None` when its queue is no longer owned).
    fn prepare(&self, made: Match) -> Option<Prepared> {
        let mode = made.mode;
        let fence = self.owned.get(&mode)?.epoch;
        let tickets: Vec<Known> = made
            .tickets()
            .filter_map(|id| self.known.get(&id).cloned())
            .collect();
        let match_id = new_id();
        let now = self.now();
        let mut teams = Vec::with_capacity(made.teams.len());
        let mut participants = Vec::new();
        for (index, team) in made.teams.iter().enumerate() {
            let mut players = Vec::with_capacity(team.players.len());
            for placement in &team.players {
                let player_id = Uuid::from_u128(placement.player.0);
                let known = self.known.get(&placement.ticket);
                let party_id = known.and_then(|k| k.party_id);
                let display_name = known
                    .and_then(|k| k.spec.member(player_id))
                    .map_or_else(String::new, |m| m.display_name.clone());
                participants.push(NewParticipant {
                    player_id,
                    team: i32::try_from(index).unwrap_or(i32::MAX),
                    party_id,
                    rating_mean_before: placement.rating.mu,
                    // Elo has no uncertainty; the store keeps a positive one.
                    rating_uncertainty_before: placement.rating.sigma.max(1e-9),
                    rating_mean_after: None,
                    rating_uncertainty_after: None,
                    outcome: None,
                });
                players.push(MatchPlayer {
                    player_id,
                    display_name,
                    party_id,
                });
            }
            teams.push(players);
        }
        let found = MatchFound {
            match_id,
            mode: mode.as_str().to_owned(),
            region: made.region.as_str().to_owned(),
            quality: made.quality.total,
            teams,
            created_at_ms: now.unix_millis(),
        };
        let new = NewMatch {
            id: match_id,
            mode: mode.as_str().to_owned(),
            region: made.region.as_str().to_owned(),
            season_id: tickets.iter().find_map(|k| k.spec.season_id),
            state: MatchState::Created,
            quality: json!({
                "quality": made.quality,
                "win_probabilities": made.win_probabilities,
            }),
            created_at: now,
            ended_at: None,
            participants,
        };
        Some(Prepared {
            mode,
            region: made.region.as_str().to_owned(),
            quality: made.quality.total,
            fence,
            new,
            tickets,
            found,
        })
    }

    /// Takes in the outcome of a match's write: its tickets leave, or go back to the engine.
    async fn settle(&mut self, prepared: Prepared, result: Result<(), WriteFailure>) {
        let Prepared {
            mode,
            region,
            quality,
            tickets,
            new,
            ..
        } = prepared;
        let now = new.created_at;
        match result {
            Ok(()) => {
                let now_ms = engine_millis(now);
                for known in &tickets {
                    let waited = now_ms.0.saturating_sub(known.queued_at.0) as f64 / 1000.0;
                    metrics::histogram!("rally_time_to_match_seconds", "mode" => mode.as_str().to_owned(), "region" => region.clone())
                        .record(waited);
                    if let Some(owned) = self.owned.get_mut(&mode) {
                        owned.waits.push_back((self.clock.elapsed(), waited));
                        // The median of the most recent is as good as that of all of them.
                        if owned.waits.len() > MAX_WAIT_SAMPLES {
                            owned.waits.pop_front();
                        }
                    }
                    self.known.remove(&TicketId(known.id.as_u128()));
                }
                metrics::counter!("rally_matches_total", "mode" => mode.as_str().to_owned(), "region" => region.clone())
                    .increment(1);
                metrics::histogram!("rally_match_quality", "mode" => mode.as_str().to_owned())
                    .record(quality);
            }
            Err(WriteFailure::Fenced) => self.drop_queue(mode, "a newer owner wrote"),
            // Given up by an earlier match of the round: its tickets left with it.
            Err(_) if !self.owned.contains_key(&mode) => {}
            Err(WriteFailure::TicketGone) => {
                // A ticket left the queue as the match was made: the others go back, with
                // their original enqueue time.
                self.requeue(mode, &tickets).await;
            }
            Err(WriteFailure::Store(error)) => {
                tracing::warn!(error = %error, "cannot write a match; its tickets go back");
                self.requeue(mode, &tickets).await;
            }
        }
    }

    /// Puts back in the engine the tickets of a match that could not be written, those still
    /// searching in the store.
    pub(super) async fn requeue(&mut self, mode: Mode, tickets: &[Known]) {
        for known in tickets {
            self.known.remove(&TicketId(known.id.as_u128()));
            if let Ok(ticket) = self.store.ticket(known.id).await
                && ticket.state == TicketState::Searching
            {
                self.admit(mode, &ticket);
            }
        }
    }

    async fn store_match(&self, prepared: &Prepared) -> Result<(), WriteFailure> {
        let Prepared {
            mode,
            fence,
            new,
            tickets,
            found,
            ..
        } = prepared;
        let mut tx = self.store.begin().await?;
        match tx.fence_queue(mode.as_str(), *fence).await {
            Err(StoreError::Fenced { .. }) => return Err(WriteFailure::Fenced),
            other => other?,
        }
        tx.create_match(new).await?;
        claim_tickets(&mut tx, tickets, new.id).await?;
        bus::outbox::enqueue(&mut tx, new.id, Event::MatchCreated(found.clone())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the searching tickets the queue could not take (`queue_changed`); a ticket that
    /// fails to end is found again at the next full read and tried again.
    pub(super) async fn end_unusable(&mut self) {
        let store = &self.store;
        for id in std::mem::take(&mut self.unusable) {
            let result = async {
                let ticket = store.ticket(id).await?;
                let mut tx = store.begin().await?;
                queueing::end(
                    &mut tx,
                    &ticket,
                    TicketState::Cancelled,
                    reason::QUEUE_CHANGED,
                )
                .await?;
                tx.commit().await?;
                Ok::<_, QueueError>(())
            }
            .await;
            if let Err(error) = result {
                tracing::warn!(error = %error, ticket.id = %id, "cannot end a ticket the queue cannot take");
            }
        }
    }

    pub(super) async fn time_out(&mut self, timed_out: TimedOut) {
        let Some(known) = self.known.remove(&timed_out.ticket) else {
            return;
        };
        let store = &self.store;
        let result = async {
            let ticket = store.ticket(known.id).await?;
            let mut tx = store.begin().await?;
            queueing::end(&mut tx, &ticket, TicketState::TimedOut, reason::TIMED_OUT).await?;
            tx.commit().await?;
            Ok::<_, QueueError>(())
        }
        .await;
        match result {
            Ok(()) => metrics::counter!("rally_tickets_timed_out_total", "mode" => timed_out.mode.as_str().to_owned())
                .increment(1),
            Err(error) => tracing::warn!(error = %error, "cannot time out a ticket; it stays searching"),
        }
    }
}

/// Moves the tickets from searching to matched into `match_id` and frees their parties, in
/// `tx`. Their parties are locked first, in id order: a party change locks the party first
/// too, so the two never wait on each other in opposite orders. A ticket no longer searching
/// fails the whole write with [`WriteFailure::TicketGone`].
pub(super) async fn claim_tickets(
    tx: &mut rally_store::Transaction,
    tickets: &[Known],
    match_id: Uuid,
) -> Result<(), WriteFailure> {
    let mut parties: Vec<Uuid> = tickets.iter().filter_map(|k| k.party_id).collect();
    parties.sort_unstable();
    parties.dedup();
    for party_id in parties {
        match tx.lock_party(party_id).await {
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
    }
    for known in tickets {
        match tx
            .set_ticket_state(
                known.id,
                TicketState::Searching,
                TicketState::Matched,
                Some(match_id),
                None,
            )
            .await
        {
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(WriteFailure::TicketGone),
            Err(error) => return Err(error.into()),
        }
        if let Some(party_id) = known.party_id {
            tx.set_party_queued(party_id, false).await?;
        }
    }
    Ok(())
}

/// Why a match could not be written.
#[derive(Debug)]
pub(super) enum WriteFailure {
    /// Another matchmaker owns the queue now.
    Fenced,
    /// One of its tickets was no longer searching.
    TicketGone,
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for WriteFailure {
    fn from(error: StoreError) -> Self {
        WriteFailure::Store(error)
    }
}
