//! `rally chaos`, every scenario, briefly: a scaled-out Rally of its own under the load test
//! loses a process (killed with SIGKILL, then restarted), a backend (stopped, then started) or
//! part of its network (a matchmaker cut off in a network namespace of the run's own, a
//! gateway's path delayed and stalled at the balancer), and the database shows no damage
//! afterwards: no ticket lost or matched twice, no accepted result lost or applied twice, no
//! session ended wrongly. Availability is reported, not
//! asserted: a backend down for seconds costs what it costs, and `rally chaos` at full size
//! measures it (see docs/capacity.md).
//!
//! The runs take turns: each starts six Rally processes and three backends of its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use rally_load::{ChaosArgs, Scenario, chaos};
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

async fn survives(scenario: Scenario) -> rally_load::ChaosReport {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let _turn = ONE_AT_A_TIME.lock().await;
    let args = ChaosArgs {
        scenario,
        players: 40,
        duration_s: 30,
        fault_at_s: 15,
        outage_s: 5,
        seed: 3,
    };
    let report = chaos(&args, Path::new(env!("CARGO_BIN_EXE_rally")))
        .await
        .unwrap();
    assert!(report.damage.is_none(), "{scenario}: {report}");
    assert!(report.load.matches > 0, "{scenario}: {report}");
    assert!(report.load.availability.calls > 0, "{report}");
    assert!(
        report.healed_at_s >= report.fault_at_s + 5.0,
        "{scenario}: {report}"
    );
    let text = report.to_string();
    assert!(text.contains("| tickets matched twice | 0 | 0 |"), "{text}");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_node_killed_and_restarted_does_no_damage() {
    let _ = survives(Scenario::KillApi).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matchmaker_killed_and_restarted_does_no_damage() {
    let _ = survives(Scenario::KillMatchmaker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sessions_process_killed_and_restarted_does_no_damage() {
    let _ = survives(Scenario::KillSessions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ratings_process_killed_and_restarted_does_no_damage() {
    let _ = survives(Scenario::KillRatings).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_started_does_no_damage() {
    let _ = survives(Scenario::StopPostgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_and_started_empty_does_no_damage() {
    let _ = survives(Scenario::StopRedis).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_stopped_and_started_does_no_damage() {
    let _ = survives(Scenario::StopNats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matchmaker_cut_off_the_network_and_joined_again_does_no_damage() {
    let _ = survives(Scenario::PartitionMatchmaker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_with_delay_and_loss_does_no_damage() {
    let _ = survives(Scenario::DegradeGateway).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_dropped_before_their_ack_are_handled_once_when_handed_out_again() {
    let report = survives(Scenario::DropEvents).await;
    // The fault bit: the damage checks above found every dropped match allocated and every
    // dropped result rated, once.
    assert!(report.events_dropped > 0, "{report}");
}
