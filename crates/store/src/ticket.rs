//! Queue tickets and their members.
//!
//! A ticket queues one player or a whole party; its players are rows of `ticket_members`, which
//! carry a copy of the ticket's state (kept equal by an `ON UPDATE CASCADE` key), so the unique
//! index `ticket_members_active_player_key` holds every player to at most one searching
//! ticket, alone or in a party. A cancelled, timed out or matched ticket does not block a new
//! one.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;
use crate::transaction::{Inner, Transaction};

text_enum! {
    /// Where a ticket is in its life.
    TicketState {
        /// Waiting for a match (the only active state).
        Searching = "searching",
        /// Placed in a match.
        Matched = "matched",
        /// Cancelled (by the player, or because the party changed).
        Cancelled = "cancelled",
        /// Waited too long.
        TimedOut = "timed_out",
    }
}

/// A ticket to create, in state [`TicketState::Searching`].
#[derive(Clone, Debug, PartialEq)]
pub struct NewTicket {
    /// The ticket's id (usually [`new_id`](crate::new_id)).
    pub id: Uuid,
    /// Who queued: the player alone, or the party's leader.
    pub owner_id: Uuid,
    /// The party queued, if any.
    pub party_id: Option<Uuid>,
    /// The queue's mode (`duel`, `squad`...).
    pub mode: String,
    /// The region the ticket is bucketed in.
    pub region: String,
    /// Measured latency per region, as json (`{"eu": 31, "na": 120}`).
    pub latencies: serde_json::Value,
    /// What the matchmaker needs to rebuild the ticket (members' ratings, roles...), as json.
    pub spec: serde_json::Value,
    /// The players queued (the owner and, for a party, every member).
    pub members: Vec<Uuid>,
    /// Enqueue time (kept when a ticket is requeued, so a player keeps their place).
    pub created_at: Timestamp,
}

impl NewTicket {
    /// The ticket as it is stored once created: searching, changed when created.
    pub fn as_stored(&self) -> Ticket {
        Ticket {
            id: self.id,
            owner_id: self.owner_id,
            party_id: self.party_id,
            mode: self.mode.clone(),
            region: self.region.clone(),
            latencies: self.latencies.clone(),
            spec: self.spec.clone(),
            state: TicketState::Searching,
            cancel_reason: None,
            match_id: None,
            created_at: self.created_at,
            updated_at: self.created_at,
        }
    }
}

/// A stored ticket.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Ticket {
    /// The ticket's id.
    pub id: Uuid,
    /// Who queued.
    pub owner_id: Uuid,
    /// The party queued, if any.
    pub party_id: Option<Uuid>,
    /// The queue's mode.
    pub mode: String,
    /// The region the ticket is bucketed in.
    pub region: String,
    /// Measured latency per region.
    pub latencies: serde_json::Value,
    /// What the matchmaker needs to rebuild the ticket.
    pub spec: serde_json::Value,
    /// Where the ticket is in its life.
    pub state: TicketState,
    /// Why it was cancelled, when it was.
    pub cancel_reason: Option<String>,
    /// The match it was placed in, when matched.
    pub match_id: Option<Uuid>,
    /// Enqueue time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A ticket's state at its last change, without the rest of the row: what a matchmaker reads
/// when it checks changes it has most likely seen already.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TicketChange {
    /// The ticket's id.
    pub id: Uuid,
    /// Where the ticket is in its life.
    pub state: TicketState,
    /// Its region (the bucket it belongs to).
    pub region: String,
}

const INSERT_TICKET: &str = "INSERT INTO queue_tickets \
     (id, owner_id, party_id, mode, region, latencies, spec, state, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $8, 'searching', $7, $7) \
     RETURNING id, owner_id, party_id, mode, region, latencies, spec, state, cancel_reason, match_id, \
     created_at, updated_at";
const INSERT_MEMBER: &str =
    "INSERT INTO ticket_members (ticket_id, state, player_id) VALUES ($1, 'searching', $2)";
const UPDATE_STATE: &str = "UPDATE queue_tickets \
     SET state = $3, match_id = $4, cancel_reason = $5, updated_at = $6 \
     WHERE id = $1 AND state = $2 \
     RETURNING id, owner_id, party_id, mode, region, latencies, spec, state, cancel_reason, match_id, \
     created_at, updated_at";
const SELECT_TICKET: &str = "SELECT id, owner_id, party_id, mode, region, latencies, spec, state, \
     cancel_reason, match_id, created_at, updated_at FROM queue_tickets WHERE id = $1";
const SELECT_MEMBERS: &str =
    "SELECT player_id FROM ticket_members WHERE ticket_id = $1 ORDER BY player_id";
const SELECT_ACTIVE_FOR_PLAYER: &str = "SELECT t.id, t.owner_id, t.party_id, t.mode, t.region, \
     t.latencies, t.spec, t.state, t.cancel_reason, t.match_id, t.created_at, t.updated_at \
     FROM ticket_members m JOIN queue_tickets t ON t.id = m.ticket_id \
     WHERE m.player_id = $1 AND m.state = 'searching'";
const SELECT_LATEST_FOR_PLAYER: &str = "SELECT t.id, t.owner_id, t.party_id, t.mode, t.region, \
     t.latencies, t.spec, t.state, t.cancel_reason, t.match_id, t.created_at, t.updated_at \
     FROM ticket_members m JOIN queue_tickets t ON t.id = m.ticket_id \
     WHERE m.player_id = $1 ORDER BY t.updated_at DESC, t.id DESC LIMIT 1";
const SELECT_ACTIVE_FOR_PARTY: &str = "SELECT id, owner_id, party_id, mode, region, latencies, \
     spec, state, cancel_reason, match_id, created_at, updated_at FROM queue_tickets \
     WHERE party_id = $1 AND state = 'searching'";
const SELECT_OF_MATCH: &str = "SELECT id, owner_id, party_id, mode, region, latencies, spec, \
     state, cancel_reason, match_id, created_at, updated_at FROM queue_tickets \
     WHERE match_id = $1 ORDER BY created_at, id";
const SELECT_OPEN_OF_MODE: &str = "SELECT id, owner_id, party_id, mode, region, latencies, \
     spec, state, cancel_reason, match_id, created_at, updated_at FROM queue_tickets \
     WHERE state = 'searching' AND mode = $1 ORDER BY created_at, id";
const SELECT_OPEN_IDS_PAGE: &str = "SELECT id, region FROM queue_tickets \
     WHERE state = 'searching' AND mode = $1 AND id > $2 ORDER BY id LIMIT $3";
const SELECT_CHANGED: &str = "SELECT id, owner_id, party_id, mode, region, latencies, spec, \
     state, cancel_reason, match_id, created_at, updated_at FROM queue_tickets \
     WHERE mode = $1 AND updated_at >= $2 ORDER BY updated_at, id";
const SELECT_CHANGES_BETWEEN: &str = "SELECT id, state, region FROM queue_tickets \
     WHERE mode = $1 AND updated_at >= $2 AND updated_at < $3 ORDER BY updated_at, id";
const NEXT_EPOCH: &str = "INSERT INTO queue_fences (queue, token) VALUES ($1, 1) \
     ON CONFLICT (queue) DO UPDATE SET token = queue_fences.token + 1 RETURNING token";
const CHECK_EPOCH: &str = "UPDATE queue_fences SET token = token WHERE queue = $1 AND token = $2";
/// On PostgreSQL the epoch's row is share-locked, not written: the matches of one round are
/// written at once, and a takeover's new epoch waits for every write holding the old one.
const SHARE_EPOCH: &str = "SELECT 1 FROM queue_fences WHERE queue = $1 AND token = $2 FOR SHARE";
const SELECT_OPEN: &str = "SELECT id, owner_id, party_id, mode, region, latencies, spec, state, \
     cancel_reason, match_id, created_at, updated_at FROM queue_tickets \
     WHERE state = 'searching' AND mode = $1 AND region = $2 ORDER BY created_at, id";

impl Transaction {
    /// Creates a searching ticket and its members. [`StoreError::Conflict`] on
    /// `ticket_members_active_player_key` when one of the players already has a searching
    /// ticket.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_ticket"))]
    pub async fn create_ticket(&mut self, new: &NewTicket) -> Result<Ticket, StoreError> {
        on_tx!(self, conn => {
            let ticket = sqlx::query_as::<_, Ticket>(INSERT_TICKET)
                .bind(new.id)
                .bind(new.owner_id)
                .bind(new.party_id)
                .bind(&new.mode)
                .bind(&new.region)
                .bind(&new.latencies)
                .bind(new.created_at)
                .bind(&new.spec)
                .fetch_one(&mut *conn)
                .await?;
            for player_id in &new.members {
                sqlx::query(INSERT_MEMBER)
                    .bind(new.id)
                    .bind(*player_id)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(ticket)
        })
    }

    /// Moves a ticket from state `from` to `to` (with the match it joined, or why it was
    /// cancelled). A conditional update: [`StoreError::NotFound`] when no ticket with this id
    /// is in state `from` (it was already matched or cancelled by someone else).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "set_ticket_state"))]
    pub async fn set_ticket_state(
        &mut self,
        id: Uuid,
        from: TicketState,
        to: TicketState,
        match_id: Option<Uuid>,
        cancel_reason: Option<&str>,
    ) -> Result<Ticket, StoreError> {
        let now = self.now();
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Ticket>(UPDATE_STATE)
                .bind(id)
                .bind(from.as_str())
                .bind(to.as_str())
                .bind(match_id)
                .bind(cancel_reason)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
        })
    }
}

impl Transaction {
    /// The party's searching ticket, if it is queued.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "active_ticket_of_party"))]
    pub async fn active_ticket_of_party(
        &mut self,
        party_id: Uuid,
    ) -> Result<Option<Ticket>, StoreError> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_ACTIVE_FOR_PARTY)
                .bind(party_id)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Admits a write for `queue` by the owner of `epoch` (from [`Store::take_queue`]), or fails
    /// with [`StoreError::Fenced`] when another owner took the queue since. Call it first in
    /// the transaction that writes a match, so the check and the write commit together (on
    /// PostgreSQL it also share-locks the queue's row until then: writes of one owner go
    /// together, and a takeover waits for them).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "fence_queue"))]
    pub async fn fence_queue(&mut self, queue: &str, epoch: u64) -> Result<(), StoreError> {
        let token = i64::try_from(epoch).map_err(|_| StoreError::Fenced {
            queue: queue.to_owned(),
        })?;
        let admitted = match &mut self.inner {
            Inner::Sqlite(tx) => sqlx::query(CHECK_EPOCH)
                .bind(queue)
                .bind(token)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Inner::Postgres(tx) => sqlx::query(SHARE_EPOCH)
                .bind(queue)
                .bind(token)
                .fetch_all(&mut **tx)
                .await?
                .len() as u64,
        };
        if admitted == 0 {
            return Err(StoreError::Fenced {
                queue: queue.to_owned(),
            });
        }
        Ok(())
    }
}

impl Store {
    /// Takes ownership of `queue` for writing: a new epoch, greater than every earlier one,
    /// which [`Transaction::fence_queue`] admits until someone takes the queue again. The
    /// store keeps the count, so it survives restarts of the state backend.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "take_queue"))]
    pub async fn take_queue(&self, queue: &str) -> Result<u64, StoreError> {
        let epoch: i64 = on_pool!(self, pool => {
            sqlx::query_scalar::<_, i64>(NEXT_EPOCH).bind(queue).fetch_one(pool).await?
        });
        Ok(u64::try_from(epoch).unwrap_or(0))
    }

    /// [`Transaction::create_ticket`] in a transaction of its own.
    pub async fn create_ticket(&self, new: &NewTicket) -> Result<Ticket, StoreError> {
        in_transaction!(self, tx => tx.create_ticket(new))
    }

    /// [`Transaction::set_ticket_state`] in a transaction of its own.
    pub async fn set_ticket_state(
        &self,
        id: Uuid,
        from: TicketState,
        to: TicketState,
        match_id: Option<Uuid>,
        cancel_reason: Option<&str>,
    ) -> Result<Ticket, StoreError> {
        in_transaction!(self, tx => tx.set_ticket_state(id, from, to, match_id, cancel_reason))
    }

    /// The ticket with this id, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "ticket"))]
    pub async fn ticket(&self, id: Uuid) -> Result<Ticket, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_TICKET).bind(id).fetch_one(pool).await?)
        })
    }

    /// The players of a ticket, by id.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "ticket_members"))]
    pub async fn ticket_members(&self, ticket_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, Uuid>(SELECT_MEMBERS)
                .bind(ticket_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The searching ticket this player is on (alone or with a party), if any.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "active_ticket_of_player"))]
    pub async fn active_ticket_of_player(
        &self,
        player_id: Uuid,
    ) -> Result<Option<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_ACTIVE_FOR_PLAYER)
                .bind(player_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The searching tickets of one bucket (mode x region), oldest first: what a matchmaker
    /// rebuilds its queue from.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "open_tickets"))]
    pub async fn open_tickets(&self, mode: &str, region: &str) -> Result<Vec<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_OPEN)
                .bind(mode)
                .bind(region)
                .fetch_all(pool)
                .await?)
        })
    }

    /// Every searching ticket of a queue (all its regions), oldest first: what a matchmaker
    /// rebuilds the queue from when it takes it over.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "open_tickets_of_mode"))]
    pub async fn open_tickets_of_mode(&self, mode: &str) -> Result<Vec<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_OPEN_OF_MODE)
                .bind(mode)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The ids and regions of up to `limit` searching tickets of a queue after `after` (from the
    /// first when `None`), in id order: how a matchmaker reads its whole queue again a page per
    /// round, reading in full only the tickets of its buckets it does not hold.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "open_ticket_ids_page"))]
    pub async fn open_ticket_ids_page(
        &self,
        mode: &str,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (Uuid, String)>(SELECT_OPEN_IDS_PAGE)
                .bind(mode)
                .bind(after.unwrap_or(Uuid::nil()))
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The tickets of a queue changed (created, matched, cancelled, timed out) at or after
    /// `since`, in order of change: how a matchmaker follows its queue between ticks.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "tickets_changed_since"))]
    pub async fn tickets_changed_since(
        &self,
        mode: &str,
        since: Timestamp,
    ) -> Result<Vec<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_CHANGED)
                .bind(mode)
                .bind(since)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The id and state of each ticket of a queue changed at or after `from` and before
    /// `until`, in order of change: how a matchmaker checks, a while later, the changes it read
    /// as they came (a commit may land after a later-stamped one was read).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "ticket_changes_between"))]
    pub async fn ticket_changes_between(
        &self,
        mode: &str,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<TicketChange>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, TicketChange>(SELECT_CHANGES_BETWEEN)
                .bind(mode)
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?)
        })
    }

    /// The player's most recently changed ticket (alone or with a party), in any state.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "latest_ticket_of_player"))]
    pub async fn latest_ticket_of_player(
        &self,
        player_id: Uuid,
    ) -> Result<Option<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_LATEST_FOR_PLAYER)
                .bind(player_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The tickets placed in a match.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "tickets_of_match"))]
    pub async fn tickets_of_match(&self, match_id: Uuid) -> Result<Vec<Ticket>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Ticket>(SELECT_OF_MATCH)
                .bind(match_id)
                .fetch_all(pool)
                .await?)
        })
    }
}
