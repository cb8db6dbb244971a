//! A ticket's change and the event announcing it, written together without an explicit
//! transaction on PostgreSQL: a player queueing alone, or cancelling, is a few statements in a
//! transaction (`BEGIN`, the ticket, its members, the event, `COMMIT`), each a round trip that
//! under load waits its turn for the CPU on both sides. On PostgreSQL each write here is one
//! statement (data-modifying `WITH` clauses, committed on their own, all or nothing); on
//! SQLite, whose writes are in process, it is the same transaction as before.

use uuid::Uuid;

use crate::error::StoreError;
use crate::outbox::NewEvent;
use crate::store::{Pool, Store};
use crate::ticket::{NewTicket, Ticket, TicketState};

/// The ticket, its members and the event, in one statement; the ticket as stored.
const CREATE: &str = "WITH t AS (INSERT INTO queue_tickets \
     (id, owner_id, party_id, mode, region, latencies, spec, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $8, 'searching', $7, $7) \
     RETURNING id, owner_id, party_id, mode, region, latencies, spec, state, cancel_reason, \
     match_id, created_at, updated_at), \
     m AS (INSERT INTO ticket_members (ticket_id, state, player_id) \
     SELECT $1, 'searching', p FROM UNNEST($9::uuid[]) AS p), \
     o AS (INSERT INTO outbox (id, topic, key, payload, created_at) \
     VALUES ($10, $11, $12, $13, $14)) \
     SELECT * FROM t";

/// The ticket moved from one state to another, and the event written only when it moved.
const END: &str = "WITH t AS (UPDATE queue_tickets \
     SET state = $3, match_id = NULL, cancel_reason = $4, updated_at = $5 \
     WHERE id = $1 AND state = $2 \
     RETURNING id, owner_id, party_id, mode, region, latencies, spec, state, cancel_reason, \
     match_id, created_at, updated_at), \
     o AS (INSERT INTO outbox (id, topic, key, payload, created_at) \
     SELECT $6, $7, $8, $9, $5 FROM t) \
     SELECT * FROM t";

impl Store {
    /// Creates a searching ticket, its members and `event`, all or nothing (one statement on
    /// PostgreSQL). [`StoreError::Conflict`] on `ticket_members_active_player_key` when one of
    /// the players already has a searching ticket; then nothing is written.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "create_ticket_announced"))]
    pub async fn create_ticket_announced(
        &self,
        new: &NewTicket,
        event: &NewEvent,
    ) -> Result<Ticket, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            let mut tx = self.begin().await?;
            let ticket = tx.create_ticket(new).await?;
            tx.enqueue(event).await?;
            tx.commit().await?;
            return Ok(ticket);
        };
        let ticket = sqlx::query_as::<_, Ticket>(CREATE)
            .bind(new.id)
            .bind(new.owner_id)
            .bind(new.party_id)
            .bind(&new.mode)
            .bind(&new.region)
            .bind(&new.latencies)
            .bind(new.created_at)
            .bind(&new.spec)
            .bind(&new.members)
            .bind(event.id)
            .bind(&event.topic)
            .bind(&event.key)
            .bind(&event.payload)
            .bind(self.now())
            .fetch_one(pool)
            .await?;
        self.outbox_written.notify_one();
        Ok(ticket)
    }

    /// Moves ticket `id` from `from` to `to` (a state without a match: cancelled or timed
    /// out) with `reason`, and writes `event`, all or nothing (one statement on PostgreSQL).
    /// [`StoreError::NotFound`] when the ticket is not in `from` (matched or cancelled by
    /// someone else meanwhile); then nothing is written, the event neither.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "end_ticket_announced"))]
    pub async fn end_ticket_announced(
        &self,
        id: Uuid,
        from: TicketState,
        to: TicketState,
        reason: &str,
        event: &NewEvent,
    ) -> Result<Ticket, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            let mut tx = self.begin().await?;
            let ticket = tx
                .set_ticket_state(id, from, to, None, Some(reason))
                .await?;
            tx.enqueue(event).await?;
            tx.commit().await?;
            return Ok(ticket);
        };
        let ticket = sqlx::query_as::<_, Ticket>(END)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(reason)
            .bind(self.now())
            .bind(event.id)
            .bind(&event.topic)
            .bind(&event.key)
            .bind(&event.payload)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.outbox_written.notify_one();
        Ok(ticket)
    }
}
