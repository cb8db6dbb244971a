//! What a load test reports: the run, each step's latencies, the checks against Rally's promised
//! figures, errors by code and each process's memory and CPU. It prints as a short markdown
//! summary and serializes as JSON.

use std::{collections::BTreeMap, fmt, time::Duration};

use super::{
    LoadtestArgs,
    tally::{Step, Tally},
};
use crate::latency::{Latency, ms};

/// The mean time to match Rally promises.
const TIME_TO_MATCH: Duration = Duration::from_secs(30);
/// The p99 matchmaking latency Rally promises.
const MATCHMAKING_P99: Duration = Duration::from_millis(100);
/// The p99 of an API call Rally promises.
const API_P99: Duration = Duration::from_millis(50);
/// The mean match quality Rally promises.
const QUALITY: f64 = 0.85;

/// The availability Rally promises: the share of calls answered without a 5xx within a second.
const AVAILABILITY: f64 = 0.999;

/// How available the API was over a run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Availability {
    /// Calls made.
    pub calls: u64,
    /// Calls answered with a 5xx, not answered, or answered after more than a second.
    pub unavailable: u64,
    /// The share of calls answered without a 5xx within a second.
    pub share: f64,
}

impl Availability {
    /// `unavailable` of `calls`; a share of 0 without calls.
    pub fn of(calls: u64, unavailable: u64) -> Self {
        Self {
            calls,
            unavailable,
            share: if calls == 0 {
                0.0
            } else {
                1.0 - unavailable as f64 / calls as f64
            },
        }
    }
}

/// One process's memory and CPU over the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProcessUsage {
    /// Its role in the run (`node`, `api-1`, `matchmaker`, ..., `loadtest`).
    pub name: String,
    /// Its process id.
    pub pid: u32,
    /// The most resident memory sampled.
    pub rss_peak_bytes: u64,
    /// The resident memory at the end.
    pub rss_last_bytes: u64,
    /// CPU time over wall time: 1.0 is one core busy all along.
    pub cpu_cores: f64,
}

/// A promised figure, what the run measured, and whether it held.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Check {
    /// What is checked.
    pub name: &'static str,
    /// The target, as text.
    pub target: String,
    /// The figure measured, as text.
    pub measured: String,
    /// Whether it held.
    pub met: bool,
}

/// A load test's figures for what started once every player had arrived: the node as it
/// holds its players, apart from the arrival burst.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AfterRampReport {
    /// Every API call's latency together.
    pub api: Latency,
    /// From a match made to `match.found` on every player's socket.
    pub made_to_found: Latency,
    /// The share of calls answered without a 5xx within a second.
    pub availability: Availability,
}

/// Everything a load test measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadtestReport {
    /// Where Rally ran.
    pub topology: String,
    /// Players simulated.
    pub players: usize,
    /// Seconds of ramp, then of play.
    pub ramp_s: u64,
    /// Seconds of play after the ramp.
    pub duration_s: u64,
    /// Seconds the run took, wind-down included.
    pub seconds: f64,
    /// The seed the population and its choices were drawn from.
    pub seed: u64,
    /// The most sockets open at once.
    pub connected_peak: u64,
    /// Matches found (each counted once, by its host).
    pub matches: u64,
    /// Matches per second over the run.
    pub matches_per_s: f64,
    /// Matches cancelled after they were made, their players back in the queue: no game
    /// server could be allocated.
    pub matches_cancelled: u64,
    /// The mean quality of the matches found.
    pub quality_mean: f64,
    /// The mean time from queueing to `match.found`, ms.
    pub time_to_match_mean_ms: f64,
    /// Latencies by step.
    pub steps: BTreeMap<Step, Latency>,
    /// Every API call's latency together (queue, cancel, verify, heartbeat, result).
    pub api: Latency,
    /// The share of calls answered without a 5xx within a second.
    pub availability: Availability,
    /// The same figures for what started once every player had arrived.
    pub after_ramp: AfterRampReport,
    /// Errors by code: failed calls (5xx, transport) and pushes that never came.
    pub errors: BTreeMap<String, u64>,
    /// Documented 4xx answers by code: races the loop expects (`not_queued` for a cancel that
    /// lost to a match, `in_match` while a result is applied).
    pub answered_4xx: BTreeMap<String, u64>,
    /// Calls refused for now (503 or 429 with `Retry-After`), each tried again.
    pub refused: u64,
    /// Tickets cancelled while searching.
    pub cancels: u64,
    /// Tickets that waited their queue's longest wait without a match.
    pub timed_out: u64,
    /// Sockets dropped and reconnected.
    pub disconnects: u64,
    /// Memory and CPU of each process.
    pub processes: Vec<ProcessUsage>,
    /// The promised figures, checked.
    pub checks: Vec<Check>,
}

impl LoadtestReport {
    pub(crate) fn of(
        args: &LoadtestArgs,
        topology: String,
        tally: &Tally,
        seconds: f64,
        processes: Vec<ProcessUsage>,
    ) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        let steps = tally.steps();
        let api = tally.api();
        let matches = tally.matches.load(Relaxed);
        let quality_mean = tally.quality();
        let time_to_match = tally.time_to_match();
        let matchmaking = steps.get(&Step::MadeToFound).copied().unwrap_or_default();
        let errors = tally.errors();
        let connected_peak = tally.connected_peak.load(Relaxed);
        let calls = tally.calls.load(Relaxed);
        let unavailable = tally.unavailable.load(Relaxed);
        let availability = Availability::of(calls, unavailable);
        let after_ramp = AfterRampReport {
            api: tally.after_ramp.api(),
            made_to_found: tally
                .after_ramp
                .steps()
                .get(&Step::MadeToFound)
                .copied()
                .unwrap_or_default(),
            availability: Availability::of(
                tally.after_ramp.calls.load(Relaxed),
                tally.after_ramp.unavailable.load(Relaxed),
            ),
        };
        let checks = vec![
            Check {
                name: "players connected at once",
                target: format!("{}", args.players),
                measured: format!("{connected_peak}"),
                met: connected_peak >= args.players as u64,
            },
            Check {
                name: "mean time to match",
                target: format!("< {} s", TIME_TO_MATCH.as_secs()),
                measured: format!("{:.2} s", time_to_match.as_secs_f64()),
                met: matches > 0 && time_to_match < TIME_TO_MATCH,
            },
            Check {
                name: "p99 matchmaking latency (match made to match.found on every socket)",
                target: format!("< {} ms", MATCHMAKING_P99.as_millis()),
                measured: format!("{:.1} ms", ms(matchmaking.p99)),
                met: matchmaking.count > 0 && matchmaking.p99 < MATCHMAKING_P99,
            },
            Check {
                name: "mean match quality",
                target: format!("> {QUALITY}"),
                measured: format!("{quality_mean:.3}"),
                met: quality_mean > QUALITY,
            },
            Check {
                name: "API p99",
                target: format!("< {} ms", API_P99.as_millis()),
                measured: format!("{:.1} ms", ms(api.p99)),
                met: api.count > 0 && api.p99 < API_P99,
            },
            Check {
                name: "availability (calls answered without a 5xx within 1 s)",
                target: format!("at least {:.1} %", AVAILABILITY * 100.0),
                measured: format!(
                    "{:.3} % ({} of {} calls unavailable)",
                    availability.share * 100.0,
                    unavailable,
                    calls
                ),
                met: calls > 0 && availability.share >= AVAILABILITY,
            },
            Check {
                name: "after the ramp: API p99",
                target: format!("< {} ms", API_P99.as_millis()),
                measured: format!("{:.1} ms", ms(after_ramp.api.p99)),
                met: after_ramp.api.count > 0 && after_ramp.api.p99 < API_P99,
            },
            Check {
                name: "after the ramp: p99 matchmaking latency",
                target: format!("< {} ms", MATCHMAKING_P99.as_millis()),
                measured: format!("{:.1} ms", ms(after_ramp.made_to_found.p99)),
                met: after_ramp.made_to_found.count > 0
                    && after_ramp.made_to_found.p99 < MATCHMAKING_P99,
            },
            Check {
                name: "after the ramp: availability",
                target: format!("at least {:.1} %", AVAILABILITY * 100.0),
                measured: format!(
                    "{:.3} % ({} of {} calls unavailable)",
                    after_ramp.availability.share * 100.0,
                    after_ramp.availability.unavailable,
                    after_ramp.availability.calls
                ),
                met: after_ramp.availability.calls > 0
                    && after_ramp.availability.share >= AVAILABILITY,
            },
            Check {
                name: "errors (5xx, transport, pushes missing)",
                target: "0".to_owned(),
                measured: format!("{}", errors.values().sum::<u64>()),
                met: errors.is_empty(),
            },
        ];
        Self {
            topology,
            players: args.players,
            ramp_s: args.ramp_s,
            duration_s: args.duration_s,
            seconds,
            seed: args.seed,
            connected_peak,
            matches,
            matches_per_s: matches as f64 / seconds.max(1e-3),
            matches_cancelled: tally.cancelled_matches.load(Relaxed),
            quality_mean,
            time_to_match_mean_ms: ms(time_to_match),
            steps,
            api,
            availability,
            after_ramp,
            errors,
            answered_4xx: tally.answered_4xx(),
            refused: tally.refused.load(Relaxed),
            cancels: tally.cancels.load(Relaxed),
            timed_out: tally.timed_out.load(Relaxed),
            disconnects: tally.disconnects.load(Relaxed),
            processes,
            checks,
        }
    }

    /// Whether every promised figure held.
    pub fn all_met(&self) -> bool {
        self.checks.iter().all(|c| c.met)
    }
}

impl fmt::Display for LoadtestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# Rally load test\n")?;
        writeln!(
            f,
            "{} players ({} s ramp, then {} s of play; seed {}) on {}. {:.0} s in all, {} matches ({:.1}/s), {} of them cancelled for want of a game server, {} cancels, {} tickets timed out, {} reconnects, {} refused for now.\n",
            self.players,
            self.ramp_s,
            self.duration_s,
            self.seed,
            self.topology,
            self.seconds,
            self.matches,
            self.matches_per_s,
            self.matches_cancelled,
            self.cancels,
            self.timed_out,
            self.disconnects,
            self.refused
        )?;
        writeln!(f, "| check | target | measured | met |\n|---|---|---|---|")?;
        for c in &self.checks {
            let met = if c.met { "yes" } else { "**no**" };
            writeln!(f, "| {} | {} | {} | {met} |", c.name, c.target, c.measured)?;
        }
        writeln!(
            f,
            "\n| step | count | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|"
        )?;
        let api = ("all API calls".to_owned(), &self.api);
        let rows = self
            .steps
            .iter()
            .map(|(step, l)| (step_name(*step), l))
            .chain([api]);
        for (name, l) in rows {
            writeln!(
                f,
                "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
                l.count,
                ms(l.p50),
                ms(l.p95),
                ms(l.p99),
                ms(l.max)
            )?;
        }
        if !self.processes.is_empty() {
            writeln!(
                f,
                "\n| process | peak memory MiB | CPU cores |\n|---|---|---|"
            )?;
            for p in &self.processes {
                writeln!(
                    f,
                    "| {} | {:.0} | {:.2} |",
                    p.name,
                    p.rss_peak_bytes as f64 / (1024.0 * 1024.0),
                    p.cpu_cores
                )?;
            }
        }
        for (title, counts) in [
            ("Errors", &self.errors),
            ("Documented 4xx answers", &self.answered_4xx),
        ] {
            if !counts.is_empty() {
                let list: Vec<String> = counts.iter().map(|(c, n)| format!("`{c}` {n}")).collect();
                writeln!(f, "\n{title}: {}.", list.join(", "))?;
            }
        }
        Ok(())
    }
}

/// A step as the summary names it.
fn step_name(step: Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
        .replace('_', " ")
}
