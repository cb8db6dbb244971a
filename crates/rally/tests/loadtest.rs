//! `rally loadtest` run briefly with this package's `rally` executable, embedded (SQLite) and
//! scaled (two api nodes, a matchmaker, a sessions and a ratings process on PostgreSQL, Redis
//! and NATS): simulated players on the SDK play the whole loop, parties and cancels and
//! reconnects included, with no error. Nothing here depends on speed: the promised figures are
//! for `rally loadtest` at full size, not for a test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use rally_load::{LoadtestArgs, LoadtestReport, loadtest, loadtest::Step};
use support::Deployment;

fn rally() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rally"))
}

/// A short run: 30 players, half of the squad players in parties, some cancels and reconnects.
fn short() -> LoadtestArgs {
    LoadtestArgs {
        target: None,
        server_key: None,
        allow_remote: false,
        players: 30,
        ramp_s: 3,
        duration_s: 20,
        squad_share: 0.5,
        party_share: 0.5,
        cancel_share: 0.1,
        disconnect_share: 0.2,
        think_ms: 1_000,
        game_s: 2,
        regions: vec!["eu".into(), "na".into()],
        seed: 7,
        accounts_tag: None,
        database_url: None,
        redis_url: None,
        nats_url: None,
        progress: false,
    }
}

#[track_caller]
fn assert_played_without_error(report: &LoadtestReport) {
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.connected_peak, 30, "{report}");
    assert!(report.matches > 0, "{report}");
    for step in [
        Step::Register,
        Step::Connect,
        Step::FormParty,
        Step::ReadyCheck,
        Step::Queue,
        Step::QueueToFound,
        Step::MadeToFound,
        Step::FoundToReady,
        Step::Verify,
        Step::Heartbeat,
        Step::Result,
        Step::ResultToRating,
    ] {
        let latency = report.steps.get(&step).copied().unwrap_or_default();
        assert!(latency.count > 0, "{step:?} never happened: {report}");
        assert!(
            latency.p50 <= latency.p99 && latency.p99 <= latency.max,
            "{report}"
        );
    }
    assert!(
        report.quality_mean > 0.0 && report.quality_mean <= 1.0,
        "{report}"
    );
    assert!(
        report.processes.iter().any(|p| p.name == "loadtest"),
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("| mean time to match |"), "{text}");
    let json = serde_json::to_value(report).unwrap();
    assert!(
        json["steps"]["found_to_ready"]["p99_ms"].is_number(),
        "{json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_players_play_the_whole_loop_on_an_embedded_node_without_error() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let report = loadtest(&short(), rally()).await.unwrap();
    assert!(report.topology.starts_with("embedded"), "{report}");
    assert_played_without_error(&report);
    assert!(
        report
            .processes
            .iter()
            .any(|p| p.name == "node" && p.rss_peak_bytes > 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_players_play_the_whole_loop_on_scaled_out_processes_without_error() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let deployment = Deployment::new().await;
    let args = LoadtestArgs {
        database_url: Some(deployment.database_url.clone()),
        redis_url: Some(deployment.redis_url.clone()),
        nats_url: Some(deployment.nats_url.clone()),
        ..short()
    };
    let report = loadtest(&args, rally()).await.unwrap();
    assert!(
        report.topology.starts_with("scaled: 5 processes"),
        "{report}"
    );
    assert_played_without_error(&report);
    let names: Vec<&str> = report.processes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "api-1",
            "api-2",
            "matchmaker",
            "sessions",
            "ratings",
            "loadtest"
        ]
    );
}

#[tokio::test]
async fn a_target_off_this_machine_or_without_the_server_key_is_refused_before_any_load() {
    let remote = LoadtestArgs {
        target: Some("http://192.0.2.10:8080".into()),
        server_key: Some(rally_server::settings::Secret::new("key")),
        ..short()
    };
    let error = loadtest(&remote, rally()).await.unwrap_err().to_string();
    assert!(error.contains("--allow-remote"), "{error}");
    let keyless = LoadtestArgs {
        target: Some("http://127.0.0.1:9".into()),
        ..short()
    };
    let error = loadtest(&keyless, rally()).await.unwrap_err().to_string();
    assert!(error.contains("--server-key"), "{error}");
    let odd = LoadtestArgs {
        cancel_share: 1.5,
        ..short()
    };
    let error = loadtest(&odd, rally()).await.unwrap_err().to_string();
    assert!(error.contains("--cancel-share"), "{error}");
}
