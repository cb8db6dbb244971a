//! Allocation: every `match.created` gets a session and a server, or, when none can be found,
//! its players go back to the queue with their place kept.

use std::collections::HashSet;

use rally_protocol::{
    event::{Event, SessionReady},
    session::MatchCancelled,
};
use rally_store::{EndReason, MatchState, SessionState, StoreError, TicketState};
use uuid::Uuid;

use super::allocator::{AllocationError, AllocationRequest};
use super::{Sessions, SessionsError};
use super::{heartbeat::arm_deadline, lifecycle::enqueue};

/// Handles one `match.created`: opens the session (once), allocates a server, and stores the
/// outcome with its event. A redelivered match whose session already left `allocating` changes
/// nothing.
pub async fn allocate(
    sessions: &Sessions,
    allocator: &super::Allocator,
    request: AllocationRequest,
) -> Result<(), SessionsError> {
    let store = &sessions.store;
    let mut tx = store.begin().await?;
    let session = tx.open_session(request.match_id).await?;
    tx.commit().await?;
    if session.state != SessionState::Allocating {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let allocated = allocator.allocate(store, &request).await;
    metrics::histogram!("rally_allocation_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    match allocated {
        Ok(endpoint) => ready(sessions, &request, &endpoint).await,
        Err(error) => {
            tracing::warn!(error = %error, match_id = %request.match_id, "allocation failed; the players go back to the queue");
            metrics::counter!("rally_allocation_failures_total", "reason" => error.reason())
                .increment(1);
            failed(sessions, &request, &error).await
        }
    }
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
