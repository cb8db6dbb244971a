//! The matchmaker role: one loop per node that owns queues through leases and drives the engine.
//!
//! A matchmaker owns buckets: one region of one queue each. A ticket belongs to the bucket of
//! its stored `region`: its home region, the one the engine matches it in first (its lowest
//! latency, ties to the queue's earlier region: [`bucket::home_region`], worked out again only
//! for a ticket whose stored region the queue no longer has).
//!
//! Each round (the shortest `tick_interval_ms` of the queues):
//! 1. **Ownership.** For each bucket it does not own (of the regions `matchmaker_regions`
//!    lets it take; all by default), try the lease `matchmaker:<mode>:<region>` in the `state`
//!    backend; on success rebuild the bucket from the store (every searching ticket of its
//!    region, with its original enqueue time, and the open backfill requests of its region's
//!    matches). Renew owned leases; one that cannot be renewed, or whose local deadline passed,
//!    is dropped with its tickets.
//! 2. **Follow the store.** Read the owned queues' tickets changed since the last round, and
//!    the ids and states of those changed 5 s before, again (clock skew and late commits; a
//!    round's worth each round), at once: new searching tickets enter the engine, cancelled
//!    ones leave it. Every 30 s a pass over the whole queue, 2,000 ticket ids a round (read
//!    between rounds), adds any ticket the overlap missed.
//! 3. **Tick** the engine and write each match in one transaction: the epoch of each bucket its
//!    tickets come from is checked first (`queue_fences`, under `<mode>/<region>`: each takeover
//!    gets a new epoch from the store, so a matchmaker whose lease lapsed and whose bucket was
//!    taken over cannot write), then the
//!    match and participants, the tickets' move from searching to matched (conditional: a
//!    ticket cancelled meanwhile aborts the match, whose other tickets go back to the engine),
//!    the parties back to active, and `match.created` in the outbox. Timed-out tickets are
//!    ended the same way with `queue.cancelled`.
//!    Open backfill requests of the owned queues are followed the same way; the engine serves
//!    them before new matches, and a served one is written (fenced) with the tickets joining
//!    the running match and `session.ready` for the new players.
//! 4. **Tell.** `queue.status` to each searching ticket's players every
//!    `queue_status_interval_s`; queue figures to the `state` backend for `GET /v1/queues`.
//!
//! Buckets, not queues, are the unit of ownership, so one queue's regions can be spread over
//! matchmakers (each near its region's players, with `matchmaker_regions`). A ticket that
//! waited past `region_fallback_after_ms` may be matched in its second region, but only with
//! tickets of buckets its own matchmaker owns: fallback never crosses matchmakers. Store reads still follow a queue (the buckets of one mode share a cursor);
//! tickets of buckets owned elsewhere are passed over.

use std::{
    collections::{HashMap, VecDeque},
    time::{Duration, Instant},
};
use tracing::Instrument;

use rally_clock::Clock;
use rally_engine::{BackfillId, Matchmaker, Millis, Mode, Region};
use rally_events::Events;
use rally_state::State;
use rally_store::{Store, StoreError, Timestamp};
use uuid::Uuid;

mod backfill;
mod bucket;
mod follow;
mod known;
mod lease_keeper;
mod ownership;
mod status;
mod status_schedule;
mod writes;

use bucket::Bucket;
use known::KnownTickets;
use lease_keeper::{LeaseKeeper, Leases};
use ownership::leases_held;
use tokio_util::sync::CancellationToken;
use writes::{WriteFailure, claim_tickets};

use crate::{
    backends::Backends,
    bus::Cause,
    matchmaking::{Queues, engine_millis, spec::TicketSpec},
    settings::MatchmakingSettings,
    telemetry::trace_context,
};

/// How long after a change it is read again, by id and state (clock skew between nodes, and
/// commits that land after a later-stamped one); each round reads from the cursor on in full.
const OVERLAP: Duration = Duration::from_secs(5);
/// How long after one pass over the whole queue the next starts, to catch what the overlap
/// missed.
const FULL_RESYNC: Duration = Duration::from_secs(30);
/// Ticket ids read per round during a pass (an index-only read; only tickets the engine does
/// not hold are read in full): a round's cost stays bounded however long the queue, and a
/// pass over 100,000 tickets takes 50 rounds.
const RESYNC_PAGE: i64 = 2_000;

/// A page of the pass over a whole queue: each searching ticket's id and stored region.
type ResyncPage = Vec<(Uuid, String)>;

/// A ticket this node feeds the engine.
#[derive(Debug, Clone)]
struct Known {
    id: Uuid,
    mode: Mode,
    party_id: Option<Uuid>,
    /// Its home region: the bucket it belongs to.
    region: Region,
    /// Where its widening started on its bucket's clock, in a queue tuned to a target wait.
    widening_from: Option<i64>,
    spec: TicketSpec,
    queued_at: Millis,
    /// When this node took it in, on the clock's timer.
    taken_in: Duration,
}

impl Known {
    /// The bucket the ticket belongs to.
    fn bucket(&self) -> Bucket {
        Bucket::new(self.mode, self.region)
    }
}

/// A queue of which this node owns at least one bucket (their leases are kept by
/// [`lease_keeper`]): the owned buckets and how the queue's store reads have progressed.
#[derive(Debug)]
struct Owned {
    /// Each owned bucket, by region.
    buckets: HashMap<Region, OwnedBucket>,
    cursor: Timestamp,
    backfill_cursor: Timestamp,
    /// When the next pass over the whole queue is due, on the clock's timer.
    resync_at: Duration,
    /// Where the pass under way has read to (`None`: no pass under way).
    resync_after: Option<Uuid>,
    /// The pass's next page, asked for at the last round.
    resync_read: Option<tokio::task::JoinHandle<Result<ResyncPage, StoreError>>>,
    /// Where the second reading of changes, an OVERLAP behind, has read to.
    trail: Timestamp,
}

/// A bucket this node owns.
#[derive(Debug)]
struct OwnedBucket {
    /// The store's epoch for this ownership (what writes of its tickets are checked against).
    epoch: u64,
    /// Recent matched waits (seconds) of its tickets, with when they were matched on the
    /// clock's timer.
    waits: VecDeque<(Duration, f64)>,
}

/// The role's state on one node.
pub struct MatchmakerRole {
    store: Store,
    state: State,
    events: Events,
    clock: Clock,
    settings: MatchmakingSettings,
    holder: String,
    queues: Queues,
    engine: Matchmaker,
    owned: HashMap<Mode, Owned>,
    /// The leases of the owned queues, renewed by their own task.
    leases: Leases,
    known: KnownTickets,
    /// Open backfill requests fed to the engine: the bucket of their match's region, and the
    /// match.
    backfills: HashMap<BackfillId, (Bucket, Uuid)>,
    /// Searching tickets the queue can no longer take, to end this round.
    unusable: Vec<Uuid>,
    /// When this role loaded its queue definitions: only tickets made before may be ended as
    /// unusable, since a newer one may come from a node with a newer definition.
    configured_at: Timestamp,
    /// The task that keeps the `queue.status` schedule and sends the pushes, started with the
    /// first ticket.
    teller: Option<status::Teller>,
    /// The owned buckets' clocks, for queues tuned to a target wait, read by the teller.
    clocks: status::BucketClocks,
}

impl std::fmt::Debug for MatchmakerRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchmakerRole")
            .field("holder", &self.holder)
            .field("owned", &self.owned.keys().collect::<Vec<_>>())
            .field("tickets", &self.known.len())
            .finish()
    }
}

/// The time a round spends in each of its steps, recorded as
/// `rally_matchmaker_round_phase_seconds{phase}` when the next one starts.
struct Phase {
    started: Instant,
}

impl Phase {
    /// Starts timing the round's first step.
    fn start() -> Self {
        Self {
            started: Instant::now(),
        }
    }

    /// Records the step `done` and starts timing the next.
    fn next(self, done: &'static str) -> Self {
        metrics::histogram!("rally_matchmaker_round_phase_seconds", "phase" => done)
            .record(self.started.elapsed().as_secs_f64());
        Self {
            started: Instant::now(),
        }
    }
}

impl MatchmakerRole {
    /// The role for this node over its backends, clock, queues and matchmaking settings
    /// (`holder` must be unique per process).
    pub fn new(
        backends: &Backends,
        clock: Clock,
        queues: Queues,
        settings: MatchmakingSettings,
        holder: String,
    ) -> Self {
        let configured_at = Timestamp::from(clock.now());
        let mut engine = Matchmaker::new();
        for (mode, config) in queues.iter() {
            engine
                .add_queue(mode, config.clone())
                .expect("BUG: the queue settings were validated");
        }
        Self {
            store: backends.store.clone(),
            state: backends.state.clone(),
            events: backends.events.clone(),
            clock,
            settings,
            holder,
            queues,
            engine,
            owned: HashMap::new(),
            leases: Leases::default(),
            known: KnownTickets::default(),
            backfills: HashMap::new(),
            unusable: Vec::new(),
            configured_at,
            teller: None,
            clocks: status::BucketClocks::default(),
        }
    }

    /// The time now on the node's clock.
    fn now(&self) -> Timestamp {
        Timestamp::from(self.clock.now())
    }

    /// Runs rounds every `tick_interval_ms` on the node's clock until `stop` is cancelled,
    /// then releases its leases.
    pub async fn run(mut self, stop: CancellationToken) {
        let period = Duration::from_millis(self.queues.tick_interval_ms());
        let clock = self.clock.clone();
        let keeper = LeaseKeeper {
            leases: self.leases.clone(),
            state: self.state.clone(),
            clock: clock.clone(),
            holder: self.holder.clone(),
            ttl: self.settings.matchmaker_lease(),
        };
        tokio::spawn(keeper.run(stop.clone()));
        loop {
            if stop.is_cancelled() {
                break;
            }
            let started = clock.elapsed();
            // The events of one round share a chain of their own; a round that writes, a trace
            // (`round`).
            let cause = Cause::fresh();
            let span = tracing::debug_span!(
                "matchmaker.pass",
                correlation_id = %cause.correlation_id,
            );
            cause.scope(self.round().instrument(span)).await;
            // The next round is due a period after this one started (at once if it overran).
            tokio::select! {
                () = stop.cancelled() => break,
                () = clock.sleep_until(started + period) => {}
            }
        }
        let buckets = self.owned_buckets();
        self.owned.clear();
        for bucket in buckets {
            if let Some(fence) = self.leases.forget(bucket) {
                let _ = self
                    .state
                    .release_lease(&bucket.lease_name(), &self.holder, fence)
                    .await;
            }
        }
        for bucket in self.buckets() {
            leases_held(bucket, false);
        }
    }

    /// Each owned bucket's widening clock and speed, for queues tuned to a target wait: the
    /// speed as a metric, the clock for the teller's `queue.status` (a bucket owned elsewhere
    /// sees no arrivals here: its speed is the owner's to report).
    fn record_widening(&self, now: Millis) {
        let mut clocks = Vec::new();
        for (&mode, owned) in &self.owned {
            for (region, clock, speed) in self.engine.widening_clocks(mode, now) {
                if !owned.buckets.contains_key(&region) {
                    continue;
                }
                metrics::gauge!(
                    "rally_matchmaker_widening_speed",
                    "mode" => mode.as_str().to_owned(),
                    "region" => region.as_str().to_owned()
                )
                .set(speed);
                clocks.push((Bucket::new(mode, region), clock, speed));
            }
        }
        self.clocks.set(now, clocks);
    }

    /// One round, the role's step: ownership, follow the store, tick, tell, all at the time
    /// the node's clock reads (a test advances its manual clock, then calls this).
    pub async fn round(&mut self) {
        let round_started = Instant::now();
        let phase = Phase::start();
        self.ownership().await;
        let phase = phase.next("ownership");
        let modes: Vec<Mode> = self.owned.keys().copied().collect();
        for mode in modes {
            if let Err(error) = self.follow(mode).await {
                tracing::warn!(error = %error, mode = mode.as_str(), "cannot read the queue's tickets");
            }
        }
        let phase = phase.next("follow");
        let started = Instant::now();
        let outcome = self.engine.tick(engine_millis(self.now()));
        let ticked = started.elapsed();
        metrics::histogram!("rally_tick_duration_seconds").record(ticked.as_secs_f64());
        self.record_widening(engine_millis(self.now()));
        let phase = phase.next("tick");
        let writes = outcome.backfills.len()
            + outcome.matches.len()
            + outcome.timed_out.len()
            + self.unusable.len();
        if writes > 0 {
            // Only a round that writes is a span of its own, and the root of a trace: an idle
            // one, several times a second, would fill a trace backend with empty rounds. (The
            // tickets the queue can no longer take were refused by the engine: ending them
            // after the tick changes nothing it did.)
            let span = tracing::info_span!(
                "matchmaker.round",
                correlation_id = %Cause::current().correlation_id,
                trace_id = tracing::field::Empty,
                matches = outcome.matches.len(),
                timed_out = outcome.timed_out.len(),
                ended = self.unusable.len(),
                backfills = outcome.backfills.len(),
                tick_ms = ticked.as_secs_f64() * 1000.0,
            );
            trace_context::record_trace_id(&span);
            async {
                self.end_unusable().await;
                for fill in outcome.backfills {
                    self.write_fill(fill).await;
                }
                self.write_matches(outcome.matches).await;
                for timed_out in outcome.timed_out {
                    self.time_out(timed_out).await;
                }
            }
            .instrument(span)
            .await;
        }
        let phase = phase.next("write");
        self.tell().await;
        phase.next("tell");
        metrics::histogram!("rally_matchmaker_round_seconds")
            .record(round_started.elapsed().as_secs_f64());
    }
}
