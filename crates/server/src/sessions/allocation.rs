//! Allocation: every `match.created` gets a session and a server, or, when none can be found,
//! its players go back to the queue with their place kept.

use std::collections::HashSet;

use futures::future::join_all;

use rally_protocol::{
    event::{Event, SessionReady},
    session::MatchCancelled,
};
use rally_store::{EndReason, MatchState, SessionState, StoreError, TicketState};
use uuid::Uuid;

use super::allocator::{AllocationError, AllocationRequest};
use super::{Sessions, SessionsError};
use super::{heartbeat::arm_deadline, lifecycle::enqueue};
use crate::bus::Cause;

/// Handles one `match.created`: opens the session (once), allocates a server, and stores the
/// outcome with its event. A redelivered match whose session already left `allocating` changes
/// nothing.
pub async fn allocate(
    sessions: &Sessions,
    allocator: &super::Allocator,
    request: AllocationRequest,
) -> Result<(), SessionsError> {
    let mut results = allocate_all(sessions, allocator, vec![(request, Cause::current())]).await;
    results.pop().unwrap_or(Ok(()))
}

/// Handles a batch of `match.created`, each inside its own cause, one result per request in
/// their order. The sessions are opened and the outcomes stored concurrently; the servers are
/// chosen together (the static pool reads its load once and counts each choice before the
/// next, so a batch never overfills an endpoint that one allocation at a time would not).
pub async fn allocate_all(
    sessions: &Sessions,
    allocator: &super::Allocator,
    requests: Vec<(AllocationRequest, Cause)>,
) -> Vec<Result<(), SessionsError>> {
    let opened = join_all(
        requests
            .iter()
            .map(|(request, cause)| cause.clone().scope(open(sessions, request))),
    )
    .await;
    let allocating: Vec<&AllocationRequest> = requests
        .iter()
        .zip(&opened)
        .filter(|(_, opened)| matches!(opened, Ok(true)))
        .map(|((request, _), _)| request)
        .collect();
    let started = std::time::Instant::now();
    let mut chosen = allocator
        .allocate_all(&sessions.store, &allocating)
        .await
        .into_iter();
    let took = started.elapsed().as_secs_f64();
    let settles = requests.iter().zip(opened).map(|((request, cause), opened)| {
        let endpoint = match opened {
            Ok(true) => chosen.next(),
            Ok(false) => None,
            Err(error) => return futures::future::Either::Left(std::future::ready(Err(error))),
        };
        futures::future::Either::Right(cause.clone().scope(async move {
            let Some(allocated) = endpoint else {
                return Ok(());
            };
            metrics::histogram!("rally_allocation_duration_seconds").record(took);
            match allocated {
                Ok(endpoint) => ready(sessions, request, &endpoint).await,
                Err(error) => {
                    tracing::warn!(error = %error, match_id = %request.match_id, "allocation failed; the players go back to the queue");
                    metrics::counter!("rally_allocation_failures_total", "reason" => error.reason())
                        .increment(1);
                    failed(sessions, request, &error).await
                }
            }
        }))
    });
    join_all(settles).await
}

/// Opens the match's session (once): whether it is still to be allocated.
async fn open(sessions: &Sessions, request: &AllocationRequest) -> Result<bool, SessionsError> {
    let mut tx = sessions.store.begin().await?;
    let session = tx.open_session(request.match_id).await?;
    tx.commit().await?;
    Ok(session.state == SessionState::Allocating)
}

async fn ready(
    sessions: &Sessions,
    request: &AllocationRequest,
    endpoint: &str,
) -> Result<(), SessionsError> {
    // The deadline first: the monitor never sees a ready session without one.
    arm_deadline(sessions, request.match_id, false).await?;
    let mut tx = sessions.store.begin().await?;
    match tx
        .transition_session(
            request.match_id,
            SessionState::Allocating,
            SessionState::Ready,
            None,
            Some(endpoint),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    let ready = SessionReady {
        match_id: request.match_id,
        endpoint: endpoint.to_owned(),
        player_ids: request.player_ids.clone(),
    };
    enqueue(&mut tx, request.match_id, Event::SessionReady(ready)).await?;
    tx.commit().await.map_err(SessionsError::from)
}

/// No server: the session fails, the match fails, each ticket goes back to the queue with its
/// original enqueue time (unless its player queued again meanwhile), and the players are told.
async fn failed(
    sessions: &Sessions,
    request: &AllocationRequest,
    error: &AllocationError,
) -> Result<(), SessionsError> {
    let store = &sessions.store;
    let tickets = store.tickets_of_match(request.match_id).await?;
    let mut busy = HashSet::new();
    for player in &request.player_ids {
        if store.active_ticket_of_player(*player).await?.is_some() {
            busy.insert(*player);
        }
    }
    let mut tx = store.begin().await?;
    match tx
        .transition_session(
            request.match_id,
            SessionState::Allocating,
            SessionState::Ended,
            Some(EndReason::Failed),
            None,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    tx.set_match_state(request.match_id, MatchState::Created, MatchState::Failed)
        .await?;
    let mut requeued = true;
    for ticket in tickets.iter().filter(|t| t.state == TicketState::Matched) {
        let members: Vec<Uuid> = crate::matchmaking::queueing::view(ticket).member_ids;
        if members.iter().any(|m| busy.contains(m)) {
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
    let cancelled = MatchCancelled {
        match_id: request.match_id,
        reason: format!("allocation_failed: {}", error.reason()),
        requeued,
        player_ids: request.player_ids.clone(),
    };
    enqueue(&mut tx, request.match_id, Event::MatchCancelled(cancelled)).await?;
    tx.commit().await.map_err(SessionsError::from)
}
