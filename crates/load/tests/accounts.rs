//! `rally bench accounts`, briefly, on an embedded node on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rally_load::{AccountsBenchArgs, accounts};
use support::assert_sane;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_accounts_run_measures_tokens_profile_reads_and_logins() {
    support::tls();
    let args = AccountsBenchArgs {
        rate: 50,
        duration_s: 1,
        database_url: None,
        verifications: 100,
        login_s: 1,
    };
    let report = accounts(&args).await.unwrap();

    assert_eq!(report.verify.count, 100);
    assert_sane("verify", &report.verify);
    assert_eq!(report.profile.len(), 1, "no --database-url, SQLite only");
    let profile = &report.profile[0];
    assert_eq!(profile.database, "sqlite");
    assert_eq!(profile.offered_rps, 50);
    assert_eq!(profile.errors, 0, "nothing limits the bench player");
    assert_eq!(profile.latency.count, 50);
    assert_eq!(profile.from_due.count, 50);
    assert_sane("profile", &profile.latency);
    assert_sane("profile from due", &profile.from_due);
    assert!(profile.achieved_rps > 0.0);
    assert_sane("login", &report.login);
    assert!(report.logins_per_core_s > 0.0);

    let text = report.to_string();
    for line in [
        "token verification: median",
        "GET /v1/profile/me on sqlite: offered 50 rps",
        "login (argon2id",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test]
async fn a_rate_of_zero_is_refused() {
    support::tls();
    let args = AccountsBenchArgs {
        rate: 0,
        duration_s: 1,
        database_url: None,
        verifications: 1,
        login_s: 1,
    };
    let error = accounts(&args).await.unwrap_err();
    assert!(error.to_string().contains("--rate"), "{error}");
}
