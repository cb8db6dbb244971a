//! The ratings benchmark behind `rally bench ratings`: leaderboard reads (top 100 and a player
//! with those around them) and history pages at a fixed rate, with many rated players, and how
//! many 10-player results per second the ratings role applies.
//!
//! Requests go through the whole router in process (every middleware, extractor and backend
//! call) but not through a socket, as in `rally bench accounts`. Players and ratings are written
//! in bulk by the benchmark's own connection ([`Fill`]); results are published on the node's
//! `match.completed` stream and applied by the ratings role's own reader and handler, in its
//! batches. Run it against a database and Redis namespace of its own: it leaves its rows there.

use std::{fmt, sync::Arc, time::Duration};

use anyhow::{Context, ensure};
use axum::{body::Body, http::Request};
use rally_events::Stream;
use rally_protocol::{
    event::{Event, MatchCompleted, PlayerOutcome},
    session::{Outcome as WireOutcome, ResultLine, ResultReport},
};
use rally_server::{
    bus::outbox,
    ratings::{board, season},
    roles::ratings::{Results, apply_results},
};
use rally_store::{MatchState, NewMatch, NewParticipant, Outcome, Store, new_id};
use serde_json::json;
use tokio::{sync::RwLock, time::Instant};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use uuid::Uuid;

use crate::{
    embedded::EmbeddedNode,
    fill::{self, Fill},
    latency::{Latency, LatencyRecorder},
};

/// Players in a result: five against five.
const PLAYERS_PER_RESULT: usize = 10;
/// Rated players whose ids the fill returns, to play the results and read.
const SAMPLE: i64 = 10_000;
/// Of those, how many read (each with a token of their own).
const READERS: usize = 1000;
/// The longest the results may take to be applied before the benchmark gives up.
const APPLY_PATIENCE: Duration = Duration::from_secs(600);

/// Options of `rally bench ratings`.
#[derive(Debug, Clone, clap::Args)]
pub struct RatingsBenchArgs {
    /// Rated players.
    #[arg(long, default_value_t = 100_000)]
    pub players: i64,
    /// Reads per second (top 100, around a player, history, in turn).
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of reads.
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    /// 10-player results applied for the throughput.
    #[arg(long, default_value_t = 2000)]
    pub results: usize,
    /// PostgreSQL (SQLite in a temporary directory otherwise); give it a database of its own.
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Redis for the ranks (in-process state otherwise).
    #[arg(long, env = "RALLY_BENCH_REDIS_URL")]
    pub redis_url: Option<String>,
}

/// What `rally bench ratings` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatingsReport {
    /// `sqlite` or `postgres`, and `in-memory` or `redis`.
    pub backends: (&'static str, &'static str),
    /// Rated players.
    pub players: i64,
    /// How long writing them and building their ranks took.
    #[serde(serialize_with = "crate::latency::millis")]
    pub fill: Duration,
    /// 10-player results applied per second.
    pub results_per_s: f64,
    /// Reads offered per second.
    pub rate: u32,
    /// `GET /v1/leaderboard/current?mode=duel&limit=100`.
    pub top: Latency,
    /// `GET /v1/leaderboard/current/me?mode=duel&radius=5`.
    pub around: Latency,
    /// `GET /v1/matches/history`.
    pub history: Latency,
    /// With Redis, the same leaderboard reads as bare calls to it, at the same rate, alone:
    /// the reference the API's figures are held to.
    pub reference: Option<BareReads>,
    /// Reads that did not answer 200.
    pub errors: usize,
}

impl fmt::Display for RatingsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, name: &str, l: &Latency| {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            writeln!(
                f,
                "    {name:<22} n {:>6}  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms",
                l.count,
                ms(l.p50),
                ms(l.p95),
                ms(l.p99)
            )
        };
        writeln!(
            f,
            "ratings benchmark ({} store, {} state): {} rated players written and ranked in {:.1} s",
            self.backends.0,
            self.backends.1,
            self.players,
            self.fill.as_secs_f64()
        )?;
        writeln!(
            f,
            "  results applied: {:.0} matches of 10 players per second",
            self.results_per_s
        )?;
        writeln!(f, "  reads at {} /s (errors {}):", self.rate, self.errors)?;
        line(f, "top 100", &self.top)?;
        line(f, "me and 5 around", &self.around)?;
        line(f, "history page", &self.history)?;
        if let Some(reference) = &self.reference {
            writeln!(f, "  bare Redis at the same rate, alone:")?;
            line(f, "ZRANGE top 100", &reference.top)?;
            line(f, "ZREVRANK + ZRANGE", &reference.around)?;
        }
        Ok(())
    }
}

/// Leaderboard reads as bare calls to the sorted set, through Rally's state adapter and
/// nothing else (no HTTP, no token, no database).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BareReads {
    /// `ZRANGE` of the top 100.
    pub top: Latency,
    /// `ZREVRANK` of a player, then `ZRANGE` of the five on either side.
    pub around: Latency,
}

/// Reads `set` bare at `args.rate` for `args.duration_s`, open loop, the top 100 and a
/// player's neighbourhood in turn.
async fn bare_reads(
    state: &rally_state::State,
    set: &str,
    players: &[Uuid],
    args: &RatingsBenchArgs,
) -> BareReads {
    let total = u64::from(args.rate) * args.duration_s;
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..total {
        let due = started + interval.mul_f64(k as f64);
        tokio::time::sleep_until(due).await;
        let (state, set) = (state.clone(), set.to_owned());
        let member = players[k as usize % players.len()].to_string();
        tasks.spawn(async move {
            let ok = if k % 2 == 0 {
                state.range_by_rank(&set, 0, 99).await.is_ok()
            } else {
                match state.rank(&set, &member).await {
                    Ok(Some(rank)) => state
                        .range_by_rank(&set, rank.saturating_sub(5), rank + 5)
                        .await
                        .is_ok(),
                    _ => false,
                }
            };
            (k % 2, ok, due.elapsed())
        });
    }
    let mut reads = [LatencyRecorder::new(), LatencyRecorder::new()];
    while let Some(Ok((kind, ok, latency))) = tasks.join_next().await {
        if ok {
            reads[kind as usize].record(latency);
        }
    }
    let [top, around] = reads.map(|recorder| recorder.latency());
    BareReads { top, around }
}

/// Runs the benchmark.
pub async fn ratings(args: &RatingsBenchArgs) -> anyhow::Result<RatingsReport> {
    ensure!(
        args.players >= PLAYERS_PER_RESULT as i64,
        "--players must be at least {PLAYERS_PER_RESULT}, the players of one result"
    );
    ensure!(args.rate > 0, "--rate must be positive");
    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    let mut overrides = vec![("namespace", namespace)];
    if let Some(url) = &args.database_url {
        overrides.push(("database_url", url.clone()));
    }
    if let Some(url) = &args.redis_url {
        overrides.push(("redis_url", url.clone()));
    }
    let node = EmbeddedNode::start(&overrides).await?;
    let state = node.state().clone();
    let store = state.backends().store.clone();

    let started = Instant::now();
    let season = season::active(&store).await?;
    let run = format!("b{}", &Uuid::new_v4().simple().to_string()[..7]);
    let fill = Fill {
        run: &run,
        count: args.players,
        season_id: season.id,
        mode: "duel",
        sample: SAMPLE,
    };
    let sample = fill
        .write(node.database_url())
        .await
        .context("cannot write the bench players")?;
    ensure!(
        sample.len() >= PLAYERS_PER_RESULT,
        "the fill returned {} players",
        sample.len()
    );
    board::rebuild(&store, &state.backends().state, season.id).await?;
    let fill = started.elapsed();

    // Results: matches of 5 against 5 from the sample.
    let mut completed = Vec::with_capacity(args.results);
    for k in 0..args.results {
        let players: Vec<Uuid> = (0..PLAYERS_PER_RESULT)
            .map(|i| sample[(k * PLAYERS_PER_RESULT + i) % sample.len()])
            .collect();
        completed.push(ten_player_result(&store, &players, season.id).await?);
    }
    fill::settle(node.database_url()).await?;
    let results_per_s = apply_through_the_role(&node, &completed).await?;

    // Reads, open loop, in turn: top 100, me and around, history.
    let tokens = state.accounts().tokens();
    let readers: Vec<String> = sample
        .iter()
        .take(READERS)
        .map(|id| tokens.issue(*id, Uuid::new_v4()))
        .collect::<anyhow::Result<_>>()?;
    let total = usize::try_from(u64::from(args.rate) * args.duration_s)?;
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for k in 0..total {
        let due = started + interval.mul_f64(k as f64);
        tokio::time::sleep_until(due).await;
        let token = &readers[k % readers.len()];
        let path = match k % 3 {
            0 => "/v1/leaderboard/current?mode=duel&limit=100",
            1 => "/v1/leaderboard/current/me?mode=duel&radius=5",
            _ => "/v1/matches/history?limit=20",
        };
        let request = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())?;
        let router = node.router();
        tasks.spawn(async move {
            let ok = matches!(router.oneshot(request).await, Ok(r) if r.status() == 200);
            (k % 3, ok, due.elapsed())
        });
    }
    let mut reads = [
        LatencyRecorder::new(),
        LatencyRecorder::new(),
        LatencyRecorder::new(),
    ];
    let mut errors = 0;
    while let Some(result) = tasks.join_next().await {
        let (kind, ok, latency) = result?;
        if ok {
            reads[kind].record(latency);
        } else {
            errors += 1;
        }
    }
    let set = board::key(season.id, "duel");
    let reference = match args.redis_url {
        Some(_) => Some(bare_reads(&state.backends().state, &set, &sample, args).await),
        None => None,
    };
    if args.redis_url.is_some() {
        let _ = state.backends().state.clear_set(&set).await;
    }
    let [top, around, history] = reads.map(|recorder| recorder.latency());
    Ok(RatingsReport {
        backends: (
            if args.database_url.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
            if args.redis_url.is_some() {
                "redis"
            } else {
                "in-memory"
            },
        ),
        players: args.players,
        fill,
        results_per_s,
        rate: args.rate,
        top,
        around,
        history,
        reference,
        errors,
    })
}

/// Publishes `completed` on the node's `match.completed` stream and runs the ratings role's
/// appliers over it (the role's own readers and handler, batches and all) until every result
/// is applied; results per second.
async fn apply_through_the_role(
    node: &EmbeddedNode,
    completed: &[MatchCompleted],
) -> anyhow::Result<f64> {
    let state = node.state();
    let events = state.backends().events.clone();
    let applied_before = applied_count(state);
    for result in completed {
        let envelope = outbox::seal(Event::MatchCompleted(result.clone()), state.now());
        let id = result.match_id.to_string();
        events
            .publish_durable(
                Stream::MatchCompleted,
                &id,
                serde_json::to_vec(&envelope)?,
                Some(&id),
            )
            .await?;
    }
    let results = Results::new(
        state.ratings().clone(),
        state.backends().state.clone(),
        Arc::new(RwLock::new(())),
    );
    let stop = CancellationToken::new();
    let started = Instant::now();
    let reading = tokio::spawn(apply_results(events, results, stop.clone()));
    let goal = applied_before + completed.len() as u64;
    let deadline = started + APPLY_PATIENCE;
    while applied_count(state) < goal {
        ensure!(
            Instant::now() < deadline,
            "only {} of {} results applied within {APPLY_PATIENCE:?}",
            applied_count(state) - applied_before,
            completed.len()
        );
        // Often enough that the wait adds little to a run of about a second.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    stop.cancel();
    reading.await?;
    Ok(completed.len() as f64 / elapsed.as_secs_f64())
}

/// Results applied so far in this process, from `rally_ratings_applied_total`.
fn applied_count(state: &rally_server::AppState) -> u64 {
    state
        .metrics()
        .render()
        .lines()
        .filter(|line| line.starts_with("rally_ratings_applied_total"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// A completed 5v5 between `players` (the first five win), stored, ready to apply.
async fn ten_player_result(
    store: &Store,
    players: &[Uuid],
    season_id: Uuid,
) -> anyhow::Result<MatchCompleted> {
    let participants = players
        .iter()
        .enumerate()
        .map(|(i, player_id)| NewParticipant {
            player_id: *player_id,
            team: i32::from(i >= 5),
            party_id: None,
            rating_mean_before: 1500.0,
            rating_uncertainty_before: 200.0,
            rating_mean_after: None,
            rating_uncertainty_after: None,
            outcome: Some(if i < 5 { Outcome::Win } else { Outcome::Loss }),
        })
        .collect();
    let record = store
        .create_match(&NewMatch {
            id: new_id(),
            mode: "duel".to_owned(),
            region: "eu".to_owned(),
            season_id: Some(season_id),
            state: MatchState::Completed,
            quality: json!({}),
            created_at: store.now(),
            ended_at: Some(store.now()),
            traceparent: None,
            participants,
        })
        .await?;
    let outcome = |i: usize| {
        if i < 5 {
            WireOutcome::Win
        } else {
            WireOutcome::Loss
        }
    };
    Ok(MatchCompleted {
        match_id: record.id,
        mode: "duel".to_owned(),
        season_id: Some(season_id),
        result: ResultReport {
            outcomes: players
                .iter()
                .enumerate()
                .map(|(i, player_id)| ResultLine {
                    team: None,
                    player_id: Some(*player_id),
                    outcome: outcome(i),
                    placement: None,
                })
                .collect(),
            duration_s: 600.0,
            stats: None,
        },
        outcomes: players
            .iter()
            .enumerate()
            .map(|(i, player_id)| PlayerOutcome {
                player_id: *player_id,
                outcome: if i < 5 { "win" } else { "loss" }.to_owned(),
                placement: None,
            })
            .collect(),
    })
}
