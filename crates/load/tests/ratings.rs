//! `rally bench ratings`, briefly, on an embedded node on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rally_load::{RatingsBenchArgs, ratings};
use support::assert_sane;

fn tiny() -> RatingsBenchArgs {
    RatingsBenchArgs {
        players: 60,
        rate: 30,
        duration_s: 1,
        results: 6,
        database_url: None,
        redis_url: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_ratings_run_applies_results_and_reads_every_page() {
    support::tls();
    let report = ratings(&tiny()).await.unwrap();

    assert_eq!(report.backends, ("sqlite", "in-memory"));
    assert_eq!(report.players, 60);
    assert_eq!(report.rate, 30);
    assert!(report.fill.as_nanos() > 0);
    assert!(report.results_per_s > 0.0);
    assert_eq!(report.errors, 0, "every read of a rated player answers");
    // 30 reads in turn: top 100, me and around, history.
    for (name, latency) in [
        ("top", &report.top),
        ("around", &report.around),
        ("history", &report.history),
    ] {
        assert_eq!(latency.count, 10, "{name}");
        assert_sane(name, latency);
    }

    let text = report.to_string();
    for line in [
        "ratings benchmark (sqlite store, in-memory state): 60 rated players",
        "results applied:",
        "reads at 30 /s (errors 0):",
        "top 100",
        "me and 5 around",
        "history page",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test]
async fn fewer_players_than_one_result_needs_are_refused() {
    support::tls();
    let error = ratings(&RatingsBenchArgs {
        players: 9,
        ..tiny()
    })
    .await
    .unwrap_err();
    assert!(error.to_string().contains("--players"), "{error}");
}
