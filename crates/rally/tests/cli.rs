//! The `rally` binary as an operator meets it: help, configuration errors, secrets, serve and
//! shutdown, health, migrate and seed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// `rally` with a clean environment (no RALLY_* from the caller) inside `dir`.
fn rally(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rally"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("RALLY_") {
            command.env_remove(key);
        }
    }
    command.env("RALLY_LOG_LEVEL", "warn");
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn help_names_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path()).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = text(&output);
    for command in ["serve", "migrate", "seed", "health", "config"] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

#[test]
fn a_listen_address_that_is_not_one_stops_rally_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .env("RALLY_LISTEN", "notaport")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = text(&output);
    assert!(
        message.contains("`listen`") && message.contains("RALLY_LISTEN"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn config_prints_the_effective_settings_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .env(
            "RALLY_SERVER_KEY",
            "do-not-print-this-server-key-0123456789",
        )
        .env("RALLY_LISTEN", "127.0.0.1:9999")
        .arg("config")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed.contains("listen = \"127.0.0.1:9999\""), "{printed}");
    assert!(printed.contains("server_key = \"[redacted]\""), "{printed}");
    assert!(!printed.contains("do-not-print-this"), "{printed}");
}

#[test]
fn production_without_secrets_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .env("RALLY_ENV", "production")
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = text(&output);
    assert!(
        message.contains("refusing to start in production"),
        "{message}"
    );
    assert!(message.contains("RALLY_TOKEN_SIGNING_KEY"), "{message}");
}

fn wait_ready(dir: &Path, addr: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rally serve exited early with {status}");
        }
        let health = rally(dir)
            .args(["health", "--addr", addr])
            .output()
            .unwrap();
        if health.status.success() {
            assert!(text(&health).contains("\"ready\""), "{}", text(&health));
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("rally serve did not become ready at {addr}");
}

#[test]
fn serve_becomes_ready_and_exits_zero_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    // Before it runs, health fails.
    let before = rally(dir.path())
        .args(["health", "--addr", &addr])
        .output()
        .unwrap();
    assert!(!before.status.success());

    let mut child = rally(dir.path())
        .args(["serve", "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(dir.path(), &addr, &mut child);
    assert!(
        dir.path().join("rally-data/rally.db").exists(),
        "no SQLite file in the data directory"
    );
    assert!(
        dir.path().join("rally-data/secrets.toml").exists(),
        "no generated secrets"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "rally serve exited with {status} on SIGTERM"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rally serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn seed_fills_the_database_once_and_reset_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = rally(dir.path()).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", text(&migrate));

    let first = rally(dir.path()).arg("seed").output().unwrap();
    assert!(first.status.success(), "{}", text(&first));
    let first = text(&first);
    assert!(
        first.contains("50"),
        "the report should count 50 players:\n{first}"
    );

    let second = rally(dir.path()).arg("seed").output().unwrap();
    assert!(second.status.success(), "{}", text(&second));
    let second = text(&second);
    assert!(
        second.contains("players: 0 created, 50 already present"),
        "{second}"
    );
    assert!(
        second.contains("matches: 0 created, 20 already present"),
        "{second}"
    );

    let reset = rally(dir.path())
        .args(["seed", "--reset"])
        .output()
        .unwrap();
    assert!(reset.status.success(), "{}", text(&reset));
}

fn json_of(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", text(output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(output)))
}

#[test]
fn simulate_reports_the_documented_keys_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .args([
            "simulate",
            "--json",
            "--players",
            "400",
            "--duration-s",
            "300",
            "--ramp-s",
            "30",
        ])
        .output()
        .unwrap();
    let report = json_of(&output);
    for key in ["mean", "p50", "p95", "p99"] {
        assert!(
            report["time_to_match_s"][key].is_number(),
            "time_to_match_s.{key} in {report}"
        );
    }
    assert!(report["quality"]["mean"].is_number() && report["quality"]["p10"].is_number());
    assert!(report["latency_ms"]["p95"].is_number());
    for key in [
        "fair_share",
        "timed_out",
        "rank_correlation",
        "matches_per_cpu_s",
    ] {
        assert!(report[key].is_number(), "{key} in {report}");
    }
    assert_eq!(report["violations"], 0, "{report}");
}

#[cfg(feature = "load")]
#[test]
fn bench_engine_reports_tick_times_rates_and_bytes_per_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .args([
            "bench",
            "engine",
            "--tickets",
            "2000",
            "--ticks",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    let report = json_of(&output);
    assert!(
        report["tick_ms"]["p50"].is_number() && report["tick_ms"]["p99"].is_number(),
        "{report}"
    );
    assert!(report["enqueue_per_s"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["cancel_per_s"].as_f64().unwrap() > 0.0, "{report}");
    // The binary installs the counting allocator, so the figure is measured, not absent.
    assert!(
        report["bytes_per_ticket"].as_f64().unwrap() > 0.0,
        "{report}"
    );
}

#[cfg(feature = "load")]
#[test]
fn bench_accounts_measures_tokens_profile_reads_and_logins() {
    let dir = tempfile::tempdir().unwrap();
    let output = rally(dir.path())
        .args([
            "bench",
            "accounts",
            "--rate",
            "50",
            "--duration-s",
            "1",
            "--verifications",
            "200",
            "--login-s",
            "1",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let report = String::from_utf8_lossy(&output.stdout).to_lowercase();
    for part in ["verif", "profile/me", "login"] {
        assert!(report.contains(part), "{part} missing from:\n{report}");
    }
}

#[cfg(feature = "load")]
#[test]
fn every_bench_keeps_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let benches: [(&str, &[&str]); 8] = [
        ("engine", &["--tickets", "--ticks", "--seed", "--json"]),
        (
            "accounts",
            &[
                "--rate",
                "--duration-s",
                "--database-url",
                "--verifications",
                "--login-s",
                "--json",
            ],
        ),
        (
            "gateway",
            &[
                "--connections",
                "--parties",
                "--party-size",
                "--rate",
                "--duration-s",
                "--senders",
                "--database-url",
                "--redis-url",
                "--nats-url",
                "--json",
            ],
        ),
        (
            "queue",
            &[
                "--rate",
                "--duration-s",
                "--pairs",
                "--tickets",
                "--senders",
                "--database-url",
                "--redis-url",
                "--heartbeat-s",
                "--hold-s",
                "--json",
            ],
        ),
        (
            "ratings",
            &[
                "--players",
                "--rate",
                "--duration-s",
                "--results",
                "--database-url",
                "--redis-url",
                "--json",
            ],
        ),
        (
            "loop",
            &[
                "--players",
                "--duration-s",
                "--warmup-s",
                "--think-ms",
                "--database-url",
                "--redis-url",
                "--nats-url",
                "--json",
            ],
        ),
        (
            "soak",
            &[
                "--pairs",
                "--duration-s",
                "--warmup-s",
                "--sample-s",
                "--json",
            ],
        ),
        (
            "all",
            &[
                "--database-url",
                "--redis-url",
                "--nats-url",
                "--quick",
                "--json",
            ],
        ),
    ];
    for (bench, flags) in benches {
        let output = rally(dir.path())
            .args(["bench", bench, "--help"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{bench}: {}", text(&output));
        let help = text(&output);
        for flag in flags {
            assert!(
                help.contains(flag),
                "{flag} missing from `rally bench {bench}`:\n{help}"
            );
        }
    }
}

#[test]
fn seasons_start_and_end_and_the_leaderboard_rebuilds_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = rally(dir.path()).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        text(&output)
    };
    assert!(run(&["season", "start", "spring"]).contains("season `spring` started"));
    assert!(run(&["season", "start", "summer"]).contains("season `summer` started"));
    let again = rally(dir.path())
        .args(["season", "start", "spring"])
        .output()
        .unwrap();
    assert!(!again.status.success(), "a season name is used once");
    assert!(text(&again).contains("spring"), "{}", text(&again));
    assert!(run(&["leaderboard", "rebuild"]).contains("season `summer` rebuilt"));
    assert!(run(&["season", "end"]).contains("season `summer` ended"));
    assert!(run(&["season", "end"]).contains("no season was active"));
}
