//! The ratings role: applies every `match.completed` (durable `ratings`; exactly once, decided by
//! the store) and keeps the leaderboard sets current. On start it rebuilds the active season's
//! sets from the store.

use std::{sync::Arc, time::Duration};

use rally_events::{ConsumerOptions, Stream};
use rally_protocol::event::{Envelope, Event};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::ratings::{board, season};
use crate::{
    app::AppState,
    bus::{Handled, Handler, Reader, Reading},
};

/// How the ratings role reads `match.completed`.
pub const READING: Reading = Reading {
    stream: Stream::MatchCompleted,
    durable: "ratings",
    options: ConsumerOptions {
        ack_wait: Duration::from_secs(60),
        poll_wait: Duration::from_secs(5),
    },
};
/// How long a failed leaderboard rebuild waits before the next attempt.
const REBUILD_RETRY: Duration = Duration::from_secs(1);

/// How often the store's materialized standings are refreshed (they serve ended seasons and
/// `rally leaderboard rebuild`; live ranks come from the sorted sets).
const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// Applies results until `stop` is cancelled.
pub async fn run(app: AppState, stop: CancellationToken) {
    let store = app.backends().store.clone();
    if let Some(name) = app.settings().ratings.season.clone() {
        configured_season(&app, &name).await;
    }
    tokio::spawn(refresh_standings(store, stop.clone()));
    // A rebuild reads every rating, clears the sets and fills them again: a result recorded
    // in between would be overwritten. The two take turns.
    let ranks = Arc::new(Mutex::new(()));
    tokio::spawn(keep_ranks(app.clone(), ranks.clone(), stop.clone()));
    let events = app.backends().events.clone();
    let results = Results { app, ranks };
    if let Some(reader) = Reader::open(events, READING, results, &stop).await {
        reader.run(stop).await;
    }
}

/// Rebuilds the leaderboard sets on start, whenever the state backend lost its data, and
/// again after a rebuild that failed, until `stop` is cancelled.
async fn keep_ranks(app: AppState, ranks: Arc<Mutex<()>>, stop: CancellationToken) {
    let mut generations = app.state_epoch().subscribe();
    let mut retry_at = rebuild(&app, &ranks).await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            changed = generations.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = until(retry_at) => {}
        }
        retry_at = rebuild(&app, &ranks).await;
    }
}

/// Applies each `match.completed` to ratings and the leaderboard.
#[derive(Debug)]
pub struct Results {
    app: AppState,
    /// Taken while a result is applied and recorded, so a rebuild cannot interleave.
    ranks: Arc<Mutex<()>>,
}

impl Handler for Results {
    async fn handle(&self, envelope: Envelope) -> Handled {
        let Event::MatchCompleted(completed) = envelope.event else {
            return Handled::Done;
        };
        let _turn = self.ranks.lock().await;
        match self.app.ratings().apply(&completed).await {
            Ok(Some(applied)) => {
                if let Err(error) = board::record(
                    &self.app.backends().state,
                    applied.season_id,
                    &applied.mode,
                    &applied.changes,
                )
                .await
                {
                    tracing::warn!(error = %error, "cannot update the leaderboard; the next rebuild will");
                }
                Handled::Done
            }
            Ok(None) => Handled::Done,
            Err(error) => {
                tracing::warn!(error = %error, "cannot apply a result; retrying");
                Handled::Retry
            }
        }
    }
}

/// Rebuilds the active season's leaderboard sets from the store; when it could not, the
/// moment to try again.
async fn rebuild(app: &AppState, ranks: &Mutex<()>) -> Option<tokio::time::Instant> {
    let _turn = ranks.lock().await;
    let store = &app.backends().store;
    let retry = || Some(tokio::time::Instant::now() + REBUILD_RETRY);
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
/// concurrent refresh on PostgreSQL, one transaction on SQLite) until `stop` is cancelled.
async fn refresh_standings(store: rally_store::Store, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(REFRESH_EVERY) => {}
        }
        if stop.is_cancelled() {
            return;
        }
        if let Err(error) = store.refresh_leaderboard().await {
            tracing::warn!(error = %error, "cannot refresh the standings");
        }
    }
}
