//! What every simulated player of a load test adds to: latencies by step, the matches seen,
//! the errors by code, and the gauges the progress line shows.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use rally_sdk::Error;
use tokio::time::Instant;
use uuid::Uuid;

use crate::latency::{Latency, LatencyRecorder};

/// A step of the loop whose latency a load test records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// `POST /v1/auth/register` (argon2id: slow by design).
    Register,
    /// `POST /v1/auth/login`, when the account already existed.
    Login,
    /// Opening the gateway until its `hello`.
    Connect,
    /// Reconnecting the gateway after a dropped socket.
    Reconnect,
    /// Creating a party, inviting and joining (once per party).
    FormParty,
    /// A party's ready check: started, answered by every member, passed.
    ReadyCheck,
    /// `POST /v1/queue`.
    Queue,
    /// `DELETE /v1/queue`.
    Cancel,
    /// Queueing to `match.found` on the player's socket: the time to match.
    QueueToFound,
    /// From the last ticket a match needed being accepted to `match.found` on each player's
    /// socket. It includes waiting for the next round and, where the tickets were not yet
    /// within each other's limits, for those to widen.
    Matchmaking,
    /// From the round that made the match (its `created_at_ms`) to `match.found` on each
    /// player's socket: the matchmaking latency once a match is possible (ms precision).
    MadeToFound,
    /// `match.found` to `session.ready` of the same match.
    FoundToReady,
    /// The game server's `verify` of a player's session token.
    Verify,
    /// The game server's first heartbeat.
    Heartbeat,
    /// The game server's result report.
    Result,
    /// The result reported to `rating.updated` on each player's socket.
    ResultToRating,
}

/// A call slower than this counts as unavailable, as a 5xx does.
pub const ANSWERED_WITHIN: Duration = Duration::from_secs(1);

impl Step {
    /// Whether the step is made of HTTP calls (each counted towards availability).
    fn is_calls(self) -> bool {
        self.is_api_call()
            || matches!(
                self,
                Step::Register | Step::Login | Step::FormParty | Step::ReadyCheck
            )
    }

    /// Whether the step is one HTTP call (its p99 is held to the API budget). Registration and
    /// login hash a password on purpose and are reported apart.
    pub fn is_api_call(self) -> bool {
        matches!(
            self,
            Step::Queue | Step::Cancel | Step::Verify | Step::Heartbeat | Step::Result
        )
    }
}

/// Everything the players of one run record.
#[derive(Debug)]
pub(crate) struct Tally {
    steps: Mutex<BTreeMap<Step, LatencyRecorder>>,
    errors: Mutex<BTreeMap<String, u64>>,
    answered_4xx: Mutex<BTreeMap<String, u64>>,
    /// When each player's latest ticket was accepted (the matchmaking latency's start).
    accepted: Mutex<HashMap<Uuid, Instant>>,
    /// When each match's result was reported (the rating latency's start). Kept for the run,
    /// as the accepted results are: a few dozen bytes a match.
    reported: Mutex<HashMap<Uuid, Instant>>,
    quality: Mutex<(f64, u64)>,
    time_to_match: Mutex<(Duration, u64)>,
    pub(crate) refused: AtomicU64,
    pub(crate) matches: AtomicU64,
    /// Matches cancelled after they were made (no game server could be allocated).
    pub(crate) cancelled_matches: AtomicU64,
    pub(crate) cancels: AtomicU64,
    /// Tickets that waited their queue's longest wait without a match.
    pub(crate) timed_out: AtomicU64,
    pub(crate) disconnects: AtomicU64,
    pub(crate) signed_up: AtomicU64,
    pub(crate) connected: AtomicU64,
    pub(crate) connected_peak: AtomicU64,
    pub(crate) searching: AtomicU64,
    /// Calls made (answered or not), and of them those unavailable: a 5xx, a transport
    /// failure, or an answer slower than [`ANSWERED_WITHIN`].
    pub(crate) calls: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    last_unavailable: Mutex<Option<Instant>>,
    /// Matches whose game server's heartbeat was answered, and whose result was accepted.
    heartbeated: Mutex<HashSet<Uuid>>,
    results_accepted: Mutex<HashSet<Uuid>>,
    /// When the ramp ends: what starts from then on is also counted in `after_ramp`.
    ramp_ends: OnceLock<Instant>,
    /// The figures of what started once every player had arrived: the node as it holds its
    /// players, apart from the arrival burst (password hashing is meant to cost CPU).
    pub(crate) after_ramp: AfterRamp,
}

/// Latencies and calls of what started after the ramp.
#[derive(Debug, Default)]
pub(crate) struct AfterRamp {
    steps: Mutex<BTreeMap<Step, LatencyRecorder>>,
    pub(crate) calls: AtomicU64,
    pub(crate) unavailable: AtomicU64,
}

impl AfterRamp {
    /// Latencies by step.
    pub(crate) fn steps(&self) -> BTreeMap<Step, Latency> {
        latencies_of(&self.steps)
    }

    /// The latency of every API call together.
    pub(crate) fn api(&self) -> Latency {
        api_of(&self.steps)
    }
}

/// The latencies of `steps`, by step.
fn latencies_of(steps: &Mutex<BTreeMap<Step, LatencyRecorder>>) -> BTreeMap<Step, Latency> {
    steps.lock().map_or_else(
        |_| BTreeMap::new(),
        |steps| steps.iter().map(|(s, r)| (*s, r.latency())).collect(),
    )
}

/// The latency of every API call of `steps` together.
fn api_of(steps: &Mutex<BTreeMap<Step, LatencyRecorder>>) -> Latency {
    let mut all = LatencyRecorder::new();
    if let Ok(steps) = steps.lock() {
        for (_, recorder) in steps.iter().filter(|(s, _)| s.is_api_call()) {
            all.merge(recorder);
        }
    }
    all.latency()
}

impl Tally {
    pub(crate) fn new() -> Self {
        Self {
            steps: Mutex::new(BTreeMap::new()),
            errors: Mutex::new(BTreeMap::new()),
            answered_4xx: Mutex::new(BTreeMap::new()),
            accepted: Mutex::new(HashMap::new()),
            reported: Mutex::new(HashMap::new()),
            quality: Mutex::new((0.0, 0)),
            time_to_match: Mutex::new((Duration::ZERO, 0)),
            refused: AtomicU64::new(0),
            matches: AtomicU64::new(0),
            cancelled_matches: AtomicU64::new(0),
            cancels: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            signed_up: AtomicU64::new(0),
            connected: AtomicU64::new(0),
            connected_peak: AtomicU64::new(0),
            searching: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
            last_unavailable: Mutex::new(None),
            heartbeated: Mutex::new(HashSet::new()),
            results_accepted: Mutex::new(HashSet::new()),
            ramp_ends: OnceLock::new(),
            after_ramp: AfterRamp::default(),
        }
    }

    /// Sets when the ramp ends (once).
    pub(crate) fn ramp_ends_at(&self, at: Instant) {
        let _ = self.ramp_ends.set(at);
    }

    /// Whether something that started at `at` started after the ramp.
    fn after_ramp(&self, at: Instant) -> bool {
        self.ramp_ends.get().is_some_and(|end| at >= *end)
    }

    /// Records one latency of `step`.
    pub(crate) fn record(&self, step: Step, latency: Duration) {
        let now = Instant::now();
        let settled = self.after_ramp(now.checked_sub(latency).unwrap_or(now));
        if step.is_calls() {
            self.calls.fetch_add(1, Ordering::Relaxed);
            if settled {
                self.after_ramp.calls.fetch_add(1, Ordering::Relaxed);
            }
            if latency > ANSWERED_WITHIN {
                self.unavailable_now();
            }
        }
        if let Ok(mut steps) = self.steps.lock() {
            steps.entry(step).or_default().record(latency);
        }
        if settled && let Ok(mut steps) = self.after_ramp.steps.lock() {
            steps.entry(step).or_default().record(latency);
        }
        if step == Step::QueueToFound
            && let Ok(mut sum) = self.time_to_match.lock()
        {
            sum.0 += latency;
            sum.1 += 1;
        }
    }

    /// Records the latency of `step` since `since`.
    pub(crate) fn since(&self, step: Step, since: Instant) {
        self.record(step, since.elapsed());
    }

    /// Counts an error: a failed call (by its code), or a push that never came (`what`).
    pub(crate) fn error(&self, what: &str) {
        if let Ok(mut errors) = self.errors.lock() {
            *errors.entry(what.to_owned()).or_default() += 1;
        }
    }

    /// Counts a failed call where it belongs: a refusal for now (503 or 429, tried again), a
    /// documented 4xx answer (a race the loop expects, such as `in_match`), or an error.
    pub(crate) fn failed(&self, error: &Error) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.after_ramp(Instant::now()) {
            self.after_ramp.calls.fetch_add(1, Ordering::Relaxed);
        }
        if error.status().is_none_or(|status| status >= 500) {
            self.unavailable_now();
        }
        match error.status() {
            Some(503 | 429) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            Some(status) if (400..500).contains(&status) => {
                if let Ok(mut answered) = self.answered_4xx.lock() {
                    *answered.entry(error.code().to_owned()).or_default() += 1;
                }
            }
            _ => self.error(error.code()),
        }
    }

    fn unavailable_now(&self) {
        self.unavailable.fetch_add(1, Ordering::Relaxed);
        if self.after_ramp(Instant::now()) {
            self.after_ramp.unavailable.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut last) = self.last_unavailable.lock() {
            *last = Some(Instant::now());
        }
    }

    /// When a call was last unavailable, if ever.
    pub(crate) fn last_unavailable(&self) -> Option<Instant> {
        self.last_unavailable.lock().ok().and_then(|last| *last)
    }

    /// Notes that `match_id`'s game server heartbeated (`true`) or had its result accepted.
    pub(crate) fn served(&self, match_id: Uuid, heartbeat: bool) {
        let set = if heartbeat {
            &self.heartbeated
        } else {
            &self.results_accepted
        };
        if let Ok(mut set) = set.lock() {
            set.insert(match_id);
        }
    }

    /// The matches whose game server heartbeated, and those whose result was accepted.
    pub(crate) fn served_matches(&self) -> (HashSet<Uuid>, HashSet<Uuid>) {
        let copy =
            |set: &Mutex<HashSet<Uuid>>| set.lock().map_or_else(|_| HashSet::new(), |s| s.clone());
        (copy(&self.heartbeated), copy(&self.results_accepted))
    }

    /// Notes that `players`' ticket was accepted now.
    pub(crate) fn accepted(&self, players: &[Uuid], at: Instant) {
        if let Ok(mut accepted) = self.accepted.lock() {
            for player in players {
                accepted.insert(*player, at);
            }
        }
    }

    /// When the last of `players`' tickets was accepted, if every one of them is known.
    pub(crate) fn last_accepted(&self, players: impl Iterator<Item = Uuid>) -> Option<Instant> {
        let accepted = self.accepted.lock().ok()?;
        let mut last = None::<Instant>;
        for player in players {
            let at = *accepted.get(&player)?;
            last = Some(last.map_or(at, |l| l.max(at)));
        }
        last
    }

    /// Notes a match made, with its quality.
    pub(crate) fn matched(&self, quality: f64) {
        self.matches.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sum) = self.quality.lock() {
            sum.0 += quality;
            sum.1 += 1;
        }
    }

    /// Notes that `match_id`'s result was reported now.
    pub(crate) fn reported(&self, match_id: Uuid) {
        if let Ok(mut reported) = self.reported.lock() {
            reported.insert(match_id, Instant::now());
        }
    }

    /// When `match_id`'s result was reported, if it was.
    pub(crate) fn reported_at(&self, match_id: Uuid) -> Option<Instant> {
        self.reported.lock().ok()?.get(&match_id).copied()
    }

    /// A socket opened.
    pub(crate) fn connected(&self) {
        let now = self.connected.fetch_add(1, Ordering::Relaxed) + 1;
        self.connected_peak.fetch_max(now, Ordering::Relaxed);
    }

    /// A socket closed.
    pub(crate) fn disconnected(&self) {
        self.connected.fetch_sub(1, Ordering::Relaxed);
    }

    /// Latencies by step.
    pub(crate) fn steps(&self) -> BTreeMap<Step, Latency> {
        latencies_of(&self.steps)
    }

    /// The latency of every API call together.
    pub(crate) fn api(&self) -> Latency {
        api_of(&self.steps)
    }

    pub(crate) fn errors(&self) -> BTreeMap<String, u64> {
        self.errors
            .lock()
            .map_or_else(|_| BTreeMap::new(), |e| e.clone())
    }

    pub(crate) fn answered_4xx(&self) -> BTreeMap<String, u64> {
        self.answered_4xx
            .lock()
            .map_or_else(|_| BTreeMap::new(), |e| e.clone())
    }

    /// The mean match quality.
    pub(crate) fn quality(&self) -> f64 {
        self.quality.lock().map_or(0.0, |q| q.0 / q.1.max(1) as f64)
    }

    /// The mean time to match.
    pub(crate) fn time_to_match(&self) -> Duration {
        self.time_to_match.lock().map_or(Duration::ZERO, |t| {
            t.0.checked_div(u32::try_from(t.1).unwrap_or(u32::MAX))
                .unwrap_or_default()
        })
    }

    /// Errors so far.
    pub(crate) fn error_count(&self) -> u64 {
        self.errors().values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_acceptance_is_known_only_when_every_player_s_is() {
        let tally = Tally::new();
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let early = Instant::now();
        let late = early + Duration::from_millis(40);
        tally.accepted(&[a], early);
        tally.accepted(&[b], late);
        assert_eq!(tally.last_accepted([a, b].into_iter()), Some(late));
        assert_eq!(tally.last_accepted([a, c].into_iter()), None);
    }

    #[test]
    fn refusals_documented_answers_and_errors_are_counted_apart() {
        let tally = Tally::new();
        let problem = |status: u16, code: &str| Error::Api {
            problem: Box::new(rally_protocol::Problem::new(status, code, "x")),
            retry_after: None,
        };
        tally.failed(&problem(503, "backend_unavailable"));
        tally.failed(&problem(409, "in_match"));
        tally.failed(&problem(500, "internal"));
        tally.failed(&Error::Transport("reset".into()));
        assert_eq!(tally.refused.load(Ordering::Relaxed), 1);
        assert_eq!(tally.answered_4xx().get("in_match"), Some(&1));
        assert_eq!(tally.error_count(), 2);
    }
}
