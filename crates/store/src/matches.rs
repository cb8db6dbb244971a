//! Matches and their participants.
//!
//! A participant appears once per match (`match_participants_pkey`). Each participant row keeps
//! the rating before and after the match, and a copy of the match time (`played_at`) so a
//! player's history is one index range (`match_participants_history_idx`).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;

text_enum! {
    /// Where a match is in its life.
    MatchState {
        /// Made by the matchmaker, waiting for a server.
        Created = "created",
        /// Being played.
        Active = "active",
        /// Ended with a result.
        Completed = "completed",
        /// Called off before it was played.
        Cancelled = "cancelled",
        /// No server could be found.
        Failed = "failed",
    }
}

text_enum! {
    /// How a match ended for one participant.
    Outcome {
        /// Won.
        Win = "win",
        /// Lost.
        Loss = "loss",
        /// Drew.
        Draw = "draw",
        /// Left before the end.
        Left = "left",
    }
}

/// A match to create, with its participants.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMatch {
    /// The match's id (usually [`new_id`](crate::new_id)).
    pub id: Uuid,
    /// The queue's mode.
    pub mode: String,
    /// Where it is played.
    pub region: String,
    /// The season it counts for.
    pub season_id: Option<Uuid>,
    /// Initial state (usually [`MatchState::Created`]).
    pub state: MatchState,
    /// The engine's quality figures, as json.
    pub quality: serde_json::Value,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it ended, for a match stored already finished.
    pub ended_at: Option<Timestamp>,
    /// The W3C `traceparent` of the span that made it, for later work to link to.
    pub traceparent: Option<String>,
    /// Its players.
    pub participants: Vec<NewParticipant>,
}

/// A participant of a [`NewMatch`].
#[derive(Clone, Debug, PartialEq)]
pub struct NewParticipant {
    /// The player.
    pub player_id: Uuid,
    /// The team, from 0.
    pub team: i32,
    /// The party the player queued with.
    pub party_id: Option<Uuid>,
    /// Rating mean before the match.
    pub rating_mean_before: f64,
    /// Rating uncertainty before the match (positive).
    pub rating_uncertainty_before: f64,
    /// Rating mean after, once rated.
    pub rating_mean_after: Option<f64>,
    /// Rating uncertainty after, once rated.
    pub rating_uncertainty_after: Option<f64>,
    /// The player's outcome, once known.
    pub outcome: Option<Outcome>,
}

/// A stored match.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MatchRecord {
    /// The match's id.
    pub id: Uuid,
    /// The queue's mode.
    pub mode: String,
    /// Where it is played.
    pub region: String,
    /// The season it counts for.
    pub season_id: Option<Uuid>,
    /// Where it is in its life.
    pub state: MatchState,
    /// Quality figures.
    pub quality: serde_json::Value,
    /// The reported result, once stored.
    pub result: Option<serde_json::Value>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// The W3C `traceparent` of the span that made it.
    pub traceparent: Option<String>,
}

/// How one participant did, as a result reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParticipantOutcome {
    /// The player.
    pub player_id: Uuid,
    /// Win, loss, draw or left.
    pub outcome: Outcome,
    /// The finishing place (1 = first; equal places tie), when the result gives places.
    pub placement: Option<i32>,
}

/// A stored participant.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Participant {
    /// The match.
    pub match_id: Uuid,
    /// The player.
    pub player_id: Uuid,
    /// The team, from 0.
    pub team: i32,
    /// The party the player queued with.
    pub party_id: Option<Uuid>,
    /// The match's time.
    pub played_at: Timestamp,
    /// Rating mean before.
    pub rating_mean_before: f64,
    /// Rating uncertainty before.
    pub rating_uncertainty_before: f64,
    /// Rating mean after, once rated.
    pub rating_mean_after: Option<f64>,
    /// Rating uncertainty after, once rated.
    pub rating_uncertainty_after: Option<f64>,
    /// Glicko-2 volatility before, once rated (the other systems have none).
    pub rating_volatility_before: Option<f64>,
    /// Glicko-2 volatility after, once rated.
    pub rating_volatility_after: Option<f64>,
    /// The player's outcome, once known.
    pub outcome: Option<Outcome>,
    /// The player's finishing place (1 = first; equal places tie), once reported.
    pub placement: Option<i32>,
}

const INSERT_MATCH: &str = "INSERT INTO matches \
     (id, mode, region, season_id, state, quality, created_at, ended_at, traceparent) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     RETURNING id, mode, region, season_id, state, quality, result, created_at, ended_at, \
     traceparent";
pub(crate) const INSERT_PARTICIPANT: &str = "INSERT INTO match_participants \
     (match_id, player_id, team, party_id, played_at, rating_mean_before, \
      rating_uncertainty_before, rating_mean_after, rating_uncertainty_after, outcome) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const SELECT_MATCH: &str = "SELECT id, mode, region, season_id, state, quality, result, \
     created_at, ended_at, traceparent FROM matches WHERE id = $1";
const SELECT_PARTICIPANTS: &str = "SELECT match_id, player_id, team, party_id, played_at, \
     rating_mean_before, rating_uncertainty_before, rating_mean_after, rating_uncertainty_after, \
     outcome, placement, rating_volatility_before, rating_volatility_after \
     FROM match_participants WHERE match_id = $1 ORDER BY team, player_id";
const SELECT_MATCHES: &str = "SELECT id, mode, region, season_id, state, quality, result, \
     created_at, ended_at, traceparent FROM matches WHERE id = ANY($1)";
const SELECT_PARTICIPANTS_OF_ALL: &str = "SELECT match_id, player_id, team, party_id, \
     played_at, rating_mean_before, rating_uncertainty_before, rating_mean_after, \
     rating_uncertainty_after, outcome, placement, rating_volatility_before, \
     rating_volatility_after FROM match_participants WHERE match_id = ANY($1) \
     ORDER BY match_id, team, player_id";
const SELECT_HISTORY: &str = "SELECT match_id, player_id, team, party_id, played_at, \
     rating_mean_before, rating_uncertainty_before, rating_mean_after, rating_uncertainty_after, \
     outcome, placement, rating_volatility_before, rating_volatility_after \
     FROM match_participants WHERE player_id = $1 AND (played_at < $2 OR (played_at = $2 AND match_id < $3)) \
     ORDER BY played_at DESC, match_id DESC LIMIT $4";

impl Transaction {
    /// Creates a match and its participants. [`StoreError::Conflict`] on
    /// `match_participants_pkey` when a player is listed twice.
    #[tracing::instrument(name = "db.query", parent = &self.span, skip_all, fields(db.system = self.db_system(), db.operation.name = "create_match"))]
    pub async fn create_match(&mut self, new: &NewMatch) -> Result<MatchRecord, StoreError> {
        on_tx!(self, conn => {
            let record = sqlx::query_as::<_, MatchRecord>(INSERT_MATCH)
                .bind(new.id)
                .bind(&new.mode)
                .bind(&new.region)
                .bind(new.season_id)
                .bind(new.state.as_str())
                .bind(&new.quality)
                .bind(new.created_at)
                .bind(new.ended_at)
                .bind(&new.traceparent)
                .fetch_one(&mut *conn)
                .await?;
            for p in &new.participants {
                sqlx::query(INSERT_PARTICIPANT)
                    .bind(new.id)
                    .bind(p.player_id)
                    .bind(p.team)
                    .bind(p.party_id)
                    .bind(new.created_at)
                    .bind(p.rating_mean_before)
                    .bind(p.rating_uncertainty_before)
                    .bind(p.rating_mean_after)
                    .bind(p.rating_uncertainty_after)
                    .bind(p.outcome.map(Outcome::as_str))
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(record)
        })
    }
}

impl Store {
    /// [`Transaction::create_match`] in a transaction of its own.
    pub async fn create_match(&self, new: &NewMatch) -> Result<MatchRecord, StoreError> {
        in_transaction!(self, tx => tx.create_match(new))
    }

    /// The match with this id, or [`StoreError::NotFound`].
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "match_record"))]
    pub async fn match_record(&self, id: Uuid) -> Result<MatchRecord, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, MatchRecord>(SELECT_MATCH).bind(id).fetch_one(pool).await?)
        })
    }

    /// The matches of `ids` that exist, in no particular order: one query on PostgreSQL.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "match_records"))]
    pub async fn match_records(&self, ids: &[Uuid]) -> Result<Vec<MatchRecord>, StoreError> {
        match &self.pool {
            Pool::Postgres(pool) => Ok(sqlx::query_as::<_, MatchRecord>(SELECT_MATCHES)
                .bind(ids)
                .fetch_all(pool)
                .await?),
            Pool::Sqlite(pool) => {
                let mut records = Vec::with_capacity(ids.len());
                for id in ids {
                    let record = sqlx::query_as::<_, MatchRecord>(SELECT_MATCH)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?;
                    records.extend(record);
                }
                Ok(records)
            }
        }
    }

    /// The participants of every match of `match_ids`, by match, team and player: one query
    /// on PostgreSQL.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "participants_of"))]
    pub async fn participants_of(
        &self,
        match_ids: &[Uuid],
    ) -> Result<Vec<Participant>, StoreError> {
        match &self.pool {
            Pool::Postgres(pool) => {
                Ok(sqlx::query_as::<_, Participant>(SELECT_PARTICIPANTS_OF_ALL)
                    .bind(match_ids)
                    .fetch_all(pool)
                    .await?)
            }
            Pool::Sqlite(pool) => {
                let mut ids = match_ids.to_vec();
                ids.sort_unstable();
                ids.dedup();
                let mut all = Vec::new();
                for id in ids {
                    let rows = sqlx::query_as::<_, Participant>(SELECT_PARTICIPANTS)
                        .bind(id)
                        .fetch_all(pool)
                        .await?;
                    all.extend(rows);
                }
                Ok(all)
            }
        }
    }

    /// The participants of a match, by team.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "match_participants"))]
    pub async fn match_participants(&self, match_id: Uuid) -> Result<Vec<Participant>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Participant>(SELECT_PARTICIPANTS)
                .bind(match_id)
                .fetch_all(pool)
                .await?)
        })
    }

    /// A page of a player's history, newest first. `before` is the keyset cursor: the
    /// (`played_at`, `match_id`) of the last entry of the previous page, `None` for the first.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "player_history"))]
    pub async fn player_history(
        &self,
        player_id: Uuid,
        before: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<Participant>, StoreError> {
        let (at, id) = before.unwrap_or((
            Timestamp::from_unix_millis(253_402_300_799_999),
            Uuid::max(),
        ));
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Participant>(SELECT_HISTORY)
                .bind(player_id)
                .bind(at)
                .bind(id)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
