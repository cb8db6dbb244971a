//! A match's row locked before its session's: a transaction that wants a match another holds
//! waits for it, so a result report and an abandonment of one session queue rather than
//! deadlock (PostgreSQL; on SQLite a transaction holds the only write lock from its start).

use std::time::Duration;

use serde_json::json;
use sqlx::Connection;

use crate::harness::{TestDb, admin_url};
use crate::session::a_match;

/// Transactions of `database` waiting for a row lock.
async fn waiting_for_a_lock(database: &str) -> i64 {
    let mut admin = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
    )
    .bind(database)
    .fetch_one(&mut admin)
    .await
    .unwrap()
}

#[tokio::test]
async fn locking_a_match_waits_for_the_transaction_holding_it() {
    let db = TestDb::postgres().await;
    let store = db.store.clone();
    let database = db.postgres_name().unwrap().to_owned();
    let match_id = a_match(&store, "locked").await;

    // A result report holds the match's row.
    let mut report = store.begin().await.unwrap();
    assert!(
        report
            .store_match_result(match_id, &json!({"winner": 0}))
            .await
            .unwrap()
    );
    // An abandonment locks the match before its session, so it waits here...
    let abandonment = tokio::spawn({
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let found = tx.lock_match(match_id).await.unwrap();
            tx.commit().await.unwrap();
            found
        }
    });
    let mut waited = false;
    for _ in 0..500 {
        if waiting_for_a_lock(&database).await == 1 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(waited, "the abandonment never waited for the match's row");
    assert!(!abandonment.is_finished());
    // ...and goes on once the report commits.
    report.commit().await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_secs(30), abandonment)
            .await
            .expect("the lock is given on commit")
            .unwrap()
    );
}

#[tokio::test]
async fn locking_a_match_says_whether_it_exists() {
    for db in [TestDb::sqlite().await, TestDb::postgres().await] {
        let match_id = a_match(&db.store, "present").await;
        let mut tx = db.store.begin().await.unwrap();
        assert!(tx.lock_match(match_id).await.unwrap());
        assert!(!tx.lock_match(rally_store::new_id()).await.unwrap());
        tx.commit().await.unwrap();
    }
}
