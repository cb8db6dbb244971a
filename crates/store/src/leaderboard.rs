//! Seasonal standings: ranked by conservative rating (`mean - 3 * uncertainty`), ties broken by
//! player id, materialized so reads are one index range.
//!
//! PostgreSQL: a materialized view refreshed `CONCURRENTLY` (readers are never blocked; it has
//! the unique index that needs). SQLite: a table rebuilt in one transaction by the same
//! [`Store::refresh_leaderboard`] (readers see the old standings or the new, never a mix).

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::{Pool, Store};

/// One row of the standings.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LeaderboardEntry {
    /// The season.
    pub season_id: Uuid,
    /// The queue's mode.
    pub mode: String,
    /// The player.
    pub player_id: Uuid,
    /// The player's username.
    pub username: String,
    /// The player's display name.
    pub display_name: String,
    /// Rating mean.
    pub mean: f64,
    /// Rating uncertainty.
    pub uncertainty: f64,
    /// `mean - 3 * uncertainty`, the ranking key.
    pub conservative: f64,
    /// Rated games played.
    pub games: i32,
    /// Position in the standings, from 1.
    #[sqlx(rename = "board_rank")]
    pub rank: i64,
}

const REFRESH_POSTGRES: &str = "REFRESH MATERIALIZED VIEW CONCURRENTLY leaderboard";
const CLEAR_SQLITE: &str = "DELETE FROM leaderboard";
/// The same SELECT as the PostgreSQL view's definition (migrations/postgres).
const FILL_SQLITE: &str = "INSERT INTO leaderboard (season_id, mode, player_id, username, \
     display_name, mean, uncertainty, conservative, games, board_rank) \
     SELECT r.season_id, r.mode, r.player_id, p.username, p.display_name, r.mean, r.uncertainty, \
     r.mean - 3 * r.uncertainty, r.games, \
     row_number() OVER (PARTITION BY r.season_id, r.mode \
                        ORDER BY r.mean - 3 * r.uncertainty DESC, r.player_id) \
     FROM ratings r JOIN players p ON p.id = r.player_id WHERE p.status = 'active'";
const SELECT_PAGE: &str = "SELECT season_id, mode, player_id, username, display_name, mean, \
     uncertainty, conservative, games, board_rank FROM leaderboard \
     WHERE season_id = $1 AND mode = $2 AND board_rank > $3 ORDER BY board_rank LIMIT $4";

const COUNT: &str = "SELECT count(*) FROM leaderboard WHERE season_id = $1 AND mode = $2";
const RANK_OF: &str = "SELECT board_rank FROM leaderboard \
     WHERE season_id = $1 AND mode = $2 AND player_id = $3";

impl Store {
    /// How many players the materialized standings of a season and mode hold.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "leaderboard_count"))]
    pub async fn leaderboard_count(&self, season_id: Uuid, mode: &str) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>(COUNT).bind(season_id).bind(mode).fetch_one(pool).await?)
        })
    }

    /// A player's position (from 1) in the materialized standings, if ranked.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "leaderboard_rank"))]
    pub async fn leaderboard_rank(
        &self,
        season_id: Uuid,
        mode: &str,
        player_id: Uuid,
    ) -> Result<Option<i64>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>(RANK_OF)
                .bind(season_id)
                .bind(mode)
                .bind(player_id)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// Recomputes the standings of every season and mode from the ratings.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "refresh_leaderboard"))]
    pub async fn refresh_leaderboard(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query(REFRESH_POSTGRES).execute(pool).await?;
            }
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query(CLEAR_SQLITE).execute(&mut *tx).await?;
                sqlx::query(FILL_SQLITE).execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// A page of the standings of one season and mode, as of the last refresh: the `limit`
    /// entries ranked after `after_rank` (0 for the top).
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "leaderboard_page"))]
    pub async fn leaderboard_page(
        &self,
        season_id: Uuid,
        mode: &str,
        after_rank: i64,
        limit: i64,
    ) -> Result<Vec<LeaderboardEntry>, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, LeaderboardEntry>(SELECT_PAGE)
                .bind(season_id)
                .bind(mode)
                .bind(after_rank)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}
