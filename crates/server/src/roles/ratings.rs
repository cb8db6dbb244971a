//! The ratings role: applies every `match.completed` (durable `ratings`; exactly once, decided by
//! the store) and keeps the leaderboard sets current. On start it rebuilds the active season's
//! sets from the store.

use std::{sync::Arc, time::Duration};

use rally_events::{ConsumerOptions, Events, Stream};
use rally_protocol::event::{Envelope, Event, MatchCompleted, RatingsApplied};
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use rally_clock::Clock;
use rally_state::State;
use rally_store::Store;

use crate::{
    backends::Backends,
    bus::{Cause, Handled, Handler, Reader, Reading},
    matchmaking::Queues,
    ratings::{Ratings, RatingsError, board, season},
    state_epoch::StateEpoch,
};

/// How the ratings role reads `match.completed`.
pub const READING: Reading = Reading {
    stream: Stream::MatchCompleted,
    durable: "ratings",
    options: ConsumerOptions {
        ack_wait: Duration::from_secs(60),
        poll_wait: Duration::from_secs(5),
        batch: BATCH,
    },
};
/// The most results applied in one transaction: whatever is waiting, up to this many.
pub const BATCH: usize = 256;
/// How many batches one ratings process applies at once.
pub const APPLIERS: usize = 4;
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
    // in between would be overwritten. The appliers share a turn; a rebuild takes it alone.
    let ranks = Arc::new(RwLock::new(()));
    tokio::spawn(keep_ranks(role.clone(), ranks.clone(), stop.clone()));
    let events = role.backends.events.clone();
    let results = Results::new(role.ratings, role.backends.state, ranks);
    apply_results(events, results, stop).await;
}

/// Runs [`APPLIERS`] readers of `match.completed` over `results` until `stop` is cancelled.
///
/// Several batches in flight keep both the database and this process busy: while one
/// commits, another is read and computed, and another records its ranks (with a million rated
/// players on a 2-core machine, four applied about a tenth more results a second than two).
/// Batches that share a player take turns on its rating's row lock, so a player's results
/// still apply one at a time, each exactly once; two results of one player in flight together
/// (a player finishes one match at a time, so rarely) apply in the order their batches lock.
pub async fn apply_results(events: Events, results: Results, stop: CancellationToken) {
    let mut appliers = tokio::task::JoinSet::new();
    for _ in 0..APPLIERS {
        let (events, results, stop) = (events.clone(), results.clone(), stop.clone());
        appliers.spawn(async move {
            Reader::serve(events, READING, results, stop).await;
        });
    }
    while appliers.join_next().await.is_some() {}
}

/// Rebuilds the leaderboard sets on start, whenever the state backend lost its data, and
/// again after a rebuild that failed, until `stop` is cancelled.
async fn keep_ranks(role: RatingsRole, ranks: Arc<RwLock<()>>, stop: CancellationToken) {
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

/// Applies each `match.completed` to ratings and the leaderboard, a batch in one transaction.
/// Clones share the turn they take with the rebuilds.
#[derive(Debug, Clone)]
pub struct Results {
    ratings: Ratings,
    /// Where the leaderboard sets live.
    state: State,
    /// Shared while results are applied and recorded, taken alone by a rebuild, so the two
    /// cannot interleave.
    ranks: Arc<RwLock<()>>,
}

impl Results {
    /// The handler over the ratings service and the leaderboard sets in `state`; `ranks` is
    /// the turn it takes with the rebuilds.
    pub fn new(ratings: Ratings, state: State, ranks: Arc<RwLock<()>>) -> Self {
        Self {
            ratings,
            state,
            ranks,
        }
    }

    /// Applies `results` in one transaction and moves their players on the leaderboard.
    async fn apply(&self, results: Vec<(MatchCompleted, Cause)>) -> Result<(), RatingsError> {
        let applied = self.ratings.apply_all(results).await?;
        let applied: Vec<RatingsApplied> = applied.into_iter().flatten().collect();
        if let Err(error) = board::record_all(&self.state, &applied).await {
            tracing::warn!(error = %error, "cannot update the leaderboard; the next rebuild will");
        }
        Ok(())
    }
}

impl Handler for Results {
    async fn handle(&self, envelope: Envelope) -> Handled {
        self.handle_all(vec![envelope])
            .await
            .pop()
            .unwrap_or(Handled::Retry)
    }

    /// One transaction for the whole batch. When it fails, each result is tried on its own,
    /// so one that cannot be applied holds up only itself.
    async fn handle_all(&self, envelopes: Vec<Envelope>) -> Vec<Handled> {
        let results: Vec<(MatchCompleted, Cause)> = envelopes
            .iter()
            .filter_map(|envelope| match &envelope.event {
                Event::MatchCompleted(completed) => {
                    Some((completed.clone(), Cause::following(envelope)))
                }
                _ => None,
            })
            .collect();
        let _turn = self.ranks.read().await;
        let count = results.len();
        let error = match self.apply(results.clone()).await {
            Ok(()) => return vec![Handled::Done; envelopes.len()],
            Err(error) => error,
        };
        if count <= 1 {
            tracing::warn!(error = %error, "cannot apply a result; retrying");
            return envelopes
                .iter()
                .map(|e| match e.event {
                    Event::MatchCompleted(_) => Handled::Retry,
                    _ => Handled::Done,
                })
                .collect();
        }
        tracing::warn!(error = %error, results = count, "cannot apply a batch of results; applying each alone");
        let mut alone = results.into_iter();
        let mut handled = Vec::with_capacity(envelopes.len());
        for envelope in &envelopes {
            if !matches!(envelope.event, Event::MatchCompleted(_)) {
                handled.push(Handled::Done);
                continue;
            }
            let Some(result) = alone.next() else {
                handled.push(Handled::Retry);
                continue;
            };
            handled.push(match self.apply(vec![result]).await {
                Ok(()) => Handled::Done,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot apply a result; retrying");
                    Handled::Retry
                }
            });
        }
        handled
    }
}

/// Rebuilds the active season's leaderboard sets from the store; when it could not, the
/// moment to try again (on the clock's timer).
async fn rebuild(
    store: &Store,
    state: &State,
    clock: &Clock,
    ranks: &RwLock<()>,
) -> Option<Duration> {
    let _turn = ranks.write().await;
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
