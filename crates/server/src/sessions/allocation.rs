//! Allocation: every `match.created` gets a session and a server, or, when none can be found,
//! its players go back to the queue with their place kept.

use std::collections::HashSet;

use futures::future::join_all;
use tracing::Instrument;

use rally_protocol::{
    event::{Event, SessionReady},
    session::MatchCancelled,
};
use rally_store::{EndReason, MatchState, SessionState, StoreError};
use uuid::Uuid;

use super::allocator::{AllocationError, AllocationRequest};
use super::{Sessions, SessionsError};
use super::{heartbeat::arm_deadline, lifecycle::enqueue, returning::Returning};
use crate::bus::{self, Cause};
use crate::telemetry::trace_context;

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
/// their order. Two short transactions serve the whole batch: one opens every session, one
/// moves every allocated session to `ready` with its `session.ready`, published as soon as it
/// commits (the outbox relay publishes any this could not). Between them the servers
/// are chosen together (the static pool reads its load once and counts each choice before the
/// next, so a batch never overfills an endpoint that one allocation at a time would not) and
/// the heartbeat deadlines are armed. A match whose session was opened before and moved on (a
/// redelivery) changes nothing; one with no server fails on its own. When a batch's
/// transaction fails, each match is tried alone, so one that cannot be settled holds up only
/// itself.
pub async fn allocate_all(
    sessions: &Sessions,
    allocator: &super::Allocator,
    requests: Vec<(AllocationRequest, Cause)>,
) -> Vec<Result<(), SessionsError>> {
    match allocate_together(sessions, allocator, &requests).await {
        Ok(results) => results,
        Err(error) if requests.len() > 1 => {
            tracing::warn!(error = %error, matches = requests.len(), "cannot allocate a batch of matches together; allocating each alone");
            let mut results = Vec::with_capacity(requests.len());
            for request in &requests {
                let alone = allocate_together(sessions, allocator, std::slice::from_ref(request));
                results.push(match alone.await {
                    Ok(mut result) => result.pop().unwrap_or(Ok(())),
                    Err(error) => Err(error),
                });
            }
            results
        }
        Err(error) => vec![Err(error)],
    }
}

/// [`allocate_all`]'s batch: each request's result, or the error of a transaction that
/// failed for the whole batch.
async fn allocate_together(
    sessions: &Sessions,
    allocator: &super::Allocator,
    requests: &[(AllocationRequest, Cause)],
) -> Result<Vec<Result<(), SessionsError>>, SessionsError> {
    let store = &sessions.store;
    let ids: Vec<Uuid> = requests.iter().map(|(r, _)| r.match_id).collect();
    let mut tx = store.begin().await?;
    let mut allocating: HashSet<Uuid> = tx.open_sessions(&ids).await?.into_iter().collect();
    tx.commit().await?;
    // Each match once, by its first request; the others settle with nothing to do.
    let chosen: Vec<usize> = (0..requests.len())
        .filter(|&i| allocating.remove(&requests[i].0.match_id))
        .collect();
    // Each allocation is a step of its match's trace; its `session.ready` carries it on.
    let mut spans: Vec<Option<tracing::Span>> = vec![None; requests.len()];
    for &i in &chosen {
        let (request, cause) = &requests[i];
        let span = tracing::info_span!(
            "allocation",
            match.id = %request.match_id,
            correlation_id = %cause.correlation_id,
            trace_id = tracing::field::Empty,
        );
        trace_context::continue_within(&span, cause.traceparent.as_deref());
        trace_context::record_trace_id(&span);
        spans[i] = Some(span);
    }
    let asked: Vec<(&AllocationRequest, tracing::Span)> = chosen
        .iter()
        .map(|&i| {
            (
                &requests[i].0,
                spans[i].clone().unwrap_or_else(tracing::Span::none),
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let endpoints = allocator.allocate_all(store, &asked).await;
    let took = started.elapsed().as_secs_f64();
    let mut results: Vec<Result<(), SessionsError>> = requests.iter().map(|_| Ok(())).collect();
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for (i, endpoint) in chosen.into_iter().zip(endpoints) {
        metrics::histogram!("rally_allocation_duration_seconds").record(took);
        match endpoint {
            Ok(endpoint) => {
                if let Some(span) = &spans[i] {
                    span.in_scope(|| tracing::debug!(%endpoint, "session allocated"));
                }
                found.push((i, endpoint));
            }
            Err(error) => failures.push((i, error)),
        }
    }
    // The deadlines first: the monitor never sees a ready session without one.
    let armed = join_all(
        found
            .iter()
            .map(|(i, _)| arm_deadline(sessions, requests[*i].0.match_id, false)),
    )
    .await;
    let mut ready = Vec::with_capacity(found.len());
    for ((i, endpoint), armed) in found.into_iter().zip(armed) {
        match armed {
            Ok(()) => ready.push((i, endpoint)),
            Err(error) => results[i] = Err(error),
        }
    }
    if !ready.is_empty() {
        let moves: Vec<(Uuid, String)> = ready
            .iter()
            .map(|(i, endpoint)| (requests[*i].0.match_id, endpoint.clone()))
            .collect();
        let mut tx = store.begin().await?;
        let moved: HashSet<Uuid> = tx.ready_sessions(&moves).await?.into_iter().collect();
        let events = ready
            .into_iter()
            .filter(|(i, _)| moved.contains(&requests[*i].0.match_id))
            .map(|(i, endpoint)| {
                let (request, cause) = &requests[i];
                let ready = SessionReady {
                    match_id: request.match_id,
                    endpoint,
                    player_ids: request.player_ids.clone(),
                };
                let cause = match &spans[i] {
                    Some(span) => cause.clone().traced(span),
                    None => cause.clone(),
                };
                (
                    request.match_id.to_string(),
                    Event::SessionReady(ready),
                    cause,
                )
            })
            .collect();
        let rows = bus::outbox::enqueue_all(&mut tx, events).await?;
        tx.publishing_itself();
        tx.commit().await?;
        // Each match's one `session.ready`, on its way to the players without waiting for the
        // relay's turn, and without holding up the next batch while the stream and the store
        // confirm it.
        let (events, store) = (sessions.events.clone(), store.clone());
        tokio::spawn(
            async move { bus::publication::publish_committed(&events, &store, &rows).await }
                .in_current_span(),
        );
    }
    let failed_ones = failures.into_iter().map(|(i, error)| {
        let (request, cause) = &requests[i];
        async move {
            tracing::warn!(error = %error, match_id = %request.match_id, "allocation failed; the players go back to the queue");
            metrics::counter!("rally_allocation_failures_total", "reason" => error.reason())
                .increment(1);
            (i, cause.clone().scope(failed(sessions, request, &error)).await)
        }
    });
    for (i, result) in join_all(failed_ones).await {
        results[i] = result;
    }
    Ok(results)
}

/// No server: the session fails, the match fails, each ticket goes back to the queue with its
/// original enqueue time (unless its player queued again meanwhile), and the players are told.
async fn failed(
    sessions: &Sessions,
    request: &AllocationRequest,
    error: &AllocationError,
) -> Result<(), SessionsError> {
    let store = &sessions.store;
    let returning = Returning::read(store, request.match_id, &request.player_ids).await?;
    let mut tx = store.begin().await?;
    // The match's row before the session's (the store's lock order).
    tx.lock_match(request.match_id).await?;
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
    let requeued = returning
        .give_back(&mut tx, &HashSet::new(), "allocation_failed")
        .await?;
    let cancelled = MatchCancelled {
        match_id: request.match_id,
        reason: format!("allocation_failed: {}", error.reason()),
        requeued,
        player_ids: request.player_ids.clone(),
    };
    enqueue(&mut tx, request.match_id, Event::MatchCancelled(cancelled)).await?;
    tx.commit().await.map_err(SessionsError::from)
}
