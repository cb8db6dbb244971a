//! `rally bench soak`: an embedded node playing the whole loop for minutes, its memory sampled.
//!
//! Every pair of players queues for a duel, is matched, gets a session; the bench heartbeats
//! as their game server, reports a result (which rates them) and queues them again, as fast as
//! the node allows. The node's resident memory is sampled every few seconds; what counts is
//! whether it stays flat once warm. Measured with the defaults (50 pairs, 600 s, 2 cores):
//! 23,898 matches, 57.7 MiB at 240 s, 65.3 MiB at 390 s and 64.6 MiB at 600 s; before the
//! memory bounds of the hardening issue a node reached 2.0 GB after 58,000 matches.

use std::{
    fmt,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::bail;
use rally_store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    client::HttpClient,
    node::{BenchNode, node_settings, tokens},
    player::{BenchPlayer, create_players},
    queue::duel_request,
};

/// What `rally bench soak` runs.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakBenchArgs {
    /// Pairs of players playing duels back to back.
    #[arg(long, default_value_t = 50)]
    pub pairs: usize,
    /// Seconds of play.
    #[arg(long, default_value_t = 600)]
    pub duration_s: u64,
    /// Seconds before memory counts as warm: the streams keep a minute of events, and
    /// SQLite's page caches fill as the database grows (about six minutes at 40 matches a
    /// second on this kind of machine).
    #[arg(long, default_value_t = 360)]
    pub warmup_s: u64,
    /// Seconds between memory samples.
    #[arg(long, default_value_t = 30)]
    pub sample_s: u64,
}

/// What `rally bench soak` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SoakReport {
    /// Matches played to a result.
    pub matches: u64,
    /// Seconds of play.
    pub seconds: f64,
    /// (seconds since start, resident bytes, matches so far) every sample.
    pub samples: Vec<(f64, u64, u64)>,
    /// Resident bytes at the first sample after the warm-up.
    pub warm: u64,
    /// Resident bytes at the end.
    pub last: u64,
    /// The most resident bytes after the warm-up.
    pub peak_after_warmup: u64,
    /// Calls that failed (any answer but the expected).
    pub errors: u64,
}

impl SoakReport {
    /// Growth from the warm sample to the last, in percent.
    pub fn growth_percent(&self) -> f64 {
        (self.last as f64 - self.warm as f64) / self.warm.max(1) as f64 * 100.0
    }
}

impl fmt::Display for SoakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        writeln!(
            f,
            "soak: {} matches in {:.0} s ({:.1} per second), {} errors",
            self.matches,
            self.seconds,
            self.matches as f64 / self.seconds.max(1.0),
            self.errors
        )?;
        for (at, bytes, matches) in &self.samples {
            writeln!(
                f,
                "  {at:>5.0} s  {:>7.1} MiB  {matches} matches",
                mib(*bytes)
            )?;
        }
        write!(
            f,
            "  warm {:.1} MiB -> last {:.1} MiB ({:+.1} %), peak after warm-up {:.1} MiB",
            mib(self.warm),
            mib(self.last),
            self.growth_percent(),
            mib(self.peak_after_warmup)
        )
    }
}

/// Runs the soak against a node started from `exe`.
pub async fn soak(args: &SoakBenchArgs, exe: &Path) -> anyhow::Result<SoakReport> {
    if args.warmup_s >= args.duration_s {
        bail!("--warmup-s must be shorter than --duration-s");
    }
    if args.pairs == 0 || args.sample_s == 0 {
        bail!("--pairs and --sample-s must be positive");
    }
    let key = format!("bench-{}", Uuid::new_v4().simple());
    let server_key = format!("bench-server-{}", Uuid::new_v4().simple());
    let dir = tempfile::tempdir()?;
    let env = [
        ("RALLY_SERVER_KEY", server_key.as_str()),
        ("RALLY_QUEUE_LEAVE_ON_DISCONNECT", "false"),
        // As the Dockerfile runs Rally: glibc's default arenas add fragmentation, not data.
        ("MALLOC_ARENA_MAX", "2"),
    ];
    let node = BenchNode::start(
        exe,
        "api,matchmaker,sessions,ratings",
        dir.path(),
        &key,
        &env,
    )
    .await?;
    let settings = node_settings(dir.path(), None, &key)?;
    let store = Store::connect(settings.database().expose()).await?;
    let players = create_players(&store, args.pairs * 2, &tokens(&settings)?).await?;

    let client = HttpClient::new(node.addr)?;
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.duration_s);
    let mut pairs = tokio::task::JoinSet::new();
    for pair in players.chunks(2) {
        let pair = [pair[0].clone(), pair[1].clone()];
        let client = client.clone();
        let (errors, server_key) = (errors.clone(), server_key.clone());
        pairs.spawn(async move {
            let mut duel = Duel {
                client,
                pair,
                server_key,
            };
            while Instant::now() < deadline {
                match duel.play(deadline).await {
                    Ok(_) => {}
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        });
    }

    let mut samples = Vec::new();
    let warm_at = Duration::from_secs(args.warmup_s);
    let (mut warm, mut peak) = (None, 0);
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(args.sample_s).min(deadline - now)).await;
        let at = started.elapsed();
        let bytes = node.rss().unwrap_or(0);
        samples.push((at.as_secs_f64(), bytes, matches_made(&client).await?));
        if at >= warm_at {
            warm.get_or_insert(bytes);
            peak = peak.max(bytes);
        }
    }
    while pairs.join_next().await.is_some() {}
    let last = samples.last().map_or(0, |(_, bytes, _)| *bytes);
    Ok(SoakReport {
        matches: matches_made(&client).await?,
        seconds: started.elapsed().as_secs_f64(),
        warm: warm.unwrap_or(last),
        last,
        peak_after_warmup: peak,
        errors: errors.load(Ordering::Relaxed),
        samples,
    })
}

/// Two players and their game server, playing duels one call at a time. The matchmaker may
/// pair either of them with a player of another pair: each pair plays whatever matches its
/// players land in, and every reporter sends the same result for a match (team 0 wins), so a
/// match reported twice is stored once.
struct Duel {
    client: HttpClient,
    pair: [BenchPlayer; 2],
    server_key: String,
}

impl Duel {
    /// Queues both, waits for their matches, plays each to a result; false when something
    /// was refused (tickets are cleared and the pair starts again) or the deadline came.
    async fn play(&mut self, deadline: Instant) -> anyhow::Result<bool> {
        let request = duel_request();
        for player in &self.pair {
            let reply = self
                .client
                .call(
                    Method::POST,
                    "/v1/queue",
                    Some(&player.token),
                    Some(&request),
                )
                .await?;
            if reply.status == StatusCode::CREATED || reply.body["code"] == "already_queued" {
                continue;
            }
            // in_match: the last match's result is still being applied. Start over.
            for player in &self.pair {
                self.client
                    .call(Method::DELETE, "/v1/queue", Some(&player.token), None)
                    .await?;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Ok(false);
        }
        let mut matches = Vec::new();
        for player in &self.pair {
            let match_id = loop {
                if Instant::now() >= deadline {
                    return Ok(false);
                }
                let ticket = self
                    .client
                    .call(Method::GET, "/v1/queue", Some(&player.token), None)
                    .await?;
                if let Some(id) = ticket.body["match_id"].as_str() {
                    break id.to_owned();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            if !matches.contains(&match_id) {
                matches.push(match_id);
            }
        }
        let result = first_team_wins();
        for match_id in matches {
            let base = format!("/v1/server/sessions/{match_id}");
            loop {
                if Instant::now() >= deadline {
                    return Ok(false);
                }
                self.client
                    .call(
                        Method::POST,
                        &format!("{base}/heartbeat"),
                        Some(&self.server_key),
                        None,
                    )
                    .await?;
                let reply = self
                    .client
                    .call(
                        Method::POST,
                        &format!("{base}/result"),
                        Some(&self.server_key),
                        Some(&result),
                    )
                    .await?;
                let code = &reply.body["code"];
                match reply.status {
                    StatusCode::OK => break,
                    // Not allocated yet: no session, or one not running.
                    StatusCode::NOT_FOUND | StatusCode::CONFLICT
                        if code == "session_not_found" || code == "session_not_running" =>
                    {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    status => bail!("the result answered {status}: {}", reply.body),
                }
            }
        }
        Ok(true)
    }
}

/// A duel's result as its game server reports it: team 0 won, in a minute.
pub(crate) fn first_team_wins() -> Value {
    json!({"outcomes": [{"team": 0, "outcome": "win"}, {"team": 1, "outcome": "loss"}], "duration_s": 60.0})
}

/// Matches made so far, from the node's `rally_matches_total`.
pub(crate) async fn matches_made(client: &HttpClient) -> anyhow::Result<u64> {
    let health = client.call(Method::GET, "/healthz", None, None).await?;
    if health.status != StatusCode::OK {
        bail!("the node is not healthy: {}", health.status);
    }
    let text = client.text("/metrics").await?;
    Ok(text
        .lines()
        .filter(|line| line.starts_with("rally_matches_total"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}
