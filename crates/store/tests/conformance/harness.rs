//! A fresh database per test: an SQLite file in the temp directory, or a PostgreSQL database
//! `rally_test_<random>` created through `RALLY_TEST_DATABASE_URL` and dropped when the test ends
//! (also when it fails), so tests run in parallel and leave nothing behind.

use std::path::PathBuf;

use rally_store::Store;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

const DATABASE_URL_VAR: &str = "RALLY_TEST_DATABASE_URL";
const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The PostgreSQL server tests use: `RALLY_TEST_DATABASE_URL`, or the local default.
pub fn admin_url() -> String {
    std::env::var(DATABASE_URL_VAR).unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned())
}

/// A migrated store on its own fresh database, removed on drop.
pub struct TestDb {
    pub store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// The name of the PostgreSQL database, `None` on SQLite.
    pub fn postgres_name(&self) -> Option<&str> {
        match &self.cleanup {
            Cleanup::Postgres { name, .. } => Some(name),
            Cleanup::Sqlite(_) => None,
        }
    }

    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir()
            .join("rally-store-tests")
            .join(format!("{}.db", Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&url)
            .await
            .expect("open a fresh SQLite file");
        store.migrate().await.expect("migrate SQLite");
        TestDb {
            store,
            cleanup: Cleanup::Sqlite(path),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin_url = admin_url();
        let name = format!("rally_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is unreachable ({e}); start it or point {DATABASE_URL_VAR} at one \
                 (default {DEFAULT_DATABASE_URL})"
            )
        });
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let store = Store::connect(&database_url(&admin_url, &name))
            .await
            .expect("connect to the fresh test database");
        store.migrate().await.expect("migrate PostgreSQL");
        TestDb {
            store,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

impl TestDb {
    /// Runs `sql` on a connection of its own, outside the store: what an operator with a
    /// database shell could do. The database's error, if it refused.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await?;
                let done = sqlx::query(sql).execute(&mut conn).await;
                conn.close().await.ok();
                Ok(done?.rows_affected())
            }
            Cleanup::Postgres { admin_url, name } => {
                let mut conn = PgConnection::connect(&database_url(admin_url, name)).await?;
                let done = sqlx::query(sql).execute(&mut conn).await;
                conn.close().await.ok();
                Ok(done?.rows_affected())
            }
        }
    }
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((u, q)) => (u, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let authority_start = without_query.find("://").map_or(0, |i| i + 3);
    let base = match without_query[authority_start..].find('/') {
        Some(slash) => &without_query[..authority_start + slash],
        None => without_query,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Best effort, on a thread of its own: Drop cannot await, and this also runs
                // when the test panicked. FORCE ends the pool's connections.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime for cleanup");
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                            let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[test]
fn database_url_replaces_only_the_database() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        database_url("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        database_url("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}

/// Generates each test twice, `<name>::sqlite` and `<name>::postgres`, on a fresh database.
macro_rules! conformance {
    ($(async fn $name:ident($store:ident: &Store) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($store: &rally_store::Store) $body

                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::harness::TestDb::sqlite().await;
                    run(&db.store).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let db = $crate::harness::TestDb::postgres().await;
                    run(&db.store).await;
                }
            }
        )*
    };
}
pub(crate) use conformance;
