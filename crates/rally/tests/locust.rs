//! The Locust file studios use (`scripts/locust/locustfile.py`) as a smoke test: 50 Locust users
//! play the whole loop for 30 s against a real node on SQLite, with no failure. Locust is
//! installed by `scripts/locust/setup` (pinned, into `target/`) on first use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use rally_load::node::BenchNode;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Installs Locust when needed; its executable.
fn locust() -> PathBuf {
    let setup = Command::new(repo().join("scripts/locust/setup"))
        .output()
        .expect("scripts/locust/setup runs");
    assert!(
        setup.status.success(),
        "scripts/locust/setup failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    PathBuf::from(String::from_utf8(setup.stdout).unwrap().trim())
}

/// One row of Locust's `_stats.csv`: its type, name, requests and failures.
fn rows(csv: &str) -> Vec<(String, String, u64, u64)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (kind, name, count, failures) = (
        at("Type"),
        at("Name"),
        at("Request Count"),
        at("Failure Count"),
    );
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (
                fields[kind].to_owned(),
                fields[name].to_owned(),
                fields[count].parse().unwrap(),
                fields[failures].parse().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_locust_users_play_the_whole_loop_for_thirty_seconds_without_a_failure() {
    let locust = tokio::task::spawn_blocking(locust).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server_key = format!("locust-{}", uuid::Uuid::new_v4().simple());
    let node = BenchNode::start(
        Path::new(env!("CARGO_BIN_EXE_rally")),
        "api,matchmaker,sessions,ratings",
        dir.path(),
        &format!("key-{}", uuid::Uuid::new_v4().simple()),
        &[
            ("RALLY_SERVER_KEY", server_key.as_str()),
            ("RALLY_REGISTER_LIMIT_PER_HOUR", "1000000"),
        ],
    )
    .await
    .unwrap();
    let csv = dir.path().join("smoke");
    let mut command = Command::new(&locust);
    command
        .arg("-f")
        .arg(repo().join("scripts/locust/locustfile.py"))
        .args(["--headless", "-u", "50", "-r", "25", "-t", "30s"])
        .args([
            "--stop-timeout",
            "10",
            "--only-summary",
            "--exit-code-on-error",
            "1",
        ])
        .arg("--host")
        .arg(format!("http://{}", node.addr))
        .arg("--csv")
        .arg(&csv)
        .env("RALLY_SERVER_KEY", &server_key);
    let run = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let summary =
        String::from_utf8_lossy(&run.stdout).into_owned() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "Locust failed:\n{summary}");
    let stats = std::fs::read_to_string(dir.path().join("smoke_stats.csv")).unwrap();
    let rows = rows(&stats);
    let count = |kind: &str, name: &str| {
        rows.iter()
            .find(|r| r.0 == kind && r.1 == name)
            .map_or(0, |r| r.2)
    };
    assert!(count("POST", "/v1/queue") > 0, "{stats}");
    assert!(count("WS", "match.found") > 0, "{stats}");
    assert!(
        count("POST", "/v1/server/sessions/[id]/result") > 0,
        "{stats}"
    );
    assert!(count("WS", "rating.updated") > 0, "{stats}");
    let all = rows.iter().find(|r| r.1 == "Aggregated").unwrap();
    assert!(all.2 > 0, "{stats}");
    assert_eq!(all.3, 0, "failures:\n{summary}");
    drop(node);
}
