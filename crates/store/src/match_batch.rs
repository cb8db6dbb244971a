//! A matchmaker round's matches written in one transaction, with a handful of statements
//! whatever their number: the parties and the tickets locked, the matches and their
//! participants inserted, the tickets moved into their matches and the parties freed, each in
//! one statement on PostgreSQL (arrays unnested). SQLite, whose one writer serializes anyway and
//! whose statements cost no round trip, runs the single-row statements in a loop.
//!
//! Locks are taken in the order every other writer of these rows takes them: parties first,
//! then tickets, each in id order, so a round and a party change or a cancel wait for each
//! other instead of deadlocking.
//!
//! Under the store's generic plans a statement is planned once per connection, expecting ten
//! keys: PostgreSQL then prefers to hash every searching ticket (a hundred thousand, in a busy
//! queue) over looking ten up. A round's transaction turns sequential scans, hash joins and
//! merge joins off for itself ([`Transaction::lock_parties`] does, as its first statement), so
//! each key is one index lookup, whatever the size of its table.

use std::collections::HashSet;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::matches::NewMatch;
use crate::transaction::{Inner, Transaction};

/// For the rest of the transaction only: look rows up by their keys (see the module).
const INDEX_LOOKUPS: &str = "SELECT set_config('enable_seqscan', 'off', true), \
     set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";
const LOCK_PARTIES: &str = "SELECT id FROM parties WHERE id = ANY($1) ORDER BY id FOR UPDATE";
const LOCK_SEARCHING: &str = "SELECT id FROM queue_tickets \
     WHERE id = ANY($1) AND state = 'searching' ORDER BY id FOR UPDATE";
const SEARCHING: &str = "SELECT id FROM queue_tickets WHERE id = $1 AND state = 'searching'";
const INSERT_MATCHES: &str = "INSERT INTO matches \
     (id, mode, region, season_id, state, quality, created_at, ended_at, traceparent) \
     SELECT m.id, m.mode, m.region, m.season_id, m.state, m.quality::jsonb, m.created_at, \
     m.ended_at, m.traceparent \
     FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], \
     $7::timestamptz[], $8::timestamptz[], $9::text[]) \
     AS m(id, mode, region, season_id, state, quality, created_at, ended_at, traceparent)";
const INSERT_PARTICIPANTS: &str = "INSERT INTO match_participants \
     (match_id, player_id, team, party_id, played_at, rating_mean_before, \
      rating_uncertainty_before, rating_mean_after, rating_uncertainty_after, outcome) \
     SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::int4[], $4::uuid[], $5::timestamptz[], \
     $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::text[])";
const MATCH_TICKETS: &str = "UPDATE queue_tickets t SET state = 'matched', match_id = c.match_id, \
     updated_at = $3 \
     FROM UNNEST($1::uuid[], $2::uuid[]) AS c(id, match_id) \
     WHERE t.id = c.id AND t.state = 'searching'";
const MATCH_TICKET: &str = "UPDATE queue_tickets SET state = 'matched', match_id = $2, \
     updated_at = $3 WHERE id = $1 AND state = 'searching'";
const FREE_PARTIES: &str = "UPDATE parties SET state = 'active', updated_at = $2 \
     WHERE id = ANY($1) AND state IN ('active', 'queued')";
const FREE_PARTY: &str = "UPDATE parties SET state = 'active', updated_at = $2 \
     WHERE id = $1 AND state IN ('active', 'queued')";

/// A ticket moved into a match by [`Transaction::match_tickets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketClaim {
    /// The ticket, searching until now.
    pub ticket_id: Uuid,
    /// The match it joins.
    pub match_id: Uuid,
}

impl Transaction {
    /// Locks the parties of `ids` that exist, in id order, for the rest of the transaction (a
    /// party change waits for it, as it waits for a party change). On PostgreSQL this starts a
    /// round's batch: lookups by id go through the primary key from here on (see the module).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_parties"))]
    pub async fn lock_parties(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        let ids = sorted(ids);
        match &mut self.inner {
            Inner::Postgres(tx) => {
                sqlx::query(INDEX_LOOKUPS).execute(&mut **tx).await?;
                if !ids.is_empty() {
                    sqlx::query(LOCK_PARTIES)
                        .bind(&ids)
                        .fetch_all(&mut **tx)
                        .await?;
                }
            }
            // The single writer holds every row already.
            Inner::Sqlite(_) => {}
        }
        Ok(())
    }

    /// Of `ids`, the tickets still searching, locked in id order for the rest of the
    /// transaction (PostgreSQL; SQLite's single writer serializes anyway): a cancel that did
    /// not commit first waits for this transaction, and then finds its ticket matched.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_searching_tickets"))]
    pub async fn lock_searching_tickets(
        &mut self,
        ids: &[Uuid],
    ) -> Result<HashSet<Uuid>, StoreError> {
        let ids = sorted(ids);
        match &mut self.inner {
            Inner::Postgres(tx) => {
                let searching: Vec<Uuid> = sqlx::query_scalar(LOCK_SEARCHING)
                    .bind(&ids)
                    .fetch_all(&mut **tx)
                    .await?;
                Ok(searching.into_iter().collect())
            }
            Inner::Sqlite(tx) => {
                let mut searching = HashSet::with_capacity(ids.len());
                for id in ids {
                    let found: Option<Uuid> = sqlx::query_scalar(SEARCHING)
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    searching.extend(found);
                }
                Ok(searching)
            }
        }
    }

    /// Creates every match of `new` and their participants. [`StoreError::Conflict`] on
    /// `match_participants_pkey` when a player is listed twice in one match.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_matches"))]
    pub async fn create_matches(&mut self, new: &[&NewMatch]) -> Result<(), StoreError> {
        if new.is_empty() {
            return Ok(());
        }
        let Inner::Postgres(tx) = &mut self.inner else {
            // SQLite's one writer: no round trips to save.
            for m in new {
                self.create_match(m).await?;
            }
            return Ok(());
        };
        let matches = |f: fn(&NewMatch) -> &str| new.iter().map(|m| f(m)).collect::<Vec<_>>();
        sqlx::query(INSERT_MATCHES)
            .bind(new.iter().map(|m| m.id).collect::<Vec<_>>())
            .bind(matches(|m| &m.mode))
            .bind(matches(|m| &m.region))
            .bind(new.iter().map(|m| m.season_id).collect::<Vec<_>>())
            .bind(matches(|m| m.state.as_str()))
            .bind(
                new.iter()
                    .map(|m| m.quality.to_string())
                    .collect::<Vec<_>>(),
            )
            .bind(new.iter().map(|m| time(m.created_at)).collect::<Vec<_>>())
            .bind(new.iter().map(|m| m.ended_at.map(time)).collect::<Vec<_>>())
            .bind(
                new.iter()
                    .map(|m| m.traceparent.as_deref())
                    .collect::<Vec<_>>(),
            )
            .execute(&mut **tx)
            .await?;
        let rows: Vec<_> = new
            .iter()
            .flat_map(|m| m.participants.iter().map(move |p| (*m, p)))
            .collect();
        let column = |f: fn(&crate::NewParticipant) -> f64| {
            rows.iter().map(|(_, p)| f(p)).collect::<Vec<_>>()
        };
        let after = |f: fn(&crate::NewParticipant) -> Option<f64>| -> Vec<Option<f64>> {
            rows.iter().map(|(_, p)| f(p)).collect()
        };
        sqlx::query(INSERT_PARTICIPANTS)
            .bind(rows.iter().map(|(m, _)| m.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|(_, p)| p.player_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|(_, p)| p.team).collect::<Vec<_>>())
            .bind(rows.iter().map(|(_, p)| p.party_id).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|(m, _)| time(m.created_at))
                    .collect::<Vec<_>>(),
            )
            .bind(column(|p| p.rating_mean_before))
            .bind(column(|p| p.rating_uncertainty_before))
            .bind(after(|p| p.rating_mean_after))
            .bind(after(|p| p.rating_uncertainty_after))
            .bind(
                rows.iter()
                    .map(|(_, p)| p.outcome.map(|o| o.as_str()))
                    .collect::<Vec<_>>(),
            )
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Moves each ticket of `claims` from searching into its match; how many moved (fewer
    /// than `claims` when some were no longer searching: lock them first with
    /// [`Transaction::lock_searching_tickets`] to know which).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "match_tickets"))]
    pub async fn match_tickets(&mut self, claims: &[TicketClaim]) -> Result<u64, StoreError> {
        if claims.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        match &mut self.inner {
            Inner::Postgres(tx) => Ok(sqlx::query(MATCH_TICKETS)
                .bind(claims.iter().map(|c| c.ticket_id).collect::<Vec<_>>())
                .bind(claims.iter().map(|c| c.match_id).collect::<Vec<_>>())
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected()),
            Inner::Sqlite(tx) => {
                let mut moved = 0;
                for claim in claims {
                    moved += sqlx::query(MATCH_TICKET)
                        .bind(claim.ticket_id)
                        .bind(claim.match_id)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                }
                Ok(moved)
            }
        }
    }

    /// Moves the queued parties of `ids` back to active (their tickets were matched), as
    /// changed now; a closed party stays closed.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "free_parties"))]
    pub async fn free_parties(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.now();
        match &mut self.inner {
            Inner::Postgres(tx) => {
                sqlx::query(FREE_PARTIES)
                    .bind(ids)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            Inner::Sqlite(tx) => {
                for id in ids {
                    sqlx::query(FREE_PARTY)
                        .bind(id)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// `ids` in id order, each once.
fn sorted(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `at` as sqlx binds a `timestamptz` in an array.
fn time(at: crate::Timestamp) -> OffsetDateTime {
    at.to_offset_date_time()
}
