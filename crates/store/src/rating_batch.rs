//! Many results applied to ratings in one transaction, with a handful of statements whatever
//! their number: the matches claimed, the ratings created where missing and locked, the new
//! ratings written and each participant's before and after recorded, each in one statement on
//! PostgreSQL (arrays unnested). SQLite, whose one writer serializes anyway and whose statements
//! cost no round trip, runs the single-row statements in a loop.
//!
//! Each statement joins the batch's keys (a few thousand at most) to their rows. PostgreSQL's
//! planner, costing those rows as read from disk, prefers to hash the whole table once the table
//! is a few hundred thousand rows: a sequential scan of every rating per batch, which made those
//! statements six times slower than looking each key up in the primary key, and slower still as
//! the table grows. A batch's transaction turns hash and merge joins off for itself
//! ([`Transaction::claim_ratings`] does, as the first statement of every batch), so every join
//! is an index lookup per key, whatever the table's size.
//!
//! The new ratings are written where the lock found them: [`Transaction::lock_ratings`] keeps
//! each row's `ctid`, which cannot change while the transaction holds the row's lock, and
//! [`Transaction::write_ratings`] updates by it (a TID scan: no second descent of the primary
//! key per rating, half the statement's time with a million ratings), each row checked against
//! its key as well.
//!
//! Locks are taken in one order, matches by id and then ratings by key, so two transactions
//! applying overlapping batches wait for each other instead of deadlocking (but for the rare
//! case [`Transaction::lock_ratings`] describes).

use std::collections::HashMap;

use uuid::Uuid;

use crate::error::StoreError;
use crate::rating::{Rating, RatingKey, RatingValue, SELECT_ONE};
use crate::transaction::{Inner, Transaction};

/// A rating written back by [`Transaction::write_ratings`].
#[derive(Clone, Debug, PartialEq)]
pub struct RatingWrite {
    /// Whose rating.
    pub key: RatingKey,
    /// The new value.
    pub value: RatingValue,
    /// Rated games played, this one included.
    pub games: i32,
}

/// A participant's rating before and after a match, as [`Transaction::record_participant_ratings`]
/// records it: (mean, uncertainty) each.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParticipantRating {
    /// The match.
    pub match_id: Uuid,
    /// The participant.
    pub player_id: Uuid,
    /// Mean and uncertainty before.
    pub before: (f64, f64),
    /// Mean and uncertainty after.
    pub after: (f64, f64),
    /// Volatility before and after, for a system that has one (Glicko-2).
    pub volatility: Option<(f64, f64)>,
}

/// For the rest of the transaction only: join keys to rows by index lookups (see the module).
const INDEX_JOINS: &str = "SELECT set_config('enable_hashjoin', 'off', true), \
     set_config('enable_mergejoin', 'off', true)";
const CLAIM_ALL: &str = "WITH claimable AS ( \
     SELECT id FROM matches WHERE id = ANY($1) AND rated_at IS NULL ORDER BY id FOR UPDATE) \
     UPDATE matches m SET rated_at = $2 FROM claimable c WHERE m.id = c.id RETURNING m.id";
const CLAIM_ONE: &str = "UPDATE matches SET rated_at = $2 WHERE id = $1 AND rated_at IS NULL";
const ENSURE_ALL: &str = "INSERT INTO ratings \
     (player_id, season_id, mode, mean, uncertainty, games, updated_at) \
     SELECT k.player_id, k.season_id, k.mode, k.mean, k.uncertainty, 0, $6 \
     FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[]) \
     AS k(player_id, season_id, mode, mean, uncertainty) \
     ORDER BY 1, 2, 3 \
     ON CONFLICT (player_id, season_id, mode) DO NOTHING";
const ENSURE_ONE: &str = "INSERT INTO ratings (player_id, season_id, mode, mean, uncertainty, \
     games, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) \
     ON CONFLICT (player_id, season_id, mode) DO NOTHING";
const LOCK_ALL: &str = "SELECT r.player_id, r.season_id, r.mode, r.mean, r.uncertainty, \
     r.volatility, r.games, r.updated_at, r.ctid::text AS place \
     FROM ratings r JOIN UNNEST($1::uuid[], $2::uuid[], $3::text[]) AS k(player_id, season_id, mode) \
     ON r.player_id = k.player_id AND r.season_id = k.season_id AND r.mode = k.mode \
     ORDER BY r.player_id, r.season_id, r.mode FOR UPDATE OF r";
const WRITE_ALL: &str = "UPDATE ratings r SET mean = w.mean, uncertainty = w.uncertainty, \
     volatility = w.volatility, games = w.games, updated_at = $8 \
     FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $6::float8[], \
     $7::int4[], $9::text[]) AS w(player_id, season_id, mode, mean, uncertainty, volatility, games, \
     place) \
     WHERE r.ctid = w.place::tid \
     AND r.player_id = w.player_id AND r.season_id = w.season_id AND r.mode = w.mode";
const WRITE_ONE: &str = "UPDATE ratings SET mean = $4, uncertainty = $5, volatility = $6, \
     games = $7, updated_at = $8 WHERE player_id = $1 AND season_id = $2 AND mode = $3";
const RECORD_ALL: &str = "UPDATE match_participants p SET rating_mean_before = v.mean_before, \
     rating_uncertainty_before = v.uncertainty_before, rating_mean_after = v.mean_after, \
     rating_uncertainty_after = v.uncertainty_after, \
     rating_volatility_before = v.volatility_before, rating_volatility_after = v.volatility_after \
     FROM UNNEST($1::uuid[], $2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], \
     $7::float8[], $8::float8[]) \
     AS v(match_id, player_id, mean_before, uncertainty_before, mean_after, uncertainty_after, \
     volatility_before, volatility_after) \
     WHERE p.match_id = v.match_id AND p.player_id = v.player_id";
const RECORD_ONE: &str = "UPDATE match_participants SET rating_mean_before = $3, \
     rating_uncertainty_before = $4, rating_mean_after = $5, rating_uncertainty_after = $6, \
     rating_volatility_before = $7, rating_volatility_after = $8 \
     WHERE match_id = $1 AND player_id = $2";

impl Transaction {
    /// Claims the right to apply each match's result to ratings; the ids claimed, in id order.
    /// Each id is claimed exactly once over all transactions: by the first to commit it (a
    /// second waits on PostgreSQL's row lock, then finds it claimed and leaves it out).
    ///
    /// On PostgreSQL this starts the batch: the transaction's joins become index lookups from
    /// here on (see the module).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "claim_ratings"))]
    pub async fn claim_ratings(&mut self, match_ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
        let now = self.now();
        let mut ids = match_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        match &mut self.inner {
            Inner::Postgres(tx) => {
                sqlx::query(INDEX_JOINS).execute(&mut **tx).await?;
                let mut claimed: Vec<Uuid> = sqlx::query_scalar(CLAIM_ALL)
                    .bind(&ids)
                    .bind(now)
                    .fetch_all(&mut **tx)
                    .await?;
                claimed.sort_unstable();
                Ok(claimed)
            }
            Inner::Sqlite(tx) => {
                let mut claimed = Vec::new();
                for id in ids {
                    let done = sqlx::query(CLAIM_ONE)
                        .bind(id)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    if done.rows_affected() > 0 {
                        claimed.push(id);
                    }
                }
                Ok(claimed)
            }
        }
    }

    /// The ratings of `keys`, each created at its start value when missing, and locked for the
    /// rest of the transaction (PostgreSQL; SQLite's single writer serializes anyway). One row
    /// per distinct key.
    ///
    /// Existing rows are locked first, in key order, then the missing ones are created and
    /// locked. Two transactions creating the same new player while each holds a row the other
    /// wants can deadlock; PostgreSQL ends one of them with an error, and the caller tries
    /// again (the ratings role retries each result on its own).
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "lock_ratings"))]
    pub async fn lock_ratings(
        &mut self,
        keys: &[(RatingKey, RatingValue)],
    ) -> Result<Vec<Rating>, StoreError> {
        let now = self.now();
        let mut keys = keys.to_vec();
        keys.sort_unstable_by(|(a, _), (b, _)| order(a).cmp(&order(b)));
        keys.dedup_by(|(a, _), (b, _)| a == b);
        match &mut self.inner {
            Inner::Postgres(tx) => {
                // The rows that exist, locked; then those that did not, created and locked. A
                // returning player (nearly every one) costs one lookup, not an insert attempt
                // and a lookup.
                let places = &mut self.rating_places;
                let mut rows = lock_existing(tx, &keys, places).await?;
                if rows.len() < keys.len() {
                    let found: std::collections::HashSet<(Uuid, Uuid, &str)> = rows
                        .iter()
                        .map(|r| (r.player_id, r.season_id, r.mode.as_str()))
                        .collect();
                    let missing: Vec<(RatingKey, RatingValue)> = keys
                        .iter()
                        .filter(|(k, _)| !found.contains(&order(k)))
                        .cloned()
                        .collect();
                    let players: Vec<Uuid> = missing.iter().map(|(k, _)| k.player_id).collect();
                    let seasons: Vec<Uuid> = missing.iter().map(|(k, _)| k.season_id).collect();
                    let modes: Vec<&str> = missing.iter().map(|(k, _)| k.mode.as_str()).collect();
                    let means: Vec<f64> = missing.iter().map(|(_, v)| v.mean).collect();
                    let spreads: Vec<f64> = missing.iter().map(|(_, v)| v.uncertainty).collect();
                    sqlx::query(ENSURE_ALL)
                        .bind(&players)
                        .bind(&seasons)
                        .bind(&modes)
                        .bind(&means)
                        .bind(&spreads)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    let created = lock_existing(tx, &missing, places).await?;
                    rows.extend(created);
                }
                Ok(rows)
            }
            Inner::Sqlite(tx) => {
                let mut rows = Vec::with_capacity(keys.len());
                for (key, start) in &keys {
                    sqlx::query(ENSURE_ONE)
                        .bind(key.player_id)
                        .bind(key.season_id)
                        .bind(&key.mode)
                        .bind(start.mean)
                        .bind(start.uncertainty)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    let row = sqlx::query_as::<_, Rating>(SELECT_ONE)
                        .bind(key.player_id)
                        .bind(key.season_id)
                        .bind(&key.mode)
                        .fetch_one(&mut **tx)
                        .await?;
                    // The single writer holds every row: only the key is kept.
                    self.rating_places.insert(key.clone(), String::new());
                    rows.push(row);
                }
                Ok(rows)
            }
        }
    }

    /// Writes ratings locked by [`Transaction::lock_ratings`], one write per key, and each
    /// once per lock (a rating written is locked again before it is written again: the write
    /// moved its row). [`StoreError::Invalid`] when a mean is not finite, an uncertainty not
    /// positive, or a volatility not in (0, 10], or (`ratings_locked`) when a rating was not
    /// locked by this transaction or was written since: then nothing of the transaction should
    /// be committed.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "write_ratings"))]
    pub async fn write_ratings(&mut self, writes: &[RatingWrite]) -> Result<(), StoreError> {
        let now = self.now();
        let unlocked = || StoreError::Invalid {
            constraint: "ratings_locked".to_owned(),
        };
        let places = writes
            .iter()
            .map(|w| self.rating_places.get(&w.key).map(String::as_str))
            .collect::<Option<Vec<&str>>>()
            .ok_or_else(unlocked)?;
        match &mut self.inner {
            Inner::Postgres(tx) => {
                let column = |f: fn(&RatingWrite) -> f64| writes.iter().map(f).collect::<Vec<_>>();
                let written = sqlx::query(WRITE_ALL)
                    .bind(writes.iter().map(|w| w.key.player_id).collect::<Vec<_>>())
                    .bind(writes.iter().map(|w| w.key.season_id).collect::<Vec<_>>())
                    .bind(
                        writes
                            .iter()
                            .map(|w| w.key.mode.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .bind(column(|w| w.value.mean))
                    .bind(column(|w| w.value.uncertainty))
                    .bind(column(|w| w.value.volatility))
                    .bind(writes.iter().map(|w| w.games).collect::<Vec<_>>())
                    .bind(now)
                    .bind(places)
                    .execute(&mut **tx)
                    .await?;
                // Each row is where its lock found it, and is the row of its key: anything
                // else is a write of a rating the transaction does not hold.
                if written.rows_affected() != writes.len() as u64 {
                    return Err(unlocked());
                }
            }
            Inner::Sqlite(tx) => {
                for w in writes {
                    sqlx::query(WRITE_ONE)
                        .bind(w.key.player_id)
                        .bind(w.key.season_id)
                        .bind(&w.key.mode)
                        .bind(w.value.mean)
                        .bind(w.value.uncertainty)
                        .bind(w.value.volatility)
                        .bind(w.games)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        // A row written has moved: it is locked (read) again before it is written again.
        for w in writes {
            self.rating_places.remove(&w.key);
        }
        Ok(())
    }

    /// Records each participant's rating before and after their match.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "record_participant_ratings"))]
    pub async fn record_participant_ratings(
        &mut self,
        rows: &[ParticipantRating],
    ) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Postgres(tx) => {
                let column =
                    |f: fn(&ParticipantRating) -> f64| rows.iter().map(f).collect::<Vec<_>>();
                sqlx::query(RECORD_ALL)
                    .bind(rows.iter().map(|r| r.match_id).collect::<Vec<_>>())
                    .bind(rows.iter().map(|r| r.player_id).collect::<Vec<_>>())
                    .bind(column(|r| r.before.0))
                    .bind(column(|r| r.before.1))
                    .bind(column(|r| r.after.0))
                    .bind(column(|r| r.after.1))
                    .bind(
                        rows.iter()
                            .map(|r| r.volatility.map(|v| v.0))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        rows.iter()
                            .map(|r| r.volatility.map(|v| v.1))
                            .collect::<Vec<_>>(),
                    )
                    .execute(&mut **tx)
                    .await?;
            }
            Inner::Sqlite(tx) => {
                for r in rows {
                    sqlx::query(RECORD_ONE)
                        .bind(r.match_id)
                        .bind(r.player_id)
                        .bind(r.before.0)
                        .bind(r.before.1)
                        .bind(r.after.0)
                        .bind(r.after.1)
                        .bind(r.volatility.map(|v| v.0))
                        .bind(r.volatility.map(|v| v.1))
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// A rating as [`LOCK_ALL`] reads it: with where it lies.
#[derive(sqlx::FromRow)]
struct Locked {
    #[sqlx(flatten)]
    rating: Rating,
    /// The row's `ctid`, as text.
    place: String,
}

/// The ratings of `keys` that exist, locked in key order; where each lies is kept in `places`.
async fn lock_existing(
    tx: &mut sqlx::PgConnection,
    keys: &[(RatingKey, RatingValue)],
    places: &mut HashMap<RatingKey, String>,
) -> Result<Vec<Rating>, StoreError> {
    let players: Vec<Uuid> = keys.iter().map(|(k, _)| k.player_id).collect();
    let seasons: Vec<Uuid> = keys.iter().map(|(k, _)| k.season_id).collect();
    let modes: Vec<&str> = keys.iter().map(|(k, _)| k.mode.as_str()).collect();
    let locked = sqlx::query_as::<_, Locked>(LOCK_ALL)
        .bind(&players)
        .bind(&seasons)
        .bind(&modes)
        .fetch_all(tx)
        .await?;
    Ok(locked
        .into_iter()
        .map(|Locked { rating, place }| {
            let key = RatingKey {
                player_id: rating.player_id,
                season_id: rating.season_id,
                mode: rating.mode.clone(),
            };
            places.insert(key, place);
            rating
        })
        .collect())
}

/// The global order ratings are locked in.
fn order(key: &RatingKey) -> (Uuid, Uuid, &str) {
    (key.player_id, key.season_id, key.mode.as_str())
}
