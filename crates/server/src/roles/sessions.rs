//! The sessions role: every `match.created` gets a session and a server (the durable consumer
//! `sessions`, acknowledged once the outcome is stored, so a redelivery finds the session past
//! `allocating` and changes nothing); a match of a queue with an accept step gets them from
//! the `match.accepted` that says every player accepted, and is cancelled when its time to
//! accept runs out; every running session whose heartbeat deadline passed is ended as
//! abandoned.

use std::time::Duration;

use std::sync::Arc;

use rally_clock::Clock;
use rally_events::{ConsumerOptions, Events, Stream};
use rally_protocol::{
    acceptance::AcceptanceState,
    event::{Envelope, Event},
};
use rally_store::Store;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    bus::{Cause, Handled, Handler, Reader, Reading},
    sessions::{
        Allocator, Sessions, SessionsError, acceptance, allocation, allocator::AllocationRequest,
        heartbeat,
    },
    state_epoch::StateEpoch,
};

/// How the sessions role reads `match.created`.
pub const READING: Reading = Reading {
    stream: Stream::MatchCreated,
    durable: "sessions",
    options: ConsumerOptions {
        ack_wait: Duration::from_secs(60),
        poll_wait: Duration::from_secs(5),
        // Fetched ahead, allocated together (two transactions per batch) and acknowledged
        // together. A round makes its matches at once, so a batch holds a busy round's worth:
        // at 32, a round of 150 matches waited for five batches in turn.
        batch: 128,
    },
};
/// How the sessions role reads `match.accepted` (allocating the matches every player
/// accepted).
pub const ACCEPTED: Reading = Reading {
    stream: Stream::MatchAccepted,
    ..READING
};
/// How often heartbeat deadlines are checked.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Allocates sessions for new matches, read from `events`, with `allocator`, until `stop` is
/// cancelled.
pub async fn allocate(
    sessions: Sessions,
    allocator: Allocator,
    events: Events,
    stop: CancellationToken,
) {
    let read = |reading: Reading| {
        let allocations = Allocations {
            sessions: sessions.clone(),
            allocator: allocator.clone(),
        };
        let (events, stop) = (events.clone(), stop.clone());
        Reader::serve(events, reading, allocations, stop)
    };
    tokio::join!(read(READING), read(ACCEPTED));
}

/// Cancels the matches whose time to accept ran out, every second on `clock`, until `stop` is
/// cancelled.
pub async fn watch_acceptances(sessions: Sessions, clock: Clock, stop: CancellationToken) {
    loop {
        let next = clock.elapsed() + WATCH_EVERY;
        Cause::fresh()
            .scope(async {
                if let Err(error) = acceptance::expire_lapsed(&sessions).await {
                    tracing::warn!(error = %error, "cannot read the matches not accepted in time");
                }
            })
            .await;
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep_until(next) => {}
        }
        if stop.is_cancelled() {
            return;
        }
    }
}

/// Gives each new match a session and a server.
#[derive(Debug)]
pub struct Allocations {
    sessions: Sessions,
    allocator: Allocator,
}

impl Allocations {
    /// What an event asks of the allocator: a `match.created` without an accept step, or the
    /// `match.accepted` of its last acceptance (`None` for any other event).
    fn request(envelope: Envelope) -> Option<AllocationRequest> {
        match envelope.event {
            Event::MatchCreated(found) if found.accept_deadline_ms.is_none() => {
                Some(AllocationRequest {
                    match_id: found.match_id,
                    mode: found.mode,
                    region: found.region,
                    player_ids: found.teams.iter().flatten().map(|p| p.player_id).collect(),
                })
            }
            Event::MatchAccepted(accepted) if accepted.state == AcceptanceState::Accepted => {
                Some(AllocationRequest {
                    match_id: accepted.match_id,
                    mode: accepted.mode,
                    region: accepted.region,
                    player_ids: accepted.player_ids,
                })
            }
            _ => None,
        }
    }
}

/// A match's session settled, or to be tried again.
fn handled(result: Result<(), SessionsError>) -> Handled {
    match result {
        Ok(()) => Handled::Done,
        Err(error) => {
            tracing::warn!(error = %error, "cannot settle a match's session; retrying");
            Handled::Retry
        }
    }
}

impl Handler for Allocations {
    async fn handle(&self, envelope: Envelope) -> Handled {
        match Self::request(envelope) {
            Some(request) => {
                handled(allocation::allocate(&self.sessions, &self.allocator, request).await)
            }
            None => Handled::Done,
        }
    }

    /// A batch's matches are allocated together, in two transactions whatever their number:
    /// one at a time, allocation (three short transactions and a deadline in the state
    /// backend) capped a node at about 70 matches a second, and players waited seconds for
    /// their server once more were made.
    async fn handle_all(&self, envelopes: Vec<Envelope>) -> Vec<Handled> {
        let mut slots = Vec::with_capacity(envelopes.len());
        let mut requests = Vec::new();
        for envelope in envelopes {
            let cause = Cause::following(&envelope);
            match Self::request(envelope) {
                Some(request) => {
                    slots.push(Some(requests.len()));
                    requests.push((request, cause));
                }
                None => slots.push(None),
            }
        }
        let mut results: Vec<Option<Handled>> =
            allocation::allocate_all(&self.sessions, &self.allocator, requests)
                .await
                .into_iter()
                .map(|result| Some(handled(result)))
                .collect();
        slots
            .into_iter()
            .map(|slot| {
                slot.and_then(|i| results[i].take())
                    .unwrap_or(Handled::Done)
            })
            .collect()
    }
}

/// Ends sessions whose heartbeat deadline passed, every second on `clock`, until `stop` is
/// cancelled.
pub async fn watch_heartbeats(mut watch: HeartbeatWatch, clock: Clock, stop: CancellationToken) {
    loop {
        // Due a period after this pass starts: a clock advanced during the pass wakes it at once.
        let next = clock.elapsed() + WATCH_EVERY;
        Cause::fresh().scope(watch.step()).await;
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep_until(next) => {}
        }
        if stop.is_cancelled() {
            return;
        }
    }
}

/// The heartbeat watcher's state between passes.
#[derive(Debug)]
pub struct HeartbeatWatch {
    sessions: Sessions,
    store: Store,
    epoch: Arc<StateEpoch>,
    /// The state generation whose deadlines this watcher has armed; 0: none yet.
    armed: u64,
}

impl HeartbeatWatch {
    /// A watcher over `sessions` (running sessions read from `store`) that arms every running
    /// session's deadline on its first step, and again whenever the state backend's `epoch`
    /// says it lost its data.
    pub fn new(sessions: Sessions, store: Store, epoch: Arc<StateEpoch>) -> Self {
        Self {
            sessions,
            store,
            epoch,
            armed: 0,
        }
    }

    /// One pass, at the time the node's clock reads: ends the sessions whose deadline passed.
    pub async fn step(&mut self) {
        if let Err(error) = self.check_deadlines().await {
            tracing::warn!(error = %error, "cannot check running sessions");
            // Heartbeats could not be recorded either while the state backend was away: once
            // it answers again, every running session gets a whole timeout before it is judged.
            if state_unavailable(&error) {
                self.armed = 0;
            }
        }
    }
}

impl HeartbeatWatch {
    /// One pass over every running session, a page at a time. A missing deadline ends a session
    /// only when the state backend kept its epoch across the whole pass and the pass before it
    /// succeeded: deadlines that vanished with the backend's data, or that game servers could not
    /// renew while a backend was down, are armed again instead, each for a whole timeout.
    async fn check_deadlines(&mut self) -> anyhow::Result<()> {
        let epoch = &self.epoch;
        epoch.confirm().await?;
        if epoch.generation() != self.armed {
            let generation = epoch.generation();
            let count = self.rearm().await?;
            if generation > 1 {
                tracing::info!(sessions = count, "heartbeat deadlines armed again");
            }
            self.armed = generation;
            return Ok(());
        }
        let mut lapsed = Vec::new();
        let mut running = 0usize;
        let mut after = None;
        loop {
            let sessions = self.store.live_sessions(after, PAGE).await?;
            running += sessions.len();
            // A page's deadlines in one call: one at a time, a pass over thousands of running
            // sessions took most of its second.
            let ids: Vec<Uuid> = sessions.iter().map(|s| s.match_id).collect();
            match heartbeat::deadlines_passed(&self.sessions, &ids).await {
                Ok(passed) => lapsed.extend(
                    sessions
                        .iter()
                        .zip(passed)
                        .filter(|(_, passed)| *passed)
                        .map(|(session, _)| session.clone()),
                ),
                Err(error) => {
                    tracing::warn!(error = %error, "cannot read a page of heartbeat deadlines")
                }
            }
            if sessions.len() < PAGE as usize {
                break;
            }
            after = sessions.last().map(|s| s.match_id);
        }
        metrics::gauge!("rally_sessions_running").set(running as f64);
        if lapsed.is_empty() {
            return Ok(());
        }
        if !epoch.confirm().await? || epoch.generation() != self.armed {
            // The backend lost its data during the pass: the next pass arms every deadline.
            return Ok(());
        }
        for session in &lapsed {
            // A heartbeat may have come since the pass read its deadline.
            if !heartbeat::deadline_passed(&self.sessions, session.match_id).await? {
                continue;
            }
            metrics::counter!("rally_heartbeat_misses_total").increment(1);
            if let Err(error) = heartbeat::abandon(&self.sessions, session).await {
                tracing::warn!(error = %error, "cannot end an abandoned session");
            }
        }
        Ok(())
    }

    /// Arms the deadline of every running session for a whole timeout; how many.
    async fn rearm(&self) -> anyhow::Result<usize> {
        let mut after = None;
        let mut count = 0;
        loop {
            let sessions = self.store.live_sessions(after, PAGE).await?;
            // A page's deadlines armed together (the state backend's connection pipelines them).
            let armed = sessions.iter().map(|session| {
                let active = session.state == rally_store::SessionState::Active;
                heartbeat::arm_deadline(&self.sessions, session.match_id, active)
            });
            for result in futures::future::join_all(armed).await {
                result?;
            }
            count += sessions.len();
            if sessions.len() < PAGE as usize {
                return Ok(count);
            }
            after = sessions.last().map(|s| s.match_id);
        }
    }
}

/// Whether `error` says the state backend did not answer.
fn state_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<rally_state::StateError>()
            .is_some_and(rally_state::StateError::is_unavailable)
            || cause
                .downcast_ref::<SessionsError>()
                .is_some_and(SessionsError::is_unavailable)
    })
}

/// Sessions read from the store per page.
const PAGE: i64 = 500;
