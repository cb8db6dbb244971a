//! Connecting, migrating, pinging.

use std::time::Duration;

use rally_store::{Backend, Store, StoreError};

use crate::harness::conformance;

conformance! {
    async fn migrating_twice_is_harmless(store: &Store) {
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        store.ping().await.unwrap();
        crate::fixture::player(store, "after_migrations").await;
    }

    async fn a_clone_shares_the_pool_and_close_ends_it(store: &Store) {
        let clone = store.clone();
        assert_eq!(clone.backend(), store.backend());
        clone.ping().await.unwrap();
        clone.close().await;
        assert!(store.ping().await.is_err(), "a closed pool must refuse queries");
    }
}

/// A bound that only a hang would reach: the store's own limits are a few seconds.
const HANG: Duration = Duration::from_secs(30);

#[tokio::test]
async fn ping_fails_in_bounded_time_when_postgres_is_unreachable() {
    let store = Store::connect_lazy("postgres://postgres@127.0.0.1:1/postgres").unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    let result = tokio::time::timeout(HANG, store.ping())
        .await
        .expect("ping must not hang");
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    // And the pool still answers (with the same error) afterwards: nothing is stuck.
    let again = tokio::time::timeout(HANG, store.ping())
        .await
        .expect("ping must not hang");
    assert!(
        matches!(again, Err(StoreError::Unavailable(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn connect_fails_in_bounded_time_when_postgres_is_unreachable() {
    let result = tokio::time::timeout(HANG, Store::connect("postgres://postgres@127.0.0.1:1/x"))
        .await
        .expect("connect must not hang");
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_url_scheme_is_refused() {
    let result = Store::connect_lazy("mysql://localhost/db");
    assert!(matches!(result, Err(StoreError::Url(_))), "{result:?}");
}

#[tokio::test]
async fn sqlite_creates_the_file_and_its_directory() {
    let dir = std::env::temp_dir()
        .join("rally-store-tests")
        .join(uuid::Uuid::new_v4().simple().to_string())
        .join("nested");
    let file = dir.join("rally.db");
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", file.display()))
        .await
        .unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.migrate().await.unwrap();
    assert!(file.exists());
    let mut wal = file.clone().into_os_string();
    wal.push("-wal");
    assert!(
        std::path::Path::new(&wal).exists(),
        "SQLite runs in WAL mode"
    );
    store.close().await;
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn sqlite_in_memory_keeps_its_data_across_queries() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    crate::fixture::player(&store, "memory_player").await;
    assert!(
        store
            .find_player_by_username("MEMORY_PLAYER")
            .await
            .unwrap()
            .is_some()
    );
}

/// The SQLite file holds emails and password hashes: only its owner may read it, and the same
/// goes for the write-ahead log beside it and the directory the store creates.
#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_and_its_directory_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("rally-store-mode-{}", uuid::Uuid::now_v7()));
    let dir = root.join("data");
    let db = dir.join("rally.db");
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", db.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    crate::fixture::player(&store, "private_file").await;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = dir.join("rally.db-wal");
    assert!(wal.exists(), "WAL mode writes a -wal file");
    assert_eq!(mode(&wal) & 0o077, 0, "the WAL file is private too");
    store.close().await;

    // A database left world-readable by an older Rally is tightened when it is opened.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", db.display()))
        .await
        .unwrap();
    assert_eq!(mode(&db), 0o600);
    store.close().await;
    std::fs::remove_dir_all(root).unwrap();
}
