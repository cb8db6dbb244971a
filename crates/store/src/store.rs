//! [`Store`]: the connection pool to SQLite or PostgreSQL, migrations, ping and transactions.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rally_clock::Clock;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use tokio::sync::Notify;

use crate::error::StoreError;
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};
use crate::write_turns::{WriteTurns, is_sheddable};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a caller waits for a pooled connection (and so for a connection attempt), and on
/// SQLite for its turn to write, before the store answers [`StoreError::Unavailable`], unless
/// [`Store::connect_with_wait`] says otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(3);
/// Upper bound of [`Store::ping`], whatever the network does.
const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// How long SQLite waits on a lock held by another connection before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates `dir` and its missing parents for the owner only (0700 on Unix).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The database holds emails and password hashes: create its file for the owner only (0600),
/// and take group and other access away from one that has it. SQLite gives the `-wal` and
/// `-shm` files it creates the mode of the database file; those that exist are tightened too.
fn private_files(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    drop(options.open(path)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut name = path.as_os_str().to_owned();
        let wal = {
            let mut n = name.clone();
            n.push("-wal");
            n
        };
        name.push("-shm");
        for file in [path.as_os_str(), wal.as_os_str(), name.as_os_str()] {
            let Ok(metadata) = std::fs::metadata(file) else {
                continue;
            };
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
        }
    }
    Ok(())
}

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (embedded mode).
    Sqlite,
    /// A PostgreSQL server (scaled mode).
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The durable store: a pool over SQLite or PostgreSQL. Cloning is cheap (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Woken by every commit that wrote to the outbox, so a relay in this process publishes at
    /// once instead of on its next poll.
    pub(crate) outbox_written: Arc<Notify>,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of in SQLite's busy handler, which sleeps in steps of up to 100 ms between retries and
    /// turns a short wait into a long one. (Other processes still meet the busy handler.)
    pub(crate) write_turns: Arc<WriteTurns>,
    /// The longest wait for a connection or a turn to write.
    pub(crate) wait: Duration,
    /// The longest wait a player's request ([`crate::sheddable`]) takes on for its turn: a
    /// pooled connection, or (SQLite) the turns ahead of it at their recent pace.
    pub(crate) queue_bound: Duration,
    /// Where every time the store writes by itself comes from.
    pub(crate) clock: Clock,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...`) and
    /// checks that the database answers. SQLite: creates the file and its directory, WAL
    /// journal, foreign keys on, a busy timeout. Fails with [`StoreError::Unavailable`] within a
    /// few seconds when PostgreSQL cannot be reached.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with_wait(url, DEFAULT_WAIT).await
    }

    /// Like [`Store::connect`], with `wait` as the longest wait for a pooled connection or (on
    /// SQLite) a turn to write: past it an operation fails with [`StoreError::Unavailable`], so
    /// a caller under load can answer "try later" instead of queueing without bound.
    pub async fn connect_with_wait(url: &str, wait: Duration) -> Result<Store, StoreError> {
        let store = Self::connect_lazy_with_wait(url, wait)?;
        store.ping().await?;
        Ok(store)
    }

    /// Like [`Store::connect`] but opens no connection until the first query, so a store for a
    /// PostgreSQL that is down can be built (its queries fail with
    /// [`StoreError::Unavailable`] until the server is back, then work again).
    pub fn connect_lazy(url: &str) -> Result<Store, StoreError> {
        Self::connect_lazy_with_wait(url, DEFAULT_WAIT)
    }

    /// [`Store::connect_lazy`] with the wait of [`Store::connect_with_wait`].
    pub fn connect_lazy_with_wait(url: &str, wait: Duration) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            Self::sqlite(url, wait)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Generic plans for every prepared statement: PostgreSQL otherwise keeps planning a
            // statement afresh on each execution once its first plans looked cheaper than the
            // generic one (they do while tables are small), which cost the queue's standings
            // read 0.4 ms of planning per request against 0.06 ms for running it.
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Url(format!("not a PostgreSQL url: {e}")))?
                .options([("plan_cache_mode", "force_generic_plan")]);
            // No round trip to test a connection as it is taken from the pool: sqlx already
            // tests each one as it is given back (one round trip of its own, off the request's
            // path), so the test on taking it only caught a connection that died while idle,
            // at the price of a round trip before every statement and transaction. A
            // connection that died idle (PostgreSQL restarted) fails its one statement with
            // `Unavailable`, a 503 the client retries, and is dropped.
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(wait)
                .test_before_acquire(false)
                .connect_lazy_with(options);
            Ok(Store {
                pool: Pool::Postgres(pool),
                outbox_written: Arc::default(),
                write_turns: Arc::default(),
                wait,
                queue_bound: wait,
                clock: Clock::system(),
            })
        } else {
            Err(StoreError::Url(
                "expected a url starting with sqlite: or postgres://".to_owned(),
            ))
        }
    }

    fn sqlite(url: &str, wait: Duration) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Url(format!("not an SQLite url: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let path = options.get_filename();
        // sqlx names an in-memory database `file:sqlx-in-memory-N`: go by the URL instead.
        let in_memory = url.contains(":memory:")
            || url.contains("mode=memory")
            || path.as_os_str().is_empty()
            || path == Path::new(":memory:");
        let dir = path
            .parent()
            .filter(|d| !in_memory && !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            private_dir(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        if !in_memory {
            private_files(path).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", path.display()))
            })?;
        }
        // An in-memory database lives in its connection: keep exactly one, forever.
        let pool_options = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        };
        let pool = pool_options
            .acquire_timeout(wait)
            .connect_lazy_with(options);
        Ok(Store {
            pool: Pool::Sqlite(pool),
            outbox_written: Arc::default(),
            write_turns: Arc::default(),
            wait,
            queue_bound: wait,
            clock: Clock::system(),
        })
    }

    /// This store reading its times (of rows it stamps by itself: publication, revocation,
    /// update times...) from `clock`, as the node's services do.
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// This store refusing a player's request ([`crate::sheddable`]) at once, rather than
    /// letting it wait, when its transaction would wait longer than `bound` for its turn
    /// (capped by the store's wait). Work outside a request waits up to the store's wait.
    pub fn with_queue_bound(mut self, bound: Duration) -> Store {
        self.queue_bound = bound.min(self.wait);
        self
    }

    /// The store's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The time now, on the store's clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::from(self.clock.now())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations that have not run yet; running it again is harmless.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// The database's name in a span's `db.system` attribute (OpenTelemetry's names).
    pub(crate) fn db_system(&self) -> &'static str {
        match &self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgresql",
        }
    }

    /// Round-trips a trivial query and returns how long it took. Fails with
    /// [`StoreError::Unavailable`] within a few seconds when the database does not answer.
    pub async fn ping(&self) -> Result<Duration, StoreError> {
        let started = Instant::now();
        let query = async {
            on_pool!(self, pool => {
                sqlx::query("SELECT 1").execute(pool).await?;
            });
            Ok::<(), StoreError>(())
        };
        match tokio::time::timeout(PING_TIMEOUT, query).await {
            Ok(result) => result.map(|()| started.elapsed()),
            Err(_) => Err(StoreError::Unavailable(format!(
                "no answer within {} s",
                PING_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Starts a transaction for changes; they (and the events enqueued in it) commit together
    /// with [`Transaction::commit`], or not at all. On SQLite it holds the write lock from the
    /// start (`BEGIN IMMEDIATE`), so writers queue instead of failing; keep it short.
    pub async fn begin(&self) -> Result<Transaction, StoreError> {
        // From the wait for a connection (or SQLite's write turn) to the commit or rollback;
        // `db.*` attributes only, never a value.
        let span = tracing::info_span!(
            "db.transaction",
            db.system = self.db_system(),
            db.outcome = tracing::field::Empty,
        );
        let shed_past = is_sheddable().then_some(self.queue_bound);
        let (inner, writer) = match &self.pool {
            // IMMEDIATE takes SQLite's write lock up front (waiting up to the busy timeout):
            // a deferred transaction that reads, then writes after another writer committed,
            // fails at once with SQLITE_BUSY_SNAPSHOT instead of waiting its turn.
            Pool::Sqlite(pool) => {
                let writer = self
                    .write_turns
                    .take(self.wait, shed_past, &self.clock)
                    .await?;
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                (Inner::Sqlite(tx), Some(writer))
            }
            Pool::Postgres(pool) => {
                let tx = match shed_past {
                    Some(bound) if bound < self.wait => tokio::time::timeout(bound, pool.begin())
                        .await
                        .map_err(|_| {
                            StoreError::Unavailable(format!(
                                "no connection within the {} ms a request waits",
                                bound.as_millis()
                            ))
                        })??,
                    _ => pool.begin().await?,
                };
                (Inner::Postgres(tx), None)
            }
        };
        Ok(Transaction {
            inner,
            span,
            _writer: writer,
            wrote_outbox: false,
            signal: self.outbox_written.clone(),
            clock: self.clock.clone(),
            rating_places: std::collections::HashMap::new(),
        })
    }

    /// Completes after a transaction of this store (this process's handle and its clones)
    /// that enqueued an event has committed; a commit made before the call but not yet waited
    /// for completes it at once. Events written by other processes do not wake it: poll too.
    pub async fn outbox_written(&self) {
        self.outbox_written.notified().await;
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}
