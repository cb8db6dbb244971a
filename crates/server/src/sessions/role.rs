//! The sessions role: every `match.created` gets a session and a server (the durable consumer
//! `sessions`, acknowledged once the outcome is stored, so a redelivery finds the session past
//! `allocating` and changes nothing), and every running session whose heartbeat deadline passed
//! is ended as abandoned.

use std::time::Duration;

use rally_events::{ConsumerOptions, Delivery, Stream};
use rally_protocol::queue::MatchFound;
use tokio::sync::watch;

use super::{Allocator, allocation, allocator::AllocationRequest, heartbeat};
use crate::app::AppState;

const DURABLE: &str = "sessions";
const BACKOFF: Duration = Duration::from_secs(1);
/// How often heartbeat deadlines are checked.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Allocates sessions for new matches until `stop` turns true.
pub async fn allocate(app: AppState, mut stop: watch::Receiver<bool>) {
    let allocator = Allocator::from_settings(app.settings());
    let events = app.backends().events.clone();
    let options = ConsumerOptions {
        ack_wait: Duration::from_secs(60),
        poll_wait: Duration::from_secs(5),
    };
    let Some(mut consumer) =
        crate::consume::open(&events, Stream::MatchCreated, DURABLE, options, &mut stop).await
    else {
        return;
    };
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return,
            next = consumer.next() => next,
        };
        match next {
            Ok(Some(delivery)) => handle(&app, &allocator, delivery).await,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(error = %error, "sessions consumer failed; retrying");
                tokio::time::sleep(BACKOFF).await;
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

async fn handle(app: &AppState, allocator: &Allocator, delivery: Delivery) {
    let Ok(found) = serde_json::from_slice::<MatchFound>(delivery.payload()) else {
        tracing::error!(key = delivery.key(), "unreadable match.created; dropped");
        let _ = delivery.ack().await;
        return;
    };
    let request = AllocationRequest {
        match_id: found.match_id,
        mode: found.mode,
        region: found.region,
        player_ids: found.teams.iter().flatten().map(|p| p.player_id).collect(),
    };
    match allocation::allocate(app, allocator, request).await {
        Ok(()) => {
            let _ = delivery.ack().await;
        }
        Err(error) => {
            tracing::warn!(error = %error, "cannot settle a match's session; retrying");
            let _ = delivery.nack_after(BACKOFF).await;
        }
    }
}

/// Ends sessions whose heartbeat deadline passed, until `stop` turns true.
pub async fn watch_heartbeats(app: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = check_deadlines(&app).await {
            tracing::warn!(error = %error, "cannot list running sessions");
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(WATCH_EVERY) => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// One pass over every running session, a page at a time.
async fn check_deadlines(app: &AppState) -> Result<(), rally_store::StoreError> {
    const PAGE: i64 = 500;
    let mut after = None;
    let mut running = 0usize;
    loop {
        let sessions = app.backends().store.live_sessions(after, PAGE).await?;
        running += sessions.len();
        for session in &sessions {
            match heartbeat::deadline_passed(app, session.match_id).await {
                Ok(true) => {
                    metrics::counter!("rally_heartbeat_misses_total").increment(1);
                    if let Err(error) = heartbeat::abandon(app, session).await {
                        tracing::warn!(error = %error, "cannot end an abandoned session");
                    }
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(error = %error, "cannot read a heartbeat deadline"),
            }
        }
        if sessions.len() < PAGE as usize {
            break;
        }
        after = sessions.last().map(|s| s.match_id);
    }
    metrics::gauge!("rally_sessions_running").set(running as f64);
    Ok(())
}
