//! The benchmarks that start `rally serve` children (`rally bench gateway`, `queue`, `soak`,
//! `loop`), run briefly through `rally-load` with this package's `rally` executable: each report
//! has samples where it should and percentiles in order. Nothing here depends on speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use rally_load::{
    GatewayBenchArgs, Latency, LoopBenchArgs, QueueBenchArgs, SoakBenchArgs, full_loop, gateway,
    gateway::PushResult, queue, soak,
};
use support::Deployment;

fn rally() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rally"))
}

fn tls() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

#[track_caller]
fn assert_sane(name: &str, latency: &Latency) {
    assert!(latency.count > 0, "{name}: no samples");
    assert!(
        latency.p50 <= latency.p95 && latency.p95 <= latency.p99 && latency.p99 <= latency.max,
        "{name}: percentiles out of order: {latency:?}"
    );
}

#[track_caller]
fn assert_pushes(name: &str, result: &PushResult, changes: usize, members: usize) {
    assert_eq!(result.offered_rps, 20, "{name}");
    assert!(result.errors < changes, "{name}: every change failed");
    assert_eq!(
        result.expected,
        (changes - result.errors) * members,
        "{name}"
    );
    assert!(result.received > 0, "{name}: no push arrived");
    assert!(
        result.received <= result.expected,
        "{name}: more pushes than changes"
    );
    assert_sane(&format!("{name} answered"), &result.answered);
    assert_sane(&format!("{name} per member"), &result.per_member);
    assert_eq!(result.per_member.count, result.received, "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_gateway_run_holds_its_sockets_and_pushes_changes_on_one_node_and_across_two() {
    tls();
    let deployment = Deployment::new().await;
    let args = GatewayBenchArgs {
        connections: 12,
        parties: 2,
        party_size: 2,
        rate: 20,
        duration_s: 1,
        senders: 2,
        database_url: Some(deployment.database_url.clone()),
        redis_url: Some(deployment.redis_url.clone()),
        nats_url: Some(deployment.nats_url.clone()),
    };
    let report = gateway(&args, rally()).await.unwrap();

    assert_eq!(report.connections, 12);
    let (before, held) = (report.rss_before.unwrap(), report.rss_held.unwrap());
    assert!(before > 0 && held > 0, "{before} and {held} bytes");
    assert_pushes("one node", &report.one_node, 20, 2);
    let two = report.two_nodes.as_ref().expect("every backend was given");
    assert_pushes("two nodes", two, 20, 2);

    let text = report.to_string();
    for line in [
        "idle connections held   12",
        "node RSS",
        "party changes, one node (SQLite)",
        "party changes, two nodes (PostgreSQL, Redis, NATS)",
        "HTTP answer  p50",
        "per member   p50",
        "all members  p50",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_queue_run_measures_queueing_matches_heartbeats_and_waiting_ticks() {
    tls();
    let deployment = Deployment::new().await;
    let args = QueueBenchArgs {
        rate: 20,
        duration_s: 1,
        pairs: 2,
        tickets: 10,
        senders: 2,
        database_url: Some(deployment.database_url.clone()),
        redis_url: Some(deployment.redis_url.clone()),
        heartbeat_s: 1,
        hold_s: 3,
    };
    let report = queue(&args, rally()).await.unwrap();

    let databases: Vec<_> = report.api.iter().map(|api| api.database).collect();
    assert_eq!(databases, ["sqlite", "postgres"]);
    for api in &report.api {
        assert_eq!(api.offered_rps, 20);
        // 20 requests: each of 10 players queues, then cancels.
        assert_eq!(
            api.enqueue.count + api.cancel.count + api.errors,
            20,
            "{api:?}"
        );
        assert_sane(&format!("queue on {}", api.database), &api.enqueue);
        assert_sane(&format!("cancel on {}", api.database), &api.cancel);
    }
    assert_sane("match.found", &report.match_found);
    assert!(report.match_found.count <= 4, "two duels, four players");
    assert_sane("session.ready", &report.session_ready);
    assert_sane("heartbeats", &report.heartbeats.latency);
    assert!(report.heartbeats.per_s > 0.0);
    assert_eq!(report.heartbeats.state, "redis");
    assert_eq!(report.tick_interval_ms, 1000);
    let ticks = report.ticks.as_ref().expect("--tickets 10");
    assert_eq!(ticks.tickets, 10);
    assert!(ticks.load_rps > 0.0);
    for (name, (p50, p99)) in [("round", ticks.round_ms), ("tick", ticks.tick_ms)] {
        assert!(p50.is_finite() && p99.is_finite(), "{name}: {p50} {p99}");
        assert!(p50 <= p99, "{name}: {p50} > {p99}");
    }

    let text = report.to_string();
    for line in [
        "queue + cancel on sqlite: offered 20 /s",
        "queue + cancel on postgres: offered 20 /s",
        "POST /v1/queue",
        "DELETE /v1/queue",
        "last ticket accepted -> match.found",
        "match.found -> session.ready",
        "heartbeats (redis state)",
        "10 waiting tickets (loaded at",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_soak_plays_matches_and_samples_the_nodes_memory() {
    tls();
    let args = SoakBenchArgs {
        pairs: 2,
        duration_s: 8,
        warmup_s: 4,
        sample_s: 2,
    };
    let report = soak(&args, rally()).await.unwrap();

    assert!(report.matches > 0, "{report}");
    assert!(report.seconds >= 8.0, "{report}");
    assert!(!report.samples.is_empty(), "{report}");
    for pair in report.samples.windows(2) {
        let ((at, _, matches), (next_at, _, next_matches)) = (pair[0], pair[1]);
        assert!(at < next_at, "samples in time order: {report}");
        assert!(matches <= next_matches, "matches only grow: {report}");
    }
    assert!(
        report.samples.iter().all(|(_, bytes, _)| *bytes > 0),
        "{report}"
    );
    assert!(report.warm > 0 && report.last > 0, "{report}");
    assert!(report.peak_after_warmup >= report.warm, "{report}");
    assert!(report.peak_after_warmup >= report.last, "{report}");

    let text = report.to_string();
    assert!(text.starts_with("soak: "), "{text}");
    assert!(text.contains("peak after warm-up"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_loop_plays_matches_and_times_each_step_as_players_see_it() {
    tls();
    let args = LoopBenchArgs {
        players: 8,
        duration_s: 8,
        warmup_s: 2,
        think_ms: 100,
        think_spread_pct: 50,
        seed: 1,
        database_url: None,
        redis_url: None,
        nats_url: None,
    };
    let report = full_loop(&args, rally()).await.unwrap();
    assert_eq!(report.backends, "sqlite");
    assert!(report.matches_per_s > 0.0, "{report}");
    assert!(report.found_to_ready.count > 0, "{report}");
    assert_eq!(report.found_to_ready.count, report.queue_to_found.count);
    assert!(
        report.found_to_ready.p50 <= report.found_to_ready.max,
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("match.found -> session.ready"), "{text}");

    let half = LoopBenchArgs {
        database_url: Some("postgres://nowhere".into()),
        ..args
    };
    let error = full_loop(&half, rally()).await.unwrap_err();
    assert!(error.to_string().contains("--nats-url"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_loop_on_postgres_says_where_each_match_spent_its_time() {
    tls();
    let deployment = Deployment::new().await;
    let args = LoopBenchArgs {
        players: 8,
        duration_s: 8,
        warmup_s: 2,
        think_ms: 100,
        think_spread_pct: 50,
        seed: 1,
        database_url: Some(deployment.database_url.clone()),
        redis_url: Some(deployment.redis_url.clone()),
        nats_url: Some(deployment.nats_url.clone()),
    };
    let report = full_loop(&args, rally()).await.unwrap();
    assert_eq!(report.backends, "postgres+redis+nats");
    let names: Vec<&str> = report.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "round written",
            "match.created published",
            "session opened",
            "session.ready written",
            "session.ready published"
        ],
        "{report}"
    );
    for stage in &report.stages {
        assert!(stage.count > 0, "{report}");
        assert!(stage.p50_ms <= stage.p99_ms, "{report}");
    }
    assert!(report.to_string().contains("session.ready published"));
}

#[tokio::test]
async fn a_soak_whose_warm_up_outlasts_it_is_refused() {
    let args = SoakBenchArgs {
        pairs: 1,
        duration_s: 5,
        warmup_s: 5,
        sample_s: 1,
    };
    let error = soak(&args, rally()).await.unwrap_err();
    assert!(error.to_string().contains("--warmup-s"), "{error}");
}

#[test]
fn bench_all_quick_prints_a_row_for_every_figure_and_each_bench_prints_json() {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(rally())
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "rally {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let table = run(&["bench", "all", "--quick"]);
    for row in [
        "# Rally's benchmarks",
        "**Quick run (`--quick`)",
        "| engine: steady tick p99 | `bench engine` |",
        "| engine: one tick over a cold burst |",
        "| accounts: `GET /v1/profile/me` p99 |",
        "| gateway: party change pushed to every member, one node (SQLite) |",
        "| ratings: 10-player results applied |",
        "| ratings: match history page p99 |",
        "| queue and cancel p99 |",
        "| heartbeats |",
        "| `match.found` to `session.ready` p99 under load | `bench loop` |",
        "| matchmaker round p99, tickets waiting |",
    ] {
        assert!(table.contains(row), "{row} missing from:\n{table}");
    }
    let rows = table.lines().filter(|l| l.starts_with("| ")).count();
    assert!(rows >= 18, "a header and a row per figure:\n{table}");

    let json = run(&[
        "bench",
        "ratings",
        "--players",
        "60",
        "--results",
        "6",
        "--rate",
        "30",
        "--duration-s",
        "1",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(report["results_per_s"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(report["history"]["count"], 10, "{report}");
    assert!(report["history"]["p99_ms"].as_f64().is_some(), "{report}");
}
