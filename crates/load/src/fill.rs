//! Many rated players written in a few statements, for `rally bench ratings`: a node's API
//! would take hours to register a hundred thousand players, so the benchmark writes them
//! through a pool of its own on the node's database.
//!
//! Their emails end in `@<run>.bench.invalid`, so a run's rows are easy to find and can never
//! be anyone's mail; they have no credentials, so nobody can log in as them.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Connection, PgConnection, SqliteConnection,
    postgres::PgConnectOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
};
use uuid::Uuid;

/// How long the fill waits for the node's own writers to let go of SQLite's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const FILL_POSTGRES: &str = "WITH made AS ( \
     INSERT INTO players (id, username, email, display_name) \
     SELECT gen_random_uuid(), $1 || i, $1 || i || '@' || $1 || '.bench.invalid', 'Bench ' || i \
     FROM generate_series(1, $2::bigint) AS i RETURNING id) \
     INSERT INTO ratings (player_id, season_id, mode, mean, uncertainty, games) \
     SELECT id, $3, $4, 1100 + random() * 800, 50 + random() * 250, 10 FROM made";
const FILL_SQLITE_PLAYERS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
     WHERE i < $2) INSERT INTO players (id, username, email, display_name) \
     SELECT randomblob(16), $1 || i, $1 || i || '@' || $1 || '.bench.invalid', 'Bench ' || i FROM n";
const FILL_SQLITE_RATINGS: &str = "INSERT INTO ratings (player_id, season_id, mode, mean, \
     uncertainty, games, updated_at) SELECT id, $3, $4, 1100 + (abs(random()) % 800000) / 1000.0, \
     50 + (abs(random()) % 250000) / 1000.0, 10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
     FROM players WHERE email LIKE '%@' || $1 || '.bench.invalid'";
const SAMPLE: &str =
    "SELECT id FROM players WHERE email LIKE '%@' || $1 || '.bench.invalid' LIMIT $2";

/// Why the players could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FillError {
    /// The run name is not 1 to 12 of `[a-z0-9]`.
    #[error("a run name is 1 to 12 of a-z and 0-9, not `{0}`")]
    RunName(String),
    /// The database URL is neither `sqlite:` nor `postgres://`.
    #[error("expected a database url starting with sqlite: or postgres://")]
    Url,
    /// The database refused or failed.
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
}

/// What to write: `count` players named `<run><n>`, each rated in `season_id` and `mode`.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    /// Names the run's players and emails: 1 to 12 of `[a-z0-9]`.
    pub run: &'a str,
    /// Players to write.
    pub count: i64,
    /// The season they are rated in.
    pub season_id: Uuid,
    /// The mode they are rated in.
    pub mode: &'a str,
    /// How many of their ids to return, at most.
    pub sample: i64,
}

impl Fill<'_> {
    /// Writes the players into the migrated database at `database_url` (means spread over
    /// 1100..1900, uncertainties over 50..300, 10 games each) and returns up to
    /// [`Fill::sample`] of their ids.
    pub async fn write(&self, database_url: &str) -> Result<Vec<Uuid>, FillError> {
        let valid = !self.run.is_empty()
            && self.run.len() <= 12
            && self
                .run
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(FillError::RunName(self.run.to_owned()));
        }
        if database_url.starts_with("sqlite:") {
            self.sqlite(database_url).await
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            self.postgres(database_url).await
        } else {
            Err(FillError::Url)
        }
    }

    async fn postgres(&self, url: &str) -> Result<Vec<Uuid>, FillError> {
        let mut db = PgConnection::connect_with(&PgConnectOptions::from_str(url)?).await?;
        sqlx::query(FILL_POSTGRES)
            .bind(self.run)
            .bind(self.count)
            .bind(self.season_id)
            .bind(self.mode)
            .execute(&mut db)
            .await?;
        let sample = sqlx::query_scalar(SAMPLE)
            .bind(self.run)
            .bind(self.sample)
            .fetch_all(&mut db)
            .await?;
        db.close().await?;
        Ok(sample)
    }

    async fn sqlite(&self, url: &str) -> Result<Vec<Uuid>, FillError> {
        // The node's store made the file and set WAL; say it again so the fill's connection
        // never falls back to a rollback journal that would block the node's readers.
        let options = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let mut db = SqliteConnection::connect_with(&options).await?;
        let mut tx = db.begin().await?;
        sqlx::query(FILL_SQLITE_PLAYERS)
            .bind(self.run)
            .bind(self.count)
            .execute(&mut *tx)
            .await?;
        sqlx::query(FILL_SQLITE_RATINGS)
            .bind(self.run)
            .bind(self.count)
            .bind(self.season_id)
            .bind(self.mode)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let sample = sqlx::query_scalar(SAMPLE)
            .bind(self.run)
            .bind(self.sample)
            .fetch_all(&mut db)
            .await?;
        db.close().await?;
        Ok(sample)
    }
}

/// Readies PostgreSQL for a measurement (nothing on SQLite): gathers its planner statistics,
/// as autovacuum would have on a database that had been running (a benchmark writes its
/// players and parties faster than it wakes, and with no statistics the planner may scan a
/// table, or intersect two indexes, where it should look up a few rows; some servers, such as
/// CI's, run with it off), then checkpoints, so the measurement does not run through a
/// checkpoint that the writes before it started (filling a million players writes about
/// half a gigabyte of WAL, and a checkpoint spreads its writes over half a minute). A role
/// not allowed to checkpoint only analyzes.
pub async fn settle(database_url: &str) -> anyhow::Result<()> {
    if database_url.starts_with("postgres") {
        let mut db = PgConnection::connect(database_url).await?;
        sqlx::query("ANALYZE").execute(&mut db).await?;
        if let Err(error) = sqlx::query("CHECKPOINT").execute(&mut db).await {
            eprintln!("no checkpoint before the measurement ({error}); its figures may be noisier");
        }
        db.close().await?;
    }
    Ok(())
}

/// Vacuums and analyzes PostgreSQL every `every` until `stop` is cancelled, as autovacuum does
/// on a production server: a steady workload leaves dead row versions in the indexes of the
/// tables it updates (the partial index of open matches grows with every match ever played),
/// and with autovacuum off (CI's server) lookups that stay cheap in production grow without
/// end.
pub async fn vacuum_every(
    database_url: String,
    every: Duration,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let mut db = PgConnection::connect(&database_url).await?;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        sqlx::query("VACUUM (ANALYZE)").execute(&mut db).await?;
    }
    db.close().await?;
    Ok(())
}
