//! [`Transaction`]: several changes, and the events describing them, committed together.

use std::{collections::HashMap, sync::Arc};

use rally_clock::Clock;
use sqlx::{Postgres, Sqlite};
use tokio::sync::Notify;

use crate::error::StoreError;
use crate::rating::RatingKey;
use crate::timestamp::Timestamp;
use crate::write_turns::WriteTurn;

pub(crate) enum Inner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// An open transaction on the store, from [`Store::begin`](crate::Store::begin).
///
/// Write operations that must happen together (a match, its participants, its tickets' state
/// change and its `match.created` outbox event) are methods on this type. Dropping it without
/// [`commit`](Transaction::commit) rolls everything back.
pub struct Transaction {
    pub(crate) inner: Inner,
    /// The transaction's span, ended with it (`db.outcome`: `commit`, `rollback`, or empty when
    /// dropped, which rolls back).
    pub(crate) span: tracing::Span,
    /// Set by [`Transaction::enqueue`]: the commit must wake the outbox relay.
    pub(crate) wrote_outbox: bool,
    pub(crate) signal: Arc<Notify>,
    /// On SQLite: this process's turn to write, held until the transaction ends.
    pub(crate) _writer: Option<WriteTurn>,
    /// The store's clock.
    pub(crate) clock: Clock,
    /// On PostgreSQL: where each rating locked by [`Transaction::lock_ratings`] lies (its
    /// `ctid`, fixed while the lock is held), so the write goes straight to the row.
    pub(crate) rating_places: HashMap<RatingKey, String>,
}

impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("backend", &self.db_system())
            .finish()
    }
}

impl Transaction {
    /// The database's name in a span's `db.system` attribute (OpenTelemetry's names).
    pub(crate) fn db_system(&self) -> &'static str {
        match self.inner {
            Inner::Sqlite(_) => "sqlite",
            Inner::Postgres(_) => "postgresql",
        }
    }

    /// The time now, on the store's clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::from(self.clock.now())
    }

    /// Says that the writer publishes this transaction's events itself once it has committed
    /// (and marks them published): the commit does not wake this process's outbox relay, which
    /// would race the writer to publish the same events (the stream drops the second copy,
    /// after both did the work). The relay still finds any the writer fails to mark, at its
    /// next pass.
    pub fn publishing_itself(&mut self) {
        self.wrote_outbox = false;
    }

    /// Makes every change of this transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.span.record("db.outcome", "commit");
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await?,
            Inner::Postgres(tx) => tx.commit().await?,
        }
        if self.wrote_outbox {
            self.signal.notify_one();
        }
        Ok(())
    }

    /// Undoes every change of this transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.span.record("db.outcome", "rollback");
        match self.inner {
            Inner::Sqlite(tx) => tx.rollback().await?,
            Inner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}
