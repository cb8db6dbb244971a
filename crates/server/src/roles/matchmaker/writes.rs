//! Writing what a tick produced: the round's matches in one fenced transaction with their
//! tickets, parties and `match.created`; timed-out tickets ended with `queue.cancelled`; and,
//! when a write fails, the tickets that are still searching put back in the engine.

use std::collections::{BTreeSet, HashSet};

use rally_engine::{Match, Mode, TicketId, TimedOut};
use rally_protocol::{
    event::Event,
    queue::{MatchFound, MatchPlayer, QualityBreakdown},
};
use rally_store::{
    MatchState, NewMatch, NewParticipant, StoreError, TicketClaim, TicketState, Timestamp, new_id,
};
use serde_json::json;
use tracing::Instrument;
use uuid::Uuid;

use super::{Known, MatchmakerRole, bucket::Bucket};

use crate::{
    bus::{self, Cause},
    matchmaking::{
        QueueError, engine_millis,
        queueing::{self, reason},
    },
    telemetry::trace_context,
};

/// A match as its transaction writes it.
struct Prepared {
    mode: Mode,
    region: String,
    quality: f64,
    /// The buckets its tickets come from, with the epochs the write is checked against.
    fences: Vec<(Bucket, u64)>,
    new: NewMatch,
    tickets: Vec<Known>,
    found: MatchFound,
    /// When its players' time to accept it ends, for a queue with an accept step.
    accept_deadline: Option<Timestamp>,
    /// The match's span, in its round's: its `match.created` continues this trace.
    span: tracing::Span,
}

/// The matched waits a queue keeps for its median (within the status window, newest kept).
const MAX_WAIT_SAMPLES: usize = 1024;

impl MatchmakerRole {
    /// Writes a round's matches in one transaction, fenced by each bucket they came from: a
    /// transaction each spent a handful of round trips per match, and a round of a busy queue
    /// had its matches queue for the store's connections (and their players wait for
    /// `match.found`). A match one of whose tickets left the queue meanwhile is left out and
    /// its other tickets go back; when the transaction fails, every ticket goes back.
    pub(super) async fn write_matches(&mut self, made: Vec<Match>) {
        let mut prepared = Vec::with_capacity(made.len());
        for made in made {
            match self.prepare(made) {
                Ok(match_) => prepared.push(match_),
                Err(stale) => self.requeue(&stale).await,
            }
        }
        if prepared.is_empty() {
            return;
        }
        let written = match self.store_round(&prepared).await {
            Ok((written, fenced)) => {
                // A bucket with a newer owner is let go (its tickets leave the engine) before
                // the other tickets of its matches go back.
                for bucket in fenced {
                    self.drop_bucket(bucket, "a newer owner wrote");
                }
                written
            }
            Err(error) => {
                tracing::warn!(error = %error, matches = prepared.len(), "cannot write a round's matches; their tickets go back");
                vec![Written::Failed; prepared.len()]
            }
        };
        for (prepared, written) in prepared.into_iter().zip(written) {
            self.settle(prepared, written).await;
        }
    }

    /// What a match's transaction writes; or, when a bucket of its tickets was let go since
    /// the tick made it (its tickets left the engine with it), the tickets that are left, to
    /// go back.
    fn prepare(&self, made: Match) -> Result<Prepared, Vec<Known>> {
        let mode = made.mode;
        let tickets: Vec<Known> = made
            .tickets()
            .filter_map(|id| self.known.get(&id).cloned())
            .collect();
        let fences = match self.fences(&tickets) {
            Some(fences) if tickets.len() == made.tickets().count() => fences,
            _ => return Err(tickets),
        };
        let match_id = new_id();
        let now = self.now();
        let accept_deadline = self
            .queues
            .get(mode.as_str())
            .and_then(|(_, config)| config.accept_timeout_ms)
            .map(|ms| {
                now.plus(time::Duration::milliseconds(
                    i64::try_from(ms).unwrap_or(i64::MAX),
                ))
            });
        let mut teams = Vec::with_capacity(made.team_count());
        let mut participants = Vec::new();
        for (index, team) in made.teams().enumerate() {
            let mut players = Vec::with_capacity(team.players.len());
            for placement in team.players {
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
            quality_breakdown: Some(QualityBreakdown {
                total: made.quality.total,
                fairness: made.quality.fairness,
                spread: made.quality.spread,
                latency: made.quality.latency,
                roles: made.quality.roles,
                parties: made.quality.parties,
            }),
            win_probabilities: made.win_probabilities.to_vec(),
            teams,
            created_at_ms: now.unix_millis(),
            accept_deadline_ms: accept_deadline.map(Timestamp::unix_millis),
        };
        let span = tracing::info_span!(
            "match",
            match.id = %match_id,
            mode = mode.as_str(),
            region = made.region.as_str(),
            quality = made.quality.total,
            players = made.players.len(),
            trace_id = tracing::field::Empty,
        );
        trace_context::record_trace_id(&span);
        // The match follows from each player's queue request, each in a trace of its own.
        for known in &tickets {
            trace_context::link_to(&span, known.spec.traceparent.as_deref());
        }
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
            traceparent: trace_context::traceparent_of(&span),
            participants,
        };
        Ok(Prepared {
            accept_deadline,
            span,
            mode,
            region: made.region.as_str().to_owned(),
            quality: made.quality.total,
            fences,
            new,
            tickets,
            found,
        })
    }

    /// Takes in the outcome of a match's write: its tickets leave, or go back to the engine.
    async fn settle(&mut self, prepared: Prepared, written: Written) {
        let Prepared {
            mode,
            region,
            quality,
            tickets,
            new,
            span,
            ..
        } = prepared;
        let now = new.created_at;
        match written {
            Written::Stored => {
                span.in_scope(|| tracing::debug!(tickets = tickets.len(), "match made"));
                let now_ms = engine_millis(now);
                for known in &tickets {
                    let waited = now_ms.0.saturating_sub(known.queued_at.0) as f64 / 1000.0;
                    metrics::histogram!("rally_time_to_match_seconds", "mode" => mode.as_str().to_owned(), "region" => region.clone())
                        .record(waited);
                    let elapsed = self.clock.elapsed();
                    if let Some(owned) = self
                        .owned
                        .get_mut(&mode)
                        .and_then(|owned| owned.buckets.get_mut(&known.region))
                    {
                        owned.waits.push_back((elapsed, waited));
                        // The median of the most recent is as good as that of all of them.
                        if owned.waits.len() > MAX_WAIT_SAMPLES {
                            owned.waits.pop_front();
                        }
                    }
                    self.known.remove(&TicketId(known.id.as_u128()));
                }
                // The match could be made once the matchmaker had its last ticket: the time
                // since then is the matchmaker's own latency, whatever the others waited.
                if let Some(last) = tickets.iter().map(|known| known.taken_in).max() {
                    let latency = self.clock.elapsed().saturating_sub(last);
                    metrics::histogram!("rally_matchmaking_latency_seconds", "mode" => mode.as_str().to_owned())
                        .record(latency.as_secs_f64());
                }
                metrics::counter!("rally_matches_total", "mode" => mode.as_str().to_owned(), "region" => region.clone())
                    .increment(1);
                metrics::histogram!("rally_match_quality", "mode" => mode.as_str().to_owned())
                    .record(quality);
            }
            // A ticket left the queue as the match was made, one of its buckets has a newer
            // owner (let go already, with its tickets), or the round's write failed: the
            // others go back, with their original enqueue time.
            Written::Fenced | Written::TicketGone | Written::Failed => {
                self.requeue(&tickets).await;
            }
        }
    }

    /// Puts back in the engine the tickets of a match that could not be written, those still
    /// searching in the store whose bucket this node still owns.
    pub(super) async fn requeue(&mut self, tickets: &[Known]) {
        for known in tickets {
            self.known.remove(&TicketId(known.id.as_u128()));
            if self.epoch(known.bucket()).is_none() {
                continue;
            }
            if let Ok(ticket) = self.store.ticket(known.id).await
                && ticket.state == TicketState::Searching
            {
                self.admit(known.mode, &ticket);
            }
        }
    }

    /// Writes the round's matches whose buckets are still this node's and whose tickets are
    /// all still searching, in one transaction, and publishes their `match.created` once it
    /// commits (the outbox relay publishes any that could not be); what became of each, and
    /// the buckets found to have a newer owner.
    async fn store_round(
        &self,
        prepared: &[Prepared],
    ) -> Result<(Vec<Written>, HashSet<Bucket>), StoreError> {
        let mut tx = self.store.begin().await?;
        let mut fenced = HashSet::new();
        // In one order (the buckets'), as every writer takes them.
        let fences: BTreeSet<(Bucket, u64)> = prepared
            .iter()
            .flat_map(|p| p.fences.iter().copied())
            .collect();
        for (bucket, fence) in fences {
            match tx.fence_queue(&bucket.fence_name(), fence).await {
                Err(StoreError::Fenced { .. }) => {
                    fenced.insert(bucket);
                }
                other => other?,
            }
        }
        let is_fenced = |p: &Prepared| p.fences.iter().any(|(b, _)| fenced.contains(b));
        let admitted = |p: &&Prepared| !is_fenced(p);
        let tickets: Vec<&Known> = prepared
            .iter()
            .filter(admitted)
            .flat_map(|p| &p.tickets)
            .collect();
        tx.lock_parties(&parties(tickets.iter().copied())).await?;
        let ids: Vec<Uuid> = tickets.iter().map(|k| k.id).collect();
        let searching = tx.lock_searching_tickets(&ids).await?;
        let written: Vec<Written> = prepared
            .iter()
            .map(|p| {
                if is_fenced(p) {
                    Written::Fenced
                } else if p.tickets.iter().all(|k| searching.contains(&k.id)) {
                    Written::Stored
                } else {
                    Written::TicketGone
                }
            })
            .collect();
        let stored: Vec<&Prepared> = prepared
            .iter()
            .zip(&written)
            .filter(|(_, w)| **w == Written::Stored)
            .map(|(p, _)| p)
            .collect();
        let news: Vec<&NewMatch> = stored.iter().map(|p| &p.new).collect();
        tx.create_matches(&news).await?;
        let claims: Vec<TicketClaim> = stored
            .iter()
            .flat_map(|p| {
                p.tickets.iter().map(|k| TicketClaim {
                    ticket_id: k.id,
                    match_id: p.new.id,
                })
            })
            .collect();
        tx.match_tickets(&claims).await?;
        let accepts: Vec<(Uuid, Timestamp)> = stored
            .iter()
            .filter_map(|p| p.accept_deadline.map(|at| (p.new.id, at)))
            .collect();
        tx.open_acceptances(&accepts).await?;
        tx.free_parties(&parties(stored.iter().flat_map(|p| &p.tickets)))
            .await?;
        let events = stored
            .iter()
            .map(|p| {
                let event = Event::MatchCreated(p.found.clone());
                (
                    p.new.id.to_string(),
                    event,
                    Cause::current().traced(&p.span),
                )
            })
            .collect();
        let rows = bus::outbox::enqueue_all(&mut tx, events).await?;
        tx.publishing_itself();
        tx.commit().await?;
        // Each match's one `match.created`, to allocation and to its players at once rather
        // than a relay pass of a hundred events at a time behind the rest of the outbox.
        let (events, store) = (self.events.clone(), self.store.clone());
        tokio::spawn(
            async move { bus::publication::publish_committed(&events, &store, &rows).await }
                .in_current_span(),
        );
        Ok((written, fenced))
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
/// `tx`. Their parties are locked first, then the tickets, each in id order, as every writer of
/// them locks them. A ticket no longer searching fails the whole write with
/// [`WriteFailure::TicketGone`].
pub(super) async fn claim_tickets(
    tx: &mut rally_store::Transaction,
    tickets: &[Known],
    match_id: Uuid,
) -> Result<(), WriteFailure> {
    let parties = parties(tickets);
    tx.lock_parties(&parties).await?;
    let ids: Vec<Uuid> = tickets.iter().map(|k| k.id).collect();
    let searching = tx.lock_searching_tickets(&ids).await?;
    if !ids.iter().all(|id| searching.contains(id)) {
        return Err(WriteFailure::TicketGone);
    }
    let claims: Vec<TicketClaim> = ids
        .iter()
        .map(|&ticket_id| TicketClaim {
            ticket_id,
            match_id,
        })
        .collect();
    tx.match_tickets(&claims).await?;
    tx.free_parties(&parties).await?;
    Ok(())
}

/// The parties `tickets` were queued by, each once.
fn parties<'a>(tickets: impl IntoIterator<Item = &'a Known>) -> Vec<Uuid> {
    let parties: BTreeSet<Uuid> = tickets.into_iter().filter_map(|k| k.party_id).collect();
    parties.into_iter().collect()
}

/// What became of one match of a round's write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    /// Stored with its tickets, its parties freed and `match.created` in the outbox.
    Stored,
    /// One of its buckets has a newer owner.
    Fenced,
    /// One of its tickets was no longer searching.
    TicketGone,
    /// The round's transaction failed.
    Failed,
}

/// Why a match could not be written.
#[derive(Debug)]
pub(super) enum WriteFailure {
    /// Another matchmaker owns one of its buckets now.
    Fenced(Bucket),
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
