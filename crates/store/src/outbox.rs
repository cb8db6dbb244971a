//! The outbox: events written in the same transaction as the change they describe, and
//! published afterwards by a relay, so a crash between commit and publish loses nothing.
//! Ids are uuid v7, so id order is enqueue order.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

/// An event to enqueue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// The event's id: a uuid v7 ([`crate::new_id`]), so id order is enqueue order; it is
    /// also the id the event is published with, so a retried publish is stored once.
    pub id: Uuid,
    /// Subject or stream topic (`match.created`, `player.registered`...).
    pub topic: String,
    /// Ordering or deduplication key (usually the id of what changed).
    pub key: String,
    /// The event's body: JSON text, stored and published as it is.
    pub payload: String,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OutboxEvent {
    /// The event's id (its publication order).
    pub id: Uuid,
    /// Subject or stream topic.
    pub topic: String,
    /// Ordering or deduplication key.
    pub key: String,
    /// The event's body: JSON text, as enqueued.
    pub payload: String,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// When it was published, once it was.
    pub published_at: Option<Timestamp>,
    /// Failed publication attempts so far.
    pub attempts: i32,
}

const INSERT: &str = "INSERT INTO outbox (id, topic, key, payload, created_at) \
     VALUES ($1, $2, $3, $4, $5)";
const INSERT_ALL: &str = "INSERT INTO outbox (id, topic, key, payload, created_at) \
     SELECT e.id, e.topic, e.key, e.payload, $5 \
     FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[]) AS e(id, topic, key, payload)";
const SELECT_UNPUBLISHED: &str = "SELECT id, topic, key, payload, created_at, published_at, \
     attempts FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1";
/// The advisory lock of the outbox relay's turn (a fixed key: the bytes of `rally.ob`).
const RELAY_LOCK: i64 = 0x7261_6c6c_792e_6f62;
/// Takes the turn and reads the batch in one round trip: one row with `held` false (and no
/// event) while another relay holds the turn, else one row per event, or one row with no
/// event when there is none.
/// (Materialized: the lock is tried once, not folded into the join and tried per event.)
const TAKE_TURN: &str = "WITH t AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1) AS held) \
     SELECT t.held, o.id, o.topic, o.key, o.payload, o.created_at, o.published_at, o.attempts \
     FROM t LEFT JOIN LATERAL \
     (SELECT * FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $2) o ON t.held";
const MARK_PUBLISHED: &str =
    "UPDATE outbox SET published_at = $2 WHERE id = $1 AND published_at IS NULL";
const COUNT_ATTEMPT: &str =
    "UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 AND published_at IS NULL";
const MARK_ALL_PUBLISHED: &str =
    "UPDATE outbox SET published_at = $2 WHERE id = ANY($1) AND published_at IS NULL";
const COUNT_ALL_ATTEMPTS: &str =
    "UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1) AND published_at IS NULL";

impl Transaction {
    /// Enqueues an event, committed (or rolled back) with the rest of this transaction.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "enqueue"))]
    pub async fn enqueue(&mut self, event: &NewEvent) -> Result<Uuid, StoreError> {
        let id = event.id;
        let now = self.now();
        on_tx!(self, conn => {
            sqlx::query(INSERT)
                .bind(id)
                .bind(&event.topic)
                .bind(&event.key)
                .bind(&event.payload)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        });
        self.wrote_outbox = true;
        Ok(id)
    }

    /// Enqueues every event of `events`, in their order, with one statement on PostgreSQL.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "enqueue_all"))]
    pub async fn enqueue_all(&mut self, events: &[NewEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        match &mut self.inner {
            crate::transaction::Inner::Postgres(tx) => {
                let now = Timestamp::from(self.clock.now());
                sqlx::query(INSERT_ALL)
                    .bind(events.iter().map(|e| e.id).collect::<Vec<_>>())
                    .bind(events.iter().map(|e| e.topic.as_str()).collect::<Vec<_>>())
                    .bind(events.iter().map(|e| e.key.as_str()).collect::<Vec<_>>())
                    .bind(
                        events
                            .iter()
                            .map(|e| e.payload.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                self.wrote_outbox = true;
            }
            crate::transaction::Inner::Sqlite(_) => {
                for event in events {
                    self.enqueue(event).await?;
                }
            }
        }
        Ok(())
    }
}

/// One relay's turn at publishing the outbox, from [`Store::outbox_turn`], with the oldest
/// events not yet published: while it is held no other relay of the deployment takes one, so
/// the events are published in the outbox's order and each once. On PostgreSQL it is one
/// transaction holding an advisory lock: the turn is taken and the batch read in one
/// statement, and [`OutboxTurn::end`] marks what was published and releases the lock in the
/// same transaction (a turn dropped instead ends with its connection's queued rollback,
/// marking nothing). On SQLite, whose store one process owns, every turn is granted.
#[derive(Debug)]
pub struct OutboxTurn {
    held: Held,
    events: Vec<OutboxEvent>,
}

/// What holds a turn: the transaction with the lock (PostgreSQL), or the store its one
/// process owns (SQLite), which marks the events when the turn ends.
#[derive(Debug)]
enum Held {
    Lock(Transaction),
    Owned(Store),
}

/// A row of [`TAKE_TURN`].
#[derive(sqlx::FromRow)]
struct TurnRow {
    held: bool,
    id: Option<Uuid>,
    topic: Option<String>,
    key: Option<String>,
    payload: Option<String>,
    created_at: Option<Timestamp>,
    published_at: Option<Timestamp>,
    attempts: Option<i32>,
}

impl TurnRow {
    fn event(self) -> Option<OutboxEvent> {
        Some(OutboxEvent {
            id: self.id?,
            topic: self.topic?,
            key: self.key?,
            payload: self.payload?,
            created_at: self.created_at?,
            published_at: self.published_at,
            attempts: self.attempts?,
        })
    }
}

impl OutboxTurn {
    /// The events of this turn, oldest first.
    pub fn events(&self) -> &[OutboxEvent] {
        &self.events
    }

    /// Ends the turn, marking `published` as published and counting a failed attempt on each
    /// of `failed`; another relay may take the next.
    pub async fn end(self, published: &[Uuid], failed: &[Uuid]) -> Result<(), StoreError> {
        let mut tx = match self.held {
            Held::Lock(tx) => tx,
            Held::Owned(store) => {
                store.mark_published(published).await?;
                store.record_failed_attempt(failed).await?;
                return Ok(());
            }
        };
        if published.is_empty() && failed.is_empty() {
            return tx.rollback().await;
        }
        let now = tx.now();
        if let crate::transaction::Inner::Postgres(conn) = &mut tx.inner {
            if !published.is_empty() {
                sqlx::query(MARK_ALL_PUBLISHED)
                    .bind(published)
                    .bind(now)
                    .execute(&mut **conn)
                    .await?;
            }
            if !failed.is_empty() {
                sqlx::query(COUNT_ALL_ATTEMPTS)
                    .bind(failed)
                    .execute(&mut **conn)
                    .await?;
            }
        }
        tx.commit().await
    }
}

impl Store {
    /// A turn at publishing the outbox with its oldest `limit` unpublished events, or `None`
    /// while another relay holds one.
    pub async fn outbox_turn(&self, limit: i64) -> Result<Option<OutboxTurn>, StoreError> {
        if self.backend() == crate::store::Backend::Sqlite {
            return Ok(Some(OutboxTurn {
                held: Held::Owned(self.clone()),
                events: self.next_unpublished(limit).await?,
            }));
        }
        let mut tx = self.begin().await?;
        let rows = match &mut tx.inner {
            crate::transaction::Inner::Postgres(conn) => {
                sqlx::query_as::<_, TurnRow>(TAKE_TURN)
                    .bind(RELAY_LOCK)
                    .bind(limit)
                    .fetch_all(&mut **conn)
                    .await?
            }
            crate::transaction::Inner::Sqlite(_) => Vec::new(),
        };
        if !rows.first().is_some_and(|row| row.held) {
            tx.rollback().await?;
            return Ok(None);
        }
        Ok(Some(OutboxTurn {
            held: Held::Lock(tx),
            events: rows.into_iter().filter_map(TurnRow::event).collect(),
        }))
    }

    /// [`Transaction::enqueue`] in a transaction of its own (for an event that describes no
    /// stored change).
    pub async fn enqueue(&self, event: &NewEvent) -> Result<Uuid, StoreError> {
        in_transaction!(self, tx => tx.enqueue(event))
    }

    /// The oldest `limit` events not yet published, in enqueue order.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "next_unpublished"))]
    pub async fn next_unpublished(&self, limit: i64) -> Result<Vec<OutboxEvent>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, OutboxEvent>(SELECT_UNPUBLISHED)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Marks events published; returns how many were not already. Unknown ids are ignored.
    pub async fn mark_published(&self, ids: &[Uuid]) -> Result<u64, StoreError> {
        self.update_each([MARK_ALL_PUBLISHED, MARK_PUBLISHED], ids, Some(self.now()))
            .await
    }

    /// Counts a failed publication attempt on each event; returns how many were counted.
    pub async fn record_failed_attempt(&self, ids: &[Uuid]) -> Result<u64, StoreError> {
        self.update_each([COUNT_ALL_ATTEMPTS, COUNT_ATTEMPT], ids, None)
            .await
    }

    /// Runs `sql` (for all ids at once, for one id) in one transaction: one statement over an
    /// array on PostgreSQL, where each statement is a round trip; one per id on SQLite, where
    /// none is and arrays are not.
    async fn update_each(
        &self,
        [all, one]: [&'static str; 2],
        ids: &[Uuid],
        at: Option<Timestamp>,
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let mut changed = 0;
        match &mut tx.inner {
            crate::transaction::Inner::Postgres(conn) => {
                let mut query = sqlx::query(all).bind(ids);
                if let Some(at) = at {
                    query = query.bind(at);
                }
                changed = query.execute(&mut **conn).await?.rows_affected();
            }
            crate::transaction::Inner::Sqlite(conn) => {
                for id in ids {
                    let mut query = sqlx::query(one).bind(*id);
                    if let Some(at) = at {
                        query = query.bind(at);
                    }
                    changed += query.execute(&mut **conn).await?.rows_affected();
                }
            }
        }
        tx.commit().await?;
        Ok(changed)
    }
}
