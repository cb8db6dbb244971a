//! The accounts benchmark behind `rally bench accounts`: what one access-token check costs,
//! how `GET /v1/profile/me` holds an offered load (open loop, so a slow answer cannot slow the
//! offered rate and hide itself: latency counts from when the request was due), and how many
//! logins per second one core gives with the argon2 parameters in use.
//!
//! Requests go through the whole router in process (every middleware, extractor and backend
//! call) but not through a socket, so the figures exclude TCP and HTTP parsing.

use std::{fmt, time::Duration};

use anyhow::{Context, ensure};
use axum::{body::Body, http::Request};
use tokio::time::{Instant, MissedTickBehavior};
use tower::ServiceExt;
use uuid::Uuid;

use crate::{
    embedded::EmbeddedNode,
    latency::{Latency, LatencyRecorder},
};

/// Options of `rally bench accounts`.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountsBenchArgs {
    /// Requests per second offered to `GET /v1/profile/me`.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of load on `GET /v1/profile/me`, per database.
    #[arg(long, default_value_t = 10)]
    pub duration_s: u64,
    /// Also measure on this PostgreSQL database (migrated, and given one bench player).
    #[arg(long, env = "RALLY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Access-token verifications to time.
    #[arg(long, default_value_t = 20_000)]
    pub verifications: u32,
    /// Seconds of back-to-back logins for the per-core login rate.
    #[arg(long, default_value_t = 5)]
    pub login_s: u64,
}

/// `GET /v1/profile/me` under load on one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadResult {
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Requests per second offered.
    pub offered_rps: u32,
    /// Successful answers per second over the run.
    pub achieved_rps: f64,
    /// Answers other than 200.
    pub errors: usize,
    /// Latency from when each request was sent.
    pub latency: Latency,
    /// Latency from when each request was due (adds the load generator's own lateness, about
    /// the timer's 1 ms resolution).
    pub from_due: Latency,
}

/// Everything `rally bench accounts` measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountsReport {
    /// One access-token verification (signature and claims, no backend call).
    pub verify: Latency,
    /// `GET /v1/profile/me` per database.
    pub profile: Vec<LoadResult>,
    /// Logins per second on one core (one login at a time).
    pub logins_per_core_s: f64,
    /// Latency of one login.
    pub login: Latency,
}

impl fmt::Display for AccountsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        writeln!(
            f,
            "token verification: median {:.1} µs, p99 {:.1} µs ({} runs)",
            us(self.verify.p50),
            us(self.verify.p99),
            self.verify.count
        )?;
        for load in &self.profile {
            writeln!(
                f,
                "GET /v1/profile/me on {}: offered {} rps, achieved {:.0} rps, median {:.2} ms, p99 {:.2} ms, max {:.2} ms (from due time: median {:.2} ms, p99 {:.2} ms), {} errors",
                load.database,
                load.offered_rps,
                load.achieved_rps,
                ms(load.latency.p50),
                ms(load.latency.p99),
                ms(load.latency.max),
                ms(load.from_due.p50),
                ms(load.from_due.p99),
                load.errors
            )?;
        }
        write!(
            f,
            "login (argon2id m=19456 KiB, t=2, p=1): {:.1} logins/s per core, median {:.1} ms, p99 {:.1} ms",
            self.logins_per_core_s,
            ms(self.login.p50),
            ms(self.login.p99)
        )
    }
}

/// The bench player's password (the node hashes it with its argon2 parameters).
const BENCH_PASSWORD: &str = "bench-password-123";

/// Runs the accounts benchmark.
pub async fn accounts(args: &AccountsBenchArgs) -> anyhow::Result<AccountsReport> {
    ensure!(args.rate > 0, "--rate must be positive");
    let node = start_node(None).await?;
    let (username, token) = register(&node).await?;

    let tokens = node.state().accounts().tokens();
    let mut verify = LatencyRecorder::new();
    for _ in 0..args.verifications {
        let started = std::time::Instant::now();
        let verified = tokens.verify(&token);
        verify.record(started.elapsed());
        ensure!(verified.is_ok(), "the bench token does not verify");
    }

    let mut profile = vec![load(&node, "sqlite", &token, args).await?];
    let (logins_per_core_s, login) = logins(&node, &username, args.login_s).await?;
    drop(node);

    if let Some(url) = &args.database_url {
        let node = start_node(Some(url)).await?;
        let (_, token) = register(&node).await?;
        profile.push(load(&node, "postgres", &token, args).await?);
    }
    Ok(AccountsReport {
        verify: verify.latency(),
        profile,
        logins_per_core_s,
        login,
    })
}

/// A node with every account limit out of the way, on SQLite or `database_url`.
async fn start_node(database_url: Option<&str>) -> anyhow::Result<EmbeddedNode> {
    let mut overrides = vec![
        ("login_limit_per_minute", "1000000".to_owned()),
        ("register_limit_per_hour", "1000000".to_owned()),
    ];
    if let Some(url) = database_url {
        overrides.push(("database_url", url.to_owned()));
    }
    EmbeddedNode::start(&overrides).await
}

/// Registers a fresh bench player; their username and access token.
async fn register(node: &EmbeddedNode) -> anyhow::Result<(String, String)> {
    let username = format!("bench_{}", &Uuid::new_v4().simple().to_string()[..12]);
    let body = serde_json::json!({
        "username": username, "email": format!("{username}@bench.invalid"),
        "password": BENCH_PASSWORD,
    });
    let request = Request::post("/v1/auth/register")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))?;
    let (status, body) = node.send(request).await?;
    ensure!(
        status == 201,
        "registering the bench player answered {status}"
    );
    let auth: serde_json::Value = serde_json::from_slice(&body)?;
    let token = auth["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    Ok((username, token))
}

/// Offers `args.rate` requests per second to `GET /v1/profile/me` for `args.duration_s`.
async fn load(
    node: &EmbeddedNode,
    database: &'static str,
    token: &str,
    args: &AccountsBenchArgs,
) -> anyhow::Result<LoadResult> {
    let total = u64::from(args.rate) * args.duration_s.max(1);
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(args.rate)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let authorization = format!("Bearer {token}");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..total {
        let due = ticks.tick().await;
        let router = node.router();
        let request = Request::get("/v1/profile/me")
            .header("authorization", &authorization)
            .body(Body::empty())?;
        tasks.spawn(async move {
            let sent = Instant::now();
            let Ok(response) = router.oneshot(request).await;
            let ok = response.status().is_success();
            let _ = axum::body::to_bytes(response.into_body(), 1 << 20).await;
            (ok, sent.elapsed(), due.elapsed())
        });
    }
    let mut latency = LatencyRecorder::new();
    let mut from_due = LatencyRecorder::new();
    let mut errors = 0;
    while let Some(result) = tasks.join_next().await {
        let (ok, since_sent, since_due) = result?;
        if ok {
            latency.record(since_sent);
            from_due.record(since_due);
        } else {
            errors += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(LoadResult {
        database,
        offered_rps: args.rate,
        achieved_rps: latency.count() as f64 / elapsed,
        errors,
        latency: latency.latency(),
        from_due: from_due.latency(),
    })
}

/// Logs in one at a time for `seconds`: argon2 runs one lane, so this is the rate of one core.
async fn logins(
    node: &EmbeddedNode,
    username: &str,
    seconds: u64,
) -> anyhow::Result<(f64, Latency)> {
    let body = serde_json::json!({ "login": username, "password": BENCH_PASSWORD }).to_string();
    let started = Instant::now();
    let mut latency = LatencyRecorder::new();
    while started.elapsed() < Duration::from_secs(seconds.max(1)) {
        let request = Request::post("/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(body.clone()))?;
        let one = Instant::now();
        let (status, _) = node.send(request).await?;
        ensure!(status == 200, "a bench login answered {status}");
        latency.record(one.elapsed());
    }
    let rate = latency.count() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, latency.latency()))
}
