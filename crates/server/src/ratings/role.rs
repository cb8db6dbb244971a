//! The ratings role: applies every `match.completed` (durable `ratings`; exactly once, decided by
//! the store) and keeps the leaderboard sets current. On start it rebuilds the active season's
//! sets from the store.

use std::time::Duration;

use rally_events::{ConsumerOptions, Delivery, Stream};
use tokio::sync::watch;

use super::{
    apply::{self, Completed},
    board, season,
};
use crate::app::AppState;

const DURABLE: &str = "ratings";
const BACKOFF: Duration = Duration::from_secs(1);

/// How often the store's materialized standings are refreshed (they serve ended seasons and
/// `rally leaderboard rebuild`; live ranks come from the sorted sets).
const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Applies results until `stop` turns true.
pub async fn run(app: AppState, mut stop: watch::Receiver<bool>) {
    let store = app.backends().store.clone();
    if let Some(name) = app.settings().season.clone() {
        configured_season(&app, &name).await;
    }
    tokio::spawn(refresh_standings(store.clone(), stop.clone()));
    let mut generations = app.state_epoch().subscribe();
    let mut retry_at = rebuild(&app).await;
    let options = ConsumerOptions {
        ack_wait: Duration::from_secs(60),
        poll_wait: Duration::from_secs(5),
    };
    let events = app.backends().events.clone();
    let Some(mut consumer) =
        crate::consume::open(&events, Stream::MatchCompleted, DURABLE, options, &mut stop).await
    else {
        return;
    };
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return,
            _ = generations.changed() => {
                // The state backend lost its data: the ranks again.
                retry_at = rebuild(&app).await;
                continue;
            }
            () = until(retry_at) => {
                retry_at = rebuild(&app).await;
                continue;
            }
            next = consumer.next() => next,
        };
        match next {
            Ok(Some(delivery)) => handle(&app, delivery).await,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(error = %error, "ratings consumer failed; retrying");
                tokio::time::sleep(BACKOFF).await;
            }
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Rebuilds the active season's leaderboard sets from the store; when it could not, the
/// moment to try again.
async fn rebuild(app: &AppState) -> Option<tokio::time::Instant> {
    let store = &app.backends().store;
    let retry = || Some(tokio::time::Instant::now() + BACKOFF);
    match store.active_season().await {
        Ok(Some(active)) => match board::rebuild(store, &app.backends().state, active.id).await {
            Ok(count) => {
                tracing::info!(season = %active.name, players = count, "leaderboard rebuilt");
                None
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot rebuild the leaderboard; retrying");
                retry()
            }
        },
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(error = %error, "cannot read the active season; retrying");
            retry()
        }
    }
}

/// Completes at `at`, never when there is none.
async fn until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn handle(app: &AppState, delivery: Delivery) {
    let Ok(completed) = serde_json::from_slice::<Completed>(delivery.payload()) else {
        tracing::error!(key = delivery.key(), "unreadable match.completed; dropped");
        let _ = delivery.ack().await;
        return;
    };
    match apply::apply(app, &completed).await {
        Ok(Some(applied)) => {
            if let Err(error) = board::record(
                &app.backends().state,
                applied.season_id,
                &applied.mode,
                &applied.changes,
            )
            .await
            {
                tracing::warn!(error = %error, "cannot update the leaderboard; the next rebuild will");
            }
            let _ = delivery.ack().await;
        }
        Ok(None) => {
            let _ = delivery.ack().await;
        }
        Err(error) => {
            tracing::warn!(error = %error, "cannot apply a result; retrying");
            let _ = delivery.nack_after(BACKOFF).await;
        }
    }
}

/// Makes `name` the active season when another (or none) is.
async fn configured_season(app: &AppState, name: &str) {
    let store = &app.backends().store;
    match store.active_season().await {
        Ok(Some(active)) if active.name == name => {}
        Ok(_) => match season::start(store, &app.backends().state, app.queues(), name).await {
            Ok((started, carried)) => {
                tracing::info!(season = %started.name, carried, "started the configured season");
            }
            Err(error) => {
                tracing::warn!(error = %error, season = name, "cannot start the configured season")
            }
        },
        Err(error) => tracing::warn!(error = %error, "cannot read the active season"),
    }
}

/// Refreshes the store's standings every [`REFRESH_EVERY`] (never blocking readers: a
/// concurrent refresh on PostgreSQL, one transaction on SQLite) until `stop` turns true.
async fn refresh_standings(store: rally_store::Store, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(REFRESH_EVERY) => {}
        }
        if *stop.borrow() {
            return;
        }
        if let Err(error) = store.refresh_leaderboard().await {
            tracing::warn!(error = %error, "cannot refresh the standings");
        }
    }
}
