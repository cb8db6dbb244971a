//! The bulk fill of `rally bench ratings`, on SQLite and on PostgreSQL: the players and their
//! ratings land as promised, and a sample of their ids comes back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rally_load::fill::{Fill, FillError};
use rally_server::ratings::season;
use rally_store::Store;
use sqlx::{Connection, PgConnection, SqliteConnection};
use support::PostgresDb;
use uuid::Uuid;

/// Counts and ranges of what the fill wrote for `run`, by the same SQL on both databases.
const WRITTEN: &str = "SELECT COUNT(*), MIN(r.mean), MAX(r.mean), MIN(r.uncertainty), \
     MAX(r.uncertainty), CAST(MIN(r.games) AS BIGINT), CAST(MAX(r.games) AS BIGINT) \
     FROM players p \
     JOIN ratings r ON r.player_id = p.id \
     WHERE p.email LIKE '%@' || $1 || '.bench.invalid' AND r.mode = 'duel'";

type Written = (i64, f64, f64, f64, f64, i64, i64);

fn check(written: Written, count: i64) {
    let (rows, min_mean, max_mean, min_sd, max_sd, min_games, max_games) = written;
    assert_eq!(rows, count, "one rating per player");
    assert!(
        (1100.0..=1900.0).contains(&min_mean) && (1100.0..=1900.0).contains(&max_mean),
        "means {min_mean}..{max_mean}"
    );
    assert!(
        (50.0..=300.0).contains(&min_sd) && (50.0..=300.0).contains(&max_sd),
        "uncertainties {min_sd}..{max_sd}"
    );
    assert_eq!((min_games, max_games), (10, 10));
}

/// A migrated store at `url` and its active season.
async fn migrated(url: &str) -> Uuid {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    season::active(&store).await.unwrap().id
}

#[tokio::test]
async fn the_fill_writes_rated_players_into_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("rally.db").display()
    );
    let season_id = migrated(&url).await;
    let fill = Fill {
        run: "bsqlite1",
        count: 250,
        season_id,
        mode: "duel",
        sample: 100,
    };
    let sample = fill.write(&url).await.unwrap();
    assert_eq!(sample.len(), 100);

    let mut db = SqliteConnection::connect(&url).await.unwrap();
    let written: Written = sqlx::query_as(WRITTEN)
        .bind(fill.run)
        .fetch_one(&mut db)
        .await
        .unwrap();
    check(written, 250);
}

#[tokio::test]
async fn the_fill_writes_rated_players_into_postgres() {
    let database = PostgresDb::create().await;
    let season_id = migrated(&database.url).await;
    let fill = Fill {
        run: "bpostgres1",
        count: 250,
        season_id,
        mode: "duel",
        sample: 1000,
    };
    let sample = fill.write(&database.url).await.unwrap();
    assert_eq!(
        sample.len(),
        250,
        "every player, when fewer than the sample"
    );

    let mut db = PgConnection::connect(&database.url).await.unwrap();
    let written: Written = sqlx::query_as(WRITTEN)
        .bind(fill.run)
        .fetch_one(&mut db)
        .await
        .unwrap();
    check(written, 250);
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_run_name_that_could_escape_its_emails_is_refused() {
    let fill = Fill {
        run: "b%'; --",
        count: 1,
        season_id: Uuid::nil(),
        mode: "duel",
        sample: 1,
    };
    let error = fill.write("sqlite::memory:").await.unwrap_err();
    assert!(matches!(error, FillError::RunName(_)), "{error}");
    let long = Fill {
        run: "abcdefghijklm",
        ..fill
    };
    assert!(matches!(
        long.write("sqlite::memory:").await,
        Err(FillError::RunName(_))
    ));
}

#[tokio::test]
async fn a_database_url_of_another_kind_is_refused() {
    let fill = Fill {
        run: "bother",
        count: 1,
        season_id: Uuid::nil(),
        mode: "duel",
        sample: 1,
    };
    assert!(matches!(
        fill.write("mysql://localhost/rally").await,
        Err(FillError::Url)
    ));
}
