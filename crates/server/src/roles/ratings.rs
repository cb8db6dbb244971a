//! The ratings role: applies every `match.completed` (durable `ratings`; exactly once, decided by
//! the store) and keeps the leaderboard sets current. On start it rebuilds the active season's
//! sets from the store.

use std::{sync::Arc, time::Duration};

use rally_events::{ConsumerOptions, Stream};
use rally_protocol::event::{Envelope, Event};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use rally_clock::Clock;
use rally_state::State;
use rally_store::Store;

use crate::{
    backends::Backends,
    bus::{Handled, Handler, Reader, Reading},
    matchmaking::Queues,
    ratings::{Ratings, board, season},
    state_epoch::StateEpoch,
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

/// What the ratings role uses.
#[derive(Debug, Clone)]
pub struct RatingsRole {
    /// The ratings service, which applies each result.
    pub ratings: Ratings,
    /// The node's backends: the store and the leaderboard sets in the state backend.
    pub backends: Backends,
    /// The node's clock, for the role's periods.
    pub clock: Clock,
    /// The configured queues, each with its rating system.
    pub queues: Queues,
    /// The season to make active on start (`season`), if any.
    pub season: Option<String>,
    /// The state backend's epoch, to rebuild the sets when it lost its data.
    pub state_epoch: Arc<StateEpoch>,
}

/// Applies results until `stop` is cancelled.
pub async fn run(role: RatingsRole, stop: CancellationToken) {
    let store = role.backends.store.clone();
    if let Some(name) = &role.season {
        configured_season(&role, name).await;
    }
    tokio::spawn(refresh_standings(store, role.clock.clone(), stop.clone()));
    // A rebuild reads every rating, clears the sets and fills them again: a result recorded
    // in between would be overwritten. The two take turns.
    let ranks = Arc::new(Mutex::new(()));
    tokio::spawn(keep_ranks(role.clone(), ranks.clone(), stop.clone()));
    let events = role.backends.events.clone();
    let results = Results {
        ratings: role.ratings,
        state: role.backends.state,
        ranks,
    };
    if let Some(reader) = Reader::open(events, READING, results, &stop).await {
        reader.run(stop).await;
    }
}

/// Rebuilds the leaderboard sets on start, whenever the state backend lost its data, and
/// again after a rebuild that failed, until `stop` is cancelled.
async fn keep_ranks(role: RatingsRole, ranks: Arc<Mutex<()>>, stop: CancellationToken) {
    let mut generations = role.state_epoch.subscribe();
    let (store, state) = (&role.backends.store, &role.backends.state);
    let mut retry_at = rebuild(store, state, &role.clock, &ranks).await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            changed = generations.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = until(&role.clock, retry_at) => {}
        }
        retry_at = rebuild(store, state, &role.clock, &ranks).await;
    }
}

/// Applies each `match.completed` to ratings and the leaderboard.
#[derive(Debug)]
pub struct Results {
    ratings: Ratings,
    /// Where the leaderboard sets live.
    state: State,
    /// Taken while a result is applied and recorded, so a rebuild cannot interleave.
    ranks: Arc<Mutex<()>>,
}

impl Handler for Results {
    async fn handle(&self, envelope: Envelope) -> Handled {
        let Event::MatchCompleted(completed) = envelope.event else {
            return Handled::Done;
        };
        let _turn = self.ranks.lock().await;
        match self.ratings.apply(&completed).await {
            Ok(Some(applied)) => {
                if let Err(error) = board::record(
                    &self.state,
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
/// moment to try again (on the clock's timer).
async fn rebuild(
    store: &Store,
    state: &State,
    clock: &Clock,
    ranks: &Mutex<()>,
) -> Option<Duration> {
    let _turn = ranks.lock().await;
    let retry = || Some(clock.elapsed() + REBUILD_RETRY);
    match store.active_season().await {
        Ok(Some(active)) => match board::rebuild(store, state, active.id).await {
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

/// Completes at `at` on `clock`'s timer, never when there is none.
async fn until(clock: &Clock, at: Option<Duration>) {
    match at {
        Some(at) => clock.sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Makes `name` the active season when another (or none) is.
async fn configured_season(role: &RatingsRole, name: &str) {
    let (store, state) = (&role.backends.store, &role.backends.state);
    match store.active_season().await {
        Ok(Some(active)) if active.name == name => {}
        Ok(_) => match season::start(store, state, &role.queues, name).await {
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

/// Refreshes the store's standings every [`REFRESH_EVERY`] on the node's clock (never
/// blocking readers: a concurrent refresh on PostgreSQL, one transaction on SQLite) until
/// `stop` is cancelled.
async fn refresh_standings(store: Store, clock: Clock, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep(REFRESH_EVERY) => {}
        }
        if stop.is_cancelled() {
            return;
        }
        if let Err(error) = store.refresh_leaderboard().await {
            tracing::warn!(error = %error, "cannot refresh the standings");
        }
    }
}
