//! What the load crate's tests share: the TLS provider every binary installs, a check that a
//! latency summary is a summary, and a fresh PostgreSQL database per test.

#![allow(dead_code)]

use rally_load::Latency;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// Installs the TLS provider, as the `rally` binary does (idempotent).
pub fn tls() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Asserts that `latency` has samples and ordered percentiles.
#[track_caller]
pub fn assert_sane(name: &str, latency: &Latency) {
    assert!(latency.count > 0, "{name}: no samples");
    assert!(
        latency.p50 <= latency.p95 && latency.p95 <= latency.p99 && latency.p99 <= latency.max,
        "{name}: percentiles out of order: {latency:?}"
    );
}

/// The PostgreSQL server tests use: `RALLY_TEST_DATABASE_URL`, or the local default.
fn admin_url() -> String {
    std::env::var("RALLY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh PostgreSQL database, dropped when this is (also when the test failed).
pub struct PostgresDb {
    pub url: String,
    name: String,
}

impl PostgresDb {
    pub async fn create() -> Self {
        let admin = admin_url();
        let mut connection = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is unreachable at {admin}: {e}"));
        let name = format!("rally_test_{}", uuid::Uuid::new_v4().simple());
        connection
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await, and a test's runtime may be gone: use a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut connection) = PgConnection::connect(&admin_url()).await {
                    let _ = connection
                        .execute(AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            });
        })
        .join();
    }
}
